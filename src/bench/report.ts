/** One line of the benchmark's table: a SPEC §7 target, what was measured, and the verdict. */
export interface Finding {
  readonly target: string;
  readonly measured: string;
  /** The ratio as printed (`0.97`, `21.3x`, `0.4%`, `0`). */
  readonly ratio: string;
  /** The goal as printed (`>= 0.95`). */
  readonly goal: string;
  /** `PASS`/`FAIL`, `info` for lines that have no target of their own, or a reason the target cannot be met yet. */
  readonly verdict: string;
}

/** A scenario's findings, the sizes it used, and what a reader should know to trust them. */
export interface ScenarioReport {
  readonly findings: readonly Finding[];
  readonly notes: readonly string[];
  /** Figures other lines are computed from (the projection), by name. */
  readonly measures?: Readonly<Record<string, number>>;
}

export function passes(value: number, goal: { atLeast?: number; atMost?: number }): 'PASS' | 'FAIL' {
  if (!Number.isFinite(value)) return 'FAIL';
  if (goal.atLeast !== undefined && value < goal.atLeast) return 'FAIL';
  if (goal.atMost !== undefined && value > goal.atMost) return 'FAIL';
  return 'PASS';
}

/** `1234567` -> `1,234,567`. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function fixed(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** `1000000` -> `1M`, `100000` -> `100k`. */
export function short(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return count(n);
}

const COLUMNS = ['target', 'measured', 'ratio', 'goal', 'result'] as const;

/** The findings as a plain-text table that reads in a terminal and in a CI log alike. */
export function formatTable(findings: readonly Finding[]): string {
  const rows = findings.map((f) => [f.target, f.measured, f.ratio, f.goal, f.verdict]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ').trimEnd();
  return [line(COLUMNS), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}
