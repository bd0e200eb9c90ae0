import { describe, expect, it } from "vitest";
import { encodeGoJson } from "../../src/webhooks/go-json.js";

// Each expected string is what Go 1.22+ json.Marshal writes for the same struct.
const CASES: Array<[string, unknown, string]> = [
  ["ampersand", { v: "a & b" }, '{"v":"a \\u0026 b"}'],
  ["angle brackets", { v: "<b>" }, '{"v":"\\u003cb\\u003e"}'],
  ["line separator", { v: "a\u2028b" }, '{"v":"a\\u2028b"}'],
  ["paragraph separator", { v: "a\u2029b" }, '{"v":"a\\u2029b"}'],
  ["non-ASCII kept raw", { v: "Größe 日本" }, '{"v":"Größe 日本"}'],
  ["emoji kept raw", { v: "👟" }, '{"v":"👟"}'],
  ["quote and backslash", { v: 'a"b\\c' }, '{"v":"a\\"b\\\\c"}'],
  ["newline, tab, carriage return", { v: "a\nb\tc\rd" }, '{"v":"a\\nb\\tc\\rd"}'],
  ["backspace and form feed", { v: "\b\f" }, '{"v":"\\b\\f"}'],
  ["other control characters", { v: "\u0001\u001f" }, '{"v":"\\u0001\\u001f"}'],
  ["escapes in keys", { "a&b": 1 }, '{"a\\u0026b":1}'],
  ["null, booleans and integers", { a: null, b: true, c: 4123 }, '{"a":null,"b":true,"c":4123}'],
  ["field order kept", { z: 1, a: 2 }, '{"z":1,"a":2}'],
];

describe("encodeGoJson", () => {
  it.each(CASES)("encodes %s as Go does", (_name, value, expected) => {
    expect(encodeGoJson(value)).toBe(expected);
  });
});
