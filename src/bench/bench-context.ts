import type { BenchOptions } from './bench-options.js';
import type { Workspace } from './workspace.js';

/** What every scenario gets: the options, the temporary folder, and a line of progress on stderr. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly workspace: Workspace;
  log(line: string): void;
}

/** `n` scaled, rounded, and at least `floor`. */
export function scaled(ctx: BenchContext, n: number, floor = 1): number {
  return Math.max(floor, Math.round(n * ctx.options.scale));
}
