import { scaled, type BenchContext } from '../bench-context.js';
import { withSimulator } from '../bench-simulator.js';
import { count, fixed, passes, seconds, type Finding, type ScenarioReport } from '../report.js';
import { sampledRun, type SampledRun } from '../sampled-run.js';

const LATENCY_MS = 200;
/** The window `--concurrency auto` opens at the most, and so its ideal without a pace (SPEC §3). */
const MOST_IN_FLIGHT = 64;

interface Case {
  readonly label: string;
  readonly flags: readonly string[];
  /** Requests in flight the ideal is computed for. */
  readonly concurrency: number;
  /** Rows at scale 1: about ten seconds of writes at the ideal. */
  readonly rows: number;
}

/**
 * SPEC §7, unthrottled: with `--max-rate off` and 200 ms of service latency, a run reaches at least
 * 0.9 x concurrency / latency, and at least 20x a client that sends one request at a time; the
 * client's CPU per write is printed (SPEC: far below what the quota allows, under 2 ms).
 */
export async function unthrottledLatencyScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const cases: Case[] = [
    { label: 'default', flags: [], concurrency: MOST_IN_FLIGHT, rows: 3_000 },
    { label: `--concurrency ${MOST_IN_FLIGHT}`, flags: ['--concurrency', String(MOST_IN_FLIGHT)], concurrency: MOST_IN_FLIGHT, rows: 3_000 },
    { label: '--concurrency 1', flags: ['--concurrency', '1'], concurrency: 1, rows: 50 },
  ];
  const runs: (Case & SampledRun & { rows: number })[] = [];
  for (const which of cases) {
    const rows = scaled(ctx, which.rows, 20);
    const input = await ctx.workspace.input({ rows });
    const flags = ['--max-rate', 'off', ...which.flags];
    ctx.log(`unthrottled-200ms: ${count(rows)} rows, ${flags.join(' ')}, latency ${LATENCY_MS} ms`);
    const run = await withSimulator({ users: rows, shares: { directLicenses: 0, groupLicenses: 0 } }, { latencyMs: LATENCY_MS }, (simulator) => sampledRun(ctx, simulator, input, flags, `unthrottled-200-${which.concurrency}-${which.flags.length}`));
    runs.push({ ...which, ...run, rows });
  }
  const [auto, wide, serial] = runs as [(typeof runs)[number], (typeof runs)[number], (typeof runs)[number]];
  const ideal = (c: number) => c / (LATENCY_MS / 1000);
  const cpuPerWrite = (run: (typeof runs)[number]) => run.run.cpuMs / (run.run.summary?.writes ?? Number.NaN);
  const findings: Finding[] = [];
  for (const run of [auto, wide]) {
    findings.push(
      {
        target: `2 latency 200 ms, --max-rate off, ${run.label}: writes/s / (${run.concurrency} / 200 ms)`,
        measured: `${fixed(run.writesPerSecond, 1)} of ${count(ideal(run.concurrency))} writes/s`,
        ratio: fixed(run.writesPerSecond / ideal(run.concurrency)),
        goal: '>= 0.9',
        verdict: passes(run.writesPerSecond / ideal(run.concurrency), { atLeast: 0.9 }),
      },
      {
        target: `2   ${run.label} vs one request at a time`,
        measured: `${fixed(run.writesPerSecond, 1)} vs ${fixed(serial.writesPerSecond, 2)} writes/s`,
        ratio: `${fixed(run.writesPerSecond / serial.writesPerSecond, 1)}x`,
        goal: '>= 20x',
        verdict: passes(run.writesPerSecond / serial.writesPerSecond, { atLeast: 20 }),
      },
    );
  }
  findings.push({
    target: '2   client CPU per write (--max-rate off, 200 ms)',
    measured: `${fixed(cpuPerWrite(auto), 2)} ms default, ${fixed(cpuPerWrite(wide), 2)} ms at ${MOST_IN_FLIGHT} in flight`,
    ratio: fixed(Math.max(cpuPerWrite(auto), cpuPerWrite(wide))),
    goal: '< 2 ms',
    verdict: passes(Math.max(cpuPerWrite(auto), cpuPerWrite(wide)), { atMost: 2 }),
  });
  return {
    findings,
    notes: [
      `unthrottled-200ms: simulator latency ${LATENCY_MS} ms, no write quota, --max-rate off, one row (one write) per user; a fresh simulator per run; the default's ideal is ${MOST_IN_FLIGHT} in flight, what --concurrency auto opens at the most.`,
      ...runs.map(
        (run) =>
          `  ${run.label}: ${count(run.rows)} rows in ${seconds(run.run.wallMs)}, client CPU ${seconds(run.run.cpuMs)} (start-up, reads and the results file included), ${count(run.run.summary?.writes ?? Number.NaN)} writes`,
      ),
    ],
  };
}
