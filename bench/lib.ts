/** Shared helpers for benchmark modules: the table type, medians, printing. */

/** One printed table. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  notes?: string[];
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

function fmt(v: string | number): string {
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toPrecision(3);
}

/** Print a table with aligned columns. */
export function printTable(t: BenchTable): void {
  const cells = [t.columns, ...t.rows.map((r) => r.map(fmt))];
  const widths = t.columns.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, j) => c.padStart(widths[j]!)).join(" | ")} |`;
  process.stdout.write(
    `\n### ${t.title}\n\n${line(cells[0]!)}\n|${widths.map((w) => "-".repeat(w + 2)).join("|")}|\n`,
  );
  for (const r of cells.slice(1)) process.stdout.write(`${line(r)}\n`);
  for (const n of t.notes ?? []) process.stdout.write(`\n${n}\n`);
}
