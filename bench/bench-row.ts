/** One line of the results table of `npm run bench`. */
export interface BenchRow {
  name: string;
  value: string;
  baseline: string;
  ratio: number;
  goal: string;
}
