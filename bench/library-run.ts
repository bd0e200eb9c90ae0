/**
 * Runs only the in-process benchmark of bench/library.ts, without the rest of `npm run bench`.
 *
 * Usage: npm run build && node dist/bench/library-run.js
 */
import { measureInProcessRows } from "./library.js";

process.stdout.write(await measureInProcessRows());
