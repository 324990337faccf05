import { resolve } from 'node:path';
import { RunError } from '../errors.js';
import { systemClock } from '../graph/pause-gate.js';
import { runFile } from '../run/run-file.js';
import { createRunStats } from '../run/run-stats.js';
import { runCommandLine } from './command-line.js';
import { openGraphConnection } from './connection.js';
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
}

/** `license-batch run`: the CLI adapter over {@link runFile}. Returns the exit code. */
export async function runCommand(options: RunOptions, io: CliIO, hints: RunCommandHints = {}): Promise<number> {
  const fromStdin = options.input === '-';
  const out = options.out ?? defaultResultsPath(fromStdin ? 'stdin.csv' : options.input);
  if (!fromStdin && resolve(out) === resolve(options.input)) {
    throw new RunError('USAGE', `--out ${out} is the input file itself; choose another results path`);
  }
  const clock = io.clock ?? systemClock;
  const stats = createRunStats(clock.now());
  const reporter = new RunReporter(progressMode(options, io.stderr), io.stderr, stats, { everyMs: progressEveryMs(io.env), quiet: options.quiet });
  const onAbort = () => reporter.note('stopping (Ctrl-C again to stop at once): requests in flight finish; the rest are not attempted');
  io.signal?.addEventListener('abort', onAbort, { once: true });
  let transport: Awaited<ReturnType<typeof openGraphConnection>>;
  try {
    transport = await openGraphConnection(options, io, options.concurrency * 2, (message) => reporter.note(message));
  } catch (error) {
    io.signal?.removeEventListener('abort', onAbort);
    throw error;
  }
  const spilled = fromStdin ? await spillStdin(io.stdin) : undefined;
  reporter.start({ input: options.input, out, dryRun: options.dryRun, resume: options.resume });
  try {
    const result = await runFile(
      { ...options, input: spilled?.path ?? options.input, out },
      {
        transport,
        clock,
        random: io.random ?? Math.random,
        stats,
        onRowDone: (outcome, line, sheet) => reporter.rowDone(outcome, line, sheet),
        ...(io.signal ? { signal: io.signal } : {}),
      },
    );
    reporter.stop();
    if (result.stopError) reporter.error(result.stopError.code, result.stopError.message, result.exitCode);
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
      reasons: reporter.topReasons(REASONS_SHOWN),
      otherReasons: Math.max(0, reporter.reasonCount - REASONS_SHOWN),
      ...(commands && !options.dryRun && unfinished > 0 ? { retryCommand: runCommandLine(options, out, { resume: true }) } : {}),
      ...(commands && options.dryRun && stats.byStatus.planned > 0 ? { applyCommand: runCommandLine(options, out, { dryRun: false, resume: false }) } : {}),
    });
    return result.exitCode;
  } catch (error) {
    reporter.stop();
    throw error;
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    transport.close();
    await spilled?.dispose();
  }
}

/** `licenses.csv` -> `licenses.results.csv`, next to the input; a workbook's results are CSV too (`users.xlsx` -> `users.results.csv`). */
export function defaultResultsPath(input: string): string {
  return input.replace(/\.(csv|txt|tsv|xlsx|xlsm)$/i, '') + '.results.csv';
}
