import { scaled, type BenchContext } from '../bench-context.js';
import { withSimulator } from '../bench-simulator.js';
import { count, fixed, passes, seconds, type Finding, type ScenarioReport } from '../report.js';
import { sampledRun, type SampledRun } from '../sampled-run.js';

const LATENCY_MS = 20;
/** Rows of the file at scale 1: at concurrency 8 and 20 ms, ten seconds of writes. */
const ROWS = 4_000;
/** Rows the one-request-at-a-time client sends (a prefix of the same file): ten seconds at 20 ms each. */
const SERIAL_ROWS = 500;

interface Unthrottled extends SampledRun {
  readonly concurrency: number;
  readonly batchSize: number;
  readonly rows: number;
}

/**
 * SPEC §7, second target: with 20 ms of service latency and `--max-rate off`, a run reaches at least
 * 0.9 of concurrency / latency, and at least 20x a client that sends one request at a time
 * (`--concurrency 1`). At concurrency 8 the second can reach 8x at the most, so 32 is measured
 * too, and the default concurrency with `--batch-size 20`.
 */
export async function unthrottledScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const rows = scaled(ctx, ROWS, 50);
  const serialRows = Math.min(rows, scaled(ctx, SERIAL_ROWS, 20));
  const c8 = await unthrottledRun(ctx, rows, 8);
  const c32 = await unthrottledRun(ctx, rows, 32);
  const c1 = await unthrottledRun(ctx, serialRows, 1);
  const batched = await unthrottledRun(ctx, rows, 8, 20);

  const ideal = (c: number) => c / (LATENCY_MS / 1000);
  const toIdeal = (run: Unthrottled) => run.writesPerSecond / ideal(run.concurrency);
  const overSerial = (run: Unthrottled) => run.writesPerSecond / c1.writesPerSecond;
  const reaching = [c8, c32, batched].filter((run) => overSerial(run) >= 20).map(describe);
  const findings: Finding[] = [
    {
      target: '2 latency 20 ms, c=8: writes/s / (8 / 20 ms)',
      measured: `${fixed(c8.writesPerSecond, 1)} of ${count(ideal(8))} writes/s`,
      ratio: fixed(toIdeal(c8)),
      goal: '>= 0.9',
      verdict: passes(toIdeal(c8), { atLeast: 0.9 }),
    },
    {
      target: '2   c=32: writes/s / (32 / 20 ms)',
      measured: `${fixed(c32.writesPerSecond, 1)} of ${count(ideal(32))} writes/s`,
      ratio: fixed(toIdeal(c32)),
      goal: '>= 0.9',
      verdict: passes(toIdeal(c32), { atLeast: 0.9 }),
    },
    {
      target: '2   c=8 vs one request at a time (c=1)',
      measured: `${fixed(c8.writesPerSecond, 1)} vs ${fixed(c1.writesPerSecond, 1)} writes/s`,
      ratio: `${fixed(overSerial(c8), 1)}x`,
      goal: '>= 20x',
      verdict: `${passes(overSerial(c8), { atLeast: 20 })} (8x at most at c=8)`,
    },
    {
      target: '2   c=32 vs one request at a time (c=1)',
      measured: `${fixed(c32.writesPerSecond, 1)} vs ${fixed(c1.writesPerSecond, 1)} writes/s`,
      ratio: `${fixed(overSerial(c32), 1)}x`,
      goal: '>= 20x',
      verdict: passes(overSerial(c32), { atLeast: 20 }),
    },
    {
      target: '2   c=8 --batch-size 20 ($batch) vs c=1',
      measured: `${fixed(batched.writesPerSecond, 1)} vs ${fixed(c1.writesPerSecond, 1)} writes/s`,
      ratio: `${fixed(overSerial(batched), 1)}x`,
      goal: '>= 20x',
      verdict: passes(overSerial(batched), { atLeast: 20 }),
    },
  ];
  return {
    findings,
    notes: [
      `unthrottled: simulator latency ${LATENCY_MS} ms, no write quota, --max-rate off, one row (one write) per user; a fresh simulator per run.`,
      ...[c8, c32, c1, batched].map(
        (run) => `  ${describe(run)}: ${count(run.rows)} rows in ${seconds(run.run.wallMs)}, client CPU ${seconds(run.run.cpuMs)}, ${count(run.run.summary?.writes ?? Number.NaN)} writes`,
      ),
      `  c=1 sends the first ${count(serialRows)} rows of the same file (its rate is steady after a few requests).`,
      `  20x over one request at a time: ${reaching.length > 0 ? `reached with ${reaching.join(' and ')}` : 'reached by neither configuration'}.`,
    ],
  };
}

function describe(run: Unthrottled): string {
  return `--concurrency ${run.concurrency}${run.batchSize > 1 ? ` --batch-size ${run.batchSize}` : ''}`;
}

async function unthrottledRun(ctx: BenchContext, rows: number, concurrency: number, batchSize = 1): Promise<Unthrottled> {
  const input = await ctx.workspace.input({ rows });
  const args = ['--max-rate', 'off', '--concurrency', String(concurrency), '--batch-size', String(batchSize)];
  ctx.log(`unthrottled: ${count(rows)} rows, ${args.slice(2).join(' ')}, latency ${LATENCY_MS} ms`);
  return withSimulator({ users: rows }, { latencyMs: LATENCY_MS }, async (simulator) => {
    const sampled = await sampledRun(ctx, simulator, input, args, `unthrottled-c${concurrency}-b${batchSize}`);
    return { ...sampled, concurrency, batchSize, rows };
  });
}
