#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RunError } from './errors.js';
import type { CliIO } from './cli/io.js';
// Options and help are light; each command's own module (and its dependencies: MSAL, ora, csv) loads when it runs.
import { parseConnectionOptions, parseExportOptions, parseNoOptions, parseRunOptions, parseSimulateOptions, parseSyncOptions, parseValidateOptions, wantsJsonLog } from './cli/options.js';
import { helpFor } from './cli/help.js';
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
    io.stdout.write(`${helpFor(command) ?? USAGE}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'run': {
        const { runCommand } = await import('./cli/run-command.js');
        return await runCommand(parseRunOptions(args), io);
      }
      case 'sync': {
        const { syncCommand } = await import('./cli/sync-command.js');
        return await syncCommand(parseSyncOptions(args), io);
      }
      case 'validate': {
        const { validateCommand } = await import('./cli/validate-command.js');
        return await validateCommand(parseValidateOptions(args), io);
      }
      case 'export': {
        const { exportCommand } = await import('./cli/export-command.js');
        return await exportCommand(parseExportOptions(args), io);
      }
      case 'skus': {
        const { skusCommand } = await import('./cli/skus-command.js');
        return await skusCommand(parseConnectionOptions('skus', args), io);
      }
      case 'simulate': {
        const { simulateCommand } = await import('./cli/simulate-command.js');
        return await simulateCommand(parseSimulateOptions(args), io);
      }
      case 'demo': {
        parseNoOptions('demo', args);
        const { demoCommand } = await import('./cli/demo-command.js');
        return await demoCommand(io);
      }
      case 'help': {
        const text = helpFor(args[0]);
        if (text === undefined) throw new RunError('USAGE', `No command "${args[0]}". Run 'license-batch help' for the commands.`);
        io.stdout.write(`${text}\n`);
        return 0;
      }
      case undefined:
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
    // `run --log json` (and `sync`'s) promises a scheduler nothing but JSON objects on standard error.
    const json = (command === 'run' || command === 'sync') && wantsJsonLog(args);
    if (error instanceof RunError) {
      if (json) io.stderr.write(`${JSON.stringify({ event: 'error', time: new Date().toISOString(), code: error.code, message: error.message, exitCode: error.exitCode })}\n`);
      else io.stderr.write(`license-batch: error: ${error.message}\n`);
      return error.exitCode;
    }
    const detail = io.env.LICENSE_BATCH_DEBUG ? (error as Error).stack : (error as Error).message;
    if (json) {
      io.stderr.write(`${JSON.stringify({ event: 'error', time: new Date().toISOString(), code: 'INTERNAL', message: `internal error: ${detail}`, exitCode: 70 })}\n`);
      return 70;
    }
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
    // `run` (and the demo's runs) say it themselves, above the live line or as a JSON event.
    if (process.argv[2] !== 'run' && process.argv[2] !== 'sync' && process.argv[2] !== 'demo') process.stderr.write('\nlicense-batch: stopping (Ctrl-C again to stop at once)\n');
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
