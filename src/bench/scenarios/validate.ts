import { fileURLToPath } from 'node:url';
import { scaled, type BenchContext } from '../bench-context.js';
import { runNodeChild, type ChildRun } from '../measure.js';
import { count, fixed, megabytes, passes, seconds, short, type Finding, type ScenarioReport } from '../report.js';
import { CLI_PATH, expectExit } from '../run-cli.js';

const SMALL_ROWS = 100_000;
const LARGE_ROWS = 1_000_000;
/** Two adjacent rows per user: half a million users at a million rows, so per-user state is exercised. */
const ROWS_PER_USER = 2;
/** Timed runs of each command; the fastest counts, as the least disturbed by the rest of the machine. */
const TIMED_RUNS = 2;

const BARE_PASS = fileURLToPath(new URL('../bare-pass.js', import.meta.url));

/**
 * SPEC §7, fourth and fifth targets, for `validate`: its peak memory at 1,000,000 rows is at most
 * 1.5x its peak at 100,000 rows, and it takes at most 2x the time of a bare csv-parse -> csv-stringify
 * pass over the same million rows. Every command runs in a child process of its own, so that its
 * peak RSS is its own and its time includes Node's start-up, as an admin's would.
 */
export async function validateScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const smallRows = scaled(ctx, SMALL_ROWS, 1_000);
  const largeRows = scaled(ctx, LARGE_ROWS, 10_000);
  const small = await ctx.workspace.input({ rows: smallRows, rowsPerUser: ROWS_PER_USER });
  const large = await ctx.workspace.input({ rows: largeRows, rowsPerUser: ROWS_PER_USER });
  const dir = ctx.workspace.dir;

  const smallRuns: ChildRun[] = [];
  const largeRuns: ChildRun[] = [];
  const bareRuns: ChildRun[] = [];
  for (let i = 0; i < TIMED_RUNS; i++) {
    ctx.log(`validate: ${count(smallRows)} and ${count(largeRows)} rows, and a bare csv-parse -> csv-stringify pass (${i + 1} of ${TIMED_RUNS})`);
    smallRuns.push(await validate(small, dir));
    largeRuns.push(await validate(large, dir));
    const output = ctx.workspace.file('bare-pass.csv');
    const bare = await runNodeChild(BARE_PASS, [large, output], { usageDir: dir, traceGc: true });
    await ctx.workspace.remove(output);
    expectExit(bare, 0, 'bare csv-parse -> csv-stringify pass');
    bareRuns.push(bare);
  }

  // Peak RSS varies by several percent from one run to the next: the highest of each size counts.
  const smallPeak = Math.max(...smallRuns.map((r) => r.peakRssBytes));
  const largePeak = Math.max(...largeRuns.map((r) => r.peakRssBytes));
  const smallLive = Math.max(...smallRuns.map((r) => r.liveHeapBytes));
  const largeLive = Math.max(...largeRuns.map((r) => r.liveHeapBytes));
  const memoryRatio = largePeak / smallPeak;
  const validateMs = Math.min(...largeRuns.map((r) => r.wallMs));
  const bareMs = Math.min(...bareRuns.map((r) => r.wallMs));
  const timeRatio = validateMs / bareMs;
  const perRow = (largePeak - smallPeak) / (largeRows - smallRows);
  const findings: Finding[] = [
    {
      target: `4 validate peak RSS: ${short(largeRows)} / ${short(smallRows)} rows`,
      measured: `${megabytes(largePeak)} vs ${megabytes(smallPeak)} (live heap ${megabytes(largeLive)} vs ${megabytes(smallLive)})`,
      ratio: fixed(memoryRatio),
      goal: '<= 1.5',
      verdict: passes(memoryRatio, { atMost: 1.5 }),
    },
    {
      target: `5 validate ${short(largeRows)} rows / bare parse->stringify`,
      measured: `${seconds(validateMs)} vs ${seconds(bareMs)}`,
      ratio: fixed(timeRatio),
      goal: '<= 2',
      verdict: passes(timeRatio, { atMost: 2 }),
    },
  ];
  return {
    findings,
    notes: [
      `validate: files of ${count(smallRows)} and ${count(largeRows)} rows, ${ROWS_PER_USER} adjacent rows per user (SKUs by part number, some plans by name), each command a child process.`,
      `  peak RSS grows ${fixed(perRow, 0)} bytes per row between the two sizes (the highest of ${TIMED_RUNS} runs each; it varies by several percent); ` +
        `live heap = the most left after a full GC (V8 --trace-gc). At ${count(smallRows)} rows validate took ${seconds(Math.min(...smallRuns.map((r) => r.wallMs)))}.`,
      `  times are the fastest of ${TIMED_RUNS} runs each, Node start-up included: validate ${largeRuns.map((r) => seconds(r.wallMs)).join(', ')} ` +
        `(CPU ${largeRuns.map((r) => seconds(r.cpuMs)).join(', ')}); bare pass ${bareRuns.map((r) => seconds(r.wallMs)).join(', ')} ` +
        `(peak ${megabytes(Math.max(...bareRuns.map((r) => r.peakRssBytes)))}); the bare pass writes its output to a file, validate writes nothing; every process runs with --trace-gc.`,
    ],
  };
}

async function validate(input: string, usageDir: string): Promise<ChildRun> {
  const run = await runNodeChild(CLI_PATH, ['validate', input], { usageDir, traceGc: true });
  expectExit(run, 0, `validate ${input}`);
  return run;
}

