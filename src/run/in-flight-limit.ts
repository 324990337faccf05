import PQueue from 'p-queue';
import { inFlightFor, mostInFlight, type ConcurrencySetting, type InFlight } from './in-flight.js';
import { LatencyEstimate } from './latency-estimate.js';

/**
 * The run's limits on what is in flight, and the p-queues that carry them: the `$batch` envelopes
 * (HTTP requests) and the units' send slots (members). Fixed under `--concurrency N` (N requests,
 * N x batch size members); under `auto` they follow the pace's rate and the latency of writes as they
 * are answered ({@link inFlightFor}), and every queue's concurrency changes with them while the run goes.
 */
export class InFlightLimit {
  readonly #setting: ConcurrencySetting;
  readonly #batchSize: number;
  readonly #latency = new LatencyEstimate();
  readonly #queues: { readonly queue: PQueue; readonly of: keyof InFlight }[] = [];
  #now: InFlight;

  /** @param rate the write pace when the run starts, writes per second (`Infinity` when not pacing) */
  constructor(options: { readonly setting: ConcurrencySetting; readonly batchSize: number; readonly rate: number }) {
    this.#setting = options.setting;
    this.#batchSize = options.batchSize;
    this.#now = this.#size(options.rate);
  }

  /** HTTP requests (envelopes, when batching) in flight at the most, now. */
  get requests(): number {
    return this.#now.requests;
  }

  /** Units (`$batch` members) sending at once at the most, now. */
  get members(): number {
    return this.#now.members;
  }

  /** A queue whose concurrency is the limit on requests (envelopes) or on members (units' send slots), now and as it changes. */
  queue(of: keyof InFlight): PQueue {
    const queue = new PQueue({ concurrency: this.#now[of] });
    this.#queues.push({ queue, of });
    return queue;
  }

  /** A write succeeded after `ms` on the wire. */
  observeLatency(ms: number): void {
    this.#latency.observe(ms);
  }

  /** Sizes the limits again for the pace's current rate and the latency seen so far. */
  update(rate: number): void {
    const next = this.#size(rate);
    if (next.requests === this.#now.requests && next.members === this.#now.members) return;
    this.#now = next;
    for (const { queue, of } of this.#queues) queue.concurrency = next[of];
  }

  #size(rate: number): InFlight {
    if (this.#setting !== 'auto') return { requests: this.#setting, members: this.#setting * this.#batchSize };
    return inFlightFor({ rate, latencyMs: this.#latency.ms, batchSize: this.#batchSize, cap: mostInFlight('auto') });
  }
}
