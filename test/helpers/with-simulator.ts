/**
 * One way for every end-to-end test to get a simulator and run the CLI against it (after got's
 * test/helpers/with-server.ts): the simulator is started over a tenant, the test gets its URL, the
 * simulator, a token environment and a temporary folder, and everything is closed afterwards, even
 * when the test fails. Every run of the CLI goes through `cli` (in process, optionally with a fake
 * clock) or `spawn` (the built CLI in a child process); afterwards, each run's output and every file
 * in the folder are scanned for the secrets the test handed the CLI.
 */
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { runCli, spawnCli, tempDir, type CliResult, type RunCliOptions } from './cli.js';
import { expectNoSecrets, secretsIn } from './secrets.js';

export type TempDir = Awaited<ReturnType<typeof tempDir>>;

/** The token every simulator without an `auth` section accepts. */
export const TEST_TOKEN = 'e2e-test-token-5b1f';

export interface SimulatorHarness {
  /** The simulator's root URL, for `--graph-url`. */
  readonly url: string;
  readonly sim: RunningSimulator;
  /** What a signed-in admin's environment holds: `GRAPH_ACCESS_TOKEN`. */
  readonly env: NodeJS.ProcessEnv;
  /** A temporary folder for this test's input and output files. */
  readonly dir: TempDir;
  /** Runs the CLI's entry in this process; `env` defaults to the harness's. */
  cli(args: string[], options?: RunCliOptions): Promise<CliResult>;
  /** Runs the built CLI (`dist/cli.js`) in a child process; `env` defaults to the harness's. */
  spawn(args: string[], options?: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string }): Promise<CliResult>;
  /** Another secret the scan at the end looks for (one not in any environment, e.g. a token issued). */
  addSecret(secret: string): void;
}

/**
 * Starts a simulator, runs `test` with it, then closes it and removes the folder. Fails the test when
 * any secret passed to the CLI (through `env` or `addSecret`) appears in an output or a file.
 */
export async function withSimulator<T>(options: SimulatorOptions, test: (harness: SimulatorHarness) => Promise<T>): Promise<T> {
  const sim = await startSimulator(options);
  const dir = await tempDir();
  const outputs: string[] = [];
  const secrets = new Set<string>();
  const env: NodeJS.ProcessEnv = { GRAPH_ACCESS_TOKEN: TEST_TOKEN };
  const remember = (result: CliResult, used: NodeJS.ProcessEnv) => {
    outputs.push(result.stdout, result.stderr);
    for (const secret of secretsIn(used)) secrets.add(secret);
    return result;
  };
  const harness: SimulatorHarness = {
    url: sim.url,
    sim,
    env,
    dir,
    cli: async (args, cliOptions = {}) => {
      const used = cliOptions.env ?? env;
      return remember(await runCli(args, { ...cliOptions, env: used }), used);
    },
    spawn: async (args, spawnOptions = {}) => {
      const used = spawnOptions.env ?? env;
      return remember(await spawnCli(args, { ...spawnOptions, env: used }), used);
    },
    addSecret: (secret) => void secrets.add(secret),
  };
  try {
    const value = await test(harness);
    await expectNoSecrets([...secrets], { outputs, paths: [dir.path] });
    return value;
  } finally {
    await sim.close();
    await dir.dispose();
  }
}
