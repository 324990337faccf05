import { describe, expect, it } from 'vitest';
import { FIRST_LATENCY_GUESS_MS, inFlightFor, MAX_AUTO_IN_FLIGHT, mostInFlight } from '../src/run/in-flight.js';
import { InFlightLimit } from '../src/run/in-flight-limit.js';
import { LatencyEstimate } from '../src/run/latency-estimate.js';

describe('inFlightFor (--concurrency auto)', () => {
  it.each([
    // (rate x latency + 1) x 1.5 members (a unit also waits up to one pace interval in its slot), from 2 to the cap
    { name: 'Graph quota, 600 ms', rate: 20, latencyMs: 600, batchSize: 1, requests: 20, members: 20 },
    { name: 'Graph quota, 300 ms', rate: 20, latencyMs: 300, batchSize: 1, requests: 11, members: 11 },
    { name: 'Graph quota, 1.5 s', rate: 20, latencyMs: 1500, batchSize: 1, requests: 47, members: 47 },
    { name: 'Graph quota, 20 ms: the token wait dominates', rate: 20, latencyMs: 20, batchSize: 1, requests: 3, members: 3 },
    { name: 'a slow pace, 1/s at 100 ms: the floor', rate: 1, latencyMs: 100, batchSize: 1, requests: 2, members: 2 },
    { name: 'a throttled tenant, 5/s at 1 s', rate: 5, latencyMs: 1000, batchSize: 1, requests: 9, members: 9 },
    { name: 'a ramp at 160/s, 600 ms: the cap', rate: 160, latencyMs: 600, batchSize: 1, requests: 64, members: 64 },
    { name: "no latency seen yet: Graph's slow end (1 s)", rate: 20, latencyMs: undefined, batchSize: 1, requests: 32, members: 32 },
    { name: '$batch of 20 at 600 ms counts members; envelopes as many, paced members leave one by one', rate: 20, latencyMs: 600, batchSize: 20, requests: 20, members: 20 },
    { name: '$batch of 20 at 1.5 s', rate: 20, latencyMs: 1500, batchSize: 20, requests: 47, members: 47 },
    { name: '$batch of 20, a ramp at 160/s: 64 envelopes, the members the pace needs', rate: 160, latencyMs: 600, batchSize: 20, requests: 64, members: 146 },
    { name: '--max-rate off: nothing but the cap', rate: Number.POSITIVE_INFINITY, latencyMs: 200, batchSize: 1, requests: 64, members: 64 },
    { name: '--max-rate off with $batch of 20: the cap in envelopes, full', rate: Number.POSITIVE_INFINITY, latencyMs: 200, batchSize: 20, requests: 64, members: 1280 },
    { name: 'a lower cap', rate: 20, latencyMs: 1500, batchSize: 1, cap: 10, requests: 10, members: 10 },
  ])('$name -> $requests requests, $members members', ({ rate, latencyMs, batchSize, cap, requests, members }) => {
    expect(inFlightFor({ rate, latencyMs, batchSize, cap: cap ?? MAX_AUTO_IN_FLIGHT })).toEqual({ requests, members });
  });

  it("guesses Graph's slow end before any write was answered", () => {
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
    const envelopes = limit.queue('requests');
    const slots = limit.queue('members');
    expect([limit.requests, envelopes.concurrency, slots.concurrency]).toEqual([32, 32, 32]);
    limit.observeLatency(600);
    limit.update(20);
    expect([limit.requests, envelopes.concurrency, slots.concurrency]).toEqual([20, 20, 20]);
    limit.update(5);
    expect(limit.requests).toBe(6);
    limit.update(Number.POSITIVE_INFINITY);
    expect(envelopes.concurrency).toBe(64);
  });

  it('sizes envelopes and members apart under $batch', () => {
    const limit = new InFlightLimit({ setting: 'auto', batchSize: 20, rate: Number.POSITIVE_INFINITY });
    expect([limit.queue('requests').concurrency, limit.queue('members').concurrency]).toEqual([64, 1280]);
  });

  it('keeps a fixed --concurrency whatever it sees: N requests, N x batch size members', () => {
    const limit = new InFlightLimit({ setting: 8, batchSize: 20, rate: 20 });
    const envelopes = limit.queue('requests');
    const slots = limit.queue('members');
    limit.observeLatency(1500);
    limit.update(100);
    expect([limit.requests, envelopes.concurrency, slots.concurrency]).toEqual([8, 8, 160]);
  });
});
