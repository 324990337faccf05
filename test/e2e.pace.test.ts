import { describe, expect, it } from 'vitest';
import { firstToLastRate, sampleCounter, sustainedRate } from '../src/bench/measure.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import { csv } from './helpers/cli.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { withSimulator } from './helpers/with-simulator.js';

/** Writes the simulator accepted: operations that arrived, less those it answered 429. */
function acceptedWrites(sim: RunningSimulator): number {
  return sim.stats.operations.assignLicense - sim.stats.throttled;
}

/**
 * Short runs against a tenant that takes less than Graph's published quota (SPEC §7), at a latency
 * Graph answers in, timed where the writes land. The pace finds the quota in its first seconds,
 * with the 429s of the writes already in flight then, and keeps it; nothing is sent while a
 * Retry-After is in force.
 */
describe('pacing, end to end: short runs against a throttled tenant', () => {
  it.each([
    // 32 in flight at 1 s: the answers of a first volley come back during the pause it caused. The
    // policy before issue 12 measured them as the service's rate: 0.75 of the quota here, settling at 0.8.
    { name: 'a quota of 10/s (header on) at 1 s of latency, 32 in flight', quota: 10, capacity: 10, header: true, rows: 100, latencyMs: 1000, flags: ['--concurrency', '32'], most429: 15 },
    // A tenant whose bucket is spent, at Graph's quota: the ramp from 20/s finds it in its second step.
    { name: 'a spent bucket (20/s, a bucket of 20) at 300 ms, default settings', quota: 20, capacity: 20, header: true, rows: 200, latencyMs: 300, flags: [], most429: 10 },
  ])('$name: >= 0.9 of the quota once found, few 429s, none sent in a Retry-After', async ({ quota, capacity, header, rows, latencyMs, flags, most429 }) =>
    withSimulator(
      { tenant: testTenant({ users: rows }), behaviour: { latencyMs, writeBucket: { capacity, refillPerSecond: quota }, limitPercentageHeader: header } },
      async ({ sim, dir, cli, url }) => {
        const input = await dir.write('onboarding.csv', csv([['UserPrincipalName', 'SkuId'], ...Array.from({ length: rows }, (_, i) => [upn(i + 1), SKU.E3])]));
        const sampler = sampleCounter(() => acceptedWrites(sim));
        const result = await cli(['run', input, '--graph-url', url, '--log', 'json', ...flags]);
        const series = sampler.stop();
        expect(result.code, result.stderr).toBe(0);
        expect(acceptedWrites(sim)).toBe(rows);
        // From the half-way mark on, past the search for the quota; margins for a busy machine, whose
        // late timers only slow the client down.
        expect(sustainedRate(series, { from: 0.5, to: 0.95 })).toBeGreaterThanOrEqual(0.9 * quota);
        expect(firstToLastRate(series)).toBeGreaterThanOrEqual(0.8 * quota);
        expect(sim.stats.throttled).toBeLessThanOrEqual(most429);
        expect(sim.stats.requestsDuringRetryAfter).toBe(0);
      },
    ),
  );
});
