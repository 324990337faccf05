import { scaled, type BenchContext } from '../bench-context.js';
import { count, short, type Finding, type ScenarioReport } from '../report.js';
import { LARGE_ROWS, measuredRun, peakRssFinding, ROWS_PER_USER, runDetail, SMALL_ROWS } from './memory-run.js';

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
  const findings: Finding[] = [peakRssFinding(`6 run .xlsx peak RSS: ${short(largeRows)} / ${short(smallRows)} rows`, small, large)];
  return {
    findings,
    notes: [
      `run .xlsx: workbooks of ${count(smallRows)} and ${count(largeRows)} rows (the run memory scenario's content, every text a shared string), ${ROWS_PER_USER} adjacent rows per user, simulator latency 0, --max-rate off --concurrency 16.`,
      ...[small, large].map(runDetail),
    ],
  };
}
