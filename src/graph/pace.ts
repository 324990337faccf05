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
 * holds (no ramp step, no climb) until answers come without it.
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
/** The fewest writes a rate is measured from, after the first signal: fewer say more of timing than of a rate. */
const MIN_MEASURED_WRITES = 10;
/**
 * A header near 1 comes on answer after answer while the pace sits at the quota: it is measured on
 * at most once per this long, so that each measurement spans enough writes to be exact (5 s at 5/s
 * is 25 writes, give or take one), rather than one noisy second after another.
 */
const HEADER_SPAN_MS = 5_000;
/** The ramp doubles its rate once per step, when the step was used and its writes came back calm. */
const RAMP_STEP_MS = 1_000;
/** A ramp step counts as used when at least this share of its writes were sent: an idle pace proves nothing. */
const RAMP_USED_SHARE = 0.5;
/**
 * Below the rate the service was last measured to accept (a measurement that came out lower than
 * the one before it, as one cut short by a pause does), the pace climbs back by this share of itself
 * per second: from 70% of it to all of it in 2 s.
 */
const RECOVER_PER_SECOND = 0.2;
/** Calm time before the pace climbs back at all: the answers of writes in flight at a signal repeat it. */
const RECOVER_AFTER_MS = 1_000;
/** Calm time at the measured rate before probing above it: a probe costs one 429 (or one warning). */
const QUIET_MS = 5_000;
/** Above the measured rate, the pace rises by this share of itself per second: a slow probe, for a quota that grew. */
const PROBE_PER_SECOND = 0.01;
/** Burst the client allows once the service has been measured, in seconds of its rate. */
const BURST_SECONDS = 0.25;
/** Lowest rate the adaptation goes to, in writes per second (or the cap, when that is lower). */
const FLOOR_PER_SECOND = 0.5;

export interface PaceOptions {
  readonly clock: Clock;
  /**
   * Writes per second at the most, or `'off'` for no client-side pacing (throttling answers are
   * still obeyed, by the retry loop). Unset, the pace models Graph's published quota: a bucket of
   * 3,000 refilled at 20 per second, spent through a ramp from 20 per second.
   * @default undefined, the published quota
   */
  readonly maxRate?: number | 'off' | undefined;
}

/**
 * Client-side pacing of one budget (writes, or reads), which learns the rate the service accepts
 * (SPEC §3). Unset, it models the published quota: a bucket of 3,000 writes refilled at 20 per
 * second, spent through a ramp that starts at 20 per second and doubles each second that was used
 * and came back calm (every answer to a write sent in it accepted, none saying the quota is low).
 * So a run of a few hundred writes on an idle tenant takes seconds, and one against a tenant that
 * takes less meets it after a second or two, with a handful of 429s. With a number, it starts at
 * that rate with a quarter second of burst.
 *
 * When the service says it is at its limit (a 429, or `x-ms-throttle-limit-percentage` of
 * {@link NEAR_LIMIT_SHARE} or more), its bucket is empty: the writes it accepted since it last said
 * so are exactly what it refilled meanwhile, a `Retry-After` pause included (the service refilled
 * during it, and the writes after it spent that), so their rate is its rate. The pace drops to that
 * rate, never rising on a signal. The answers of writes sent before the last signal repeat it, and
 * measure nothing. The first signal of a run cannot be measured so (the service's bucket was full
 * at the start): the pace drops to half the ramp's rate then, or the measured rate when lower.
 *
 * While nothing says "slow down" and writes wait for it, the pace climbs: quickly back to the
 * rate last measured when a later measurement came out lower, then, after {@link QUIET_MS} of
 * calm, by 1% a second above it, up to the cap. So a long run settles just under the real limit
 * with one signal per probe, whether or not the header is sent.
 *
 * Pure apart from the injected clock: it never looks at HTTP, only at what the caller reports.
 * Callers that say when a request was sent (`sentAt`, from the clock) let the pace tell a new
 * signal from the answers of writes already in flight when it began.
 */
export class Pace {
  readonly #clock: Clock;
  readonly #cap: number;
  readonly #floor: number;
  /** Writes per second the service is believed to accept: the bucket's refill once measured. */
  #rate: number;
  /** The best estimate of the service's rate: the pace climbs back to it quickly. */
  #estimate: number;
  /** The last measurement made between two signals (exact), for {@link #estimate}. */
  #lastExact: number | undefined;
  /** True until the first signal: the pace follows the published model (bucket and ramp). */
  #modelled: boolean;
  #tokens: number;
  #capacity: number;
  /** The ramp: the highest rate writes may leave at while the model's bucket holds tokens. */
  #ramp: number;
  #rampTokens: number;
  /** The ramp's rate in the step before the current one, for a signal from a write sent then. */
  #previousRamp: number;
  #stepStart: number;
  #stepGranted = 0;
  /** An answer accepted a write sent in the current step: its writes have begun to come back calm. */
  #stepConfirmed = false;
  /** Nothing said the quota is low during the current step. */
  #stepCalm = true;
  #updatedAt: number;
  /** Callers of {@link acquire} not yet let go: time counts towards the climb only while the pace holds writes back. */
  #pending = 0;
  /** Times of the writes accepted in the last {@link WINDOW_MS}, oldest first (a ring would do; shift is cheap at these sizes). */
  #accepted: number[] = [];
  /** When the service last said it was at its limit (the start of the measurement of its rate). */
  #signalAt = Number.NEGATIVE_INFINITY;
  /** Since when nothing has said "slow down" (nor that the quota is low). */
  #calmSince: number;
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
    this.#rate = this.#estimate = this.#cap;
    this.#modelled = maxRate === undefined;
    this.#ramp = this.#modelled ? PUBLISHED_WRITE_QUOTA.perSecond : Number.POSITIVE_INFINITY;
    this.#previousRamp = this.#ramp;
    this.#capacity = this.#modelled ? PUBLISHED_WRITE_QUOTA.capacity : this.#burst;
    this.#tokens = this.#capacity;
    this.#rampTokens = this.#rampCapacity;
    this.#updatedAt = this.#calmSince = this.#stepStart = this.#clock.now();
  }

  /** False under `maxRate: 'off'`. */
  get isPacing(): boolean {
    return Number.isFinite(this.#cap);
  }

  /**
   * The rate writes may leave at now, per second: the ramp's while the modelled bucket holds more
   * than a second of it, else the measured (or capped) rate; `Infinity` when not pacing.
   */
  get rate(): number {
    this.#refill();
    if (!this.#modelled) return this.#rate;
    return this.#tokens >= this.#ramp ? this.#ramp : Math.min(this.#ramp, this.#rate);
  }

  /** Resolves when the next request may go: at once while the bucket holds a token, or when not pacing. */
  acquire(): Promise<void> {
    if (!this.isPacing) return Promise.resolve();
    // Time since the last update, when nothing was waiting, is not time the pace held writes back.
    this.#refill();
    this.#pending++;
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
    this.#rampTokens = Math.min(this.#rampCapacity, this.#rampTokens + 1);
    this.#stepGranted = Math.max(0, this.#stepGranted - 1);
  }

  /**
   * The service accepted a request (any answer but a 429 or a 5xx): it counts towards the measured
   * rate, and confirms the ramp's step it was sent in.
   * @param sentAt when the request left (clock time); @default now
   */
  onAccepted(sentAt?: number): void {
    if (!this.isPacing) return;
    const now = this.#clock.now();
    this.#accepted.push(now);
    this.#forget(now);
    if (this.#modelled && (sentAt ?? now) >= this.#stepStart) {
      this.#stepConfirmed = true;
      this.#refill();
    }
  }

  /**
   * A 429: the service's bucket is empty.
   * @param sentAt when the request left (clock time); @default now
   */
  onThrottled(sentAt?: number): void {
    if (!this.isPacing) return;
    this.#atLimit(sentAt ?? this.#clock.now(), MIN_SPAN_MS, LEAST_CUT_ON_429);
    this.#tokens = Math.min(this.#tokens, 0);
    if (this.#modelled) this.#rampTokens = Math.min(this.#rampTokens, 0);
  }

  /**
   * `x-ms-throttle-limit-percentage` of an answer: the share of the quota used (Graph sends it only
   * past 0.8; pass 0 for an answer without it). Near 1 it is a throttling signal without the 429.
   * @param sentAt when the request left (clock time); @default now
   */
  onLimitPercentage(share: number, sentAt?: number): void {
    if (!this.isPacing || !Number.isFinite(share)) return;
    if (share >= NEAR_LIMIT_SHARE) this.#atLimit(sentAt ?? this.#clock.now(), HEADER_SPAN_MS, Number.POSITIVE_INFINITY);
    else if (share > LOW_SHARE) {
      this.#refill();
      this.#calmSince = this.#clock.now();
      this.#stepCalm = false;
    }
  }

  /**
   * The rate the service accepted: writes since it last said "at the limit" (within the window, and
   * from the first write on), per second.
   */
  measuredRate(): number {
    const now = this.#clock.now();
    this.#forget(now);
    const since = Math.max(this.#signalAt, now - WINDOW_MS);
    const count = this.#acceptedSince(since);
    // Before the first signal, the span starts at the first write accepted.
    const from = Math.max(since, this.#accepted[0] ?? now);
    return (count * 1000) / Math.max(MIN_SPAN_MS, now - from);
  }

  /**
   * The service's bucket is empty: the pace becomes the rate it accepted, at most `ceiling` times
   * the current pace (a 429 proves the pace too high; a warning does not), once per `spacingMs`,
   * and only for a write sent after the last signal (earlier ones were in flight when it came).
   */
  #atLimit(sentAt: number, spacingMs: number, ceiling: number): void {
    this.#refill();
    const now = this.#clock.now();
    this.#calmSince = now;
    this.#stepCalm = false;
    if (sentAt < this.#signalAt || now - this.#signalAt < spacingMs) return;
    const measured = this.measuredRate();
    const firstSignal = this.#signalAt === Number.NEGATIVE_INFINITY;
    if (!firstSignal && this.#acceptedSince(this.#signalAt) < MIN_MEASURED_WRITES) {
      // Too few writes to measure a rate by (at 3 a second, 1 s is 3 writes, give or take one):
      // a 429 still proves the pace too high, and the measurement starts again from it.
      if (ceiling < 1) {
        this.#rate = Math.max(this.#floor, this.#rate * ceiling);
        this.#capacity = this.#burst;
        this.#tokens = Math.min(this.#tokens, this.#capacity);
        this.#signalAt = now;
      }
      return;
    }
    let next: number;
    if (firstSignal) {
      // The service's bucket was full when the run began, so what it accepted overstates its rate;
      // the rate before the last doubling (or half the starting rate) was still accepted.
      const sentAtRate = this.#modelled ? (sentAt >= this.#stepStart ? this.#ramp : this.#previousRamp) : this.#rate;
      next = Math.min(measured, sentAtRate / 2);
      this.#estimate = Math.max(this.#floor, Math.min(this.#cap, next));
    } else {
      next = Math.min(measured, this.#rate * ceiling);
      const exact = now - this.#signalAt <= WINDOW_MS;
      if (exact) {
        // One measurement may come out low (a pause longer than the service's bucket holds): the
        // higher of the last two is the rate to climb back to.
        this.#estimate = Math.max(this.#floor, Math.min(this.#cap, Math.max(measured, this.#lastExact ?? measured)));
        this.#lastExact = measured;
      }
    }
    if (this.#modelled) this.#leaveModel();
    this.#rate = Math.max(this.#floor, Math.min(this.#cap, this.#rate, next));
    this.#estimate = Math.max(this.#estimate, this.#rate);
    this.#capacity = this.#burst;
    // The service has nothing left: the pace's tokens start again from none.
    this.#tokens = Math.min(this.#tokens, 0);
    this.#signalAt = now;
  }

  /** The service takes less than the published quota: from now on the pace is its measured rate. */
  #leaveModel(): void {
    this.#modelled = false;
    this.#ramp = this.#previousRamp = Number.POSITIVE_INFINITY;
    this.#rampTokens = Number.POSITIVE_INFINITY;
  }

  get #burst(): number {
    return Math.max(1, this.#rate * BURST_SECONDS);
  }

  get #rampCapacity(): number {
    return Math.max(1, this.#ramp * BURST_SECONDS);
  }

  async #take(): Promise<void> {
    for (;;) {
      this.#refill();
      if (this.#tokens >= 1 && this.#rampTokens >= 1) {
        this.#tokens -= 1;
        this.#rampTokens -= 1;
        this.#stepGranted += 1;
        this.#pending--;
        return;
      }
      const forTokens = ((1 - Math.min(1, this.#tokens)) * 1000) / this.#rate;
      const forRamp = ((1 - Math.min(1, this.#rampTokens)) * 1000) / this.#ramp;
      await this.#clock.sleep(Math.max(1, Math.ceil(Math.max(forTokens, forRamp))));
    }
  }

  /**
   * Tokens for the time since the last update; the ramp's step; and, while writes wait for the pace
   * and nothing says "slow down", the climb.
   */
  #refill(): void {
    const now = this.#clock.now();
    if (this.#modelled) this.#stepRamp(now);
    const elapsed = Math.max(0, now - this.#updatedAt);
    if (elapsed === 0) return;
    if (!this.#modelled && this.#pending > 0) this.#climb(now, elapsed);
    this.#tokens = Math.min(this.#capacity, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#rampTokens = Math.min(this.#rampCapacity, this.#rampTokens + (elapsed * this.#ramp) / 1000);
    if (!this.#modelled) this.#capacity = this.#burst;
    this.#updatedAt = now;
  }

  /** The ramp doubles once a step has lasted its second, was used, and its writes came back calm. */
  #stepRamp(now: number): void {
    if (now - this.#stepStart < RAMP_STEP_MS || !this.#stepConfirmed) return;
    const ramp = this.#ramp;
    const used = this.#stepGranted >= (RAMP_USED_SHARE * ramp * (now - this.#stepStart)) / 1000;
    if (used && this.#stepCalm) {
      // Tokens up to now at the old rate, before the rate changes.
      this.#rampTokens = Math.min(this.#rampCapacity, this.#rampTokens + ((now - this.#updatedAt) * this.#ramp) / 1000);
      this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#updatedAt) * this.#rate) / 1000);
      this.#updatedAt = now;
      this.#ramp *= 2;
    }
    this.#previousRamp = ramp;
    this.#stepStart = now;
    this.#stepGranted = 0;
    this.#stepConfirmed = false;
    this.#stepCalm = true;
  }

  #climb(now: number, elapsedMs: number): void {
    if (this.#rate >= this.#cap) return;
    let seconds = Math.min(elapsedMs, now - this.#calmSince - RECOVER_AFTER_MS) / 1000;
    if (seconds <= 0) return;
    if (this.#rate < this.#estimate) {
      const toEstimate = Math.log(this.#estimate / this.#rate) / Math.log(1 + RECOVER_PER_SECOND);
      const used = Math.min(seconds, toEstimate);
      this.#rate = Math.min(this.#estimate, this.#rate * (1 + RECOVER_PER_SECOND) ** used);
      seconds -= used;
    }
    const probingFrom = this.#calmSince + QUIET_MS;
    if (seconds <= 0 || now <= probingFrom) return;
    const probed = Math.min(seconds, (now - probingFrom) / 1000);
    this.#rate = Math.min(this.#cap, this.#rate * (1 + PROBE_PER_SECOND) ** probed);
  }

  #acceptedSince(from: number): number {
    let count = 0;
    for (let i = this.#accepted.length - 1; i >= 0 && this.#accepted[i]! > from; i--) count++;
    return count;
  }

  #forget(now: number): void {
    let stale = 0;
    while (stale < this.#accepted.length && this.#accepted[stale]! <= now - WINDOW_MS) stale++;
    if (stale > 0) this.#accepted.splice(0, stale);
  }
}
