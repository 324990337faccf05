#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RunError } from './errors.js';
import type { CliIO } from './cli/io.js';
import { USAGE } from './cli/usage.js';
import { packageVersion } from './version.js';

/**
 * The command line: picks the command, runs it, and turns a {@link RunError} into its message and
 * exit code. Nothing below this function calls process.exit. Each command's module (and with it
 * got, MSAL, ora, the CSV libraries) is loaded only when that command runs, so that `--version`,
 * `--help` and `validate` start without loading what they do not use.
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...args] = argv;
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'run': {
        const [{ runCommand }, { parseRunOptions }] = await Promise.all([import('./cli/run-command.js'), import('./cli/options.js')]);
        return await runCommand(parseRunOptions(args), io);
      }
      case 'validate': {
        const [{ validateCommand }, { parseValidateOptions }] = await Promise.all([import('./cli/validate-command.js'), import('./cli/options.js')]);
        return await validateCommand(parseValidateOptions(args), io);
      }
      case 'export': {
        const [{ exportCommand }, { parseExportOptions }] = await Promise.all([import('./cli/export-command.js'), import('./cli/options.js')]);
        return await exportCommand(parseExportOptions(args), io);
      }
      case 'skus': {
        const [{ skusCommand }, { parseConnectionOptions }] = await Promise.all([import('./cli/skus-command.js'), import('./cli/options.js')]);
        return await skusCommand(parseConnectionOptions('skus', args), io);
      }
      case 'simulate': {
        const [{ simulateCommand }, { parseSimulateOptions }] = await Promise.all([import('./cli/simulate-command.js'), import('./cli/options.js')]);
        return await simulateCommand(parseSimulateOptions(args), io);
      }
      case 'demo': {
        const { parseNoOptions } = await import('./cli/options.js');
        parseNoOptions('demo', args);
        const { demoCommand } = await import('./cli/demo-command.js');
        return await demoCommand(io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      case '--version':
        io.stdout.write(`${packageVersion()}\n`);
        return 0;
      default:
        throw new RunError('USAGE', `Unknown command "${command}". Run 'license-batch help' for the commands.`);
    }
  } catch (error) {
    if (error instanceof RunError) {
      io.stderr.write(`license-batch: error: ${error.message}\n`);
      return error.exitCode;
    }
    const detail = io.env.LICENSE_BATCH_DEBUG ? (error as Error).stack : (error as Error).message;
    io.stderr.write(`license-batch: internal error: ${detail}\n(set LICENSE_BATCH_DEBUG=1 for details; please report it)\n`);
    return 70;
  }
}

/** Runs when this file is the program (`license-batch ...`), not when a test imports it. */
function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nlicense-batch: stopping (Ctrl-C again to stop at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIO = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal: controller.signal };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`license-batch: internal error: ${String(error)}\n`);
      process.exitCode = 70;
    },
  );
}
