/**
 * Remembers the `Retry-After` windows the simulator has announced, to count requests sent while one
 * was in force, exactly. Each window has a stamp (1, 2, ...) that its answer carries
 * (`x-simulator-retry-after-id`); a client that echoes the highest stamp it has seen
 * (`x-license-batch-retry-after-seen`) is judged on what it knew: its request violates a window only
 * if it had seen that window's stamp and the window was still open when the request arrived. The
 * client's own pause starts when it receives the answer, later than the window here, so a client
 * that obeys never violates, however loaded the machine. A request without the echo (another
 * client) falls back to a guess: it counts when it arrived more than `graceMs` after a window opened
 * and before it ended.
 */
export class RetryAfterWatch {
  graceMs: number;
  #lastStamp = 0;
  /** Windows not yet over at the latest arrival, oldest first. */
  #open: { stamp: number; sentAt: number; endsAt: number }[] = [];

  constructor(graceMs: number) {
    this.graceMs = graceMs;
  }

  /** The stamp for the next `Retry-After` answer, to put in its headers before it is sent. */
  nextStamp(): number {
    return ++this.#lastStamp;
  }

  /** The answer stamped `stamp` (a 429, or a 503 with `Retry-After`) was sent at `sentAt` (ms). */
  opened(stamp: number, sentAt: number, retryAfterSeconds: number): void {
    this.#open.push({ stamp, sentAt, endsAt: sentAt + retryAfterSeconds * 1000 });
  }

  /**
   * Whether a request arriving at `at` (ms, not earlier than any previous call) was sent during a
   * window: `seen` is the stamp it echoes, `undefined` when it echoes none.
   */
  violated(at: number, seen: number | undefined): boolean {
    this.#open = this.#open.filter((window) => window.endsAt > at);
    if (seen === undefined) return this.#open.some((window) => window.sentAt + this.graceMs < at);
    return this.#open.some((window) => window.stamp <= seen);
  }
}
