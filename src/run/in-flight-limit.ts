import PQueue from 'p-queue';
import { mostInFlight, requestsInFlight, type ConcurrencySetting } from './in-flight.js';
import { LatencyEstimate } from './latency-estimate.js';

/**
 * The run's limit on requests in flight, and the p-queues that carry it: the send slots of units
 * and the `$batch` envelopes. Fixed under `--concurrency N`; under `auto` it follows the pace's rate
 * and the latency of writes as they are answered ({@link requestsInFlight}), and every queue's
 * concurrency changes with it while the run goes.
 */
export class InFlightLimit {
  readonly #setting: ConcurrencySetting;
  readonly #batchSize: number;
  readonly #latency = new LatencyEstimate();
  readonly #queues: { readonly queue: PQueue; readonly perRequest: number }[] = [];
  #requests: number;

  /** @param rate the write pace when the run starts, writes per second (`Infinity` when not pacing) */
  constructor(options: { readonly setting: ConcurrencySetting; readonly batchSize: number; readonly rate: number }) {
    this.#setting = options.setting;
    this.#batchSize = options.batchSize;
    this.#requests = this.#size(options.rate);
  }

  /** HTTP requests (envelopes, when batching) in flight at the most, now. */
  get requests(): number {
    return this.#requests;
  }

  /** A queue whose concurrency is the limit times `perRequest` (the members of an envelope, for units' send slots), now and as it changes. */
  queue(perRequest = 1): PQueue {
    const queue = new PQueue({ concurrency: this.#requests * perRequest });
    this.#queues.push({ queue, perRequest });
    return queue;
  }

  /** A write succeeded after `ms` on the wire. */
  observeLatency(ms: number): void {
    this.#latency.observe(ms);
  }

  /** Sizes the limit again for the pace's current rate and the latency seen so far. */
  update(rate: number): void {
    const requests = this.#size(rate);
    if (requests === this.#requests) return;
    this.#requests = requests;
    for (const { queue, perRequest } of this.#queues) queue.concurrency = requests * perRequest;
  }

  #size(rate: number): number {
    if (this.#setting !== 'auto') return this.#setting;
    return requestsInFlight({ rate, latencyMs: this.#latency.ms, batchSize: this.#batchSize, cap: mostInFlight('auto') });
  }
}
