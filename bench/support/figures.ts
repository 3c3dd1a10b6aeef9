/** One row of the benchmark table: a figure, its baseline from the same run, and its target. */
export interface Figure {
  /** The benchmark it belongs to, e.g. "1 list-tasks". */
  group: string;
  /** What was measured, e.g. "gateway @64 conn, req/s". */
  name: string;
  unit: string;
  median: number;
  /** Undefined where a 99th percentile means nothing (a rate, a single sample). */
  p99?: number;
  baseline?: { name: string; median: number; p99?: number };
  /** median / baseline median. */
  ratio?: number;
  target?: { text: string; met: boolean };
  /** Anything that makes the figure untrustworthy (errors, non-2xx answers): printed beside it. */
  warning?: string;
  /** More of what was measured, for latest.json only. */
  details?: Record<string, number | string>;
}

export const ratioOf = (value: number, baseline: number): number | undefined =>
  baseline > 0 ? value / baseline : undefined;

/** The median and 99th percentile (nearest rank) of a sample. */
export function percentiles(values: readonly number[]): { median: number; p99: number } {
  if (values.length === 0) throw new Error('no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { median: rank(0.5), p99: rank(0.99) };
}

const fmt = (n: number | undefined): string => {
  if (n === undefined || !Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  return abs >= 100 ? n.toFixed(0) : abs >= 10 ? n.toFixed(1) : n.toFixed(2);
};

const TABLE_COLUMNS = ['benchmark', 'figure', 'unit', 'median', 'p99', 'baseline', 'base median', 'base p99', 'ratio', 'target', 'result'];

function cells(f: Figure): string[] {
  const result = f.target ? (f.target.met ? 'met' : 'MISSED') : '';
  return [
    f.group,
    f.name,
    f.unit,
    fmt(f.median),
    fmt(f.p99),
    f.baseline?.name ?? '',
    fmt(f.baseline?.median),
    fmt(f.baseline?.p99),
    f.ratio === undefined ? '–' : `${f.ratio.toFixed(2)}×`,
    f.target?.text ?? '',
    f.warning ? `${result} (${f.warning})`.trim() : result,
  ];
}

/** The one table `pnpm bench` prints. */
export function formatTable(figures: readonly Figure[]): string {
  const rows = [TABLE_COLUMNS, ...figures.map(cells)];
  const widths = TABLE_COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const numeric = new Set([3, 4, 6, 7, 8]);
  const line = (r: string[]) =>
    r.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' │ ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}
