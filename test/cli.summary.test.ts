import { describe, expect, it } from 'vitest';
import { runCommandLine, shellQuote } from '../src/cli/command-line.js';
import { parseRunOptions } from '../src/cli/options.js';
import { progressObject } from '../src/cli/progress.js';
import { ReasonTally } from '../src/cli/reasons.js';
import { progressLine, summaryLines, summaryObject, syncLines, syncObject, type RunReport } from '../src/cli/summary.js';
import { createRunStats } from '../src/run/run-stats.js';

const T0 = Date.parse('2026-12-02T02:00:00Z');

function stats(patch: (s: ReturnType<typeof createRunStats>) => void) {
  const s = createRunStats(T0);
  patch(s);
  return s;
}

describe('summaryLines', () => {
  const tally = new ReasonTally();
  for (const row of [12, 14, 40]) tally.add(row, { errorCode: 'Request_BadRequest', message: 'License assignment cannot be done for user with invalid usage location.' });
  const base: RunReport = {
    stats: stats((s) => {
      s.rowsTotal = 30;
      s.byStatus.succeeded = 25;
      s.byStatus.skipped = 2;
      s.byStatus.failed = 3;
      s.writes = 28;
      s.throttled = 2;
      s.pausedMs = 3_000;
      s.seats.push({ skuId: 'x', label: 'ENTERPRISEPACK', freeBefore: 30, freeAfter: 5 }, { skuId: 'y', label: 'EMS', freeBefore: 4, freeAfter: 4 });
    }),
    now: T0 + 14_000,
    exitCode: 1,
    dryRun: false,
    resultsPath: 'in.results.csv',
    undoPath: 'in.results.undo.csv',
    reasons: tally.top(5),
    retryCommand: 'license-batch run in.csv --out in.results.csv --resume',
  };

  it('says counts, reasons with an example row and the fix, seats, rates, paths and the retry command', () => {
    expect(summaryLines(base)).toEqual([
      '30 rows in 14.0 s: succeeded 25, skipped 2, failed 3',
      'most frequent errors:',
      "  usage location missing: 3 rows (e.g. row 12): add a UsageLocation column or pass --usage-location US (the users' country)",
      'free seats before -> after: ENTERPRISEPACK 30 -> 5, EMS 4 -> 4',
      '28 writes (2.0/s), 0 retries, 2 throttled, 3.0 s paused by Retry-After',
      'results: in.results.csv',
      'undo: in.results.undo.csv (run it with license-batch run to restore the users this run changed)',
      'fix the failed and invalid rows in the input, then retry only the rows that did not succeed: license-batch run in.csv --out in.results.csv --resume',
    ]);
  });

  it.each([
    { name: 'no undo file, with the reason', patch: { undoPath: undefined, undoNote: 'no undo file: --no-read' }, has: 'no undo file: --no-read', hasNot: 'undo:' },
    { name: 'a dry run: the seats it plans and the command that applies it', patch: { dryRun: true, retryCommand: undefined, applyCommand: 'license-batch run in.csv --out o.csv' }, has: 'to apply this plan: license-batch run in.csv --out o.csv', hasNot: 'retry only' },
    { name: 'more reasons than listed', patch: { otherReasons: 2 }, has: '  and 2 other reasons: see the message column of the results file', hasNot: 'undo file:' },
  ])('$name', ({ patch, has, hasNot }) => {
    const lines = summaryLines({ ...base, ...patch } as RunReport);
    expect(lines).toContain(has);
    expect(lines.join('\n')).not.toContain(hasNot);
  });

  it('the JSON summary carries the same facts', () => {
    expect(summaryObject(base)).toMatchObject({
      event: 'summary',
      rows: 30,
      statuses: { succeeded: 25, skipped: 2, failed: 3 },
      reasons: [{ key: 'usage-location', count: 3, exampleRow: 12, fix: expect.stringContaining('--usage-location') }],
      seats: [{ label: 'ENTERPRISEPACK', freeBefore: 30, freeAfter: 5 }, { label: 'EMS', freeBefore: 4, freeAfter: 4 }],
      writesPerSecond: 2,
      pausedSeconds: 3,
      seconds: 14,
      results: 'in.results.csv',
      undo: 'in.results.undo.csv',
      retryCommand: base.retryCommand,
      exitCode: 1,
    });
  });
});

describe('progress', () => {
  const running = stats((s) => {
    s.rowsTotal = 1000;
    s.byStatus.succeeded = 200;
    s.byStatus.failed = 40;
    s.byStatus.invalid = 10;
    s.byStatus.skipped = 50;
    s.writes = 240;
    s.pausedMs = 4_500;
  });

  it('the line: done of total, succeeded, failed (and invalid), skipped, writes/s, time throttled, time left', () => {
    expect(progressLine(running, T0 + 60_000)).toBe('300/1000 rows (200 succeeded, 50 failed, 50 skipped), 4.0 writes/s, throttled 4.5 s, about 2 min 20 s left');
    expect(progressLine(createRunStats(T0), T0 + 1000)).toBe('checking the file and the tenant...');
  });

  it('the JSON progress event', () => {
    expect(progressObject(running, T0 + 60_000)).toEqual({
      event: 'progress', time: '2026-12-02T02:01:00.000Z', done: 300, total: 1000, succeeded: 200, failed: 40, invalid: 10, skipped: 50, planned: 0,
      notAttempted: 0, writes: 240, writesPerSecond: 4, throttled: 0, pausedSeconds: 4.5, etaSeconds: 140,
    });
  });
});

describe('the retry command', () => {
  it('repeats the input, the results file and every flag not at its default, and adds --resume', () => {
    const options = parseRunOptions(['my file.csv', '--concurrency', '4', '--max-rate', '10', '--usage-location', 'de', '--delimiter', ';', '--disabled-plans', 'merge', '--graph-url', 'http://127.0.0.1:9', '--managed-identity']);
    expect(runCommandLine(options, 'my file.results.csv', { resume: true })).toBe(
      "license-batch run 'my file.csv' --out 'my file.results.csv' --resume --concurrency 4 --max-rate 10 --disabled-plans merge --usage-location DE --delimiter ';' --graph-url http://127.0.0.1:9 --managed-identity",
    );
  });

  it('keeps where the report goes, or that there is none', () => {
    expect(runCommandLine(parseRunOptions(['in.csv', '--report', 'for the board.html']), 'in.results.csv', { resume: true })).toBe(
      "license-batch run in.csv --out in.results.csv --resume --report 'for the board.html'",
    );
    expect(runCommandLine(parseRunOptions(['in.csv', '--no-report']), 'in.results.csv')).toBe('license-batch run in.csv --out in.results.csv --no-report');
  });

  it("keeps a workbook's sheet", () => {
    expect(runCommandLine(parseRunOptions(['wave 3.xlsx', '--sheet', 'Leavers & joiners']), 'wave 3.results.csv', { resume: true })).toBe(
      "license-batch run 'wave 3.xlsx' --out 'wave 3.results.csv' --resume --sheet 'Leavers & joiners'",
    );
  });

  it('a dry run becomes the run that applies it', () => {
    const options = parseRunOptions(['in.csv', '--dry-run', '--no-read', '--delimiter', 'tab', '--log', 'json']);
    expect(runCommandLine(options, 'in.results.csv', { dryRun: false })).toBe('license-batch run in.csv --out in.results.csv --no-read --delimiter tab --log json');
  });

  it.each([
    ['plain.csv', 'plain.csv'],
    ["o'brien.csv", "'o'\\''brien.csv'"],
    ['$HOME.csv', "'$HOME.csv'"],
  ])('quotes %s for a shell as %s', (arg, quoted) => {
    expect(shellQuote(arg)).toBe(quoted);
  });
});

describe('sync in the summary and the log', () => {
  const sync = {
    changesPath: 'hr.changes.csv',
    skus: [
      { skuId: 'a', label: 'ENTERPRISEPACK', directHolders: 40, groupOnly: 5, removes: 10, adds: 5, planChanges: 1 },
      { skuId: 'b', label: 'EMS', directHolders: 3, groupOnly: 0, removes: 0, adds: 0, planChanges: 0 },
    ],
  };

  it('says per SKU what sync read and decided, then the change sheet, before the run\'s own lines', () => {
    expect(syncLines(sync)).toEqual([
      'sync ENTERPRISEPACK: 40 direct holder(s) read, 10 remove(s), 1 plan change(s), 5 add(s), 5 held through a group, not changed',
      'sync EMS: 3 direct holder(s) read, 0 remove(s), 0 plan change(s), 0 add(s), 0 held through a group, not changed',
      'change sheet: hr.changes.csv (16 change(s))',
    ]);
    const report: RunReport = { stats: createRunStats(T0), now: T0 + 1000, exitCode: 0, dryRun: false, resultsPath: 'hr.changes.results.csv', reasons: [], sync };
    expect(summaryLines(report).slice(0, 3)).toEqual(syncLines(sync));
    expect(summaryLines({ ...report, sync: undefined } as RunReport)[0]).toMatch(/^0 rows in/);
  });

  it('is one sync event with the counts and their totals', () => {
    expect(syncObject(sync, { path: 'hr.csv', invalidRows: 1, problems: [{ row: 3, line: 4, errorCode: 'PlanNotInSku', message: 'm' }] })).toMatchObject({
      event: 'sync',
      desired: 'hr.csv',
      changes: 'hr.changes.csv',
      skus: sync.skus,
      removes: 10,
      adds: 5,
      planChanges: 1,
      groupOnly: 5,
      invalidRows: 1,
      invalid: [{ row: 3, line: 4, errorCode: 'PlanNotInSku', message: 'm' }],
    });
  });
});
