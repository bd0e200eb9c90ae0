/**
 * Click store benchmarks: ingest rate and bytes per stored click at 1 and 10 million clicks,
 * against plain click objects in an array at 1 million, measured in the same process.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Random } from "../src/model/random.js";
import type { Link, Workspace } from "../src/model/workspace.js";
import { createClickRow } from "../src/store/click-row.js";
import { ClickStore } from "../src/store/click-store.js";
import { ClickFactory } from "../src/traffic/click-factory.js";
import type { BenchRow } from "./bench-row.js";

const START_US = Date.parse("2026-04-15T00:00:00Z") * 1_000;
const THIRTY_DAYS_US = 30 * 86_400_000_000;

/** Goal for the memory of one stored click, bytes. */
const BYTES_PER_CLICK_GOAL = 48;

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

export const BENCH_WORKSPACE: Workspace = Object.freeze({
  id: 4123,
  plan: "business",
  apiKeys: Object.freeze(["elido_sk_bench"]),
  links: Object.freeze(
    Array.from({ length: 20 }, (_, index) => ({
      link_id: 90_001 + index,
      slug: `bench-link-${index}`,
      destination: `https://example.test/${index}`,
    })),
  ),
});

/**
 * Fills a store with `count` clicks spread evenly over 30 days and makes each visible. Every
 * 64 clicks become visible in reverse order, so the index also takes out-of-order inserts.
 */
export function fillStore(store: ClickStore, count: number, seed = 1): void {
  const random = new Random(seed);
  const factory = new ClickFactory(BENCH_WORKSPACE, random.fork("clicks"));
  const row = createClickRow();
  const gapUs = Math.floor(THIRTY_DAYS_US / count);
  const links = BENCH_WORKSPACE.links;
  const pending: number[] = [];
  for (let index = 0; index < count; index++) {
    factory.fillRow(links[index % links.length] as Link, row);
    pending.push(store.appendRow(row, START_US + index * gapUs + (index % gapUs)));
    if (pending.length === 64) {
      while (pending.length > 0) {
        store.markVisible(pending.pop() as number);
      }
    }
  }
  while (pending.length > 0) {
    store.markVisible(pending.pop() as number);
  }
}

/** The first instant of the 30 days that `fillStore` covers, epoch microseconds. */
export const BENCH_START_US = START_US;
export const BENCH_END_US = START_US + THIRTY_DAYS_US;

function usedBytes(): number {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

interface Measured {
  clicksPerSecond: number;
  bytesPerClick: number;
}

function measureStore(count: number): Measured {
  const before = usedBytes();
  const startedAt = performance.now();
  const store = new ClickStore(BENCH_WORKSPACE.id);
  fillStore(store, count);
  const seconds = (performance.now() - startedAt) / 1_000;
  const after = usedBytes();
  if (store.visibleCount !== count) {
    throw new Error(`Only ${store.visibleCount} of ${count} clicks are visible.`);
  }
  return { clicksPerSecond: count / seconds, bytesPerClick: (after - before) / count };
}

/** The same clicks as plain objects in an array: what a store without columns would hold. */
function measurePlainObjects(count: number): Measured {
  const random = new Random(1);
  const factory = new ClickFactory(BENCH_WORKSPACE, random.fork("clicks"));
  const links = BENCH_WORKSPACE.links;
  const gapUs = Math.floor(THIRTY_DAYS_US / count);
  const before = usedBytes();
  const startedAt = performance.now();
  const clicks = [];
  for (let index = 0; index < count; index++) {
    clicks.push(factory.create(links[index % links.length] as Link, START_US + index * gapUs));
  }
  const seconds = (performance.now() - startedAt) / 1_000;
  const after = usedBytes();
  if (clicks.length !== count) {
    throw new Error("The plain array lost clicks.");
  }
  return { clicksPerSecond: count / seconds, bytesPerClick: (after - before) / count };
}

function formatRate(perSecond: number): string {
  return `${Math.round(perSecond).toLocaleString("en-US")} clicks/s`;
}

export function measureStoreRows(): BenchRow[] {
  const plain = measurePlainObjects(1_000_000);
  const rows: BenchRow[] = [];
  for (const count of [1_000_000, 10_000_000]) {
    const measured = measureStore(count);
    const label = count === 1_000_000 ? "1 million" : "10 million";
    rows.push(
      {
        name: `Click store ingest rate, ${label} clicks (append and make visible)`,
        value: formatRate(measured.clicksPerSecond),
        baseline: `plain objects ${formatRate(plain.clicksPerSecond)}`,
        ratio: measured.clicksPerSecond / plain.clicksPerSecond,
        goal: "none set",
      },
      {
        name: `Bytes per stored click, ${label} clicks`,
        value: `${measured.bytesPerClick.toFixed(1)} B`,
        baseline: `plain objects ${plain.bytesPerClick.toFixed(1)} B (1 million)`,
        ratio: measured.bytesPerClick / plain.bytesPerClick,
        goal: `<= ${BYTES_PER_CLICK_GOAL} B`,
      },
    );
  }
  return rows;
}
