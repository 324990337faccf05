/**
 * Weight of the newest answer in the estimate: about the last ten answers count, so that the estimate
 * follows a service that slows down within a second or two at 20 writes a second, while one slow
 * answer moves it by a tenth of its excess only.
 */
const WEIGHT = 0.1;

/**
 * The latency of a run's writes as the service answers them now: an exponentially weighted moving
 * average of successful writes' round trips (failures and throttling answers come back at other
 * speeds, and say nothing of how long a write takes). Pure: the caller measures.
 */
export class LatencyEstimate {
  #ms: number | undefined;

  /** The estimate, in ms; undefined before the first observation. */
  get ms(): number | undefined {
    return this.#ms;
  }

  observe(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.#ms = this.#ms === undefined ? ms : this.#ms + WEIGHT * (ms - this.#ms);
  }
}
