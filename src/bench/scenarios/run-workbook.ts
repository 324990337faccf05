import { scaled, type BenchContext } from '../bench-context.js';
import { withSimulator } from '../bench-simulator.js';
import { count, fixed, megabytes, passes, seconds, short, type Finding, type ScenarioReport } from '../report.js';
import { expectExit, runArgs, runCli, type CliRun } from '../run-cli.js';

/** As the run memory scenario: a million rows at loopback speed take minutes. */
const SMALL_ROWS = 100_000;
const LARGE_ROWS = 300_000;
/** A user's four SKUs, adjacent: one assignLicense body of four adds per user. */
const ROWS_PER_USER = 4;

/**
 * Issue 13 with SPEC §7's fourth target: `run` of an Excel workbook, whose sheet is read twice (the
 * check before the first write, then the run) with the shared strings table held during each pass.
 * The run memory scenario's content and settings, as a workbook; each run against a fresh
 * simulator in this process, the CLI in a child.
 */
export async function runWorkbookScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const smallRows = scaled(ctx, SMALL_ROWS, 1_000);
  const largeRows = scaled(ctx, LARGE_ROWS, 3_000);
  const small = await measuredRun(ctx, smallRows);
  const large = await measuredRun(ctx, largeRows);
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

async function measuredRun(ctx: BenchContext, rows: number): Promise<CliRun & { rows: number }> {
  const input = await ctx.workspace.workbook({ rows, rowsPerUser: ROWS_PER_USER });
  const users = Math.ceil(rows / ROWS_PER_USER);
  ctx.log(`run .xlsx: ${count(rows)} rows (${count(users)} users)`);
  return withSimulator({ users }, {}, async (simulator) => {
    const out = ctx.workspace.file(`run-xlsx-${rows}.results.csv`);
    const run = await runCli(runArgs(input, simulator.url, out, ['--max-rate', 'off', '--concurrency', '16']), { usageDir: ctx.workspace.dir, traceGc: true });
    await ctx.workspace.remove(out);
    expectExit(run, 0, `run of the ${rows}-row workbook`);
    return { ...run, rows };
  });
}
