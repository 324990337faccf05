import { describe, expect, it } from 'vitest';
import { createBatchingTransport } from '../src/graph/batching-transport.js';
import { ABORTED, createGatedTransport } from '../src/graph/gated-transport.js';
import type { Exchange, GraphRequest, GraphTransport } from '../src/graph/graph-client.js';
import { PauseGate } from '../src/graph/pause-gate.js';
import { RETRY_AFTER_SEEN_HEADER } from '../src/graph/retry-after-stamp.js';
import { ManualClock, settle } from './helpers/graph.js';

/** An inner transport that records when each request left (by the manual clock) and holds it until answered. */
function wire(clock: ManualClock) {
  const sent: { at: number; request: GraphRequest; answer: (exchange: Exchange) => void }[] = [];
  const transport: GraphTransport = {
    send: (request) => new Promise<Exchange>((answer) => sent.push({ at: clock.now(), request, answer })),
  };
  return { transport, sent };
}

const assign = (n: number): GraphRequest => ({ method: 'POST', path: `/users/u${n}/assignLicense`, body: {} });
const emptyBatchAnswer = (members: number): Exchange => ({
  kind: 'response',
  status: 200,
  headers: {},
  body: { responses: Array.from({ length: members }, (_, i) => ({ id: String(i + 1), status: 200, body: {} })) },
});

/**
 * Requests that passed the retry loop's gate, then wait inside the batching transport for an
 * envelope slot, while a 429 closes the gate: the envelope they travel in leaves later.
 */
async function queuedBehindAPause(gated: boolean) {
  const clock = new ManualClock();
  const gate = new PauseGate(clock);
  const { transport, sent } = wire(clock);
  const last = gated ? createGatedTransport(transport, gate) : transport;
  const batching = createBatchingTransport(last, { batchSize: 2, maxInFlight: 1 });

  // Both the first envelope (u1, u2) and the two queued members (u3, u4) passed the gate while it was open.
  const answers = [1, 2, 3, 4].map((n) => batching.send(assign(n)));
  await settle();
  expect(sent).toHaveLength(1);
  // Now a 429 elsewhere pauses the run for 5 s, and only then does the first envelope come back.
  gate.pauseUntil(clock.now() + 5_000);
  sent[0]!.answer(emptyBatchAnswer(2));
  await clock.advance(1);
  return { clock, sent, gate, answers };
}

describe('the pause holds as the bytes leave, batched too', () => {
  it('shows the bypass: without the last door, a queued envelope leaves during the Retry-After', async () => {
    const { sent, gate } = await queuedBehindAPause(false);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at).toBeLessThan(gate.pausedUntil);
  });

  it('fixes it: the gated transport holds the envelope until the pause is over', async () => {
    const { clock, sent, gate } = await queuedBehindAPause(true);
    expect(sent).toHaveLength(1);
    await clock.advance(4_998);
    expect(sent).toHaveLength(1);
    await clock.advance(2);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at).toBeGreaterThanOrEqual(gate.pausedUntil);
    expect(sent[1]!.request.path).toBe('/$batch');
  });

  it('carries the highest Retry-After stamp seen when the request left', async () => {
    const clock = new ManualClock();
    const gate = new PauseGate(clock);
    const { transport, sent } = wire(clock);
    const gated = createGatedTransport(transport, gate);
    void gated.send(assign(1));
    await settle();
    gate.noteStamp(7);
    gate.noteStamp(3);
    void gated.send(assign(2));
    await settle();
    expect(sent.map((s) => s.request.headers?.[RETRY_AFTER_SEEN_HEADER])).toEqual(['0', '7']);
  });

  it('sends nothing once the run is interrupted while it holds a request', async () => {
    const clock = new ManualClock();
    const gate = new PauseGate(clock);
    const { transport, sent } = wire(clock);
    const abort = new AbortController();
    const gated = createGatedTransport(transport, gate, abort.signal);
    gate.pauseUntil(clock.now() + 10_000);
    const answer = gated.send(assign(1));
    await settle();
    abort.abort();
    expect(await answer).toMatchObject({ kind: 'network', code: ABORTED });
    await clock.advance(20_000);
    expect(sent).toHaveLength(0);
  });
});
