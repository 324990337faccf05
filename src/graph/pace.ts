import type { Clock } from './clock.js';

/** Graph's published write quota per app and tenant: 3,000 requests per 150 s (SPEC §3). */
export const PUBLISHED_WRITE_QUOTA = Object.freeze({ capacity: 3000, perSecond: 20 });

/**
 * The default pace of reads, in requests per second. Graph counts reads in resource units against a
 * budget of their own: 3,500 (small tenants) to 8,000 (over 500 users) per 10 s per app and tenant.
 * A read is charged per request, 1 to 2 units (a user, or a page of users however many it holds), so
 * 150 requests a second, each a `$filter` of up to 15 users, stay within the large tenants' 800 units
 * a second; a smaller budget is learnt like the write quota.
 */
export const PUBLISHED_READ_RATE = 150;

/**
 * `x-ms-throttle-limit-percentage` from which the service counts as throttling: its bucket is all
 * but empty, and the next writes above its rate would be answered 429.
 */
export const NEAR_LIMIT_SHARE = 0.95;
/**
 * A share above this (but below {@link NEAR_LIMIT_SHARE}) says the service's bucket is low: the rate
 * holds, and probing upward waits, until answers come without it.
 */
const LOW_SHARE = 0.85;
/**
 * Writes accepted are counted since the last throttling signal, over this window at the most. The
 * service's bucket may have been full at the window's start, so the count overstates its rate by at
 * most (bucket size / window): the window is longer than a probe's cycle, so that the count
 * normally spans back to the last signal, when the bucket was empty, and is exact.
 */
const WINDOW_MS = 60_000;
/**
 * A 429 proves the pace was above the quota: it cuts at least this much, even when the measured
 * rate (which a full bucket at the start of a run inflates) says otherwise.
 */
const LEAST_CUT_ON_429 = 0.98;
/** The shortest span a rate is measured over: shorter spans are all burst, and say nothing of a rate. */
const MIN_SPAN_MS = 1_000;
/**
 * A header near 1 comes on answer after answer while the pace sits at the quota: it is measured on
 * at most once per this long, so that each measurement spans enough writes to be exact (5 s at 5/s
 * is 25 writes, give or take one), rather than one noisy second after another.
 */
const HEADER_SPAN_MS = 5_000;
/** Throttling-free time before probing upward: a probe costs one 429 (or one warning), so it must be rare. */
const QUIET_MS = 20_000;
/** While probing, the rate rises by this share of itself per second: 10% takes about 10 s. */
const PROBE_PER_SECOND = 0.01;
/** Burst the client allows, in seconds of its rate: after a Retry-After the service has refilled at least this much. */
const BURST_SECONDS = 0.25;
/** Lowest rate the adaptation goes to, in writes per second (or the cap, when that is lower). */
const FLOOR_PER_SECOND = 0.5;

export interface PaceOptions {
  readonly clock: Clock;
  /**
   * Writes per second at the most, or `'off'` for no client-side pacing (throttling answers are
   * still obeyed, by the retry loop).
   * @default 20, Graph's published quota
   */
  readonly maxRate?: number | 'off' | undefined;
}

/**
 * Client-side pacing of one budget (writes, or reads), which learns the rate the service accepts
 * (SPEC §3). It starts at the cap (by default the published 20 writes per second), with a burst of
 * a quarter second's worth, so that a run that is never throttled goes at the cap from its first
 * write, and one against a smaller quota meets it with a handful of writes, not a storm.
 *
 * When the service says it is at its limit (a 429, or `x-ms-throttle-limit-percentage` of
 * {@link NEAR_LIMIT_SHARE} or more), its bucket is empty: the writes it accepted since it last said
 * so (when it said so within the window) are exactly what it refilled, so their rate is its rate.
 * The pace drops to that measured rate, never halving blindly, and never rising on a signal. After
 * {@link QUIET_MS} without any sign of throttling it probes upward by 1% a second, up to the cap;
 * the next signal measures the rate again. So a long run settles just under the real limit with one
 * signal per probe, whether or not the header is sent.
 *
 * Pure apart from the injected clock: it never looks at HTTP, only at what the caller reports.
 */
export class Pace {
  readonly #clock: Clock;
  readonly #cap: number;
  readonly #floor: number;
  #rate: number;
  #tokens: number;
  #updatedAt: number;
  /** Times of the writes accepted in the last {@link WINDOW_MS}, oldest first (a ring would do; shift is cheap at these sizes). */
  #accepted: number[] = [];
  /** When the service last said it was at its limit (the start of the measurement of its rate). */
  #signalAt = Number.NEGATIVE_INFINITY;
  /** Since when nothing has said "slow down"; probing starts {@link QUIET_MS} after it. */
  #quietSince: number;
  /** Waiters take tokens one after another, in call order, so that one timer runs at a time. */
  #line: Promise<void> = Promise.resolve();

  constructor(options: PaceOptions) {
    const { maxRate } = options;
    if (maxRate !== undefined && maxRate !== 'off' && !(typeof maxRate === 'number' && maxRate > 0 && Number.isFinite(maxRate))) {
      throw new TypeError(`Invalid option maxRate: expect a number above 0, 'off' or undefined, got ${String(maxRate)} (${typeof maxRate})`);
    }
    this.#clock = options.clock;
    this.#cap = maxRate === 'off' ? Number.POSITIVE_INFINITY : (maxRate ?? PUBLISHED_WRITE_QUOTA.perSecond);
    this.#floor = Math.min(FLOOR_PER_SECOND, this.#cap);
    this.#rate = this.#cap;
    this.#updatedAt = this.#quietSince = this.#clock.now();
    this.#tokens = this.#capacity;
  }

  /** False under `maxRate: 'off'`. */
  get isPacing(): boolean {
    return Number.isFinite(this.#cap);
  }

  /** The current rate, per second; `Infinity` when not pacing. */
  get rate(): number {
    this.#refill();
    return this.#rate;
  }

  /** Resolves when the next request may go: at once while the bucket holds a token, or when not pacing. */
  acquire(): Promise<void> {
    if (!this.isPacing) return Promise.resolve();
    const turn = this.#line.then(() => this.#take());
    this.#line = turn;
    return turn;
  }

  /**
   * Gives back a token taken by a request that could not leave after all (a Retry-After began while
   * it waited for its turn): the pause must not be spent on writes that pile up behind it and then
   * leave together, a burst the service's bucket cannot take.
   */
  refund(): void {
    if (!this.isPacing) return;
    this.#refill();
    this.#tokens = Math.min(this.#capacity, this.#tokens + 1);
  }

  /** The service accepted a request (any answer but a 429 or a 5xx): it counts towards the measured rate. */
  onAccepted(): void {
    if (!this.isPacing) return;
    const now = this.#clock.now();
    this.#accepted.push(now);
    this.#forget(now);
  }

  /** A 429: the service's bucket is empty. */
  onThrottled(): void {
    if (!this.isPacing) return;
    this.#atLimit(MIN_SPAN_MS, LEAST_CUT_ON_429);
    this.#tokens = Math.min(this.#tokens, 0);
  }

  /**
   * `x-ms-throttle-limit-percentage` of an answer: the share of the quota used (Graph sends it only
   * past 0.8; pass 0 for an answer without it). Near 1 it is a throttling signal without the 429.
   */
  onLimitPercentage(share: number): void {
    if (!this.isPacing || !Number.isFinite(share)) return;
    if (share >= NEAR_LIMIT_SHARE) this.#atLimit(HEADER_SPAN_MS, Number.POSITIVE_INFINITY);
    else if (share > LOW_SHARE) {
      this.#refill();
      this.#quietSince = this.#clock.now();
    }
  }

  /**
   * The rate the service accepted: writes since it last said "at the limit" (within the window, and
   * from the first write on), per second.
   */
  measuredRate(): number {
    const now = this.#clock.now();
    this.#forget(now);
    const from = Math.max(this.#signalAt, now - WINDOW_MS, this.#accepted[0] ?? now);
    const span = Math.max(MIN_SPAN_MS, now - from);
    let count = 0;
    for (let i = this.#accepted.length - 1; i >= 0 && this.#accepted[i]! >= now - span; i--) count++;
    return (count * 1000) / span;
  }

  /**
   * The service's bucket is empty: the pace becomes the rate it accepted, at most `ceiling` times
   * the current pace (a 429 proves the pace too high; a warning does not), once per `spacingMs`.
   */
  #atLimit(spacingMs: number, ceiling: number): void {
    this.#refill();
    const now = this.#clock.now();
    // The answers of requests already in flight when the service first said so repeat it.
    if (now - this.#signalAt >= spacingMs) {
      this.#rate = Math.max(this.#floor, Math.min(this.#cap, this.#rate * ceiling, this.measuredRate()));
      this.#signalAt = now;
      this.#tokens = Math.min(this.#tokens, this.#capacity);
    }
    this.#quietSince = now;
  }

  get #capacity(): number {
    return Math.max(1, this.#rate * BURST_SECONDS);
  }

  async #take(): Promise<void> {
    for (;;) {
      this.#refill();
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.#clock.sleep(Math.ceil(((1 - this.#tokens) * 1000) / this.#rate));
    }
  }

  /** Tokens for the time since the last update, and the probe's rise once the run has been quiet long enough. */
  #refill(): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#updatedAt);
    if (elapsed === 0) return;
    const probingFrom = this.#quietSince + QUIET_MS;
    if (this.#rate < this.#cap && now > probingFrom) {
      const probed = (Math.min(elapsed, now - probingFrom) / 1000) * PROBE_PER_SECOND;
      this.#rate = Math.min(this.#cap, this.#rate * (1 + probed));
    }
    this.#tokens = Math.min(this.#capacity, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#updatedAt = now;
  }

  #forget(now: number): void {
    let stale = 0;
    while (stale < this.#accepted.length && this.#accepted[stale]! <= now - WINDOW_MS) stale++;
    if (stale > 0) this.#accepted.splice(0, stale);
  }
}
