/**
 * One way for every end-to-end test to get a simulator and run the CLI against it (after got's
 * test/helpers/with-server.ts): the simulator is started over a tenant, the test gets its URL, the
 * simulator, a token environment and a temporary folder, and everything is closed afterwards, even
 * when the test fails. Every run of the CLI goes through `cli` (in process, optionally with a fake
 * clock) or `spawn` (the built CLI in a child process); afterwards, each run's output and every file
 * in the folder are scanned for the secrets the test handed the CLI.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  /** A new folder inside `dir`, for a test that runs the CLI on several inputs (scanned with `dir`). */
  workspace(): Promise<TempDir>;
  /** Another secret the scan at the end looks for (one not in any environment, e.g. a token issued). */
  addSecret(secret: string): void;
}

/** A harness the caller closes: for test files that clean up in `afterEach`. */
export interface OpenHarness extends SimulatorHarness {
  /** Scans for secrets (throwing when one leaked), then closes the simulator and removes the folder. */
  close(): Promise<void>;
}

/**
 * Starts a simulator, runs `test` with it, then closes it and removes the folder. Fails the test when
 * any secret passed to the CLI (through `env` or `addSecret`) appears in an output or a file.
 */
export async function withSimulator<T>(options: SimulatorOptions, test: (harness: SimulatorHarness) => Promise<T>): Promise<T> {
  const harness = await startHarness(options);
  let value: T;
  try {
    value = await test(harness);
  } catch (error) {
    await harness.close().catch(() => {});
    throw error;
  }
  await harness.close();
  return value;
}

/** {@link withSimulator} for files that close in `afterEach`: the caller must call `close()`. */
export async function startHarness(options: SimulatorOptions): Promise<OpenHarness> {
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
  let closed = false;
  return {
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
    workspace: async () => {
      const path = await mkdtemp(join(dir.path, 'ws-'));
      return {
        path,
        file: (name: string) => join(path, name),
        write: async (name: string, content: string | Buffer) => {
          const file = join(path, name);
          await writeFile(file, content);
          return file;
        },
        dispose: async () => {},
      };
    },
    addSecret: (secret) => void secrets.add(secret),
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await expectNoSecrets([...secrets], { outputs, paths: [dir.path] });
      } finally {
        await sim.close();
        await dir.dispose();
      }
    },
  };
}
