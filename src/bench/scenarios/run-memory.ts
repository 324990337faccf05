import { scaled, type BenchContext } from '../bench-context.js';
import { count, fixed, seconds, short, type Finding, type ScenarioReport } from '../report.js';
import { LARGE_ROWS, measuredRun, peakRssFinding, ROWS_PER_USER, runDetail, SMALL_ROWS } from './memory-run.js';

/**
 * SPEC §7, fourth target, for `run`: peak memory does not grow with the file. Each run goes to a
 * fresh simulator whose tenant holds every user of the file, so that rows succeed and the run
 * takes the path a real migration takes (a row for a missing user fails with a 404 just as
 * cheaply, but measures the error path instead). The simulator runs in this process, the CLI in a
 * child, so only the CLI's memory is measured.
 */
export async function runMemoryScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const smallRows = scaled(ctx, SMALL_ROWS, 1_000);
  const largeRows = scaled(ctx, LARGE_ROWS, 3_000);
  const small = await measuredRun(ctx, smallRows, 'csv');
  const large = await measuredRun(ctx, largeRows, 'csv');

  const perRow = (large.peakRssBytes - small.peakRssBytes) / (largeRows - smallRows);
  const findings: Finding[] = [peakRssFinding(`4 run peak RSS: ${short(largeRows)} / ${short(smallRows)} rows`, small, large)];
  return {
    findings,
    notes: [
      `run memory: ${count(smallRows)} and ${count(largeRows)} rows, ${ROWS_PER_USER} adjacent rows per user (one request per user), simulator latency 0, --max-rate off --concurrency 16.`,
      ...[small, large].map(runDetail),
      `  peak RSS grows ${fixed(perRow, 0)} bytes per row between the two sizes; live heap = the most left after a full GC (V8 --trace-gc). ` +
        `Peak RSS varies much from one run to the next ` +
        `(it depends on when V8 collects during the final sort of the results): compare the live heaps too. A million rows were not run (about ${seconds((small.wallMs * 1_000_000) / smallRows)} at this speed).`,
    ],
  };
}
