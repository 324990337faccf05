/**
 * Remembers the `Retry-After` windows the simulator has announced, to tell whether a request arrived
 * while one was in force. A request counts only when it arrived more than `graceMs` after the answer
 * that opened the window: requests already on their way when it was sent are not the client's fault.
 */
export class RetryAfterWatch {
  graceMs: number;
  /** Windows not yet past their grace period, oldest first. */
  #young: { sentAt: number; endsAt: number }[] = [];
  /** The latest end among windows past their grace period. */
  #matureEnd = -Infinity;

  constructor(graceMs: number) {
    this.graceMs = graceMs;
  }

  /** A 429 (or 503 with `Retry-After`) was sent at `sentAt` (ms). Calls come in time order. */
  opened(sentAt: number, retryAfterSeconds: number): void {
    this.#young.push({ sentAt, endsAt: sentAt + retryAfterSeconds * 1000 });
  }

  /** Whether a request arriving at `at` (ms, not earlier than any previous call) arrived during a window. */
  inForce(at: number): boolean {
    let matured = 0;
    while (matured < this.#young.length && this.#young[matured]!.sentAt + this.graceMs < at) {
      this.#matureEnd = Math.max(this.#matureEnd, this.#young[matured]!.endsAt);
      matured += 1;
    }
    if (matured > 0) this.#young.splice(0, matured);
    return at < this.#matureEnd;
  }
}
