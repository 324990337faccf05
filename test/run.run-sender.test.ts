import { describe, expect, it } from 'vitest';
import type { Exchange, GraphRequest, GraphTransport } from '../src/graph/graph-client.js';
import { PUBLISHED_READ_RATE } from '../src/graph/pace.js';
import { RunSender } from '../src/run/run-sender.js';
import { createRunStats } from '../src/run/run-stats.js';
import { InstantClock } from './helpers/graph.js';

const WRITE: GraphRequest = { method: 'POST', path: '/users/u1/assignLicense', body: {} };
const READ: GraphRequest = { method: 'GET', path: '/users?$filter=id in (...)' };

const accepted: Exchange = { kind: 'response', status: 200, headers: {}, body: {} };
const throttled = (seconds: number): Exchange => ({ kind: 'response', status: 429, headers: { 'retry-after': String(seconds) }, body: {}, errorCode: 'TooManyRequests' });

/** A transport that answers the n-th request with `answer(n)` (0-based), and records when each was sent. */
function scripted(clock: InstantClock, answer: (n: number, request: GraphRequest) => Exchange) {
  const sentAt: number[] = [];
  const transport: GraphTransport = {
    async send(request) {
      sentAt.push(clock.now());
      return answer(sentAt.length - 1, request);
    },
  };
  return { transport, sentAt };
}

function sender(clock: InstantClock, transport: GraphTransport, maxRetries: number) {
  return new RunSender({ transport, clock, random: () => 0.5, stats: createRunStats(clock.now()), maxRetries, maxRate: undefined, batchSize: 1, concurrency: 1 });
}

describe('RunSender: a 429 is "later", not "no"', () => {
  it('a request throttled 50 times in a row is still sent until accepted, with --max-retries 2', async () => {
    const clock = new InstantClock();
    const { transport, sentAt } = scripted(clock, (n) => (n < 50 ? throttled(2) : accepted));
    const run = sender(clock, transport, 2);
    const result = await run.send(WRITE, 'assignLicense');
    expect(result.final).toMatchObject({ status: 200 });
    expect(result.attempts).toBe(51);
    expect(run.stopError).toBeUndefined();
    // Each retry waited out its Retry-After.
    for (let i = 1; i < sentAt.length; i++) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(2_000);
  });

  it('other failures still use up the retries', async () => {
    const clock = new InstantClock();
    const { transport, sentAt } = scripted(clock, () => ({ kind: 'response', status: 503, headers: {}, body: {} }));
    const result = await sender(clock, transport, 2).send(WRITE, 'assignLicense');
    expect(result.final).toMatchObject({ status: 503 });
    expect(sentAt).toHaveLength(3);
  });

  it('stops the run, saying why, after 10 minutes with no request accepted', async () => {
    const clock = new InstantClock();
    const { transport, sentAt } = scripted(clock, () => throttled(60));
    const run = sender(clock, transport, 6);
    const result = await run.send(WRITE, 'assignLicense');
    expect(result.final).toMatchObject({ status: 429 });
    expect(run.signal.aborted).toBe(true);
    expect(run.stopError).toMatchObject({ exitCode: 2 });
    expect(run.stopError!.message).toMatch(/429.*10 minutes.*accepted none/);
    expect(run.unsentReason()).toMatch(/^not sent: the run stopped/);
    // Eleven tries a minute apart: the 11th, at 10 minutes, is the last.
    expect(sentAt).toHaveLength(11);
    expect(sentAt.at(-1)! - sentAt[0]!).toBe(600_000);
  });
});

describe('RunSender: reads on a budget of their own', () => {
  it('a throttled read pauses the run but does not slow the writes', async () => {
    const clock = new InstantClock();
    // Reads of users travel as $batch members: the first envelope's member is throttled.
    const member = (exchange: Exchange) => ({ id: '1', status: exchange.kind === 'response' ? exchange.status : 0, headers: exchange.kind === 'response' ? exchange.headers : {}, body: {} });
    const { transport } = scripted(clock, (n) => ({ kind: 'response', status: 200, headers: {}, body: { responses: [member(n === 0 ? throttled(1) : accepted)] } }));
    const run = sender(clock, transport, 6);
    expect(run.rates.writes).toBe(20);
    const read = await run.send(READ, 'read');
    expect(read.attempts).toBe(2);
    expect(run.rates.writes).toBe(20);
    expect(run.rates.reads).toBeLessThan(PUBLISHED_READ_RATE);
  });
});

describe('RunSender: $batch', () => {
  it('carries requests as $batch members, but sends a request that is an envelope already as it is', async () => {
    const clock = new InstantClock();
    const paths: string[] = [];
    const memberUrls: string[][] = [];
    const transport: GraphTransport = {
      async send(request) {
        paths.push(request.path);
        memberUrls.push(((request.body as { requests?: { url: string }[] } | undefined)?.requests ?? []).map((m) => m.url));
        const members = (request.body as { requests?: { id: string }[] } | undefined)?.requests ?? [];
        return { kind: 'response', status: 200, headers: {}, body: { responses: members.map((m) => ({ id: m.id, status: 200, body: {} })) } };
      },
    };
    const run = new RunSender({ transport, clock, random: () => 0.5, stats: createRunStats(clock.now()), maxRetries: 6, maxRate: 'off', batchSize: 20, concurrency: 1 });
    await Promise.all([run.send(WRITE, 'assignLicense'), run.send({ ...WRITE, path: '/users/u2/assignLicense' }, 'assignLicense')]);
    const envelope: GraphRequest = { method: 'POST', path: '/$batch', body: { requests: [{ id: '1', method: 'GET', url: '/users/u1' }] } };
    const read = await run.send(envelope, 'read');
    expect(read.final).toMatchObject({ status: 200 });
    expect(paths).toEqual(['/$batch', '/$batch']);
    expect(memberUrls).toEqual([['/users/u1/assignLicense', '/users/u2/assignLicense'], ['/users/u1']]);
  });
});

describe('RunSender: requests in flight under --concurrency auto', () => {
  /** A transport whose every answer takes `latencyMs` of the clock, reads and writes alike. */
  function slow(clock: InstantClock, latencyMs: (request: GraphRequest) => number, status = 200): GraphTransport {
    return {
      async send(request) {
        await clock.sleep(latencyMs(request));
        return { ...accepted, status };
      },
    };
  }
  const autoSender = (clock: InstantClock, transport: GraphTransport, options: { maxRate?: number | 'off'; batchSize?: number } = {}) =>
    new RunSender({ transport, clock, random: () => 0.5, stats: createRunStats(clock.now()), maxRetries: 2, maxRate: options.maxRate, batchSize: options.batchSize ?? 1, concurrency: 'auto' });

  it.each([
    { name: 'before any answer: 1 s assumed at the published 20/s', latencyMs: undefined, want: 32 },
    { name: 'writes answered in 600 ms', latencyMs: 600, want: 20 },
    { name: 'writes answered in 200 ms', latencyMs: 200, want: 8 },
  ])('sizes by the write latency it measures: $name -> $want', async ({ latencyMs, want }) => {
    const clock = new InstantClock();
    // Reads take 5 s here: they must not count.
    const run = autoSender(clock, slow(clock, (request) => (request.method === 'GET' ? 5_000 : (latencyMs ?? 0))));
    if (latencyMs !== undefined) for (let i = 0; i < 5; i++) await run.send(WRITE, 'assignLicense');
    await run.send(READ, 'skus');
    expect(run.requestsInFlight).toBe(want);
    expect(run.sendSlots.concurrency).toBe(want);
  });

  it('does not learn a latency from failed writes', async () => {
    const clock = new InstantClock();
    const run = autoSender(clock, slow(clock, () => 100, 400));
    await run.send(WRITE, 'assignLicense');
    expect(run.requestsInFlight).toBe(32);
  });

  it('counts members under $batch: as many envelopes as members, since paced members leave one by one', async () => {
    const clock = new InstantClock();
    const run = autoSender(clock, slow(clock, () => 1_500), { batchSize: 20 });
    await run.send(WRITE, 'assignLicense');
    expect([run.requestsInFlight, run.sendSlots.concurrency]).toEqual([47, 47]);
  });

  it('keeps 64 in flight with --max-rate off: no pace to size by', async () => {
    const clock = new InstantClock();
    const run = autoSender(clock, slow(clock, () => 200), { maxRate: 'off' });
    await run.send(WRITE, 'assignLicense');
    expect(run.requestsInFlight).toBe(64);
  });
});
