import { resolve } from 'node:path';
import { RunError } from '../errors.js';
import { systemClock } from '../graph/pause-gate.js';
import { ReportCollector } from '../report/report-collector.js';
import { mostInFlight } from '../run/in-flight.js';
import { runFile } from '../run/run-file.js';
import { createRunStats } from '../run/run-stats.js';
import type { DesiredProblem } from '../sync/read-desired-sheet.js';
import type { SyncCounts } from '../sync/sync-counts.js';
import { runCommandLine } from './command-line.js';
import { openGraphConnection, type GraphConnection } from './connection.js';
import type { CliIO } from './io.js';
import type { RunOptions } from './options.js';
import { progressEveryMs, progressMode, RunReporter } from './progress.js';
import { checkedReportPath, writeRunReport } from './run-report.js';
import { spillStdin } from './stdin-file.js';

/** The summary lists this many reasons, the most frequent first. */
const REASONS_SHOWN = 5;

/** What only a caller such as the demo changes. */
export interface RunCommandHints {
  /** Print the commands that retry or apply the run; the demo turns this off, its simulator being gone by then. */
  readonly commands?: boolean;
  /** For `license-batch sync`: the holders read and the change sheet's counts, for the `sync` event, the summary and the report (SPEC §8). */
  readonly sync?: SyncCounts;
  /** When `sync` runs its change sheet: the desired sheet, and its invalid rows (left as they are). */
  readonly desired?: { readonly path: string; readonly invalidRows: number; readonly problems: readonly DesiredProblem[] };
  /** A connection already open and signed in (sync listed the holders through it); left open for the caller to close. */
  readonly connection?: GraphConnection;
}

/** `license-batch run`: the CLI adapter over {@link runFile}. Returns the exit code. */
export async function runCommand(options: RunOptions, io: CliIO, hints: RunCommandHints = {}): Promise<number> {
  const fromStdin = options.input === '-';
  const out = options.out ?? defaultResultsPath(fromStdin ? 'stdin.csv' : options.input);
  if (!fromStdin && resolve(out) === resolve(options.input)) {
    throw new RunError('USAGE', `--out ${out} is the input file itself; choose another results path`);
  }
  const reportPath = await checkedReportPath(options, out);
  const clock = io.clock ?? systemClock;
  const stats = createRunStats(clock.now());
  const collector = reportPath === undefined ? undefined : new ReportCollector(stats, clock);
  const reporter = new RunReporter(progressMode(options, io.stderr), io.stderr, stats, { everyMs: progressEveryMs(io.env), quiet: options.quiet });
  const onAbort = () => reporter.note('stopping (Ctrl-C again to stop at once): requests in flight finish; the rest are not attempted');
  io.signal?.addEventListener('abort', onAbort, { once: true });
  let transport: GraphConnection;
  try {
    transport = hints.connection ?? (await openGraphConnection(options, io, mostInFlight(options.concurrency) * 2, (message) => reporter.note(message)));
  } catch (error) {
    io.signal?.removeEventListener('abort', onAbort);
    throw error;
  }
  const spilled = fromStdin ? await spillStdin(io.stdin) : undefined;
  if (hints.sync) reporter.sync(hints.sync, hints.desired);
  await reporter.start({ input: options.input, out, dryRun: options.dryRun, resume: options.resume });
  collector?.start();
  try {
    const result = await runFile(
      { ...options, input: spilled?.path ?? options.input, out },
      {
        transport,
        clock,
        random: io.random ?? Math.random,
        stats,
        onRowDone: (outcome, line, values, sheet) => {
          reporter.rowDone(outcome, line, sheet);
          collector?.rowDone(outcome, line, values, sheet);
        },
        ...(io.signal ? { signal: io.signal } : {}),
      },
    );
    reporter.stop();
    collector?.stop();
    if (result.stopError) reporter.error(result.stopError.code, result.stopError.message, result.exitCode);
    const written =
      collector && reportPath !== undefined
        ? await writeRunReport(reportPath, collector, { options, io, stats, result, now: clock.now(), ...(hints.sync ? { sync: hints.sync } : {}) }, (message) => reporter.note(message))
        : undefined;
    const unfinished = stats.byStatus.failed + stats.byStatus.invalid + stats.byStatus['not-attempted'];
    const commands = hints.commands !== false;
    reporter.finish({
      stats,
      now: clock.now(),
      exitCode: result.exitCode,
      dryRun: options.dryRun,
      resultsPath: result.resultsPath,
      ...(result.undoPath !== undefined ? { undoPath: result.undoPath } : {}),
      ...(result.undoNote !== undefined ? { undoNote: result.undoNote } : {}),
      ...(written !== undefined ? { reportPath: written } : {}),
      reasons: reporter.topReasons(REASONS_SHOWN),
      ...(hints.sync ? { sync: hints.sync } : {}),
      otherReasons: Math.max(0, reporter.reasonCount - REASONS_SHOWN),
      ...(commands && !options.dryRun && unfinished > 0 ? { retryCommand: runCommandLine(options, out, { resume: true }) } : {}),
      ...(commands && options.dryRun && stats.byStatus.planned > 0 ? { applyCommand: runCommandLine(options, out, { dryRun: false, resume: false }) } : {}),
    });
    return result.exitCode;
  } catch (error) {
    reporter.stop();
    collector?.stop();
    throw error;
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    if (hints.connection === undefined) transport.close();
    await spilled?.dispose();
  }
}

/** `licenses.csv` -> `licenses.results.csv`, next to the input; a workbook's results are CSV too (`users.xlsx` -> `users.results.csv`). */
export function defaultResultsPath(input: string): string {
  return input.replace(/\.(csv|txt|tsv|xlsx|xlsm)$/i, '') + '.results.csv';
}
