import type { Clock } from './clock.js';

export { systemClock, type Clock } from './clock.js';

/**
 * The run-wide pause that a 429 (or a 503 with `Retry-After`) imposes: every request waits here
 * before it is sent, so that none starts until the server's `Retry-After` has passed.
 */
export class PauseGate {
  readonly #clock: Clock;
  #until = 0;
  /** Length of the union of all pause windows announced so far, future part included. */
  #announcedMs = 0;
  #seenStamp = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Holds every request until `epochMs`. A later time extends the pause; an earlier one is
   * ignored, because a shorter `Retry-After` from one response does not lift another's.
   */
  pauseUntil(epochMs: number): void {
    if (!(epochMs > this.#until)) return;
    const from = Math.max(this.#clock.now(), this.#until);
    if (epochMs > from) this.#announcedMs += epochMs - from;
    this.#until = epochMs;
  }

  /** The server's stamp of a `Retry-After` answer (see retry-after-stamp.ts): the highest is kept. */
  noteStamp(stamp: number): void {
    if (stamp > this.#seenStamp) this.#seenStamp = stamp;
  }

  /** The highest `Retry-After` stamp seen so far; 0 before any. */
  get seenStamp(): number {
    return this.#seenStamp;
  }

  get isPaused(): boolean {
    return this.#clock.now() < this.#until;
  }

  /** Epoch milliseconds the current (or last) pause ends at; 0 before any pause. */
  get pausedUntil(): number {
    return this.#until;
  }

  /**
   * Resolves once the pause is over, waiting again if it was extended meanwhile; at once when
   * not paused. Resolves early when `signal` aborts (the caller checks it).
   */
  async wait(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const left = this.#until - this.#clock.now();
      if (left <= 0 || signal?.aborted) return;
      await this.#clock.sleep(left, signal);
    }
  }

  /** Total milliseconds the run has stood paused so far, overlapping pauses counted once. */
  get pausedMs(): number {
    return this.#announcedMs - Math.max(0, this.#until - this.#clock.now());
  }
}
