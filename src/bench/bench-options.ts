import { parseArgs } from 'node:util';

export const SCENARIOS = ['throttled', 'short-throttled', 'latency', 'idle-tenant', 'unthrottled', 'unthrottled-200ms', 'client-cpu', 'rerun', 'run-memory', 'validate', 'validate-xlsx', 'run-xlsx', 'sync'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  /** Multiplies every size and duration; 1 is the default run of a few minutes on two cores. */
  readonly scale: number;
  /** Scenarios to run, in the order of SCENARIOS. */
  readonly scenarios: readonly ScenarioName[];
  /** Leave the temporary folder (inputs, results) in place, and say where. */
  readonly keep: boolean;
}

export const BENCH_USAGE = `npm run bench [-- options]     SPEC §7 performance targets, measured against the built-in simulator

  --scale N        multiply every size and duration (default: BENCH_SCALE, else 1; 0.1 for a quick look)
  --only a,b       run only these scenarios: ${SCENARIOS.join(', ')}
  --keep           keep the temporary files and print their folder
`;

/**
 * Reads the benchmark's flags and `BENCH_SCALE`, with the messages the CLI uses for a bad value.
 * @returns undefined when help was asked for
 */
export function parseBenchOptions(args: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...args],
    options: { scale: { type: 'string' }, only: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) return undefined;
  const scale = positive(values.scale !== undefined ? '--scale' : 'BENCH_SCALE', values.scale ?? env.BENCH_SCALE ?? '1');
  const scenarios = values.only === undefined ? [...SCENARIOS] : values.only.split(',').map((s) => scenario(s.trim()));
  return Object.freeze({ scale, scenarios: SCENARIOS.filter((s) => scenarios.includes(s)), keep: values.keep === true });
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new Error(`Invalid option ${name}: expect a number above 0, got "${value}"`);
  return n;
}

function scenario(name: string): ScenarioName {
  const match = SCENARIOS.find((s) => s === name);
  if (match === undefined) throw new Error(`Invalid option --only: expect names from ${SCENARIOS.join(', ')}, got "${name}"`);
  return match;
}
