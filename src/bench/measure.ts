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
  /**
   * The largest heap left after a full garbage collection (V8's own `--trace-gc` figure): the peak
   * of what was alive, without the garbage that RSS also counts. NaN unless asked for.
   */
  readonly liveHeapBytes: number;
  readonly cpuMs: number;
  /** The last 64 KiB of each stream. */
  readonly stdout: string;
  readonly stderr: string;
}

const KEEP_CHARS = 64 * 1024;
const REPORTER = new URL('./rss-reporter.js', import.meta.url).href;

export interface ChildOptions {
  /** Where the usage reporter leaves its one-line file. */
  readonly usageDir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run with `--trace-gc` to learn the live heap; its lines are read off standard output and dropped. */
  readonly traceGc?: boolean;
}

/** `[pid:0x...]  36634 ms: Mark-Compact 88.3 (120.5) -> 55.7 (118.1) MB, ...`: the heap after a full collection. */
const MARK_COMPACT = /Mark-Compact[^>\n]*-> ([\d.]+) \(/;
const TRACE_GC_LINE = /^\[\d+:0x[0-9a-f]+\]/;

/**
 * Runs `node <script> ...args` in a child process with the usage reporter preloaded, and returns
 * its wall time and peak RSS (and, with `traceGc`, its live heap).
 */
export async function runNodeChild(script: string, args: readonly string[], options: ChildOptions): Promise<ChildRun> {
  const usageFile = join(options.usageDir, `usage-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.traceGc ? ['--trace-gc'] : []), '--import', REPORTER, script, ...args], {
    env: { ...process.env, ...options.env, BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  let liveHeapMb = options.traceGc ? 0 : Number.NaN;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (!options.traceGc) {
      stdout = (stdout + chunk).slice(-KEEP_CHARS);
      return;
    }
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (!TRACE_GC_LINE.test(line)) stdout = (stdout + line + '\n').slice(-KEEP_CHARS);
      const live = MARK_COMPACT.exec(line)?.[1];
      if (live !== undefined) liveHeapMb = Math.max(liveHeapMb, Number(live));
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-KEEP_CHARS)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  });
  const wallMs = performance.now() - started;
  const usage = await readUsage(usageFile);
  return { code, wallMs, peakRssBytes: usage.maxRssKb * 1024, liveHeapBytes: liveHeapMb * 1024 * 1024, cpuMs: (usage.userCpuUs + usage.systemCpuUs) / 1000, stdout, stderr };
}

interface Usage {
  readonly maxRssKb: number;
  readonly userCpuUs: number;
  readonly systemCpuUs: number;
}

/** The reporter's file; all NaN when the child died before it could write it. */
async function readUsage(path: string): Promise<Usage> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Usage;
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
 * `from` and `to` (shares of its final value) divided by the time between them, so that start-up
 * and the tail of the last requests do not count. `settleMs` also leaves out that long after the
 * counter first moved: an initial burst, such as a full token bucket allows.
 */
export function sustainedRate(series: Series, options: { from?: number; to?: number; settleMs?: number } = {}): number {
  const { from = 0.1, to = 0.9, settleMs = 0 } = options;
  const total = series.at(-1)?.[1] ?? 0;
  const moved = series.find(([, n]) => n > 0);
  if (moved === undefined) return Number.NaN;
  const start = series.find(([t, n]) => n >= Math.max(1, total * from) && t >= moved[0] + settleMs);
  const end = series.find(([, n]) => n >= total * to);
  if (start === undefined || end === undefined || end[0] <= start[0]) return Number.NaN;
  return ((end[1] - start[1]) * 1000) / (end[0] - start[0]);
}

/** The counter's growth in each whole second from the first sample on: a run's shape at a glance. */
export function perSecond(series: Series): number[] {
  const start = series[0]?.[0] ?? 0;
  const counts: number[] = [];
  let second = 1;
  let before = series[0]?.[1] ?? 0;
  for (const [t, n] of series) {
    while (t - start >= second * 1000) {
      counts.push(n - before);
      before = n;
      second += 1;
    }
  }
  return counts;
}

/**
 * Writes per second from the first write the counter saw to the last: the whole run's rate, start
 * and tail included, as a short run is judged (SPEC §7). The counter counts writes where they land,
 * so the service's latency shifts both ends alike.
 */
export function firstToLastRate(series: Series): number {
  const total = series.at(-1)?.[1] ?? 0;
  const first = series.find(([, n]) => n > 0);
  const last = series.find(([, n]) => n >= total);
  if (first === undefined || last === undefined || last[0] <= first[0]) return Number.NaN;
  return ((total - first[1]) * 1000) / (last[0] - first[0]);
}

/** Milliseconds from the first write the counter saw to the last. */
export function writeSpanMs(series: Series): number {
  const total = series.at(-1)?.[1] ?? 0;
  const first = series.find(([, n]) => n > 0);
  const last = series.find(([, n]) => n >= total);
  return first === undefined || last === undefined ? Number.NaN : last[0] - first[0];
}
