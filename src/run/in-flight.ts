/**
 * How many requests a run keeps in flight (SPEC §3, "In flight"): by default (`--concurrency auto`)
 * as many as the pace needs at the latency observed, so that the pace, not the sockets, limits the
 * run; `--concurrency N` fixes it.
 */

/** `--concurrency`: `auto`, or a fixed number of HTTP requests in flight. */
export type ConcurrencySetting = 'auto' | number;

/** The most HTTP requests `auto` keeps in flight (SPEC §3). */
export const MAX_AUTO_IN_FLIGHT = 64;

/**
 * The latency assumed until a write has been answered: Graph's slow end (it answers an assignLicense
 * in 0.1 to over 1 s), so that a first guess too low never holds back the first seconds of a run.
 * Too many in flight costs nothing while the pace holds the rate; too few is what this avoids.
 */
export const FIRST_LATENCY_GUESS_MS = 1_000;

/**
 * Requests in flight per request the pace and the mean latency need (Little's law: rate x latency):
 * latencies spread around their mean, and a unit waits for its pace token inside its send slot.
 */
export const HEADROOM = 1.5;

/** Fewest requests `auto` keeps in flight: one slow answer must not stall a slow pace. */
export const MIN_AUTO_IN_FLIGHT = 2;

export interface InFlightInputs {
  /** The write pace, writes per second; `Infinity` when not pacing (`--max-rate off`). */
  readonly rate: number;
  /** The estimate of a write's latency, in ms; undefined before any write was answered. */
  readonly latencyMs: number | undefined;
  /** Requests per `$batch` envelope (1 without batching): the pace counts members, the limit counts envelopes. */
  readonly batchSize: number;
  /** The most requests in flight. */
  readonly cap: number;
}

/**
 * HTTP requests (envelopes, when batching) to keep in flight: the writes the pace lets through
 * during one latency, with headroom, in envelopes of `batchSize`; between {@link MIN_AUTO_IN_FLIGHT}
 * and `cap`. Without a pace (`--max-rate off`) nothing but the cap limits the run: `cap`.
 */
export function requestsInFlight(inputs: InFlightInputs): number {
  const { rate, batchSize, cap } = inputs;
  if (!Number.isFinite(rate)) return cap;
  const latencyMs = inputs.latencyMs ?? FIRST_LATENCY_GUESS_MS;
  const members = rate * (latencyMs / 1000) * HEADROOM;
  return Math.min(cap, Math.max(MIN_AUTO_IN_FLIGHT, Math.ceil(members / batchSize)));
}

/** The most HTTP requests a setting ever keeps in flight: for sockets, and for the run's window. */
export function mostInFlight(setting: ConcurrencySetting): number {
  return setting === 'auto' ? MAX_AUTO_IN_FLIGHT : setting;
}
