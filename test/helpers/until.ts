import { setTimeout as tick } from 'node:timers/promises';

/**
 * Waits for a condition the test cannot be told about directly (another process's progress, seen in
 * the simulator's counters), polling every 10 ms; fails naming `what` after `timeoutMs`.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(10);
  }
}
