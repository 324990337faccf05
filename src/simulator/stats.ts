import type { OperationKind } from './routes.js';

/** The simulator's counters: one plain, live object that tests and benchmarks read. */
export interface SimulatorStats {
  /** HTTP requests received under /v1.0 (a `$batch` envelope is 1). */
  requests: number;
  /** By kind; `$batch` members are counted by their own kind too. */
  operations: Record<OperationKind, number>;
  /** User id (or the key as sent, lower-cased, for unknown users) -> assignLicense operations received, failed ones included. */
  assignLicenseByUser: Map<string, number>;
  /** Peak concurrent /v1.0 requests, from arrival to the end of the response. */
  maxInFlight: number;
  /** Peak concurrent operations touching one user (assignLicense, PATCH, GET of that user; `$batch` members count), latency included. */
  maxInFlightPerUser: number;
  /** 429 answers to writes, `$batch` members included. */
  throttled: number;
  /** 429 answers to reads (the read budget, `readBucket`), `$batch` members included. */
  readsThrottled: number;
  /**
   * Requests sent while a Retry-After (of a 429, or a 503 that has one) was in force, by what the
   * client knew: it echoed the stamp of a window still open (see retry-after-watch.ts). A request
   * without the echo counts when it arrived more than `retryAfterGraceMs` into a window.
   */
  requestsDuringRetryAfter: number;
  faults: {
    error503: number;
    dropBeforeApply: number;
    dropAfterApply: number;
    conflict409: number;
    timeoutBeforeApply: number;
    timeoutAfterApply: number;
    latencySpike: number;
  };
}

export function createStats(): SimulatorStats {
  return {
    requests: 0,
    operations: { assignLicense: 0, patchUser: 0, getUser: 0, listUsers: 0, subscribedSkus: 0, batch: 0 },
    assignLicenseByUser: new Map(),
    maxInFlight: 0,
    maxInFlightPerUser: 0,
    throttled: 0,
    readsThrottled: 0,
    requestsDuringRetryAfter: 0,
    faults: { error503: 0, dropBeforeApply: 0, dropAfterApply: 0, conflict409: 0, timeoutBeforeApply: 0, timeoutAfterApply: 0, latencySpike: 0 },
  };
}

/** Counts what is in flight, overall and per user, and keeps the peaks in `stats`. */
export class InFlight {
  readonly #stats: SimulatorStats;
  #requests = 0;
  readonly #byUser = new Map<string, number>();

  constructor(stats: SimulatorStats) {
    this.#stats = stats;
  }

  /** A request arrived; call the returned function once when its response has ended. */
  request(): () => void {
    this.#requests += 1;
    this.#stats.maxInFlight = Math.max(this.#stats.maxInFlight, this.#requests);
    return once(() => {
      this.#requests -= 1;
    });
  }

  /** An operation on `userId` arrived; call the returned function once when its response has ended. */
  user(userId: string): () => void {
    const now = (this.#byUser.get(userId) ?? 0) + 1;
    this.#byUser.set(userId, now);
    this.#stats.maxInFlightPerUser = Math.max(this.#stats.maxInFlightPerUser, now);
    return once(() => {
      const left = this.#byUser.get(userId)! - 1;
      if (left === 0) this.#byUser.delete(userId);
      else this.#byUser.set(userId, left);
    });
  }
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
