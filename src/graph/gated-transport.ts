import type { Exchange, GraphRequest, GraphTransport } from './graph-client.js';
import type { PauseGate } from './pause-gate.js';
import { RETRY_AFTER_SEEN_HEADER } from './retry-after-stamp.js';

/** The code of the exchange a gated transport returns when the run was interrupted while it held a request. */
export const ABORTED = 'ABORTED';

/**
 * The last door before bytes leave (SPEC §3: no request starts while a Retry-After is in force). A
 * request may pass the retry loop's gate and then wait elsewhere (for the pacer, for a place in a
 * `$batch` envelope, for an envelope slot) while a 429 closes the gate: it is held here until the
 * pause is over, and handed on in the same turn of the event loop as the last check, carrying the
 * highest Retry-After stamp seen (see retry-after-stamp.ts). Under `$batch`, this wraps the
 * transport that carries the envelopes, so that the check is made per envelope, as it leaves.
 */
export function createGatedTransport(inner: GraphTransport, gate: PauseGate, signal?: AbortSignal): GraphTransport {
  return {
    async send(request: GraphRequest): Promise<Exchange> {
      while (gate.isPaused) {
        if (signal?.aborted) break;
        await gate.wait(signal);
      }
      if (signal?.aborted) return { kind: 'network', code: ABORTED, message: 'not sent: the run was interrupted' };
      return inner.send({ ...request, headers: { ...request.headers, [RETRY_AFTER_SEEN_HEADER]: String(gate.seenStamp) } });
    },
    ...(inner.renewToken ? { renewToken: () => inner.renewToken!() } : {}),
  };
}
