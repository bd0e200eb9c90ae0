import { describe, expect, it } from "vitest";
import { formatDuration, parseDurationMs } from "../../src/clock/duration.js";

describe("parseDurationMs", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["21m", 1_260_000],
    ["1h30m", 5_400_000],
    ["2d", 172_800_000],
    ["1.5s", 1_500],
    ["1m30s500ms", 90_500],
    ["250", 250],
    ["0s", 0],
    ["  45s  ", 45_000],
  ])("parses %j", (input, expectedMs) => {
    expect(parseDurationMs(input)).toBe(expectedMs);
  });

  it.each(["", "   ", "abc", "10x", "-5s", "1h 30m", "s", "1.s", ".5s", "30s!"])(
    "rejects %j",
    (input) => {
      expect(parseDurationMs(input)).toBeUndefined();
    },
  );

  it("accepts a non-negative number", () => {
    expect(parseDurationMs(1_500)).toBe(1_500);
    expect(parseDurationMs(0)).toBe(0);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("rejects the number %s", (input) => {
    expect(parseDurationMs(input)).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [999, "999ms"],
    [1_000, "1s"],
    [2_500, "2.5s"],
    [30_000, "30s"],
    [1_260_000, "21m"],
    [5_400_000, "1h30m"],
    [90_000, "1m30s"],
    [172_800_000, "2d"],
    [90_061_000, "1d1h1m1s"],
  ])("formats %d ms as %j", (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it.each(["500ms", "30s", "21m", "1h30m", "2d", "2.5s", "1d1h1m1s"])(
    "round-trips %j through parseDurationMs",
    (text) => {
      expect(formatDuration(parseDurationMs(text) as number)).toBe(text);
    },
  );
});
