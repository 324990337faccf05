/** A clock in milliseconds; injected so that tests can move time by hand. */
export type Clock = () => number;

export interface BucketSettings {
  /** Most tokens the bucket holds; it starts full. */
  readonly capacity: number;
  /** Tokens added per second, continuously. */
  readonly refillPerSecond: number;
}

/** The answer for one write: go ahead, or come back after a whole number of seconds (at least 1). */
export type TakeResult =
  | { readonly ok: true; readonly usedShare: number }
  | { readonly ok: false; readonly retryAfterSeconds: number; readonly usedShare: number };

/**
 * The write quota: a token bucket that refills continuously, as Graph's per-app write limits behave
 * from the outside. `usedShare` (0..1) is what `x-ms-throttle-limit-percentage` reports.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: Clock;
  #tokens: number;
  #updatedAt: number;

  constructor(settings: BucketSettings, now: Clock = () => performance.now()) {
    this.#capacity = settings.capacity;
    this.#perMs = settings.refillPerSecond / 1000;
    this.#now = now;
    this.#tokens = settings.capacity;
    this.#updatedAt = now();
  }

  /** Takes `cost` tokens (1 for a write; a read's resource units), or says when they will be there. */
  take(cost = 1): TakeResult {
    this.#refill();
    if (this.#tokens >= cost) {
      this.#tokens -= cost;
      return { ok: true, usedShare: this.#usedShare() };
    }
    // Whole seconds, rounded up, because Retry-After carries an integer and a client that obeys
    // it exactly must find its tokens waiting.
    const waitMs = (Math.min(cost, this.#capacity) - this.#tokens) / this.#perMs;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), usedShare: this.#usedShare() };
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) * this.#perMs);
    this.#updatedAt = now;
  }

  #usedShare(): number {
    return 1 - this.#tokens / this.#capacity;
  }
}
