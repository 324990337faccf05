import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What one measured child process did. */
export interface ChildRun {
  readonly code: number | null;
  /** From spawn to exit, as the parent saw it (process start-up included). */
  readonly wallMs: number;
  /** Peak resident set size, as the kernel kept it for the child. */
  readonly peakRssBytes: number;
  readonly cpuMs: number;
  /** The last 64 KiB of each stream. */
  readonly stdout: string;
  readonly stderr: string;
}

const KEEP_CHARS = 64 * 1024;
const REPORTER = new URL('./rss-reporter.js', import.meta.url).href;

/**
 * Runs `node <script> ...args` in a child process with the usage reporter preloaded, and returns
 * its wall time and peak RSS. `usageDir` is where the reporter leaves its one-line file.
 */
export async function runNodeChild(script: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; usageDir: string }): Promise<ChildRun> {
  const usageFile = join(options.usageDir, `usage-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', REPORTER, script, ...args], {
    env: { ...process.env, ...options.env, BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-KEEP_CHARS)));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-KEEP_CHARS)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  });
  const wallMs = performance.now() - started;
  const usage = await readUsage(usageFile);
  return { code, wallMs, peakRssBytes: usage.maxRssKb * 1024, cpuMs: (usage.userCpuUs + usage.systemCpuUs) / 1000, stdout, stderr };
}

async function readUsage(path: string): Promise<{ maxRssKb: number; userCpuUs: number; systemCpuUs: number }> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as { maxRssKb: number; userCpuUs: number; systemCpuUs: number };
  } catch {
    return { maxRssKb: Number.NaN, userCpuUs: Number.NaN, systemCpuUs: Number.NaN };
  } finally {
    await rm(path, { force: true });
  }
}

/** A counter read over time: `[milliseconds, value]`, oldest first. */
export type Series = readonly (readonly [number, number])[];

/**
 * Reads `counter` every `everyMs` until stopped. Timer-driven, so the resolution is a few
 * milliseconds: enough for runs of seconds.
 */
export function sampleCounter(counter: () => number, everyMs = 5): { stop(): Series } {
  const series: [number, number][] = [[performance.now(), counter()]];
  const timer = setInterval(() => series.push([performance.now(), counter()]), everyMs);
  return {
    stop() {
      clearInterval(timer);
      series.push([performance.now(), counter()]);
      return series;
    },
  };
}

/**
 * The steady rate of a counter per second: the growth between the moments it first reached
 * `from` and `to` (shares of its final value) divided by the time between them, so that start-up,
 * an initial burst and the tail of the last requests do not count.
 */
export function sustainedRate(series: Series, from = 0.1, to = 0.9): number {
  const total = series.at(-1)?.[1] ?? 0;
  const start = series.find(([, n]) => n >= Math.max(1, total * from));
  const end = series.find(([, n]) => n >= total * to);
  if (start === undefined || end === undefined || end[0] <= start[0]) return Number.NaN;
  return ((end[1] - start[1]) * 1000) / (end[0] - start[0]);
}
