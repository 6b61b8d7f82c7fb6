/** Small helpers every benchmark script prints with. */

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

export const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

export function summarize(samples: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = samples.toSorted((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? Number.NaN) };
}

/** Prints rows as an aligned table, or as JSON with --json. */
export function report(title: string, rows: readonly Record<string, string | number>[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ title, rows })}\n`);
    return;
  }
  console.log(title);
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const width = (column: string) => Math.max(column.length, ...rows.map((row) => String(row[column] ?? '').length));
  console.log(columns.map((c) => c.padEnd(width(c))).join('  '));
  for (const row of rows) console.log(columns.map((c) => String(row[c] ?? '').padEnd(width(c))).join('  '));
}
