import type { ConcurrencySetting } from './in-flight.js';

/** Everything a run needs to know, validated once by the CLI and frozen (STYLE 6). */
export interface RunConfig {
  /** Path of the input file (standard input has already been spilled to a file). */
  readonly input: string;
  /** Where outcomes are written. */
  readonly out: string;
  readonly dryRun: boolean;
  /** Keep the rows of the existing results file that succeeded or were skipped; process the rest. */
  readonly resume: boolean;
  /** Any invalid row stops the run before any write. */
  readonly strict: boolean;
  /**
   * HTTP requests (envelopes, when batching) in flight at once: `auto` keeps as many as the pace
   * needs at the latency observed, up to 64 (SPEC §3); a number fixes it. @default 'auto'
   */
  readonly concurrency: ConcurrencySetting;
  /** Retries per request after the first attempt. @default 6 */
  readonly maxRetries: number;
  /** Client-side cap on writes per second, 'off' for no client-side pacing, undefined for Graph's published quota. */
  readonly maxRate: number | 'off' | undefined;
  /** Requests per JSON `$batch` (1 to 20); 1 sends each on its own. @default 1 */
  readonly batchSize: number;
  /** `--no-read`: send every valid row without reading users first (no skip, no seat check, no undo file). */
  readonly noRead: boolean;
  /** `--disabled-plans`: `merge` unions a row's disabled plans with the user's current ones. @default 'replace' */
  readonly disabledPlans: 'replace' | 'merge';
  /** `--usage-location`: given to a user that has none, before a license is added. */
  readonly defaultUsageLocation?: string;
  /** `--undo-out`: where the undo file goes. @default the results path without its extension, + `.undo.csv` */
  readonly undoOut?: string;
  readonly delimiter?: ',' | ';' | '\t';
  /** `--sheet`: the worksheet of a workbook input; its first worksheet otherwise. */
  readonly sheet?: string;
}
