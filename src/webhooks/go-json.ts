const GO_HTML_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * Serializes `value` to the bytes Go's `encoding/json` `Marshal` writes for the same struct:
 * compact, keys in insertion order (Go writes struct fields in declaration order), and `<`,
 * `>`, `&`, U+2028 and U+2029 escaped as `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`.
 *
 * `JSON.stringify` already matches Go for the rest: `\n`, `\r`, `\t`, `\"`, `\\` and other
 * control characters as lowercase `\u00XX`. Since Go 1.22 Go writes `\b` and `\f` as short
 * escapes too, as `JSON.stringify` does.
 *
 * NOTE: only integers, strings, booleans, null, arrays and plain objects are supported. Go
 * formats floats and replaces lone surrogates (invalid UTF-8) differently, and neither occurs
 * in Elido events.
 */
export function encodeGoJson(value: unknown): string {
  // The escaped characters can only occur inside JSON strings, so a pass over the whole
  // output escapes exactly the string contents.
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (char) => GO_HTML_ESCAPES[char] ?? char,
  );
}
