import { describe, expect, it } from 'vitest';
import { FIRST_LATENCY_GUESS_MS, MAX_AUTO_IN_FLIGHT, mostInFlight, requestsInFlight } from '../src/run/in-flight.js';
import { InFlightLimit } from '../src/run/in-flight-limit.js';
import { LatencyEstimate } from '../src/run/latency-estimate.js';

describe('requestsInFlight (--concurrency auto)', () => {
  it.each([
    // rate x latency x 1.5, in envelopes of batchSize, from 2 up to the cap
    { name: 'Graph quota, 600 ms', rate: 20, latencyMs: 600, batchSize: 1, want: 18 },
    { name: 'Graph quota, 300 ms', rate: 20, latencyMs: 300, batchSize: 1, want: 9 },
    { name: 'Graph quota, 1.5 s', rate: 20, latencyMs: 1500, batchSize: 1, want: 45 },
    { name: 'Graph quota, 20 ms: the floor', rate: 20, latencyMs: 20, batchSize: 1, want: 2 },
    { name: 'a throttled tenant, 5/s at 1 s', rate: 5, latencyMs: 1000, batchSize: 1, want: 8 },
    { name: 'the ramp at 160/s, 600 ms: the cap', rate: 160, latencyMs: 600, batchSize: 1, want: 64 },
    { name: 'no latency seen yet: Graph\'s slow end (1 s)', rate: 20, latencyMs: undefined, batchSize: 1, want: 30 },
    { name: '$batch of 20 counts members: 18 members at 600 ms fit one envelope', rate: 20, latencyMs: 600, batchSize: 20, want: 2 },
    { name: '$batch of 20 at 1.5 s: 45 members, 3 envelopes', rate: 20, latencyMs: 1500, batchSize: 20, want: 3 },
    { name: '$batch of 5 at 600 ms: 18 members, 4 envelopes', rate: 20, latencyMs: 600, batchSize: 5, want: 4 },
    { name: '--max-rate off: nothing but the cap', rate: Number.POSITIVE_INFINITY, latencyMs: 200, batchSize: 1, want: 64 },
    { name: '--max-rate off with $batch: the cap, in envelopes', rate: Number.POSITIVE_INFINITY, latencyMs: 200, batchSize: 20, want: 64 },
    { name: 'a lower cap', rate: 20, latencyMs: 1500, batchSize: 1, cap: 10, want: 10 },
  ])('$name -> $want', ({ rate, latencyMs, batchSize, cap, want }) => {
    expect(requestsInFlight({ rate, latencyMs, batchSize, cap: cap ?? MAX_AUTO_IN_FLIGHT })).toBe(want);
  });

  it('guesses Graph\'s slow end before any write was answered', () => {
    expect(FIRST_LATENCY_GUESS_MS).toBe(1000);
  });

  it.each([
    { setting: 'auto' as const, want: 64 },
    { setting: 8, want: 8 },
  ])('mostInFlight($setting) = $want', ({ setting, want }) => {
    expect(mostInFlight(setting)).toBe(want);
  });
});

describe('LatencyEstimate', () => {
  it.each([
    { name: 'nothing seen', seen: [], want: undefined },
    { name: 'the first answer is the estimate', seen: [600], want: 600 },
    { name: 'a steady service', seen: [600, 600, 600, 600], want: 600 },
    { name: 'one slow answer moves it by a tenth of its excess', seen: [600, 2600], want: 800 },
    { name: 'a service that slowed down is followed within about twenty answers', seen: [100, ...Array<number>(20).fill(1000)], want: 890 },
    { name: 'nonsense is ignored', seen: [600, Number.NaN, -5], want: 600 },
  ])('$name', ({ seen, want }) => {
    const estimate = new LatencyEstimate();
    for (const ms of seen) estimate.observe(ms);
    if (want === undefined) expect(estimate.ms).toBeUndefined();
    else expect(estimate.ms).toBeCloseTo(want, -1);
  });
});

describe('InFlightLimit', () => {
  it('under auto, resizes the queues that carry it as the latency and the pace change', () => {
    const limit = new InFlightLimit({ setting: 'auto', batchSize: 1, rate: 20 });
    const envelopes = limit.queue();
    const slots = limit.queue(1);
    expect([limit.requests, envelopes.concurrency, slots.concurrency]).toEqual([30, 30, 30]);
    limit.observeLatency(600);
    limit.update(20);
    expect([limit.requests, envelopes.concurrency, slots.concurrency]).toEqual([18, 18, 18]);
    limit.update(5);
    expect(limit.requests).toBe(5);
    limit.update(Number.POSITIVE_INFINITY);
    expect(envelopes.concurrency).toBe(64);
  });

  it('sizes unit slots in members under $batch', () => {
    const limit = new InFlightLimit({ setting: 'auto', batchSize: 20, rate: 20 });
    limit.observeLatency(1500);
    limit.update(20);
    expect([limit.requests, limit.queue(20).concurrency]).toEqual([3, 60]);
  });

  it('keeps a fixed --concurrency whatever it sees', () => {
    const limit = new InFlightLimit({ setting: 8, batchSize: 1, rate: 20 });
    const queue = limit.queue();
    limit.observeLatency(1500);
    limit.update(100);
    expect([limit.requests, queue.concurrency]).toEqual([8, 8]);
  });
});
