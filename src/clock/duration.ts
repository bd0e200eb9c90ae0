const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/;

/**
 * Parses a duration such as `500ms`, `30s`, `21m`, `1h30m` or `2d` into milliseconds.
 * A bare number is taken as milliseconds. Returns `undefined` for anything else.
 */
export function parseDurationMs(input: string | number): number | undefined {
  if (typeof input === "number") {
    return Number.isFinite(input) && input >= 0 ? input : undefined;
  }
  let rest = input.trim();
  if (rest === "") {
    return undefined;
  }
  if (/^\d+(?:\.\d+)?$/.test(rest)) {
    return Number(rest);
  }
  let totalMs = 0;
  while (rest !== "") {
    const match = DURATION_PATTERN.exec(rest);
    if (match === null) {
      return undefined;
    }
    const [whole, amount, unit] = match as unknown as [string, string, string];
    totalMs += Number(amount) * (UNIT_MS[unit] as number);
    rest = rest.slice(whole.length);
  }
  return totalMs;
}

/** Formats milliseconds as the shortest readable duration, e.g. `21m`, `1h30m`, `2.5s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) {
    return "0s";
  }
  if (ms < 1_000) {
    return `${Math.round(ms)}ms`;
  }
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
  ] as const) {
    if (rest >= size) {
      const count = Math.floor(rest / size);
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  if (rest > 0) {
    const seconds = rest / 1_000;
    // Up to millisecond precision, trailing zeros dropped: 2.5s, 59.999s.
    parts.push(`${Number(seconds.toFixed(3))}s`);
  }
  return parts.join("");
}
