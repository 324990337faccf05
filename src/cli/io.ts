import type { Clock } from '../graph/clock.js';

/** The process edges a command uses, passed in so that tests can drive a command in-process. */
export interface CliIO {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on the first Ctrl-C (or SIGTERM). */
  readonly signal?: AbortSignal;
  /**
   * Time for the run's retries, pauses and pacing, so that a test of backoff need not wait real seconds.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * Chance for the run's backoff jitter, in [0, 1).
   * @default Math.random
   */
  readonly random?: () => number;
}
