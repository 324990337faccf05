import type { GraphRequest, GraphTransport } from '../graph/graph-client.js';
import { PauseGate, systemClock } from '../graph/pause-gate.js';
import { sendWithRetry, type SendResult } from '../graph/send-with-retry.js';
import type { CliIO } from './io.js';

/** Retries per read, as for a run's requests (SPEC §3). */
const MAX_RETRIES = 6;

/**
 * How the read-only commands (`skus`, `export`) send: the run's retry policy and Retry-After
 * pause, without write pacing, on the CLI's clock and chance (the system's unless a test gives its own).
 */
export function readSender(transport: GraphTransport, io: Pick<CliIO, 'signal' | 'clock' | 'random'>): (request: GraphRequest) => Promise<SendResult> {
  const clock = io.clock ?? systemClock;
  const gate = new PauseGate(clock);
  const { signal } = io;
  return (request) => sendWithRetry(request, { transport, gate, maxRetries: MAX_RETRIES, clock, random: io.random ?? Math.random, ...(signal ? { signal } : {}) });
}
