/**
 * `npm run bench`: measures SPEC §7's performance targets against the built-in simulator on
 * 127.0.0.1, in one run, as ratios, and prints them as a table with PASS/FAIL. It reports and
 * always exits 0 (CI does not run it); only a benchmark that could not run exits otherwise.
 */
import { cpus, totalmem } from 'node:os';
import { BENCH_USAGE, parseBenchOptions, type BenchOptions, type ScenarioName } from './bench-options.js';
import type { BenchContext } from './bench-context.js';
import { formatTable, seconds, type Finding, type ScenarioReport } from './report.js';
import { rerunScenario } from './scenarios/rerun.js';
import { runMemoryScenario } from './scenarios/run-memory.js';
import { throttledScenario } from './scenarios/throttled.js';
import { unthrottledScenario } from './scenarios/unthrottled.js';
import { validateScenario } from './scenarios/validate.js';
import { Workspace } from './workspace.js';

const SCENARIO_RUNNERS: Record<ScenarioName, (ctx: BenchContext) => Promise<ScenarioReport>> = {
  throttled: throttledScenario,
  unthrottled: unthrottledScenario,
  rerun: rerunScenario,
  validate: validateScenario,
  'run-memory': runMemoryScenario,
};

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseBenchOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${BENCH_USAGE}`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }

  const workspace = await Workspace.create();
  const onSignal = () => {
    void workspace.dispose().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`bench [${seconds(performance.now() - started).padStart(7)}] ${line}\n`);
  const ctx: BenchContext = { options, workspace, log };

  const findings: Finding[] = [];
  const notes: string[] = [];
  try {
    for (const name of options.scenarios) {
      try {
        const report = await SCENARIO_RUNNERS[name](ctx);
        findings.push(...report.findings);
        notes.push(...report.notes);
      } catch (error) {
        // One scenario that cannot run does not hide the others' numbers.
        log(`${name}: could not run: ${(error as Error).message}`);
        findings.push({ target: name, measured: 'could not run (see above)', ratio: '-', goal: '-', verdict: 'ERROR' });
      }
    }
  } finally {
    if (options.keep) log(`kept ${workspace.dir}`);
    else await workspace.dispose();
  }

  const cpu = cpus();
  process.stdout.write(
    [
      '',
      `license-batch benchmark: SPEC §7 targets against the built-in simulator (NOT Microsoft Graph) on 127.0.0.1`,
      `machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`,
      `scale ${options.scale} (BENCH_SCALE or --scale), quota Q=${options.quota}/s; whole benchmark ${seconds(performance.now() - started)}`,
      '',
      formatTable(findings),
      '',
      'sizes and details:',
      ...notes.map((note) => (note.startsWith('  ') ? `  ${note}` : `- ${note}`)),
      '',
    ].join('\n'),
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
