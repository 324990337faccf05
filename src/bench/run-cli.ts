import { fileURLToPath } from 'node:url';
import { runNodeChild, type ChildOptions, type ChildRun } from './measure.js';

/** The built CLI next to this folder: `dist/cli.js` when this file runs as `dist/bench/run-cli.js`. */
export const CLI_PATH = fileURLToPath(new URL('../cli.js', import.meta.url));

/** The `--log json` summary a run prints last (see src/cli/summary.ts). */
export interface RunSummary {
  readonly rows: number;
  readonly statuses: Record<string, number>;
  readonly topErrors: Record<string, number>;
  readonly writes: number;
  readonly throttled: number;
  readonly retries: number;
  readonly pausedSeconds: number;
  readonly seconds: number;
  readonly exitCode: number;
}

export interface CliRun extends ChildRun {
  /** Present for `run --log json` when the run got as far as its summary. */
  readonly summary?: RunSummary;
}

/** The token every benchmark client sends: the simulator, without an `auth` section, takes any. */
export const BENCH_TOKEN = 'bench-token';

/** Runs `license-batch <args>` as a child process, as an admin or a scheduler would, and measures it. */
export async function runCli(args: readonly string[], options: Omit<ChildOptions, 'env'>): Promise<CliRun> {
  const child = await runNodeChild(CLI_PATH, args, { ...options, env: { GRAPH_ACCESS_TOKEN: BENCH_TOKEN } });
  const summary = child.stderr
    .split('\n')
    .filter((line) => line.startsWith('{"event":"summary"'))
    .map((line) => JSON.parse(line) as RunSummary)
    .at(-1);
  return summary === undefined ? child : { ...child, summary };
}

/** `license-batch run` against a Graph root, JSON log, results to `out`. */
export function runArgs(input: string, graphUrl: string, out: string, extra: readonly string[]): string[] {
  return ['run', input, '--graph-url', graphUrl, '--out', out, '--log', 'json', ...extra];
}

/** Throws with the child's last words when a run did not end as a benchmark needs it to. */
export function expectExit(run: CliRun, code: number, what: string): void {
  if (run.code === code) return;
  const tail = run.stderr.split('\n').filter(Boolean).slice(-5).join('\n  ');
  throw new Error(`${what}: exit code ${run.code}, expected ${code}\n  ${tail}`);
}
