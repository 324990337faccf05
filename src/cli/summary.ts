import type { Status } from '../model.js';
import { rowsDone, type RunStats } from '../run/run-stats.js';
import type { DesiredProblem } from '../sync/read-desired-sheet.js';
import type { SyncCounts } from '../sync/sync-counts.js';
import { formatReason, type ReasonCount } from './reasons.js';

const STATUS_ORDER: readonly Status[] = ['succeeded', 'skipped', 'planned', 'failed', 'invalid', 'not-attempted'];

/** Everything the end of a run reports (SPEC §5, issue 8). Plain data: the printers below are pure. */
export interface RunReport {
  readonly stats: RunStats;
  /** Epoch milliseconds the run ended. */
  readonly now: number;
  readonly exitCode: number;
  readonly dryRun: boolean;
  readonly resultsPath: string;
  readonly undoPath?: string;
  readonly undoNote?: string;
  /** The HTML report written, when one was. */
  readonly reportPath?: string;
  /** The most frequent reasons rows failed or were invalid, most frequent first. */
  readonly reasons: readonly ReasonCount[];
  /** Reasons beyond those listed. */
  readonly otherReasons?: number;
  /** The command that retries only the rows that did not succeed (`--resume`), when some did not. */
  readonly retryCommand?: string;
  /** After a dry run: the command that applies the plan. */
  readonly applyCommand?: string;
  /** When sync ran the change sheet: what it found per SKU. */
  readonly sync?: SyncCounts;
}

/** Sync's counts in words, one line per SKU of the scope, then the change sheet. */
export function syncLines(sync: SyncCounts): string[] {
  const lines = sync.skus.map(
    (sku) =>
      `sync ${sku.label}: ${sku.directHolders} direct holder(s) read, ${sku.removes} remove(s), ${sku.planChanges} plan change(s), ${sku.adds} add(s), ` +
      `${sku.groupOnly} held through a group, not changed`,
  );
  if (sync.skus.length === 0) lines.push('sync: no SKU in scope');
  const total = sync.skus.reduce((sum, sku) => sum + sku.removes + sku.planChanges + sku.adds, 0);
  lines.push(`change sheet: ${sync.changesPath} (${total} change(s))`);
  return lines;
}

/** The `sync` event of `--log json`, written before the run's `start`. */
export function syncObject(sync: SyncCounts, desired?: { readonly path: string; readonly invalidRows: number; readonly problems: readonly DesiredProblem[] }): Record<string, unknown> {
  return {
    event: 'sync',
    time: new Date().toISOString(),
    ...(desired ? { desired: desired.path } : {}),
    changes: sync.changesPath,
    skus: sync.skus.map((sku) => ({ ...sku })),
    removes: sync.skus.reduce((sum, sku) => sum + sku.removes, 0),
    adds: sync.skus.reduce((sum, sku) => sum + sku.adds, 0),
    planChanges: sync.skus.reduce((sum, sku) => sum + sku.planChanges, 0),
    groupOnly: sync.skus.reduce((sum, sku) => sum + sku.groupOnly, 0),
    ...(desired ? { invalidRows: desired.invalidRows, invalid: desired.problems.slice(0, 100) } : {}),
  };
}

/** Seconds since the run started, for rates. */
function elapsedSeconds(stats: RunStats, now: number): number {
  return Math.max((now - stats.startedAt) / 1000, 0.001);
}

/**
 * The one-line progress: rows done of total, what became of them, the write rate, the time spent
 * waiting on throttling, and an estimate of the time left.
 */
export function progressLine(stats: RunStats, now: number): string {
  const done = rowsDone(stats);
  if (stats.rowsTotal === 0 && done === 0) return 'checking the file and the tenant...';
  const seconds = elapsedSeconds(stats, now);
  const s = stats.byStatus;
  const parts = [`${s.succeeded} succeeded`, `${s.failed + s.invalid} failed`, `${s.skipped} skipped`];
  if (s.planned > 0) parts.push(`${s.planned} planned`);
  if (s['not-attempted'] > 0) parts.push(`${s['not-attempted']} not attempted`);
  const eta = etaSeconds(stats, now);
  return (
    `${done}/${stats.rowsTotal} rows (${parts.join(', ')}), ${(stats.writes / seconds).toFixed(1)} writes/s, ` +
    `throttled ${formatDuration(stats.pausedMs / 1000)}` +
    (eta === undefined ? '' : `, about ${formatDuration(eta)} left`)
  );
}

/** Seconds left at the rate rows have completed so far; undefined before the first row or after the last. */
export function etaSeconds(stats: RunStats, now: number): number | undefined {
  const done = rowsDone(stats);
  const left = stats.rowsTotal - done;
  if (done === 0 || left <= 0) return undefined;
  return left / (done / elapsedSeconds(stats, now));
}

/** The summary at the end of a run, one line each, without the `license-batch: ` prefix. */
export function summaryLines(report: RunReport): string[] {
  const { stats, now } = report;
  const seconds = elapsedSeconds(stats, now);
  const counts = STATUS_ORDER.filter((s) => stats.byStatus[s] > 0).map((s) => `${s} ${stats.byStatus[s]}`);
  const lines = report.sync ? syncLines(report.sync) : [];
  lines.push(`${rowsDone(stats)} rows in ${formatDuration(seconds)}: ${counts.join(', ') || 'nothing to do'}`);
  if (report.reasons.length > 0) {
    lines.push('most frequent errors:');
    for (const reason of report.reasons) lines.push(`  ${formatReason(reason)}`);
    const more = report.otherReasons ?? 0;
    if (more > 0) lines.push(`  and ${more} other reason${more === 1 ? '' : 's'}: see the message column of the results file`);
  }
  if (stats.seats.length > 0) {
    const label = report.dryRun ? 'free seats now -> after the planned run' : 'free seats before -> after';
    lines.push(`${label}: ${stats.seats.map((s) => `${s.label} ${s.freeBefore} -> ${s.freeAfter}`).join(', ')}`);
  }
  lines.push(
    `${stats.writes} writes (${(stats.writes / seconds).toFixed(1)}/s), ${stats.retries} retries, ` +
      `${stats.throttled} throttled, ${formatDuration(stats.pausedMs / 1000)} paused by Retry-After`,
  );
  lines.push(`results: ${report.resultsPath}`);
  if (report.reportPath !== undefined) lines.push(`report: ${report.reportPath} (open it in a browser, or send it to the project team)`);
  if (report.undoPath !== undefined) lines.push(`undo: ${report.undoPath} (run it with license-batch run to restore the users this run changed)`);
  else if (report.undoNote !== undefined) lines.push(report.undoNote);
  if (report.applyCommand !== undefined) lines.push(`to apply this plan: ${report.applyCommand}`);
  if (report.retryCommand !== undefined) {
    const fixFirst = stats.byStatus.invalid + stats.byStatus.failed > 0 ? 'fix the failed and invalid rows in the input, then ' : '';
    lines.push(`${fixFirst}retry only the rows that did not succeed: ${report.retryCommand}`);
  }
  return lines;
}

/** The summary as one object, for `--log json`. */
export function summaryObject(report: RunReport): Record<string, unknown> {
  const { stats, now } = report;
  const seconds = elapsedSeconds(stats, now);
  return {
    event: 'summary',
    time: new Date(now).toISOString(),
    rows: rowsDone(stats),
    statuses: stats.byStatus,
    topErrors: Object.fromEntries([...stats.errors].sort((a, b) => b[1] - a[1]).slice(0, 5)),
    reasons: report.reasons.map((r) => ({ reason: r.reason, key: r.key, count: r.count, exampleRow: r.exampleRow, fix: r.fix })),
    seats: stats.seats,
    writes: stats.writes,
    writesPerSecond: Number((stats.writes / seconds).toFixed(2)),
    retries: stats.retries,
    throttled: stats.throttled,
    pausedSeconds: Number((stats.pausedMs / 1000).toFixed(3)),
    seconds: Number(seconds.toFixed(3)),
    results: report.resultsPath,
    ...(report.sync ? { changes: report.sync.changesPath } : {}),
    ...(report.reportPath !== undefined ? { report: report.reportPath } : {}),
    ...(report.undoPath !== undefined ? { undo: report.undoPath } : {}),
    ...(report.undoNote !== undefined ? { undoNote: report.undoNote } : {}),
    ...(report.retryCommand !== undefined ? { retryCommand: report.retryCommand } : {}),
    ...(report.applyCommand !== undefined ? { applyCommand: report.applyCommand } : {}),
    exitCode: report.exitCode,
  };
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
