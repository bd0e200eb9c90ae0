import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { RunResult } from "../scenario/run-scenario.js";
import { renderHtmlReport } from "./html-report.js";
import { renderJsonReport } from "./json-report.js";
import { renderJunitReport } from "./junit-report.js";
import { renderMarkdownReport } from "./markdown-report.js";

export interface ReportTargets {
  /** Folder that receives report.json, junit.xml, summary.md and report.html. */
  readonly dir?: string;
  readonly json?: string;
  readonly junit?: string;
  readonly markdown?: string;
  readonly html?: string;
}

/** Writes every requested report, creating folders, and returns the paths written. */
export async function writeReports(result: RunResult, targets: ReportTargets): Promise<string[]> {
  const files = new Map<string, () => string>();
  if (targets.dir !== undefined) {
    files.set(join(targets.dir, "report.json"), () => renderJsonReport(result));
    files.set(join(targets.dir, "junit.xml"), () => renderJunitReport(result));
    files.set(join(targets.dir, "summary.md"), () => renderMarkdownReport(result));
    files.set(join(targets.dir, "report.html"), () => renderHtmlReport(result));
  }
  if (targets.json !== undefined) {
    files.set(targets.json, () => renderJsonReport(result));
  }
  if (targets.junit !== undefined) {
    files.set(targets.junit, () => renderJunitReport(result));
  }
  if (targets.markdown !== undefined) {
    files.set(targets.markdown, () => renderMarkdownReport(result));
  }
  if (targets.html !== undefined) {
    files.set(targets.html, () => renderHtmlReport(result));
  }
  for (const [path, render] of files) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, render());
  }
  return [...files.keys()];
}
