import { scaled, type BenchContext } from '../bench-context.js';
import { withSimulator, writeAttempts } from '../bench-simulator.js';
import { firstToLastRate, perSecond } from '../measure.js';
import { count, fixed, passes, seconds, type Finding, type ScenarioReport } from '../report.js';
import { sampledRun } from '../sampled-run.js';

/** Service latencies of the sweep: Graph answers an assignLicense in 0.1 to over 1 s. */
const LATENCIES_MS = [300, 600, 1500] as const;
/** A tenant whose bucket is spent: Graph's published 20 writes a second, with a bucket of one second. */
const QUOTA = 20;
/** Rows per run at scale 1: 15 s at the quota. */
const ROWS = 300;

/**
 * SPEC §7, "at Graph's real latency": with the default settings, against a tenant whose bucket is
 * spent (20 writes a second, a bucket of 20), at 300 ms, 600 ms and 1.5 s of service latency, at
 * least 0.9 x 20 writes a second from the first write to the last. The pace, not the number of
 * requests in flight, must be what limits the run.
 */
export async function latencyScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const rows = scaled(ctx, ROWS, 40);
  const input = await ctx.workspace.input({ rows });
  const findings: Finding[] = [];
  const notes: string[] = [
    `latency: ${count(rows)} rows, one write each, default settings (no --max-rate, no --concurrency), write bucket of ${QUOTA} refilled at ${QUOTA}/s (header on); rate = writes accepted from the first to the last / the time between them.`,
  ];
  for (const latencyMs of LATENCIES_MS) {
    const label = `latency-${latencyMs}ms`;
    ctx.log(`${label}: ${count(rows)} rows against a spent bucket (${QUOTA}/s, ${QUOTA} tokens)`);
    const run = await withSimulator({ users: rows, shares: { directLicenses: 0, groupLicenses: 0 } }, { latencyMs, writeBucket: { capacity: QUOTA, refillPerSecond: QUOTA } }, async (simulator) => {
      const sampled = await sampledRun(ctx, simulator, input, [], label);
      return { ...sampled, attempts: writeAttempts(simulator), throttled: simulator.stats.throttled, duringRetryAfter: simulator.stats.requestsDuringRetryAfter };
    });
    const rate = firstToLastRate(run.series);
    findings.push({
      target: `2 latency ${String(latencyMs).padStart(4)} ms, spent bucket: writes/s / 20`,
      measured: `${fixed(rate, 2)} writes/s, 429 ${count(run.throttled)}/${count(run.attempts)}, in Retry-After ${count(run.duringRetryAfter)}`,
      ratio: fixed(rate / QUOTA),
      goal: '>= 0.9',
      verdict: passes(rate / QUOTA, { atLeast: 0.9 }),
    });
    notes.push(
      `  ${latencyMs} ms: ${count(rows)} rows in ${seconds(run.run.wallMs)} (CLI wall time, reads included); ${fixed(run.run.summary?.pausedSeconds ?? Number.NaN, 1)} s paused; accepted per second: ${perSecond(run.series).join(' ')}`,
    );
  }
  return { findings, notes };
}
