import { scaled, type BenchContext } from '../bench-context.js';
import { withSimulator, writeAttempts } from '../bench-simulator.js';
import { perSecond } from '../measure.js';
import { count, fixed, passes, seconds, type Finding, type ScenarioReport } from '../report.js';
import { sampledRun, type SampledRun } from '../sampled-run.js';

/**
 * Seconds of writes at the quota that each throttled run lasts at scale 1. SPEC §7 says "a few
 * minutes"; twelve cases of that would take most of an hour, so each lasts 40 s: long enough for
 * the pace to find the quota and go through at least one probe (after 20 s without throttling).
 */
const DURATION_S = 40;
/** Service latency of every request: near what Graph answers in, and enough that concurrency matters. */
const LATENCY_MS = 20;
/** The quotas of SPEC §7: the published 20 writes/s, and a tenant under load that takes half or a quarter of it. */
const QUOTAS = [5, 10, 20] as const;
/** The first seconds are the pace's search for the quota; the steady rate is measured after them. */
const SETTLE_MS = 2_000;

interface Case {
  readonly quota: number;
  readonly header: boolean;
  readonly batchSize: number;
}

interface Throttled extends SampledRun, Case {
  readonly rows: number;
  readonly attempts: number;
  /** Every request the simulator received, reads included. */
  readonly requests: number;
  readonly throttled: number;
  readonly duringRetryAfter: number;
}

/**
 * SPEC §7, first target: under a write quota of Q per second (the simulator's token bucket, Q
 * tokens refilled at Q per second), a run with the default settings (no `--max-rate`) sustains at
 * least 0.95 Q, has at most 2% of its writes answered 429, and sends nothing while a Retry-After is
 * in force; for Q = 5, 10, 20, with and without `x-ms-throttle-limit-percentage`, and the same with
 * `--batch-size 20`. The client's default pace models the published 20 writes/s, so below it the
 * client has to find the quota by itself.
 */
export async function throttledScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const runs: Throttled[] = [];
  for (const batchSize of [1, 20]) {
    for (const quota of QUOTAS) {
      for (const header of [true, false]) runs.push(await throttledRun(ctx, { quota, header, batchSize }));
    }
  }
  const findings: Finding[] = runs.map((run) => {
    const ratio = run.writesPerSecond / run.quota;
    const share = run.throttled / run.attempts;
    const verdicts = [passes(ratio, { atLeast: 0.95 }), passes(share, { atMost: 0.02 }), passes(run.duringRetryAfter, { atMost: 0 })];
    return {
      target: `1 Q=${String(run.quota).padStart(2)}/s ${run.header ? 'header   ' : 'no header'} ${run.batchSize > 1 ? `--batch-size ${run.batchSize}` : 'unbatched     '}`,
      measured: `${fixed(run.writesPerSecond, 2)} writes/s, 429 ${count(run.throttled)}/${count(run.attempts)} = ${percent(share)}, in Retry-After ${count(run.duringRetryAfter)}`,
      ratio: fixed(ratio),
      goal: '>=0.95, <=2%, 0',
      verdict: verdicts.every((v) => v === 'PASS') ? 'PASS' : `FAIL (${verdicts.join('/')})`,
    };
  });
  const published = runs.filter((run) => run.quota === 20 && run.batchSize === 1);
  return {
    measures: { publishedSustained: Math.min(...published.map((run) => run.writesPerSecond)) },
    findings,
    notes: [
      `throttled: simulator latency ${LATENCY_MS} ms, write bucket of Q tokens refilled at Q/s, default settings (no --max-rate, no --concurrency), one row (one write) per user, ${DURATION_S} s of writes at Q per case.`,
      `  sustained = writes the simulator accepted between the 10% mark (and ${SETTLE_MS / 1000} s after the first write) and the 90% mark / the time between them; ratio = sustained / Q.`,
      `  requests during a Retry-After are counted exactly: the simulator stamps each Retry-After answer and the client echoes the highest stamp it has seen.`,
      ...runs.map((run) => `  Q=${run.quota} header ${run.header ? 'on ' : 'off'} batch ${run.batchSize}: ${describe(run)}`),
    ],
  };
}

async function throttledRun(ctx: BenchContext, which: Case): Promise<Throttled> {
  const { quota, header, batchSize } = which;
  const rows = scaled(ctx, quota * DURATION_S, quota * 5);
  const input = await ctx.workspace.input({ rows });
  const flags = batchSize > 1 ? ['--batch-size', String(batchSize)] : ['--batch-size', '1'];
  const label = `throttled-q${quota}-${header ? 'header' : 'noheader'}-b${batchSize}`;
  ctx.log(`${label}: ${count(rows)} rows against a ${quota}/s write quota, header ${header ? 'on' : 'off'}, ${flags.join(' ')}`);
  return withSimulator(
    { users: rows },
    { latencyMs: LATENCY_MS, writeBucket: { capacity: quota, refillPerSecond: quota }, limitPercentageHeader: header },
    async (simulator) => {
      const sampled = await sampledRun(ctx, simulator, input, flags, label, SETTLE_MS);
      return {
        ...sampled,
        ...which,
        rows,
        attempts: writeAttempts(simulator),
        requests: simulator.stats.requests,
        throttled: simulator.stats.throttled,
        duringRetryAfter: simulator.stats.requestsDuringRetryAfter,
      };
    },
  );
}

/** Seconds of the per-second write counts shown: enough to see how the rate settles. */
const SHOWN_SECONDS = 45;

function describe(run: Throttled): string {
  const s = run.run.summary;
  const shape = perSecond(run.series).slice(0, SHOWN_SECONDS);
  return (
    `${count(run.rows)} rows in ${seconds(run.run.wallMs)}; ${count(run.requests)} requests; client: ${count(s?.retries ?? Number.NaN)} retries, ` +
    `${fixed(s?.pausedSeconds ?? Number.NaN, 1)} s paused; accepted per second: ${shape.join(' ')}`
  );
}

function percent(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : 'n/a';
}
