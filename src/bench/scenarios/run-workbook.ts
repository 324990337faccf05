import { scaled, type BenchContext } from '../bench-context.js';
import { count, fixed, megabytes, passes, seconds, short, type Finding, type ScenarioReport } from '../report.js';
import { LARGE_ROWS, measuredRun, ROWS_PER_USER, SMALL_ROWS } from './memory-run.js';

/**
 * Issue 13 with SPEC §7's fourth target: `run` of an Excel workbook, whose sheet is read twice (the
 * check before the first write, then the run) with the shared strings table held during each pass.
 * The run memory scenario's content and settings, as a workbook; each run against a fresh
 * simulator in this process, the CLI in a child.
 */
export async function runWorkbookScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const smallRows = scaled(ctx, SMALL_ROWS, 1_000);
  const largeRows = scaled(ctx, LARGE_ROWS, 3_000);
  const small = await measuredRun(ctx, smallRows, 'xlsx');
  const large = await measuredRun(ctx, largeRows, 'xlsx');
  const ratio = large.peakRssBytes / small.peakRssBytes;
  const findings: Finding[] = [
    {
      target: `6 run .xlsx peak RSS: ${short(largeRows)} / ${short(smallRows)} rows`,
      measured: `${megabytes(large.peakRssBytes)} vs ${megabytes(small.peakRssBytes)} (live heap ${megabytes(large.liveHeapBytes)} vs ${megabytes(small.liveHeapBytes)})`,
      ratio: fixed(ratio),
      goal: '<= 1.5',
      verdict: passes(ratio, { atMost: 1.5 }),
    },
  ];
  return {
    findings,
    notes: [
      `run .xlsx: workbooks of ${count(smallRows)} and ${count(largeRows)} rows (the run memory scenario's content, every text a shared string), ${ROWS_PER_USER} adjacent rows per user, simulator latency 0, --max-rate off --concurrency 16.`,
      ...[small, large].map(
        (run) =>
          `  ${count(run.rows)} rows: ${seconds(run.wallMs)}, ${count(run.summary?.writes ?? Number.NaN)} writes, ${count(run.summary?.statuses.succeeded ?? Number.NaN)} succeeded, ` +
          `peak ${megabytes(run.peakRssBytes)}, client CPU ${seconds(run.cpuMs)}`,
      ),
    ],
  };
}
