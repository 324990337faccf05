import type { RunningSimulator } from '../simulator/index.js';
import type { BenchContext } from './bench-context.js';
import { acceptedWrites } from './bench-simulator.js';
import { sampleCounter, sustainedRate, type Series } from './measure.js';
import { expectExit, runArgs, runCli, type CliRun } from './run-cli.js';

export interface SampledRun {
  readonly run: CliRun;
  /** Writes the simulator accepted, over time. */
  readonly series: Series;
  /** Accepted writes per second between the 10% and 90% marks (and after `settleMs`): the steady rate. */
  readonly writesPerSecond: number;
}

/**
 * `license-batch run <input>` in a child process against `simulator`, while this process watches
 * the simulator's count of accepted writes. The rate is measured where the writes land, not from
 * the client's own summary, so that it is the same yardstick whatever the client believes.
 */
export async function sampledRun(
  ctx: BenchContext,
  simulator: RunningSimulator,
  input: string,
  flags: readonly string[],
  label: string,
  settleMs = 0,
): Promise<SampledRun> {
  const out = ctx.workspace.file(`${label}.results.csv`);
  const before = acceptedWrites(simulator);
  const sampler = sampleCounter(() => acceptedWrites(simulator) - before);
  const run = await runCli(runArgs(input, simulator.url, out, flags), { usageDir: ctx.workspace.dir });
  const series = sampler.stop();
  await ctx.workspace.remove(out);
  expectExit(run, 0, `run (${label})`);
  return { run, series, writesPerSecond: sustainedRate(series, { settleMs }) };
}
