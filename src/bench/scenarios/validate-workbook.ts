import { stat } from 'node:fs/promises';
import { readSharedStrings, readWorkbookInfo } from '../../input/workbook/workbook-parts.js';
import { ZipArchive } from '../../input/workbook/zip-archive.js';
import { scaled, type BenchContext } from '../bench-context.js';
import { runNodeChild, type ChildRun } from '../measure.js';
import { count, fixed, megabytes, passes, seconds, short, type Finding, type ScenarioReport } from '../report.js';
import { CLI_PATH, expectExit } from '../run-cli.js';

const SMALL_ROWS = 100_000;
const LARGE_ROWS = 1_000_000;
/** As the CSV validate scenario: two adjacent rows per user. */
const ROWS_PER_USER = 2;
/** Timed runs of each command; the fastest time and the highest peak count. */
const TIMED_RUNS = 2;

/**
 * Issue 13: `validate` of an Excel workbook against the CSV of the same content, at 100,000 and
 * 1,000,000 rows, each command a child process of its own: time and peak RSS, and SPEC §7's 1.5x
 * peak memory from 100,000 to 1,000,000 rows for the workbook. The workbook is written as Excel
 * writes one (every text a shared string), so its shared strings table, which a reader must hold
 * while it streams the sheet, grows with the rows; the scenario measures that table too.
 */
export async function validateWorkbookScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const smallRows = scaled(ctx, SMALL_ROWS, 1_000);
  const largeRows = scaled(ctx, LARGE_ROWS, 10_000);
  ctx.log(`validate-xlsx: writing workbooks of ${count(smallRows)} and ${count(largeRows)} rows and the CSV files of the same content`);
  const smallBook = await ctx.workspace.workbook({ rows: smallRows, rowsPerUser: ROWS_PER_USER });
  const largeBook = await ctx.workspace.workbook({ rows: largeRows, rowsPerUser: ROWS_PER_USER });
  const largeCsv = await ctx.workspace.input({ rows: largeRows, rowsPerUser: ROWS_PER_USER });
  const dir = ctx.workspace.dir;

  const smallRuns: ChildRun[] = [];
  const largeRuns: ChildRun[] = [];
  const csvRuns: ChildRun[] = [];
  for (let i = 0; i < TIMED_RUNS; i++) {
    ctx.log(`validate-xlsx: workbooks of ${count(smallRows)} and ${count(largeRows)} rows, and the CSV of ${count(largeRows)} (${i + 1} of ${TIMED_RUNS})`);
    smallRuns.push(await validate(smallBook, dir));
    largeRuns.push(await validate(largeBook, dir));
    csvRuns.push(await validate(largeCsv, dir));
  }
  const tables = await Promise.all([smallBook, largeBook].map(sharedStringsHeld));

  const peak = (runs: ChildRun[]) => Math.max(...runs.map((r) => r.peakRssBytes));
  const live = (runs: ChildRun[]) => Math.max(...runs.map((r) => r.liveHeapBytes));
  const fastest = (runs: ChildRun[]) => Math.min(...runs.map((r) => r.wallMs));
  const memoryRatio = peak(largeRuns) / peak(smallRuns);
  // What the format forces aside: the peak without the shared strings table each size holds.
  const withoutTable = (peak(largeRuns) - tables[1]!.bytes) / (peak(smallRuns) - tables[0]!.bytes);
  const findings: Finding[] = [
    {
      target: `6 validate .xlsx ${short(largeRows)} rows vs the same CSV: time`,
      measured: `${seconds(fastest(largeRuns))} vs ${seconds(fastest(csvRuns))}`,
      ratio: fixed(fastest(largeRuns) / fastest(csvRuns)),
      goal: '-',
      verdict: 'info',
    },
    {
      target: `6 validate .xlsx ${short(largeRows)} rows vs the same CSV: peak RSS`,
      measured: `${megabytes(peak(largeRuns))} vs ${megabytes(peak(csvRuns))} (live heap ${megabytes(live(largeRuns))} vs ${megabytes(live(csvRuns))})`,
      ratio: fixed(peak(largeRuns) / peak(csvRuns)),
      goal: '-',
      verdict: 'info',
    },
    {
      target: `6 validate .xlsx peak RSS: ${short(largeRows)} / ${short(smallRows)} rows`,
      measured: `${megabytes(peak(largeRuns))} vs ${megabytes(peak(smallRuns))} (live heap ${megabytes(live(largeRuns))} vs ${megabytes(live(smallRuns))})`,
      ratio: fixed(memoryRatio),
      goal: '<= 1.5',
      verdict: passes(memoryRatio, { atMost: 1.5 }) === 'PASS' ? 'PASS' : `${passes(memoryRatio, { atMost: 1.5 })} (shared strings, below)`,
    },
    {
      target: `6   the same without the shared strings table`,
      measured: `${megabytes(peak(largeRuns) - tables[1]!.bytes)} vs ${megabytes(peak(smallRuns) - tables[0]!.bytes)}`,
      ratio: fixed(withoutTable),
      goal: '<= 1.5',
      verdict: passes(withoutTable, { atMost: 1.5 }),
    },
  ];
  const sizes = await Promise.all([smallBook, largeBook, largeCsv].map(async (path) => (await stat(path)).size));
  return {
    findings,
    notes: [
      `validate-xlsx: workbooks of ${count(smallRows)} and ${count(largeRows)} rows (${megabytes(sizes[0]!)} and ${megabytes(sizes[1]!)}), as Excel writes them: every text a shared string, ` +
        `the same content as the validate scenario's CSV files (${megabytes(sizes[2]!)} at ${count(largeRows)} rows); each command a child process, with --trace-gc.`,
      `  the shared strings table holds ${count(tables[0]!.size)} and ${count(tables[1]!.size)} strings (a UPN per user, a ticket per row), ${megabytes(tables[0]!.bytes)} and ${megabytes(tables[1]!.bytes)} as the reader keeps them: ` +
        "cells refer to it by index from anywhere in the sheet, so it is held while the sheet streams; it grows with the sheet's distinct texts (here 1.5 per row), not with the rows as such.",
      `  times are the fastest of ${TIMED_RUNS} runs each, Node start-up included: workbook ${largeRuns.map((r) => seconds(r.wallMs)).join(', ')} (CPU ${largeRuns.map((r) => seconds(r.cpuMs)).join(', ')}); ` +
        `CSV ${csvRuns.map((r) => seconds(r.wallMs)).join(', ')} (CPU ${csvRuns.map((r) => seconds(r.cpuMs)).join(', ')}); at ${count(smallRows)} rows the workbook took ${seconds(fastest(smallRuns))}.`,
    ],
  };
}

async function validate(input: string, usageDir: string): Promise<ChildRun> {
  const run = await runNodeChild(CLI_PATH, ['validate', input], { usageDir, traceGc: true });
  expectExit(run, 0, `validate ${input}`);
  return run;
}

/** The shared strings table of a workbook as the reader holds it: strings and bytes. */
async function sharedStringsHeld(path: string): Promise<{ size: number; bytes: number }> {
  const zip = await ZipArchive.open(path);
  try {
    const info = await readWorkbookInfo(zip);
    const strings = await readSharedStrings(zip, info?.sharedStringsPath);
    return { size: strings.size, bytes: strings.bytes };
  } finally {
    zip.close();
  }
}
