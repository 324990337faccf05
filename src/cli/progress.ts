import type { Ora } from 'ora';
import type { RowOutcome } from '../model.js';
import { rowsDone, type RunStats } from '../run/run-stats.js';
import { ReasonTally } from './reasons.js';
import type { DesiredProblem } from '../sync/read-desired-sheet.js';
import type { SyncCounts } from '../sync/sync-counts.js';
import { etaSeconds, progressLine, summaryLines, summaryObject, syncObject, type RunReport } from './summary.js';

export type ProgressMode = 'live' | 'plain' | 'json' | 'off';

/** How often a plain or JSON progress line is written, unless LICENSE_BATCH_PROGRESS_SECONDS says otherwise. */
const DEFAULT_EVERY_MS = 5_000;
/** How often the live line is redrawn, and the throttle counter looked at for `throttled` events. */
const TICK_MS = 250;

/**
 * Chooses the progress style (SPEC §5): a live line on a terminal, a plain line every few seconds
 * in a log file (no spinner escapes), JSON objects for `--log json`, nothing for `--quiet`.
 */
export function progressMode(options: { log: 'text' | 'json'; quiet: boolean }, stream: NodeJS.WriteStream): ProgressMode {
  if (options.log === 'json') return 'json';
  if (options.quiet) return 'off';
  // A terminal that reports no width (a pseudo-terminal a scheduler or `script` opened without a
  // size) cannot hold a redrawn line: ora would clear lines without end. Plain lines serve it.
  return stream.isTTY && (stream.columns ?? 0) > 0 ? 'live' : 'plain';
}

/** `LICENSE_BATCH_PROGRESS_SECONDS`: the interval of plain and JSON progress lines (a nightly log may want fewer). */
export function progressEveryMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.LICENSE_BATCH_PROGRESS_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? Math.max(seconds * 1000, 100) : DEFAULT_EVERY_MS;
}

export interface StartInfo {
  readonly input: string;
  readonly out: string;
  readonly dryRun: boolean;
  readonly resume: boolean;
}

/**
 * What a run shows on standard error while it runs and when it ends. All of the run's output goes
 * through here, so that the live line is cleared before any other line and never mixes with it,
 * and so that `--log json` writes nothing but JSON objects, one per line.
 */
export class RunReporter {
  readonly #mode: ProgressMode;
  readonly #stream: NodeJS.WriteStream;
  readonly #stats: RunStats;
  readonly #everyMs: number;
  /** `--quiet` with `--log json`: row failures, errors and the summary only. */
  readonly #quiet: boolean;
  readonly #tally = new ReasonTally();
  #spinner: Ora | undefined;
  #timers: NodeJS.Timeout[] = [];
  #throttledSeen = 0;

  constructor(mode: ProgressMode, stream: NodeJS.WriteStream, stats: RunStats, options: { everyMs?: number; quiet?: boolean } = {}) {
    this.#mode = mode;
    this.#quiet = options.quiet === true;
    this.#stream = stream;
    this.#stats = stats;
    this.#everyMs = options.everyMs ?? DEFAULT_EVERY_MS;
  }

  /**
   * Starts showing progress: the `start` event or line, then the live line or the periodic lines.
   * Resolves once the first line is out.
   */
  async start(info: StartInfo): Promise<void> {
    const stats = this.#stats;
    if (this.#mode === 'json' && this.#quiet) return;
    if (this.#mode === 'json') {
      this.#json({ event: 'start', time: iso(), input: info.input, results: info.out, dryRun: info.dryRun, resume: info.resume });
      this.#every(this.#everyMs, () => this.#json(progressObject(stats, Date.now())));
      this.#every(TICK_MS, () => this.#checkThrottled());
    } else if (this.#mode === 'plain') {
      this.#stream.write(`${iso()} license-batch: ${info.dryRun ? 'dry run of' : 'running'} ${info.input}, results to ${info.out}\n`);
      this.#every(this.#everyMs, () => this.#stream.write(`${iso()} license-batch: ${progressLine(stats, Date.now())}\n`));
    } else if (this.#mode === 'live') {
      // Loaded for a terminal only: the spinner's library costs a logged or scheduled run about 0.13 s of start-up CPU.
      const { default: ora } = await import('ora');
      this.#spinner = ora({ stream: this.#stream, text: progressLine(stats, Date.now()), discardStdin: false }).start();
      this.#every(TICK_MS, () => {
        if (this.#spinner) this.#spinner.text = progressLine(stats, Date.now());
      });
    }
  }

  /** What sync found, before the run of its change sheet starts: the `sync` event in JSON, before `start` (text shows it in the summary). */
  sync(counts: SyncCounts, desired?: { readonly path: string; readonly invalidRows: number; readonly problems: readonly DesiredProblem[] }): void {
    if (this.#mode === 'json' && !this.#quiet) this.#json(syncObject(counts, desired));
  }

  /** One row's outcome, as the run records it: counted for the summary's reasons; `row-failed` in JSON. */
  rowDone(outcome: RowOutcome, line: number, sheet?: string): void {
    if (outcome.status !== 'failed' && outcome.status !== 'invalid') return;
    this.#tally.add(outcome.row, outcome);
    if (this.#mode === 'json') {
      // A workbook's `line` is Excel's row number, and `sheet` says which sheet it is in.
      this.#json({ event: 'row-failed', time: outcome.completedAt, row: outcome.row, line, ...(sheet === undefined ? {} : { sheet }), status: outcome.status, errorCode: outcome.errorCode ?? null, message: outcome.message });
    }
  }

  /** A message that is not progress (e.g. "stopping"): printed in every mode but JSON's own form, never over the live line. */
  note(message: string): void {
    if (this.#mode === 'json') this.#json({ event: 'notice', time: iso(), message });
    else this.#above(`license-batch: ${message}\n`);
  }

  /** An error that ends the run, in the mode's form. */
  error(code: string, message: string, exitCode: number): void {
    if (this.#mode === 'json') this.#json({ event: 'error', time: iso(), code, message, exitCode });
    else this.#above(`license-batch: error: ${message}\n`);
  }

  /** The reasons counted so far, most frequent first. */
  topReasons(n = 5) {
    return this.#tally.top(n);
  }

  /** How many different reasons were counted. */
  get reasonCount(): number {
    return this.#tally.size;
  }

  /** Ends the progress display (idempotent) and prints the summary. */
  finish(report: RunReport): void {
    this.stop();
    if (this.#mode === 'json') {
      if (!this.#quiet) this.#checkThrottled();
      this.#json(summaryObject(report));
    } else {
      for (const line of summaryLines(report)) this.#stream.write(`license-batch: ${line}\n`);
    }
  }

  /** Stops the timers and clears the live line; safe to call more than once. */
  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    this.#spinner?.stop();
    this.#spinner = undefined;
  }

  #every(ms: number, tick: () => void): void {
    const timer = setInterval(tick, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  /** `throttled` events come from watching the run's 429 counter rise. */
  #checkThrottled(): void {
    const now = this.#stats.throttled;
    if (now <= this.#throttledSeen) return;
    const fresh = now - this.#throttledSeen;
    this.#throttledSeen = now;
    this.#json({ event: 'throttled', time: iso(), responses: fresh, throttled: now, pausedSeconds: round(this.#stats.pausedMs / 1000) });
  }

  /** Writes a line above the live line: clear it, write, draw it again. */
  #above(text: string): void {
    if (!this.#spinner) {
      this.#stream.write(text);
      return;
    }
    this.#spinner.clear();
    this.#stream.write(text);
    this.#spinner.render();
  }

  #json(event: Record<string, unknown>): void {
    this.#stream.write(`${JSON.stringify(event)}\n`);
  }
}

/** The `progress` event of `--log json`. */
export function progressObject(stats: RunStats, now: number): Record<string, unknown> {
  const seconds = Math.max((now - stats.startedAt) / 1000, 0.001);
  const eta = etaSeconds(stats, now);
  return {
    event: 'progress',
    time: new Date(now).toISOString(),
    done: rowsDone(stats),
    total: stats.rowsTotal,
    succeeded: stats.byStatus.succeeded,
    failed: stats.byStatus.failed,
    invalid: stats.byStatus.invalid,
    skipped: stats.byStatus.skipped,
    planned: stats.byStatus.planned,
    notAttempted: stats.byStatus['not-attempted'],
    writes: stats.writes,
    writesPerSecond: round(stats.writes / seconds),
    throttled: stats.throttled,
    pausedSeconds: round(stats.pausedMs / 1000),
    etaSeconds: eta === undefined ? null : Math.round(eta),
  };
}

function round(n: number): number {
  return Number(n.toFixed(2));
}

function iso(): string {
  return new Date().toISOString();
}
