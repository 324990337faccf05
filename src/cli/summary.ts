import type { Status } from '../model.js';
import { rowsDone, type RunStats } from '../run/run-stats.js';

const STATUS_ORDER: readonly Status[] = ['succeeded', 'skipped', 'planned', 'failed', 'invalid', 'not-attempted'];

/** Seconds since the run started, for rates. */
function elapsedSeconds(stats: RunStats, now: number): number {
  return Math.max((now - stats.startedAt) / 1000, 0.001);
}

/** The one-line progress: rows done of total, write rate, and an estimate of the time left. */
export function progressLine(stats: RunStats, now: number): string {
  const done = rowsDone(stats);
  const seconds = elapsedSeconds(stats, now);
  const rate = stats.writes / seconds;
  const rowsPerSecond = done / seconds;
  const left = stats.rowsTotal - done;
  const eta = rowsPerSecond > 0 && left > 0 ? `, about ${formatDuration(left / rowsPerSecond)} left` : '';
  const failing = stats.byStatus.failed + stats.byStatus.invalid;
  return `${done}/${stats.rowsTotal} rows (${failing} failed or invalid), ${rate.toFixed(1)} writes/s${eta}`;
}

/** The summary at the end of a run (SPEC §5): counts per status, frequent errors, throttling, rate, results path. */
export function summaryLines(stats: RunStats, now: number, resultsPath: string): string[] {
  const seconds = elapsedSeconds(stats, now);
  const counts = STATUS_ORDER.filter((s) => stats.byStatus[s] > 0).map((s) => `${s} ${stats.byStatus[s]}`);
  const lines = [`${rowsDone(stats)} rows in ${formatDuration(seconds)}: ${counts.join(', ') || 'nothing to do'}`];
  const errors = topErrors(stats, 5);
  if (errors.length > 0) lines.push(`most frequent errors: ${errors.map(([code, n]) => `${code} x${n}`).join(', ')}`);
  lines.push(
    `${stats.writes} writes (${(stats.writes / seconds).toFixed(1)}/s), ${stats.retries} retries, ` +
      `${stats.throttled} throttled, ${formatDuration(stats.pausedMs / 1000)} paused by Retry-After`,
  );
  lines.push(`results: ${resultsPath}`);
  return lines;
}

/** The summary as one object, for `--log json`. */
export function summaryObject(stats: RunStats, now: number, resultsPath: string, exitCode: number): Record<string, unknown> {
  const seconds = elapsedSeconds(stats, now);
  return {
    event: 'summary',
    rows: rowsDone(stats),
    statuses: stats.byStatus,
    topErrors: Object.fromEntries(topErrors(stats, 5)),
    writes: stats.writes,
    writesPerSecond: Number((stats.writes / seconds).toFixed(2)),
    retries: stats.retries,
    throttled: stats.throttled,
    pausedSeconds: Number((stats.pausedMs / 1000).toFixed(3)),
    seconds: Number(seconds.toFixed(3)),
    results: resultsPath,
    exitCode,
  };
}

function topErrors(stats: RunStats, n: number): [string, number][] {
  return [...stats.errors].sort((a, b) => b[1] - a[1]).slice(0, n);
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
