import type { Status } from '../model.js';

/**
 * The counters of one run, in one plain object (STYLE 10): the engine updates them, the
 * progress line and the summary print them.
 */
export interface RunStats {
  readonly startedAt: number;
  /** Data rows in the file, known after the whole-file check. */
  rowsTotal: number;
  readonly byStatus: Record<Status, number>;
  /** HTTP requests that carried a change (assignLicense or PATCH), retries included. */
  writes: number;
  /** Every HTTP request sent, reads included. */
  requests: number;
  /** Responses with status 429. */
  throttled: number;
  /** Requests sent again after a retryable failure. */
  retries: number;
  /** How often each errorCode ended a row, for the summary's most frequent errors. */
  readonly errors: Map<string, number>;
  /** Milliseconds the whole run stood paused by a Retry-After so far: updated as responses come, and at the end. */
  pausedMs: number;
  /** Each SKU's free seats before the run and after it (planned after, in a dry run). */
  seats: SeatReport[];
  /** Per SKU, the add and remove rows that succeeded (planned, in a dry run); set at the end of the run. */
  skuChanges: SkuChanges[];
}

/** The rows of one SKU that changed it (or would, in a dry run). */
export interface SkuChanges {
  readonly skuId: string;
  readonly label: string;
  readonly adds: number;
  readonly removes: number;
}

/** Free seats of one SKU: read before the run, and after it (planned, in a dry run). */
export interface SeatReport {
  readonly skuId: string;
  readonly label: string;
  readonly freeBefore: number;
  readonly freeAfter: number;
}

export function createRunStats(now: number): RunStats {
  return {
    startedAt: now,
    rowsTotal: 0,
    byStatus: { succeeded: 0, failed: 0, invalid: 0, skipped: 0, planned: 0, 'not-attempted': 0 },
    writes: 0,
    requests: 0,
    throttled: 0,
    retries: 0,
    errors: new Map(),
    pausedMs: 0,
    seats: [],
    skuChanges: [],
  };
}

/** Rows whose outcome is known. */
export function rowsDone(stats: RunStats): number {
  return Object.values(stats.byStatus).reduce((sum, n) => sum + n, 0);
}
