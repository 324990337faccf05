import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/plain-summary-reporter.ts'],
    // The end-to-end tests mostly wait (latency, Retry-After, pacing): on 2 cores the suite used a
    // fifth of one core with the default workers. Four files at once take 83 s instead of 287 s.
    maxWorkers: 4,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
