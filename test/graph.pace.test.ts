import { describe, expect, it } from 'vitest';
import { NEAR_LIMIT_SHARE, Pace, PUBLISHED_WRITE_QUOTA } from '../src/graph/pace.js';
import { TokenBucket } from '../src/simulator/throttle.js';
import { InstantClock, ManualClock, settle } from './helpers/graph.js';

/** Calls `acquire()` n times and counts how many have been granted. */
function acquireMany(pace: Pace, n: number): { readonly granted: number } {
  const state = { granted: 0 };
  for (let i = 0; i < n; i++) void pace.acquire().then(() => state.granted++);
  return state;
}

/** A clock moved by hand, for tests that never wait on it. */
function handClock() {
  let now = Date.UTC(2025, 0, 1);
  return { now: () => now, sleep: async () => {}, set: (at: number) => void (now = at) };
}

interface Served {
  /** Writes accepted per second over the last two thirds of the run: the settled rate. */
  readonly settledRate: number;
  readonly writes: number;
  readonly throttled: number;
  /** The lowest and highest pace over the settled part. */
  readonly low: number;
  readonly high: number;
}

/**
 * A client that sends one write at a time as the pace lets it, against a service whose quota is a
 * token bucket of `capacity` refilled at `perSecond` (as the simulator's), obeying each Retry-After,
 * in virtual time. `header`: the service sends `x-ms-throttle-limit-percentage` past 0.8, as Graph does.
 */
async function serve(options: { perSecond: number; capacity?: number; header: boolean; seconds: number; maxRate?: number }): Promise<Served> {
  const clock = new InstantClock();
  const pace = new Pace({ clock, ...(options.maxRate === undefined ? {} : { maxRate: options.maxRate }) });
  // A run reads before it writes: the first write comes a while after the pace was made.
  await clock.sleep(2_000);
  const start = clock.now();
  const service = new TokenBucket({ capacity: options.capacity ?? options.perSecond, refillPerSecond: options.perSecond }, () => clock.now());
  const settledFrom = start + (options.seconds * 1000) / 3;
  let writes = 0;
  let throttled = 0;
  let accepted = 0;
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  while (clock.now() < start + options.seconds * 1000) {
    await pace.acquire();
    writes++;
    const answer = service.take();
    if (clock.now() >= settledFrom) {
      low = Math.min(low, pace.rate);
      high = Math.max(high, pace.rate);
    }
    if (!answer.ok) {
      throttled++;
      pace.onThrottled();
      await clock.sleep(answer.retryAfterSeconds * 1000);
      continue;
    }
    if (clock.now() >= settledFrom) accepted++;
    pace.onAccepted();
    pace.onLimitPercentage(options.header && answer.usedShare > 0.8 ? answer.usedShare : 0);
  }
  return { settledRate: (accepted * 1000) / (start + options.seconds * 1000 - settledFrom), writes, throttled, low, high };
}

describe('Pace learns the rate the service accepts', () => {
  it.each([
    { perSecond: 5, header: false },
    { perSecond: 5, header: true },
    { perSecond: 10, header: false },
    { perSecond: 10, header: true },
    { perSecond: 20, header: false },
    { perSecond: 20, header: true },
    { perSecond: 13, header: false },
    { perSecond: 3, header: true },
  ])('quota $perSecond/s, header $header: >= 0.95 of it, <= 2% answered 429, no sawtooth', async ({ perSecond, header }) => {
    const run = await serve({ perSecond, header, seconds: 300 });
    expect(run.settledRate).toBeGreaterThanOrEqual(0.95 * perSecond);
    expect(run.settledRate).toBeLessThanOrEqual(perSecond * 1.01);
    expect(run.throttled / run.writes).toBeLessThanOrEqual(0.02);
    // Settled: a probe overshoots by a few percent, and a signal brings the pace back to the quota, never to a fraction of it.
    expect(run.low).toBeGreaterThanOrEqual(0.9 * perSecond);
    expect(run.high).toBeLessThanOrEqual(1.2 * perSecond);
  });

  it('does not slow a run that is never throttled: at the published quota it keeps 20 writes per second', async () => {
    const run = await serve({ perSecond: PUBLISHED_WRITE_QUOTA.perSecond, capacity: PUBLISHED_WRITE_QUOTA.capacity, header: true, seconds: 120 });
    expect(run.throttled).toBe(0);
    expect(run.low).toBe(PUBLISHED_WRITE_QUOTA.perSecond);
    expect(run.settledRate).toBeCloseTo(PUBLISHED_WRITE_QUOTA.perSecond, 0);
  });

  it('--max-rate caps it: under a larger quota the run goes at the cap', async () => {
    const run = await serve({ perSecond: 50, header: false, seconds: 60, maxRate: 7 });
    expect(run.throttled).toBe(0);
    expect(run.settledRate).toBeCloseTo(7, 0);
  });

  it('drops to the rate the service accepted, not to half', () => {
    const clock = handClock();
    const pace = new Pace({ clock, maxRate: 100 });
    // 12 writes accepted a second for 10 s, then a 429: the service takes 12 a second.
    for (let i = 0; i < 120; i++) {
      pace.onAccepted();
      clock.set(clock.now() + 1000 / 12);
    }
    pace.onThrottled();
    expect(pace.rate).toBeCloseTo(12, 0);
    // The answers of the other requests in flight repeat the 429: one measurement, not one per answer.
    pace.onThrottled();
    expect(pace.rate).toBeCloseTo(12, 0);
  });

  it('measures between two signals: the service bucket is empty at both, so what it accepted between is its rate', () => {
    const clock = handClock();
    const pace = new Pace({ clock, maxRate: 100 });
    for (let i = 0; i < 40; i++) pace.onAccepted(); // a burst out of a full bucket
    clock.set(clock.now() + 500);
    pace.onLimitPercentage(1);
    expect(pace.rate).toBe(40); // at least a second: the burst says little
    const acceptSixPerSecond = (seconds: number) => {
      for (let i = 0; i < seconds * 6; i++) {
        clock.set(clock.now() + 1000 / 6);
        pace.onAccepted();
      }
    };
    acceptSixPerSecond(3);
    // A warning within 5 s of the last measurement holds the pace; after that, it measures again.
    pace.onLimitPercentage(NEAR_LIMIT_SHARE);
    expect(pace.rate).toBe(40);
    acceptSixPerSecond(3);
    pace.onLimitPercentage(NEAR_LIMIT_SHARE);
    expect(pace.rate).toBeCloseTo(6, 1);
  });

  it('probes upward only after a stretch without throttling, and slowly', () => {
    const clock = handClock();
    const pace = new Pace({ clock });
    for (let i = 0; i < 10; i++) pace.onAccepted();
    clock.set(clock.now() + 1000);
    pace.onLimitPercentage(1);
    expect(pace.rate).toBe(10);
    clock.set(clock.now() + 19_000);
    expect(pace.rate).toBe(10);
    // A warning that the service's bucket is low restarts the quiet stretch.
    pace.onLimitPercentage(0.9);
    clock.set(clock.now() + 19_000);
    expect(pace.rate).toBe(10);
    clock.set(clock.now() + 1_500);
    expect(pace.rate).toBeGreaterThan(10);
    expect(pace.rate).toBeLessThan(10.06);
    clock.set(clock.now() + 600_000);
    expect(pace.rate).toBe(PUBLISHED_WRITE_QUOTA.perSecond);
  });

  it('starts at the cap with a quarter second of burst, then paces', async () => {
    const clock = new ManualClock();
    const pace = new Pace({ clock });
    const first = acquireMany(pace, 100);
    await settle();
    expect(first.granted).toBe(5);
    await clock.advance(1000);
    expect(first.granted).toBe(25);
  });

  it("maxRate 'off' never waits and ignores feedback", async () => {
    const clock = new ManualClock();
    const pace = new Pace({ clock, maxRate: 'off' });
    expect(pace.isPacing).toBe(false);
    const all = acquireMany(pace, 10_000);
    await settle();
    expect(all.granted).toBe(10_000);
    pace.onThrottled();
    pace.onLimitPercentage(1.5);
    expect(pace.rate).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number])('rejects maxRate %s', (maxRate) => {
    expect(() => new Pace({ clock: new ManualClock(), maxRate })).toThrow(/Invalid option maxRate/);
  });
});
