import type { Clock } from '../graph/clock.js';
import type { RowOutcome } from '../model.js';
import type { RunStats } from '../run/run-stats.js';
import type { SyncCounts } from '../sync/sync-counts.js';
import { FailureGroups } from './failure-groups.js';
import type { ReportData, RunFacts, SkuLine } from './report-data.js';
import { Timeline } from './timeline.js';

/** How often the run's counters are sampled for the chart (the timeline merges samples as the run grows). */
const SAMPLE_EVERY_MS = 100;
/** Rows listed per failure reason; the report counts the rest. */
const ROWS_PER_REASON = 10;

/**
 * Gathers, while a run goes, what its report needs and nothing more: the failed rows' first few
 * per reason, and the run's traffic sampled over time from its {@link RunStats}. At the end,
 * {@link ReportCollector.data} joins them with the counters into the renderer's data. The edge
 * around the pure renderer: it owns the sampling timer.
 */
export class ReportCollector {
  readonly #stats: RunStats;
  readonly #clock: Clock;
  readonly #failures = new FailureGroups(ROWS_PER_REASON);
  readonly #timeline: Timeline;
  #timer: NodeJS.Timeout | undefined;

  constructor(stats: RunStats, clock: Clock) {
    this.#stats = stats;
    this.#clock = clock;
    this.#timeline = new Timeline(stats.startedAt);
  }

  /** Starts sampling the run's counters. */
  start(): void {
    this.#timer ??= setInterval(() => this.#sample(), SAMPLE_EVERY_MS);
    this.#timer.unref();
  }

  /** One row's outcome: failed and invalid rows are grouped by reason. */
  rowDone(outcome: RowOutcome, line: number, values: readonly string[], sheet?: string): void {
    this.#failures.add(outcome, line, values, sheet);
  }

  /** Stops sampling, with a last sample of the counters as the run left them. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sample();
  }

  /** The report's data: the run's facts as the command knows them, and what was gathered. */
  data(run: RunFacts, extra: { columns: readonly string[]; sync?: SyncCounts }): ReportData {
    const stats = this.#stats;
    return {
      run,
      rowsTotal: stats.rowsTotal,
      byStatus: { ...stats.byStatus },
      skus: skuLines(stats),
      failures: this.#failures.groups(),
      columns: extra.columns,
      traffic: { writes: stats.writes, retries: stats.retries, throttled: stats.throttled, pausedMs: stats.pausedMs },
      ...(!run.dryRun && stats.writes > 0 ? { timeline: this.#timeline.view() } : {}),
      ...(extra.sync ? { sync: extra.sync } : {}),
    };
  }

  #sample(): void {
    const { writes, throttled, pausedMs } = this.#stats;
    this.#timeline.record(this.#clock.now(), { writes, throttled, pausedMs });
  }
}

/** Seats and changes joined per SKU, in the order of their names. */
function skuLines(stats: RunStats): SkuLine[] {
  const lines = new Map<string, { skuId: string; label: string; seats?: { before: number; after: number }; adds: number; removes: number }>();
  for (const seat of stats.seats) {
    lines.set(seat.skuId.toLowerCase(), { skuId: seat.skuId, label: seat.label, seats: { before: seat.freeBefore, after: seat.freeAfter }, adds: 0, removes: 0 });
  }
  for (const change of stats.skuChanges) {
    const key = change.skuId.toLowerCase();
    const line = lines.get(key) ?? { skuId: change.skuId, label: change.label, adds: 0, removes: 0 };
    line.adds += change.adds;
    line.removes += change.removes;
    lines.set(key, line);
  }
  return [...lines.values()].sort((a, b) => a.label.localeCompare(b.label));
}
