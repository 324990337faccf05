import { resolve } from 'node:path';
import { RunError } from '../errors.js';
import { systemClock } from '../graph/pause-gate.js';
import { runFile } from '../run/run-file.js';
import { createRunStats } from '../run/run-stats.js';
import { openGraphConnection } from './connection.js';
import type { CliIO } from './io.js';
import type { RunOptions } from './options.js';
import { progressMode, startProgress } from './progress.js';
import { spillStdin } from './stdin-file.js';
import { summaryLines, summaryObject } from './summary.js';

/** `license-batch run`: the CLI adapter over {@link runFile}. Returns the exit code. */
export async function runCommand(options: RunOptions, io: CliIO): Promise<number> {
  const fromStdin = options.input === '-';
  const out = options.out ?? defaultResultsPath(fromStdin ? 'stdin.csv' : options.input);
  if (!fromStdin && resolve(out) === resolve(options.input)) {
    throw new RunError('USAGE', `--out ${out} is the input file itself; choose another results path`);
  }
  const transport = await openGraphConnection(options, io, options.concurrency * 2);
  const spilled = fromStdin ? await spillStdin(io.stdin) : undefined;
  const clock = io.clock ?? systemClock;
  const stats = createRunStats(clock.now());
  const mode = progressMode(options, io.stderr);
  const progress = startProgress(stats, mode, io.stderr);
  io.signal?.addEventListener('abort', () => io.stderr.write('license-batch: requests in flight finish; the rest are not attempted\n'), { once: true });
  try {
    const result = await runFile(
      { ...options, input: spilled?.path ?? options.input, out },
      { transport, clock, random: io.random ?? Math.random, stats, ...(io.signal ? { signal: io.signal } : {}) },
    );
    progress.stop();
    if (mode === 'json') {
      io.stderr.write(`${JSON.stringify(summaryObject(stats, clock.now(), result.resultsPath, result.exitCode))}\n`);
    } else {
      for (const line of summaryLines(stats, clock.now(), result.resultsPath)) io.stderr.write(`license-batch: ${line}\n`);
    }
    if (result.stopError) io.stderr.write(`license-batch: error: ${result.stopError.message}\n`);
    return result.exitCode;
  } finally {
    progress.stop();
    transport.close();
    await spilled?.dispose();
  }
}

/** `licenses.csv` -> `licenses.results.csv`, next to the input. */
export function defaultResultsPath(input: string): string {
  return input.replace(/\.(csv|txt|tsv)$/i, '') + '.results.csv';
}
