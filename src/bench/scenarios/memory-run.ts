import type { BenchContext } from '../bench-context.js';
import { withSimulator } from '../bench-simulator.js';
import { count, fixed, megabytes, passes, seconds, type Finding } from '../report.js';
import { expectExit, runArgs, runCli, type CliRun } from '../run-cli.js';

/** A million rows at loopback speed take minutes, so `run` is measured at two smaller sizes, named in the table. */
export const SMALL_ROWS = 100_000;
export const LARGE_ROWS = 300_000;
/** A user's four SKUs, adjacent: one assignLicense body of four adds per user. */
export const ROWS_PER_USER = 4;

/**
 * One `run` of the memory scenarios' content, as CSV or as a workbook, against a fresh simulator
 * whose tenant holds every user of the file (so that rows succeed and the run takes a real
 * migration's path), at loopback speed. The simulator runs in this process, the CLI in a child, so
 * only the CLI's memory is measured.
 */
export async function measuredRun(ctx: BenchContext, rows: number, format: 'csv' | 'xlsx'): Promise<CliRun & { rows: number }> {
  const shape = { rows, rowsPerUser: ROWS_PER_USER };
  const input = format === 'csv' ? await ctx.workspace.input(shape) : await ctx.workspace.workbook(shape);
  const users = Math.ceil(rows / ROWS_PER_USER);
  ctx.log(`run ${format}: ${count(rows)} rows (${count(users)} users)`);
  return withSimulator({ users }, {}, async (simulator) => {
    const out = ctx.workspace.file(`run-${format}-${rows}.results.csv`);
    const run = await runCli(runArgs(input, simulator.url, out, ['--max-rate', 'off', '--concurrency', '16']), { usageDir: ctx.workspace.dir, traceGc: true });
    await ctx.workspace.remove(out);
    expectExit(run, 0, `run of the ${rows}-row ${format === 'csv' ? 'file' : 'workbook'}`);
    return { ...run, rows };
  });
}

/** SPEC §7's memory target for a run: peak RSS of the larger file over the smaller's, at most 1.5. */
export function peakRssFinding(target: string, small: CliRun, large: CliRun): Finding {
  const ratio = large.peakRssBytes / small.peakRssBytes;
  return {
    target,
    measured: `${megabytes(large.peakRssBytes)} vs ${megabytes(small.peakRssBytes)} (live heap ${megabytes(large.liveHeapBytes)} vs ${megabytes(small.liveHeapBytes)})`,
    ratio: fixed(ratio),
    goal: '<= 1.5',
    verdict: passes(ratio, { atMost: 1.5 }),
  };
}

/** One measured run, as a line of the scenario's details. */
export function runDetail(run: CliRun & { rows: number }): string {
  return (
    `  ${count(run.rows)} rows: ${seconds(run.wallMs)}, ${count(run.summary?.writes ?? Number.NaN)} writes, ${count(run.summary?.statuses.succeeded ?? Number.NaN)} succeeded, ` +
    `peak ${megabytes(run.peakRssBytes)}, client CPU ${seconds(run.cpuMs)}`
  );
}
