/**
 * Preloaded into a measured child process (`node --import .../rss-reporter.js`): at exit it writes
 * the process's own peak resident set size and CPU time to the file named by `BENCH_USAGE_FILE`.
 * The kernel keeps the peak, so nothing is sampled and nothing is missed between samples, and
 * nothing runs in the measured process before its exit.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_USAGE_FILE;
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    // maxRSS is in kilobytes; CPU times in microseconds.
    writeFileSync(target, JSON.stringify({ maxRssKb: usage.maxRSS, userCpuUs: usage.userCPUTime, systemCpuUs: usage.systemCPUTime }));
  });
}
