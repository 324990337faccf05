import { scaled, type BenchContext } from '../bench-context.js';
import { withSimulator, writeAttempts } from '../bench-simulator.js';
import { perSecond } from '../measure.js';
import { count, fixed, passes, seconds, type Finding, type ScenarioReport } from '../report.js';
import { sampledRun, type SampledRun } from '../sampled-run.js';

/** Seconds of writes at the quota that the throttled runs last at scale 1. */
const DURATION_S = 15;
/** Service latency of every request: near what Graph answers in, and enough that concurrency matters. */
const LATENCY_MS = 20;
/** Graph's published write quota, which the client's default pacing models (SPEC §3). */
const PUBLISHED_PER_SECOND = 20;
/** The full bucket's burst is spent within this long of the first write; the steady rate is measured after it. */
const SETTLE_MS = 2_000;

interface Throttled extends SampledRun {
  readonly rows: number;
  readonly attempts: number;
  /** Every request the simulator received, reads included. */
  readonly requests: number;
  readonly throttled: number;
  readonly duringRetryAfter: number;
}

/**
 * SPEC §7, first target: under a write quota of Q per second (the simulator's token bucket, Q
 * tokens, refilled at Q per second), a run told `--max-rate Q` sustains at least 0.95 Q, sends
 * nothing while a Retry-After is in force, and has at most 2% of its writes answered 429. Then, for
 * information, the same with no hint at all: the default pacing against a 20/s quota whose burst
 * is far smaller than the 3,000 the client models, so that the client has to find the quota by itself.
 */
export async function throttledScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const q = ctx.options.quota;
  const hinted = await throttledRun(ctx, q, ['--max-rate', String(q)], 'throttled-hinted');
  const unhinted = await throttledRun(ctx, PUBLISHED_PER_SECOND, [], 'throttled-default');

  const ratio = hinted.writesPerSecond / q;
  const share = hinted.throttled / hinted.attempts;
  const infoRatio = unhinted.writesPerSecond / PUBLISHED_PER_SECOND;
  const infoShare = unhinted.throttled / unhinted.attempts;
  const findings: Finding[] = [
    {
      target: `1 quota Q=${q}/s, --max-rate ${q}: sustained writes/s / Q`,
      measured: `${fixed(hinted.writesPerSecond, 1)} writes/s`,
      ratio: fixed(ratio),
      goal: '>= 0.95',
      verdict: passes(ratio, { atLeast: 0.95 }),
    },
    {
      target: '1   requests sent while a Retry-After was in force',
      measured: `${count(hinted.duringRetryAfter)} of ${count(hinted.requests)} requests`,
      ratio: count(hinted.duringRetryAfter),
      goal: '= 0',
      verdict: passes(hinted.duringRetryAfter, { atMost: 0 }),
    },
    {
      target: '1   writes answered 429',
      measured: `${count(hinted.throttled)} of ${count(hinted.attempts)}`,
      ratio: percent(share),
      goal: '<= 2%',
      verdict: passes(share, { atMost: 0.02 }),
    },
    {
      target: `1 info: quota 20/s, no --max-rate (default pacing)`,
      measured: `${fixed(unhinted.writesPerSecond, 1)} writes/s, 429 ${percent(infoShare)}, ${count(unhinted.duringRetryAfter)} in Retry-After`,
      ratio: fixed(infoRatio),
      goal: '>= 0.95',
      verdict: `info: ${passes(infoRatio, { atLeast: 0.95 }) === 'PASS' && infoShare <= 0.02 && unhinted.duringRetryAfter === 0 ? 'PASS' : 'FAIL'}`,
    },
  ];
  return {
    findings,
    notes: [
      `throttled: simulator latency ${LATENCY_MS} ms, write bucket of Q tokens refilled at Q/s, default --concurrency 8, one row (one write) per user.`,
      `  --max-rate ${q}: ${describe(hinted)}`,
      `  no hint, quota 20/s (client models Graph's 3,000-write burst, the simulator allows 20): ${describe(unhinted)}`,
      `  sustained = writes the simulator accepted between the 10% mark (and ${SETTLE_MS / 1000} s after the first write, past the full bucket's burst) and the 90% mark / the time between them.`,
    ],
  };
}

async function throttledRun(ctx: BenchContext, perSecond: number, flags: readonly string[], label: string): Promise<Throttled> {
  const rows = scaled(ctx, perSecond * DURATION_S, perSecond * 5);
  const input = await ctx.workspace.input({ rows });
  ctx.log(`${label}: ${count(rows)} rows against a ${perSecond}/s write quota ${flags.length > 0 ? flags.join(' ') : '(default pacing)'}`);
  return withSimulator({ users: rows }, { latencyMs: LATENCY_MS, writeBucket: { capacity: perSecond, refillPerSecond: perSecond } }, async (simulator) => {
    const sampled = await sampledRun(ctx, simulator, input, flags, label, SETTLE_MS);
    return {
      ...sampled,
      rows,
      attempts: writeAttempts(simulator),
      requests: simulator.stats.requests,
      throttled: simulator.stats.throttled,
      duringRetryAfter: simulator.stats.requestsDuringRetryAfter,
    };
  });
}

/** Seconds of the per-second write counts shown: enough to see how the rate settles. */
const SHOWN_SECONDS = 20;

function describe(run: Throttled): string {
  const s = run.run.summary;
  const shape = perSecond(run.series).slice(0, SHOWN_SECONDS);
  return (
    `${count(run.rows)} rows in ${seconds(run.run.wallMs)}; simulator: ${count(run.attempts)} write attempts, ${count(run.throttled)} answered 429; ` +
    `client: ${count(s?.writes ?? Number.NaN)} writes, ${count(s?.retries ?? Number.NaN)} retries, ${fixed(s?.pausedSeconds ?? Number.NaN, 1)} s paused by Retry-After\n` +
    `      writes accepted per second, first ${shape.length} s: ${shape.join(' ')}`
  );
}

function percent(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : 'n/a';
}
