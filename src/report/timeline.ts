/**
 * The run's traffic over time, for the report's chart, in bounded memory: the run's counters are
 * sampled as it goes and their increments summed into buckets of equal length; when a run outlasts
 * {@link TimelineOptions.maxBuckets} buckets, neighbouring buckets are merged in pairs and the
 * length doubles. A run of a minute and one of a day both keep at most `maxBuckets`. Pure: the
 * caller brings the time.
 */

/** The run's counters at one moment, as they only grow (see RunStats). */
export interface TrafficCounters {
  readonly writes: number;
  readonly throttled: number;
  readonly pausedMs: number;
}

/** What happened within one bucket: writes sent, 429 answers, milliseconds paused by Retry-After. */
export interface TrafficBucket {
  writes: number;
  throttled: number;
  pausedMs: number;
}

export interface TimelineOptions {
  /** @default 100 */
  readonly bucketMs?: number;
  /** @default 300 */
  readonly maxBuckets?: number;
}

/** Traffic per bucket from `startedAt` on; the last bucket may be partly elapsed. */
export interface TimelineView {
  readonly startedAt: number;
  readonly bucketMs: number;
  /** Milliseconds from `startedAt` to the last sample. */
  readonly spanMs: number;
  readonly buckets: readonly TrafficBucket[];
}

export class Timeline {
  readonly #startedAt: number;
  readonly #maxBuckets: number;
  #bucketMs: number;
  #buckets: TrafficBucket[] = [];
  #last: TrafficCounters = { writes: 0, throttled: 0, pausedMs: 0 };
  #lastAt: number;

  constructor(startedAt: number, options: TimelineOptions = {}) {
    this.#startedAt = startedAt;
    this.#lastAt = startedAt;
    this.#bucketMs = options.bucketMs ?? 100;
    this.#maxBuckets = Math.max(2, options.maxBuckets ?? 300);
  }

  /** Adds what the counters grew by since the last sample to the bucket of `now`. */
  record(now: number, counters: TrafficCounters): void {
    // A clock that went back (a fake one, or a stepped system clock) files the sample under the last time seen.
    const at = Math.max(now, this.#lastAt);
    let index = Math.floor((at - this.#startedAt) / this.#bucketMs);
    while (index >= this.#maxBuckets) {
      this.#halve();
      index = Math.floor((at - this.#startedAt) / this.#bucketMs);
    }
    while (this.#buckets.length <= index) this.#buckets.push({ writes: 0, throttled: 0, pausedMs: 0 });
    const bucket = this.#buckets[index]!;
    bucket.writes += Math.max(0, counters.writes - this.#last.writes);
    bucket.throttled += Math.max(0, counters.throttled - this.#last.throttled);
    bucket.pausedMs += Math.max(0, counters.pausedMs - this.#last.pausedMs);
    this.#last = { writes: counters.writes, throttled: counters.throttled, pausedMs: counters.pausedMs };
    this.#lastAt = at;
  }

  view(): TimelineView {
    return {
      startedAt: this.#startedAt,
      bucketMs: this.#bucketMs,
      spanMs: this.#lastAt - this.#startedAt,
      buckets: this.#buckets.map((b) => ({ ...b })),
    };
  }

  /** Merges neighbouring buckets: half as many, twice as long. */
  #halve(): void {
    const merged: TrafficBucket[] = [];
    for (let i = 0; i < this.#buckets.length; i += 2) {
      const a = this.#buckets[i]!;
      const b = this.#buckets[i + 1];
      merged.push(b ? { writes: a.writes + b.writes, throttled: a.throttled + b.throttled, pausedMs: a.pausedMs + b.pausedMs } : { ...a });
    }
    this.#buckets = merged;
    this.#bucketMs *= 2;
  }
}

/**
 * The view regrouped into at most `maxBars` buckets (whole multiples of the bucket length), and
 * none shorter than `minBarMs` unless the whole run is shorter: what a chart can draw legibly.
 */
export function regroup(view: TimelineView, maxBars: number, minBarMs = 0): TimelineView {
  const n = view.buckets.length;
  let factor = Math.max(1, Math.ceil(n / maxBars));
  // A run of a second or two is one bar: rates over a tenth of a second are noise.
  const wanted = view.spanMs < 2 * minBarMs ? view.spanMs : Math.min(minBarMs, view.spanMs / 10);
  while (view.bucketMs * factor < wanted) factor++;
  if (factor === 1) return view;
  const buckets: TrafficBucket[] = [];
  for (let i = 0; i < n; i += factor) {
    const sum: TrafficBucket = { writes: 0, throttled: 0, pausedMs: 0 };
    for (const b of view.buckets.slice(i, i + factor)) {
      sum.writes += b.writes;
      sum.throttled += b.throttled;
      sum.pausedMs += b.pausedMs;
    }
    buckets.push(sum);
  }
  return { ...view, bucketMs: view.bucketMs * factor, buckets };
}
