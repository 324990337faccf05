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
 * Headroom over what Little's law asks (the pace's rate x the time a unit holds its slot):
 * latencies spread around their mean.
 */
export const HEADROOM = 1.5;

/** Fewest requests `auto` keeps in flight: one slow answer must not stall a slow pace. */
export const MIN_AUTO_IN_FLIGHT = 2;

export interface InFlightInputs {
  /** The write pace, writes per second; `Infinity` when not pacing (`--max-rate off`). */
  readonly rate: number;
  /** The estimate of a write's latency, in ms; undefined before any write was answered. */
  readonly latencyMs: number | undefined;
  /** Requests per `$batch` envelope (1 without batching). */
  readonly batchSize: number;
  /** The most HTTP requests in flight. */
  readonly cap: number;
}

export interface InFlight {
  /** HTTP requests (envelopes, when batching) in flight at the most. */
  readonly requests: number;
  /** Writes (units; `$batch` members) sending at once at the most: the send slots. */
  readonly members: number;
}

/**
 * How much to keep in flight so that the pace, not the sockets, limits the run. A unit holds its
 * send slot while it waits for its pace token (one interval of the pace at the most, in turn) and
 * while its request is on the wire, so the pace needs rate x (latency + 1 / rate) writes sending at
 * once, with {@link HEADROOM}; that many members, from {@link MIN_AUTO_IN_FLIGHT} up to `cap`
 * envelopes' worth. Envelopes are counted like members up to `cap`: under a pace, members leave
 * spaced out and an envelope may carry one, and holding envelopes back to pack them fuller would
 * send the members in bursts that a spent bucket answers with 429s. Without a pace
 * (`--max-rate off`) nothing but the cap limits the run: `cap` envelopes, full.
 */
export function inFlightFor(inputs: InFlightInputs): InFlight {
  const { rate, batchSize, cap } = inputs;
  if (!Number.isFinite(rate)) return { requests: cap, members: cap * batchSize };
  const latencyMs = inputs.latencyMs ?? FIRST_LATENCY_GUESS_MS;
  const needed = Math.ceil((rate * (latencyMs / 1000) + 1) * HEADROOM);
  const members = Math.min(cap * batchSize, Math.max(MIN_AUTO_IN_FLIGHT, needed));
  return { requests: Math.min(cap, members), members };
}
/** The most HTTP requests a setting ever keeps in flight: for sockets, and for the run's window. */
export function mostInFlight(setting: ConcurrencySetting): number {
  return setting === 'auto' ? MAX_AUTO_IN_FLIGHT : setting;
}
