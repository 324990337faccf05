import { describe, expect, it } from 'vitest';
import { csv, readResults } from './helpers/cli.js';
import { InstantClock } from './helpers/graph.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { withSimulator } from './helpers/with-simulator.js';

/**
 * Backoff end to end without waiting real time: the CLI's entry takes a clock and randomness
 * (CliIO.clock, CliIO.random), and the run waits through them, so that minutes of Retry-After and
 * exponential backoff pass at once while the requests still go over real sockets.
 */
const rows = (n: number) => csv([['upn', 'sku'], ...Array.from({ length: n }, (_, i) => [upn(i + 1), SKU.E3])]);

describe('backoff on a fake clock', () => {
  it('503s without Retry-After: exponential backoff with full jitter (1 s base), every row applied, no real wait', () =>
    withSimulator({ tenant: testTenant({ users: 40 }), behaviour: { faults: { error503: 0.4, dropBeforeApply: 0, dropAfterApply: 0 }, seed: 7 } }, async ({ sim, dir, cli, url }) => {
      const input = await dir.write('in.csv', rows(40));
      const clock = new InstantClock();
      const started = Date.now();
      const result = await cli(['run', input, '--graph-url', url, '--max-rate', 'off', '--max-retries', '10', '--concurrency', '1'], { clock, random: () => 0.5 });
      const realMs = Date.now() - started;
      expect(result.code).toBe(0);
      expect((await readResults(dir.file('in.results.csv'))).every((r) => r.status === 'succeeded')).toBe(true);
      expect(sim.stats.faults.error503).toBeGreaterThan(5);
      // random 0.5 draws half of each cap: 1 s, 2 s, 4 s ... for the 1st, 2nd, 3rd retry of a request.
      expect(clock.sleeps.length).toBeGreaterThanOrEqual(sim.stats.faults.error503);
      const waits = clock.sleeps.filter((ms) => ms > 0);
      expect(waits.every((ms) => [500, 1000, 2000, 4000, 8000, 16_000, 30_000].includes(ms)), waits.join(' ')).toBe(true);
      expect(waits).toContain(500);
      expect(waits).toContain(1000);
      const waited = clock.sleeps.reduce((a, b) => a + b, 0);
      expect(waited).toBeGreaterThan(realMs);
    }));

  it('a 503 with Retry-After: 120 pauses the whole run for two minutes of its clock, in well under a minute of real time', () =>
    withSimulator({ tenant: testTenant({ users: 10 }), behaviour: { faults: { error503: 0.3, dropBeforeApply: 0, dropAfterApply: 0, error503RetryAfterSeconds: 120 }, seed: 3 } }, async ({ sim, dir, cli, url }) => {
      const input = await dir.write('in.csv', rows(10));
      const clock = new InstantClock();
      const started = Date.now();
      const result = await cli(['run', input, '--graph-url', url, '--max-rate', 'off', '--concurrency', '2'], { clock, random: () => 0.5 });
      expect(result.code).toBe(0);
      expect(sim.stats.faults.error503).toBeGreaterThan(0);
      expect(Math.max(...clock.sleeps)).toBeGreaterThanOrEqual(119_000);
      expect(Date.now() - started).toBeLessThan(60_000);
      for (let n = 1; n <= 10; n++) expect(sim.user(upn(n))!.directLicenses.map((l) => l.skuId)).toEqual([SKU.E3]);
    }));
});
