import ora from 'ora';
import { rowsDone, type RunStats } from '../run/run-stats.js';
import { progressLine } from './summary.js';

export type ProgressMode = 'live' | 'plain' | 'json' | 'off';

/** How often a plain or JSON progress line is written when standard error is not a terminal. */
const PLAIN_EVERY_MS = 5_000;

/**
 * Chooses the progress style (SPEC §5): a live line on a terminal, a plain line every few seconds
 * in a log file (no spinner escapes), JSON objects for `--log json`, nothing for `--quiet`.
 */
export function progressMode(options: { log: 'text' | 'json'; quiet: boolean }, stream: NodeJS.WriteStream): ProgressMode {
  if (options.quiet) return 'off';
  if (options.log === 'json') return 'json';
  return stream.isTTY ? 'live' : 'plain';
}

/** Shows progress until `stop` is called. Reads the live stats object; never changes it. */
export function startProgress(stats: RunStats, mode: ProgressMode, stream: NodeJS.WriteStream): { stop(): void } {
  if (mode === 'off') return { stop() {} };
  if (mode === 'live') {
    const spinner = ora({ stream, text: 'checking the file' }).start();
    const timer = setInterval(() => {
      spinner.text = progressLine(stats, Date.now());
    }, 250);
    return {
      stop() {
        clearInterval(timer);
        spinner.stop();
      },
    };
  }
  const timer = setInterval(() => {
    if (mode === 'json') {
      stream.write(`${JSON.stringify({ event: 'progress', done: rowsDone(stats), total: stats.rowsTotal, writes: stats.writes, throttled: stats.throttled, time: new Date().toISOString() })}\n`);
    } else {
      stream.write(`license-batch: ${progressLine(stats, Date.now())}\n`);
    }
  }, PLAIN_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
