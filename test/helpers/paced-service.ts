/**
 * A model of a run against a throttled service, in virtual time, for the pace's table tests: a
 * window of requests in flight, each waiting for the run-wide Retry-After pause, then for the pace,
 * then the service's latency, then the service's token bucket (as the simulator's: it decides once
 * the latency has passed), with every answer fed back to the pace as send-with-retry.ts feeds it.
 */
import { Pace } from '../../src/graph/pace.js';
import { inFlightFor, MAX_AUTO_IN_FLIGHT } from '../../src/run/in-flight.js';
import { TokenBucket } from '../../src/simulator/throttle.js';
import { ManualClock } from './graph.js';

export interface ServiceModel {
  /** The service's refill, writes per second. */
  readonly perSecond: number;
  /** The service's bucket. @default perSecond (one second of refill) */
  readonly capacity?: number;
  /** Answers carry `x-ms-throttle-limit-percentage` past 0.8 of the bucket, as Graph's do. */
  readonly header: boolean;
  /** @default 20 */
  readonly latencyMs?: number;
  /**
   * Requests in flight at most, or `'auto'`: as `--concurrency auto` sizes it, from the pace's rate
   * and the latency observed (src/run/in-flight.ts), up to 64. @default 8
   */
  readonly concurrency?: number | 'auto';
  /** Rows to write (one write each, retried until accepted). */
  readonly rows: number;
  readonly maxRate?: number;
}

export interface ModelRun {
  readonly writes: number;
  readonly throttled: number;
  /** Clock times of the accepted writes' answers. */
  readonly acceptedAt: readonly number[];
  readonly firstSentAt: number;
  /** Rows per second from the first write sent to the last write accepted. */
  readonly firstToLast: number;
  /** Accepted writes per second over the last two thirds of the run (after the search for the quota). */
  readonly settledRate: number;
  /** The pace's lowest and highest rate over the last two thirds. */
  readonly low: number;
  readonly high: number;
}

export async function runModel(model: ServiceModel): Promise<ModelRun> {
  const clock = new ManualClock();
  const pace = new Pace({ clock, ...(model.maxRate === undefined ? {} : { maxRate: model.maxRate }) });
  // A run reads before it writes: the first write comes a while after the pace was made.
  await clock.advance(2_000);
  const service = new TokenBucket({ capacity: model.capacity ?? model.perSecond, refillPerSecond: model.perSecond }, () => clock.now());
  const latencyMs = model.latencyMs ?? 20;
  let rowsLeft = model.rows;
  let pausedUntil = 0;
  let writes = 0;
  let throttled = 0;
  let firstSentAt = Number.NaN;
  const acceptedAt: number[] = [];
  const paces: [number, number][] = [];
  const auto = model.concurrency === 'auto';
  let sending = 0;
  let slotFreed: (() => void)[] = [];
  let observedLatencyMs: number | undefined;
  const window = () => inFlightFor({ rate: pace.rate, latencyMs: observedLatencyMs, batchSize: 1, cap: MAX_AUTO_IN_FLIGHT }).members;

  const worker = async () => {
    while (rowsLeft > 0) {
      // Under auto, a worker waits for a send slot: the window the run would open at this rate and latency.
      while (auto && sending >= window()) await new Promise<void>((wake) => slotFreed.push(wake));
      if (rowsLeft <= 0) break;
      rowsLeft--;
      sending++;
      for (;;) {
        while (clock.now() < pausedUntil) await clock.sleep(pausedUntil - clock.now());
        await pace.acquire();
        if (clock.now() < pausedUntil) {
          pace.refund();
          continue;
        }
        const sentAt = clock.now();
        if (Number.isNaN(firstSentAt)) firstSentAt = sentAt;
        writes++;
        paces.push([sentAt, pace.rate]);
        await clock.sleep(latencyMs);
        observedLatencyMs = latencyMs;
        const answer = service.take();
        if (!answer.ok) {
          throttled++;
          pausedUntil = Math.max(pausedUntil, clock.now() + answer.retryAfterSeconds * 1000);
          pace.onThrottled(sentAt);
          continue;
        }
        acceptedAt.push(clock.now());
        pace.onAccepted(sentAt);
        pace.onLimitPercentage(model.header && answer.usedShare > 0.8 ? answer.usedShare : 0, sentAt);
        break;
      }
      sending--;
      const waiting = slotFreed;
      slotFreed = [];
      for (const wake of waiting) wake();
    }
  };
  let finished = false;
  const all = Promise.all(Array.from({ length: auto ? MAX_AUTO_IN_FLIGHT : ((model.concurrency as number | undefined) ?? 8) }, worker)).then(() => (finished = true));
  while (!finished) await clock.advance(1_000);
  await all;

  const last = acceptedAt.at(-1) ?? firstSentAt;
  const settledFrom = firstSentAt + (last - firstSentAt) / 3;
  const settled = acceptedAt.filter((t) => t >= settledFrom).length;
  const settledPaces = paces.filter(([t]) => t >= settledFrom).map(([, r]) => r);
  return {
    writes,
    throttled,
    acceptedAt,
    firstSentAt,
    firstToLast: (model.rows * 1000) / (last - firstSentAt),
    settledRate: (settled * 1000) / (last - settledFrom),
    low: Math.min(...settledPaces),
    high: Math.max(...settledPaces),
  };
}
