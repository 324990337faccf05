import PQueue from 'p-queue';
import { describe, expect, it, vi } from 'vitest';
import type { Exchange, GraphRequest, GraphTransport } from '../src/graph/graph-client.js';
import { createBatchingTransport } from '../src/graph/batching-transport.js';

interface Envelope {
  members: { id: string; url: string }[];
  answer: (exchange: Exchange) => void;
}

/** An inner transport that holds every envelope until the test answers it. */
function heldTransport() {
  const envelopes: Envelope[] = [];
  const transport: GraphTransport = {
    send: (request: GraphRequest) =>
      new Promise<Exchange>((answer) => {
        expect(request).toMatchObject({ method: 'POST', path: '/$batch' });
        envelopes.push({ members: (request.body as { requests: { id: string; url: string }[] }).requests, answer });
      }),
  };
  return { transport, envelopes };
}

function ok(members: { id: string }[], status = (_id: number) => 200): Exchange {
  return {
    kind: 'response',
    status: 200,
    headers: {},
    body: { responses: [...members].reverse().map((m) => ({ id: m.id, status: status(Number(m.id)), headers: { 'retry-after': '2' }, body: { n: m.id } })) },
  };
}

const get = (n: number): GraphRequest => ({ method: 'GET', path: `/users/u${n}` });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('batching transport', () => {
  it('carries requests of one turn as members of envelopes of at most batchSize, answering each caller its own member', async () => {
    const { transport, envelopes } = heldTransport();
    const batching = createBatchingTransport(transport, { batchSize: 3, maxInFlight: 4 });
    const answers = [1, 2, 3, 4, 5].map((n) => batching.send(get(n)));
    await settle();
    expect(envelopes.map((e) => e.members.map((m) => m.url))).toEqual([['/users/u1', '/users/u2', '/users/u3'], ['/users/u4', '/users/u5']]);
    for (const e of envelopes) e.answer(ok(e.members, (i) => (i === 2 ? 429 : 200)));
    const exchanges = await Promise.all(answers);
    expect(exchanges.map((e) => (e.kind === 'response' ? [e.status, (e.body as { n: string }).n] : e.code))).toEqual([
      [200, '1'],
      [429, '2'],
      [200, '3'],
      [200, '1'],
      [429, '2'],
    ]);
    expect(exchanges[1]).toMatchObject({ headers: { 'retry-after': '2' } });
  });

  it('follows a queue whose concurrency its owner changes while requests wait (--concurrency auto)', async () => {
    const { transport, envelopes } = heldTransport();
    const queue = new PQueue({ concurrency: 1 });
    const batching = createBatchingTransport(transport, { batchSize: 2, maxInFlight: queue });
    const answers = [1, 2, 3, 4, 5, 6].map((n) => batching.send(get(n)));
    await settle();
    expect(envelopes).toHaveLength(1);
    queue.concurrency = 3;
    envelopes[0]!.answer(ok(envelopes[0]!.members));
    await settle();
    expect(envelopes.slice(1).map((e) => e.members.map((m) => m.url))).toEqual([['/users/u3', '/users/u4'], ['/users/u5', '/users/u6']]);
    for (const e of envelopes.slice(1)) e.answer(ok(e.members));
    expect(await Promise.all(answers)).toHaveLength(6);
  });

  it('keeps at most maxInFlight envelopes on the wire and sends the rest as they return', async () => {
    const { transport, envelopes } = heldTransport();
    const batching = createBatchingTransport(transport, { batchSize: 2, maxInFlight: 1 });
    const answers = [1, 2, 3].map((n) => batching.send(get(n)));
    await settle();
    expect(envelopes).toHaveLength(1);
    envelopes[0]!.answer(ok(envelopes[0]!.members));
    await settle();
    expect(envelopes).toHaveLength(2);
    expect(envelopes[1]!.members.map((m) => m.url)).toEqual(['/users/u3']);
    envelopes[1]!.answer(ok(envelopes[1]!.members));
    expect(await Promise.all(answers)).toHaveLength(3);
  });

  it.each([
    { name: 'no answer', envelope: { kind: 'network', code: 'ECONNRESET', message: 'socket hang up' } as Exchange },
    { name: 'a throttled envelope', envelope: { kind: 'response', status: 429, headers: { 'retry-after': '5' }, body: undefined } as Exchange },
  ])('gives every member the envelope\'s answer when the envelope fails ($name)', async ({ envelope }) => {
    const { transport, envelopes } = heldTransport();
    const batching = createBatchingTransport(transport, { batchSize: 20, maxInFlight: 2 });
    const answers = [1, 2].map((n) => batching.send(get(n)));
    await settle();
    envelopes[0]!.answer(envelope);
    expect(await Promise.all(answers)).toEqual([envelope, envelope]);
  });

  it('refuses a batch size Graph does not allow', () => {
    const { transport } = heldTransport();
    expect(() => createBatchingTransport(transport, { batchSize: 21, maxInFlight: 1 })).toThrow(/from 2 to 20, got 21/);
  });
});

describe('batching transport with a linger', () => {
  it('lets requests a few milliseconds apart share an envelope, and sends a full one at once', async () => {
    vi.useFakeTimers();
    try {
      const { transport, envelopes } = heldTransport();
      const batching = createBatchingTransport(transport, { batchSize: 3, maxInFlight: 4, lingerMs: 50 });
      void batching.send(get(1));
      await vi.advanceTimersByTimeAsync(20);
      void batching.send(get(2));
      await vi.advanceTimersByTimeAsync(20);
      expect(envelopes).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(10);
      expect(envelopes.map((e) => e.members.map((m) => m.url))).toEqual([['/users/u1', '/users/u2']]);
      for (const n of [3, 4, 5]) void batching.send(get(n));
      expect(envelopes).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
