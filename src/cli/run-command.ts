import { access, constants } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { RunError } from '../errors.js';
import { resolveGraphRoot } from '../graph/graph-root.js';
import { systemClock } from '../graph/pause-gate.js';
import { renderReport } from '../report/render-report.js';
import { ReportCollector } from '../report/report-collector.js';
import { tenantName } from '../report/tenant-name.js';
import { defaultReportPath, writeReport } from '../report/write-report.js';
import { mostInFlight } from '../run/in-flight.js';
import { runFile, type RunResult } from '../run/run-file.js';
import { createRunStats, type RunStats } from '../run/run-stats.js';
import type { DesiredProblem } from '../sync/read-desired-sheet.js';
import type { SyncCounts } from '../sync/sync-counts.js';
import { packageVersion } from '../version.js';
import { runCommandLine } from './command-line.js';
import { openGraphConnection, type GraphConnection } from './connection.js';
import type { CliIO } from './io.js';
import type { RunOptions } from './options.js';
import { progressEveryMs, progressMode, RunReporter } from './progress.js';
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
  const reportPath = options.noReport ? undefined : (options.report ?? defaultReportPath(out));
  if (reportPath !== undefined && [out, options.input].some((path) => resolve(path) === resolve(reportPath))) {
    throw new RunError('USAGE', `--report ${reportPath} would overwrite the ${resolve(reportPath) === resolve(out) ? 'results' : 'input'} file; choose another report path`);
  }
  // A report that could not be written would be found out only after the run: its folder is checked before anything is sent.
  if (options.report !== undefined && !(await isWritableFolder(dirname(resolve(options.report))))) {
    throw new RunError('USAGE', `--report ${options.report}: the folder ${dirname(resolve(options.report))} does not exist or cannot be written`);
  }
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

/**
 * Renders and writes the run's HTML report (SPEC §4), also after a run that stopped early or was
 * interrupted: it tells what happened. The report is a reading of the results file, not the record:
 * a report that cannot be written is a notice, and the run's exit code stands. Returns the path
 * written, if any.
 */
async function writeRunReport(
  path: string,
  collector: ReportCollector,
  run: { options: RunOptions; io: CliIO; stats: RunStats; result: RunResult; now: number; sync?: SyncCounts },
  note: (message: string) => void,
): Promise<string | undefined> {
  const { options, io, stats, result } = run;
  const tenant = tenantName(io.env);
  const graphRoot = resolveGraphRoot(options.graphUrl === undefined ? { cloud: options.cloud } : { cloud: options.cloud, graphUrl: options.graphUrl });
  const data = collector.data(
    {
      input: (options.input === '-' ? 'standard input' : options.input) + (result.sheet !== undefined ? `, sheet ${JSON.stringify(result.sheet)}` : ''),
      resultsPath: result.resultsPath,
      ...(result.undoPath !== undefined ? { undoPath: result.undoPath } : {}),
      ...(result.undoNote !== undefined ? { undoNote: result.undoNote } : {}),
      ...(tenant !== undefined ? { tenant } : {}),
      graphRoot,
      startedAt: stats.startedAt,
      endedAt: run.now,
      dryRun: options.dryRun,
      resumed: options.resume,
      exitCode: result.exitCode,
      ...(result.stopError ? { stopReason: result.stopError.message } : {}),
      toolVersion: packageVersion(),
    },
    { columns: result.columns, ...(run.sync ? { sync: run.sync } : {}) },
  );
  try {
    await writeReport(path, renderReport(data));
    return path;
  } catch (error) {
    note(`could not write the report ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; the results file is complete`);
    return undefined;
  }
}

async function isWritableFolder(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}

/** `licenses.csv` -> `licenses.results.csv`, next to the input; a workbook's results are CSV too (`users.xlsx` -> `users.results.csv`). */
export function defaultResultsPath(input: string): string {
  return input.replace(/\.(csv|txt|tsv|xlsx|xlsm)$/i, '') + '.results.csv';
}
