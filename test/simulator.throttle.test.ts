import { describe, expect, it } from 'vitest';
import { DEFAULT_BEHAVIOUR, type SimulatorBehaviour } from '../src/simulator/behaviour.js';
import { ReadBudget } from '../src/simulator/read-budget.js';
import { RetryAfterWatch } from '../src/simulator/retry-after-watch.js';
import { TokenBucket } from '../src/simulator/throttle.js';
import { WriteGate } from '../src/simulator/write-gate.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('TokenBucket', () => {
  it('starts full, then asks to come back after the whole seconds a token takes', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 0.5 }, clock.now);
    expect([bucket.take().ok, bucket.take().ok, bucket.take().ok]).toEqual([true, true, true]);
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 2, usedShare: 1 });
    clock.advance(1_000);
    expect(bucket.take()).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    clock.advance(1_000);
    expect(bucket.take().ok).toBe(true);
  });

  it('never says less than one second', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1000 }, clock.now);
    bucket.take();
    expect(bucket.take()).toMatchObject({ ok: false, retryAfterSeconds: 1 });
  });

  it('refills continuously up to its capacity, not beyond', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10 }, clock.now);
    bucket.take();
    bucket.take();
    clock.advance(60_000);
    expect([bucket.take().ok, bucket.take().ok, bucket.take().ok]).toEqual([true, true, false]);
  });

  it('reports the share of the bucket used', () => {
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 1 }, manualClock().now);
    const shares = Array.from({ length: 9 }, () => bucket.take()).map((r) => r.usedShare);
    expect(shares[0]).toBeCloseTo(0.1);
    expect(shares[8]).toBeCloseTo(0.9);
  });
});

describe('RetryAfterWatch', () => {
  it.each([
    { name: 'before the window opened', at: 999, violated: false },
    { name: 'within the grace period', at: 1_050, violated: false },
    { name: 'just after the grace period', at: 1_051, violated: true },
    { name: 'late in the window', at: 2_999, violated: true },
    { name: 'when the window has expired', at: 3_000, violated: false },
  ])('a request without the echo, $name: $violated (the grace rule)', ({ at, violated }) => {
    const watch = new RetryAfterWatch(50);
    watch.opened(watch.nextStamp(), 1_000, 2);
    expect(watch.violated(at, undefined)).toBe(violated);
  });

  it.each([
    { name: 'had not seen the window yet, arrived late in it', seen: 0, at: 2_900, violated: false },
    { name: 'had seen the window, arrived at once (no grace)', seen: 1, at: 1_001, violated: true },
    { name: 'had seen the window, arrived as it ended', seen: 1, at: 3_000, violated: false },
    { name: 'had seen a later window, so this one too', seen: 2, at: 2_500, violated: true },
  ])('a request that echoes what it saw: $name -> $violated', ({ seen, at, violated }) => {
    const watch = new RetryAfterWatch(50);
    watch.opened(watch.nextStamp(), 1_000, 2);
    const later = watch.nextStamp();
    expect(later).toBe(2);
    watch.opened(later, 1_500, 1);
    expect(watch.violated(at, seen)).toBe(violated);
  });

  it('keeps the latest end among overlapping windows', () => {
    const watch = new RetryAfterWatch(0);
    watch.opened(watch.nextStamp(), 1_000, 10);
    watch.opened(watch.nextStamp(), 2_000, 1);
    expect(watch.violated(3_500, undefined)).toBe(true);
    expect(watch.violated(3_600, 2)).toBe(true);
    expect(watch.violated(11_000, 2)).toBe(false);
  });
});

describe('ReadBudget', () => {
  it('charges reads in resource units, apart from writes, and says when to come back', () => {
    const clock = manualClock();
    const budget = new ReadBudget({ ...DEFAULT_BEHAVIOUR, readBucket: { capacity: 5, refillPerSecond: 1 } }, clock.now);
    expect(budget.admit('listUsers')).toMatchObject({ ok: true });
    expect(budget.admit('getUser')).toMatchObject({ ok: true });
    expect(budget.admit('subscribedSkus')).toMatchObject({ ok: true });
    expect(budget.admit('listUsers')).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    clock.advance(1_000);
    expect(budget.admit('listUsers')).toMatchObject({ ok: true });
    expect(new ReadBudget(DEFAULT_BEHAVIOUR, clock.now).admit('listUsers')).toBeUndefined();
  });
});

describe('WriteGate', () => {
  const behaviour = (patch: Partial<SimulatorBehaviour>): SimulatorBehaviour => ({ ...DEFAULT_BEHAVIOUR, ...patch });
  const faults = { error503: 0.2, dropBeforeApply: 0.2, dropAfterApply: 0.2 };
  const draws = (gate: WriteGate, n: number) => Array.from({ length: n }, () => gate.admit()).map((a) => (a.kind === 'admitted' ? a.fault ?? 'ok' : a.kind));

  it('draws the same faults for the same seed, and other faults for another', () => {
    const a = draws(new WriteGate(behaviour({ faults, seed: 42 })), 50);
    const b = draws(new WriteGate(behaviour({ faults, seed: 42 })), 50);
    const c = draws(new WriteGate(behaviour({ faults, seed: 43 })), 50);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a)).toEqual(new Set(['ok', 'error503', 'dropBeforeApply', 'dropAfterApply']));
  });

  it('draws no fault at probability 0 and always one at 1', () => {
    expect(new Set(draws(new WriteGate(behaviour({})), 100))).toEqual(new Set(['ok']));
    expect(new Set(draws(new WriteGate(behaviour({ faults: { error503: 0, dropBeforeApply: 1, dropAfterApply: 0 } })), 10))).toEqual(
      new Set(['dropBeforeApply']),
    );
  });

  it('throttles before drawing faults, and restarts full when given a new bucket', () => {
    const clock = manualClock();
    const gate = new WriteGate(behaviour({ writeBucket: { capacity: 2, refillPerSecond: 1 } }), clock.now);
    expect(draws(gate, 3)).toEqual(['ok', 'ok', 'throttled']);
    gate.configure(behaviour({ writeBucket: { capacity: 1, refillPerSecond: 1 } }));
    expect(draws(gate, 2)).toEqual(['ok', 'throttled']);
    gate.configure(behaviour({ writeBucket: undefined }));
    expect(draws(gate, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });
});
