import type { Status } from '../model.js';
import type { SyncCounts } from '../sync/sync-counts.js';
import type { FailureGroup } from './failure-groups.js';
import type { TimelineView } from './timeline.js';

/**
 * Everything the HTML report shows (SPEC §4 "Report"), as plain bounded data: counts, the first
 * rows of each failure reason and a sampled timeline, never the whole results. The renderer turns
 * it into one page without any I/O.
 */
export interface ReportData {
  readonly run: RunFacts;
  /** Data rows in the input. */
  readonly rowsTotal: number;
  /** Rows per status, rows kept by `--resume` included. */
  readonly byStatus: Readonly<Record<Status, number>>;
  /** Per SKU the sheet asked about: free seats (when read) and the adds and removes done (planned, in a dry run). */
  readonly skus: readonly SkuLine[];
  /** Failed and invalid rows by reason, the most rows first. */
  readonly failures: readonly FailureGroup[];
  /** The input's column names, for the listed rows' values. */
  readonly columns: readonly string[];
  readonly traffic: TrafficTotals;
  /** Writes and throttling over time; absent when the run sent no write (a dry run never does). */
  readonly timeline?: TimelineView;
  /** For `license-batch sync`: what the tenant held and the change sheet (SPEC §8). */
  readonly sync?: SyncCounts;
}

/** What the run was: where, when, on what, and how it ended. */
export interface RunFacts {
  readonly input: string;
  readonly resultsPath: string;
  readonly undoPath?: string;
  /** Why there is no undo file, when there is none. */
  readonly undoNote?: string;
  /** The tenant: its id (from AZURE_TENANT_ID or the token's `tid` claim) when known. Never a token. */
  readonly tenant?: string;
  /** The Graph root the run talked to. */
  readonly graphRoot: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly dryRun: boolean;
  readonly resumed: boolean;
  /** The run's exit code: 0, 1, 2 (stopped) or 130 (interrupted). */
  readonly exitCode: number;
  /** Why the run stopped early, when it did. */
  readonly stopReason?: string;
  readonly toolVersion: string;
}

export interface SkuLine {
  readonly skuId: string;
  readonly label: string;
  /** Free seats before the run and after it (planned after, in a dry run); absent with `--no-read`. */
  readonly seats?: { readonly before: number; readonly after: number };
  /** Add rows that succeeded (planned, in a dry run): new licenses and plan changes. */
  readonly adds: number;
  /** Remove rows that succeeded (planned, in a dry run). */
  readonly removes: number;
}

export interface TrafficTotals {
  readonly writes: number;
  readonly retries: number;
  /** 429 answers. */
  readonly throttled: number;
  /** Milliseconds the whole run stood paused by Retry-After. */
  readonly pausedMs: number;
}
