import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Returns the folder of elido-sim's package.json, from src/ (tests) or dist/src/ (built). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "elido-sim"
    ) {
      return dir;
    }
    dir = dirname(dir);
  }
  throw new Error("Cannot find elido-sim's package.json above this module.");
}

/**
 * Returns the folder of the built reference integrations, passed to integration commands as
 * `ELIDO_SIM_EXAMPLES` so that shipped scenarios can start them from any working directory.
 */
export function examplesDir(): string {
  return join(packageRoot(), "dist", "examples");
}
