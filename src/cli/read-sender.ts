import type { GraphRequest, GraphTransport } from '../graph/graph-client.js';
import { PauseGate, systemClock } from '../graph/pause-gate.js';
import { sendWithRetry, type SendResult } from '../graph/send-with-retry.js';

/** Retries per read, as for a run's requests (SPEC §3). */
const MAX_RETRIES = 6;

/**
 * How the read-only commands (`skus`, `export`) send: the run's retry policy and Retry-After
 * pause, without write pacing.
 */
export function readSender(transport: GraphTransport, signal?: AbortSignal): (request: GraphRequest) => Promise<SendResult> {
  const gate = new PauseGate(systemClock);
  return (request) => sendWithRetry(request, { transport, gate, maxRetries: MAX_RETRIES, clock: systemClock, random: Math.random, ...(signal ? { signal } : {}) });
}
