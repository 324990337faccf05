import type { Clock } from './clock.js';

/** Graph's published write quota per app and tenant: 3,000 requests per 150 s (SPEC §3). */
export const PUBLISHED_WRITE_QUOTA = Object.freeze({ capacity: 3000, perSecond: 20 });

/**
 * Share of the quota used (`x-ms-throttle-limit-percentage`) from which the rate is braked: at this
 * share the full rate, at 1 (the limit) the floor, linearly between. Under a quota smaller than the
 * rate, the run settles where the brake's rate equals the quota, with the server's bucket not quite
 * empty, so that jitter does not turn into 429s.
 */
const BRAKE_FROM = 0.9;
/** Rate kept after a 429: halved, as TCP does, because the quota is smaller than we thought. */
const THROTTLED_FACTOR = 0.5;
/** 429s within this many milliseconds of a cut belong to the same episode and do not cut again. */
const ONE_CUT_PER_MS = 1000;
/** Lowest rate the adaptation goes to, in writes per second (or the cap, when that is lower). */
const FLOOR_PER_SECOND = 1;
/**
 * The burst under an explicit `maxRate`, in seconds of that rate. An admin means the cap from the
 * first write on, and a quota the cap matches has no room for a second's worth on top of the rate:
 * that burst met the server's full bucket edge to edge and drew a 429 in the first second.
 */
const CAPPED_BURST_SECONDS = 0.1;
/**
 * After a 429, successes raise the rate by this share of the cap per second of sending: from half
 * the cap back to the cap in about 5 s. Slower (one write per second per second) left a run at a
 * fraction of its quota for a minute after a single early 429.
 */
const RECOVERY_PER_SECOND = 0.1;

export interface PaceOptions {
  readonly clock: Clock;
  /**
   * Writes per second at the most, or `'off'` for no client-side pacing (throttling answers are
   * still obeyed, by the retry loop).
   * @default 20, Graph's published quota
   */
  readonly maxRate?: number | 'off' | undefined;
  /**
   * Writes that may go at once before pacing sets in.
   * @default 3000 (the published quota's burst), or a tenth of a second's worth under an explicit
   * `maxRate`, which an admin means as a cap from the first write on
   */
  readonly capacity?: number;
}

/**
 * Client-side pacing of writes: a token bucket that models Graph's write quota, so that a long run
 * is paced rather than throttled. Adaptive: a 429 halves the rate and empties the bucket, and
 * successes raise it again, a tenth of the cap per second, up to the cap. The
 * `x-ms-throttle-limit-percentage` Graph sends past 0.8 of the quota brakes the rate as it nears 1
 * and trims the bucket to what the server says is left; the brake holds only while Graph keeps
 * sending the header: an answer without it says the quota is no longer near.
 */
export class Pace {
  readonly #clock: Clock;
  readonly #cap: number;
  readonly #floor: number;
  readonly #capacity: number;
  /** The rate learnt from 429s; the pace is this, braked by {@link #share}. */
  #rate: number;
  /** The last `x-ms-throttle-limit-percentage`, 0 once an answer came without one. */
  #share = 0;
  #tokens: number;
  #lastCutAt = Number.NEGATIVE_INFINITY;
  #updatedAt: number;
  /** Waiters take tokens one after another, in call order, so that one timer runs at a time. */
  #line: Promise<void> = Promise.resolve();

  constructor(options: PaceOptions) {
    const { maxRate, capacity } = options;
    if (maxRate !== undefined && maxRate !== 'off' && !(typeof maxRate === 'number' && maxRate > 0 && Number.isFinite(maxRate))) {
      throw new TypeError(`Invalid option maxRate: expect a number above 0, 'off' or undefined, got ${String(maxRate)} (${typeof maxRate})`);
    }
    if (capacity !== undefined && !(capacity >= 1 && Number.isFinite(capacity))) {
      throw new TypeError(`Invalid option capacity: expect a number of at least 1, got ${String(capacity)} (${typeof capacity})`);
    }
    this.#clock = options.clock;
    this.#cap = maxRate === 'off' ? Number.POSITIVE_INFINITY : (maxRate ?? PUBLISHED_WRITE_QUOTA.perSecond);
    this.#floor = Math.min(FLOOR_PER_SECOND, this.#cap);
    this.#capacity = capacity ?? (maxRate === undefined ? PUBLISHED_WRITE_QUOTA.capacity : Math.max(1, Math.min(PUBLISHED_WRITE_QUOTA.capacity, this.#cap * CAPPED_BURST_SECONDS)));
    this.#rate = this.#cap;
    this.#tokens = this.#capacity;
    this.#updatedAt = this.#clock.now();
  }

  /** False under `maxRate: 'off'`. */
  get isPacing(): boolean {
    return Number.isFinite(this.#cap);
  }

  /** The current rate in writes per second; `Infinity` when not pacing. */
  get rate(): number {
    if (!this.isPacing || this.#share <= BRAKE_FROM) return this.#rate;
    const braked = this.#rate * Math.max(0, (1 - this.#share) / (1 - BRAKE_FROM));
    return Math.max(this.#floor, braked);
  }

  /** Resolves when the next write may go: at once while the bucket holds a token, or when not pacing. */
  acquire(): Promise<void> {
    if (!this.isPacing) return Promise.resolve();
    const turn = this.#line.then(() => this.#take());
    this.#line = turn;
    return turn;
  }

  /**
   * A 429: the quota is smaller than modelled, and the server's bucket is empty. The rate is halved
   * once per throttling episode: the other writes already in flight when it began come back 429 too,
   * and halving for each of them (as TCP does not, per window) drove the rate to the floor.
   */
  onThrottled(): void {
    if (!this.isPacing) return;
    this.#refill();
    const now = this.#clock.now();
    if (now - this.#lastCutAt >= ONE_CUT_PER_MS) {
      this.#rate = Math.max(this.#floor, this.#rate * THROTTLED_FACTOR);
      this.#lastCutAt = now;
    }
    this.#tokens = Math.min(this.#tokens, 0);
  }

  /**
   * `x-ms-throttle-limit-percentage` of a write's answer: the share of the quota used, 0.8 to 1.8
   * (over the limit); 0 for an answer without the header, which Graph sends only past 0.8.
   */
  onLimitPercentage(share: number): void {
    if (!this.isPacing || !Number.isFinite(share)) return;
    this.#refill();
    this.#share = share;
    if (share <= 0) return;
    // Rounded to a micro-token, so that 1 - 0.81 leaves 570 of 3,000 and not 569.99999999.
    const left = Math.round(this.#capacity * Math.max(0, 1 - share) * 1e6) / 1e6;
    this.#tokens = Math.min(this.#tokens, left);
  }

  /** A write succeeded: raise the rate additively, a tenth of the cap for each second of successes. */
  onSuccess(): void {
    if (!this.isPacing || this.#rate >= this.#cap) return;
    this.#refill();
    this.#rate = Math.min(this.#cap, this.#rate + (this.#cap * RECOVERY_PER_SECOND) / this.#rate);
  }

  async #take(): Promise<void> {
    for (;;) {
      this.#refill();
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.#clock.sleep(Math.ceil(((1 - this.#tokens) * 1000) / this.rate));
    }
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.#capacity, this.#tokens + (elapsed * this.rate) / 1000);
    this.#updatedAt = now;
  }
}
