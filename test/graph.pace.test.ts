import { describe, expect, it } from 'vitest';
import { Pace, PUBLISHED_WRITE_QUOTA } from '../src/graph/pace.js';
import { ManualClock, settle } from './helpers/graph.js';

/** Calls `acquire()` n times and counts how many have been granted. */
function acquireMany(pace: Pace, n: number): { readonly granted: number } {
  const state = { granted: 0 };
  for (let i = 0; i < n; i++) void pace.acquire().then(() => state.granted++);
  return state;
}

/** Takes the whole burst allowance, so that what follows is paced. */
async function drain(pace: Pace, tokens: number): Promise<void> {
  const burst = acquireMany(pace, tokens);
  await settle();
  expect(burst.granted).toBe(tokens);
}

describe('Pace', () => {
  it('models the published quota by default: a burst of 3,000, then 20 writes per second', async () => {
    const clock = new ManualClock();
    const pace = new Pace({ clock });
    expect(pace.rate).toBe(PUBLISHED_WRITE_QUOTA.perSecond);
    expect(pace.isPacing).toBe(true);
    await drain(pace, 3000);

    const paced = acquireMany(pace, 1000);
    await settle();
    expect(paced.granted).toBe(0);
    await clock.advance(50);
    expect(paced.granted).toBe(1);
    await clock.advance(9950);
    expect(paced.granted).toBe(200);
    await clock.advance(30_000);
    expect(paced.granted).toBe(800);
  });

  it.each([
    { maxRate: 5, burst: 1, perTenSeconds: 50 },
    { maxRate: 50, burst: 5, perTenSeconds: 500 },
    { maxRate: 0.5, burst: 1, perTenSeconds: 5 },
  ])('maxRate $maxRate: a burst of $burst, then $perTenSeconds writes per 10 s', async ({ maxRate, burst, perTenSeconds }) => {
    const clock = new ManualClock();
    const pace = new Pace({ clock, maxRate });
    expect(pace.rate).toBe(maxRate);
    await drain(pace, burst);
    const paced = acquireMany(pace, perTenSeconds * 3);
    await clock.advance(10_000);
    expect(paced.granted).toBe(perTenSeconds);
    await clock.advance(10_000);
    expect(paced.granted).toBe(2 * perTenSeconds);
  });

  it('refills while idle, up to the capacity and no more', async () => {
    const clock = new ManualClock();
    const pace = new Pace({ clock, maxRate: 10, capacity: 30 });
    await drain(pace, 30);
    await clock.advance(60_000);
    const next = acquireMany(pace, 40);
    await settle();
    expect(next.granted).toBe(30);
  });

  it("maxRate 'off' never waits and ignores feedback", async () => {
    const clock = new ManualClock();
    const pace = new Pace({ clock, maxRate: 'off' });
    expect(pace.isPacing).toBe(false);
    expect(pace.rate).toBe(Number.POSITIVE_INFINITY);
    pace.onThrottled();
    pace.onLimitPercentage(1.5);
    await drain(pace, 10_000);
    expect(clock.sleeping).toBe(0);
  });

  it('a 429 halves the rate and empties the bucket, down to a floor of 1 per second', async () => {
    const clock = new ManualClock();
    const pace = new Pace({ clock });
    pace.onThrottled();
    expect(pace.rate).toBe(10);
    const next = acquireMany(pace, 2);
    await clock.advance(99);
    expect(next.granted).toBe(0);
    await clock.advance(1);
    expect(next.granted).toBe(1);
    for (let i = 0; i < 10; i++) pace.onThrottled();
    expect(pace.rate).toBe(10); // the writes in flight with the first 429: one episode, one cut
    for (let i = 0; i < 10; i++) {
      await clock.advance(1000);
      pace.onThrottled();
    }
    expect(pace.rate).toBe(1);
  });

  it.each([
    { share: 0.81, rate: 20, tokensLeft: 570 },
    { share: 0.9, rate: 20, tokensLeft: 300 },
    { share: 0.95, rate: 10, tokensLeft: 150 },
    { share: 0.99, rate: 2, tokensLeft: 30 },
    { share: 1, rate: 1, tokensLeft: 0 },
    { share: 1.8, rate: 1, tokensLeft: 0 },
  ])('x-ms-throttle-limit-percentage $share: rate $rate, bucket trimmed to $tokensLeft', async ({ share, rate, tokensLeft }) => {
    const clock = new ManualClock();
    const pace = new Pace({ clock });
    pace.onLimitPercentage(share);
    expect(pace.rate).toBeCloseTo(rate, 9);
    const burst = acquireMany(pace, tokensLeft + 1);
    await settle();
    expect(burst.granted).toBe(tokensLeft);
  });

  it('ignores a percentage it cannot read', () => {
    const pace = new Pace({ clock: new ManualClock() });
    pace.onLimitPercentage(Number.NaN);
    expect(pace.rate).toBe(20);
  });

  it('raises the rate again on success, a tenth of the cap per second of sending, up to the cap', () => {
    const pace = new Pace({ clock: new ManualClock(), maxRate: 100 });
    pace.onThrottled();
    expect(pace.rate).toBe(50);
    let successes = 0;
    while (pace.rate < 100) {
      pace.onSuccess();
      successes++;
    }
    // From 50 to 100 per second at +10/s each second: about 5 s of sending, 50 + 60 + ... + 90 = 350 writes.
    expect(successes).toBeGreaterThanOrEqual(330);
    expect(successes).toBeLessThanOrEqual(380);
    for (let i = 0; i < 10_000; i++) pace.onSuccess();
    expect(pace.rate).toBe(100);
  });

  it('brakes for x-ms-throttle-limit-percentage only while Graph keeps sending it', () => {
    const pace = new Pace({ clock: new ManualClock() });
    pace.onLimitPercentage(0.99);
    expect(pace.rate).toBeCloseTo(2, 9);
    pace.onLimitPercentage(0.95);
    expect(pace.rate).toBeCloseTo(10, 9);
    pace.onLimitPercentage(0); // an answer without the header: the quota is no longer near
    expect(pace.rate).toBe(20);
  });

  it('grants tokens in call order', async () => {
    const clock = new ManualClock();
    const pace = new Pace({ clock, maxRate: 1 });
    const order: number[] = [];
    for (let i = 0; i < 4; i++) void pace.acquire().then(() => order.push(i));
    await clock.advance(3000);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it.each([
    { options: { maxRate: 0 }, message: /Invalid option maxRate: expect a number above 0, 'off' or undefined, got 0 \(number\)/ },
    { options: { maxRate: -3 }, message: /got -3 \(number\)/ },
    { options: { maxRate: Number.POSITIVE_INFINITY }, message: /got Infinity \(number\)/ },
    { options: { maxRate: 'fast' as never }, message: /got fast \(string\)/ },
    { options: { capacity: 0 }, message: /Invalid option capacity: expect a number of at least 1, got 0 \(number\)/ },
  ])('rejects $options', ({ options, message }) => {
    expect(() => new Pace({ clock: new ManualClock(), ...options })).toThrow(message);
  });
});
