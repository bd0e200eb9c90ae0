import { describe, expect, it } from "vitest";
import { ElidoSimError } from "../../src/errors.js";
import { resolveLoadOptions } from "../../src/load/load-options.js";

const BASE = { target: "http://127.0.0.1:8787/webhook", secret: "whsec_x" };

function usageMessage(input: Parameters<typeof resolveLoadOptions>[0]): string {
  try {
    resolveLoadOptions(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ElidoSimError);
    expect((error as ElidoSimError).code).toBe("ELIDO_SIM_ERR_USAGE");
    return (error as Error).message;
  }
  throw new Error("expected a usage error");
}

describe("resolveLoadOptions", () => {
  it("applies defaults and freezes", () => {
    const options = resolveLoadOptions({ ...BASE, duration: "30s" });
    expect(options.durationMs).toBe(30_000);
    expect(options.connections).toBe(10);
    expect(options.maxErrorRate).toBe(0.5);
    expect(options.calibrate).toBe(true);
    expect(Object.isFrozen(options)).toBe(true);
  });

  it("reads a bare number as seconds", () => {
    expect(resolveLoadOptions({ ...BASE, duration: "2", warmup: "0.5" }).warmupMs).toBe(500);
    expect(resolveLoadOptions({ ...BASE, duration: 2 }).durationMs).toBe(2_000);
  });

  it("turns calibration off in fixed-rate mode", () => {
    expect(resolveLoadOptions({ ...BASE, duration: 1, rate: 100 }).calibrate).toBe(false);
  });

  it("rejects a run without a bound", () => {
    expect(usageMessage(BASE)).toContain("Missing bound: pass --duration");
  });

  it("caps the duration at max-duration", () => {
    expect(usageMessage({ ...BASE, duration: "11m" })).toContain("more than --max-duration 600 s");
    expect(resolveLoadOptions({ ...BASE, duration: "11m", maxDuration: "12m" }).durationMs).toBe(
      660_000,
    );
  });

  it("lists every problem at once", () => {
    const message = usageMessage({
      target: "ftp://host/x",
      secret: "",
      duration: "soon",
      duplicates: 1.5,
    });
    expect(message).toContain('Invalid --target "ftp://host/x"');
    expect(message).toContain("Missing --secret");
    expect(message).toContain('Invalid --duration "soon"');
    expect(message).toContain("Invalid --duplicates 1.5");
  });

  it("rejects shares that leave no valid deliveries", () => {
    expect(usageMessage({ ...BASE, duration: 1, duplicates: 0.6, invalid: 0.4 })).toContain(
      "their sum must be below 1",
    );
  });

  it("rejects a long calibration", () => {
    expect(usageMessage({ ...BASE, duration: 1, calibrateDuration: 30 })).toContain(
      "Invalid --calibrate-duration 30",
    );
  });
});
