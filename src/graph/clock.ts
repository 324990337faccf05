/**
 * Time, injected: the retry loop, the pause gate and the pacer read the time and wait through a
 * `Clock`, so that tests can drive them with a fake one and never really sleep.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds, or early (never rejecting) once `signal` aborts, so that an
   * interrupted run does not sit out a long Retry-After. Callers recheck the signal.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and timers that are cleared on abort, so none outlives the run. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    }),
};
