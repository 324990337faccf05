import { scaled, type BenchContext } from '../bench-context.js';
import { withSimulator, writeAttempts } from '../bench-simulator.js';
import { firstToLastRate, perSecond } from '../measure.js';
import { count, fixed, passes, seconds, type Finding, type ScenarioReport } from '../report.js';
import { sampledRun } from '../sampled-run.js';

/** Graph answers an assignLicense in 0.1 to over 1 s: a short run meets its quota at that latency. */
const LATENCY_MS = 300;

/** SPEC §7's short runs: an onboarding batch against a tenant that takes less than the published quota. */
const CASES = [
  { rows: 150, quota: 10, header: true, most429: 0.05 },
  { rows: 200, quota: 5, header: false, most429: 0.1 },
] as const;

/**
 * SPEC §7, short runs: with the default settings, 150 rows against a quota of 10 writes a second
 * (with `x-ms-throttle-limit-percentage`) and 200 rows against 5 (without it) reach at least 0.9 of
 * the quota from the first write to the last, with at most 5% and 10% of the writes answered 429,
 * and nothing sent during a Retry-After. The quota is the simulator's bucket of one second (Q tokens
 * refilled at Q a second), so the first second out of it is no help.
 */
export async function shortThrottledScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const findings: Finding[] = [];
  const notes: string[] = [
    `short-throttled: simulator latency ${LATENCY_MS} ms, write bucket of Q tokens refilled at Q/s, default settings (no --max-rate, no --concurrency), one row (one write) per user.`,
    `  rate = writes the simulator accepted from the first to the last / the time between them.`,
  ];
  for (const which of CASES) {
    const rows = scaled(ctx, which.rows, 20);
    const input = await ctx.workspace.input({ rows });
    const label = `short-q${which.quota}-${which.header ? 'header' : 'noheader'}`;
    ctx.log(`${label}: ${count(rows)} rows against a ${which.quota}/s write quota, header ${which.header ? 'on' : 'off'}, latency ${LATENCY_MS} ms`);
    const run = await withSimulator(
      { users: rows, shares: { directLicenses: 0, groupLicenses: 0 } },
      { latencyMs: LATENCY_MS, writeBucket: { capacity: which.quota, refillPerSecond: which.quota }, limitPercentageHeader: which.header },
      async (simulator) => {
        const sampled = await sampledRun(ctx, simulator, input, [], label);
        return { ...sampled, attempts: writeAttempts(simulator), throttled: simulator.stats.throttled, duringRetryAfter: simulator.stats.requestsDuringRetryAfter };
      },
    );
    const rate = firstToLastRate(run.series);
    const ratio = rate / which.quota;
    const share = run.throttled / run.attempts;
    const verdicts = [passes(ratio, { atLeast: 0.9 }), passes(share, { atMost: which.most429 }), passes(run.duringRetryAfter, { atMost: 0 })];
    findings.push({
      target: `1 short: ${count(rows)} rows, Q=${which.quota}/s ${which.header ? 'header   ' : 'no header'}`,
      measured: `${fixed(rate, 2)} writes/s, 429 ${count(run.throttled)}/${count(run.attempts)} = ${(share * 100).toFixed(1)}%, in Retry-After ${count(run.duringRetryAfter)}`,
      ratio: fixed(ratio),
      goal: `>=0.9, <=${which.most429 * 100}%, 0`,
      verdict: verdicts.every((v) => v === 'PASS') ? 'PASS' : `FAIL (${verdicts.join('/')})`,
    });
    notes.push(
      `  ${label}: ${count(rows)} rows in ${seconds(run.run.wallMs)} (CLI wall time); ${fixed(run.run.summary?.pausedSeconds ?? Number.NaN, 1)} s paused; accepted per second: ${perSecond(run.series).join(' ')}`,
    );
  }
  return { findings, notes };
}
