import { afterEach, describe, expect, it } from 'vitest';
import { createGraphClient, type Exchange, type GraphRequest, type GraphTransport } from '../src/graph/graph-client.js';
import { Pace } from '../src/graph/pace.js';
import { PauseGate, systemClock, type Clock } from '../src/graph/pause-gate.js';
import { ABORTED, sendWithRetry, type SendContext } from '../src/graph/send-with-retry.js';
import { staticTokenProvider, type TokenProvider } from '../src/graph/token-provider.js';
import { graphError, InstantClock, ManualClock, reply, startServer, type Script, type TestServer } from './helpers/graph.js';

const ASSIGN: GraphRequest = { method: 'POST', path: '/users/a%40x.com/assignLicense', body: { addLicenses: [], removeLicenses: [] } };
const READ: GraphRequest = { method: 'GET', path: '/users/a%40x.com?$select=id,assignedLicenses' };

let server: TestServer | undefined;
let client: (GraphTransport & { close(): void }) | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

/** A real server answering by `script`, a real client, and a context on `clock` with the jitter pinned at one half. */
async function setup(script: Script, options: { clock?: Clock; tokens?: TokenProvider; pace?: boolean; maxRetries?: number } = {}) {
  server = await startServer(script);
  client = createGraphClient({ root: `${server.url}/v1.0`, tokens: options.tokens ?? staticTokenProvider('token-1') });
  const clock = options.clock ?? new InstantClock();
  const exchanges: Exchange[] = [];
  const renewedFlags: boolean[] = [];
  const ctx: SendContext = {
    transport: client,
    gate: new PauseGate(clock),
    ...(options.pace ? { pace: new Pace({ clock }) } : {}),
    maxRetries: options.maxRetries ?? 6,
    clock,
    random: () => 0.5,
    onExchange: (exchange, { tokenRenewed }) => {
      exchanges.push(exchange);
      renewedFlags.push(tokenRenewed);
    },
  };
  return { server, client, ctx, exchanges, renewedFlags };
}

/** Answers the n-th request with the n-th step (the last one repeating). */
function steps(...answers: Script[]): Script {
  return (hit, res, index) => answers[Math.min(index, answers.length - 1)]!(hit, res, index);
}

const ok: Script = (_hit, res) => reply(res, 200, {}, { 'request-id': 'ok-id' });
const unavailable: Script = (_hit, res) => reply(res, 503, graphError('serviceNotAvailable', 'Service unavailable'));
const dropConnection: Script = (_hit, res) => res.socket?.destroy();

describe('sendWithRetry over a real server', () => {
  it('obeys a 429 Retry-After by pausing the whole run, then succeeds', async () => {
    const clock = new InstantClock();
    const arrivals: number[] = [];
    const { ctx, exchanges } = await setup(
      steps(
        (_hit, res) => {
          arrivals.push(clock.now());
          reply(res, 429, graphError('TooManyRequests', 'Too many requests'), { 'Retry-After': '1' });
        },
        (_hit, res) => {
          arrivals.push(clock.now());
          reply(res, 200, {}, { 'request-id': 'ok-id' });
        },
      ),
      { clock, pace: true },
    );
    const result = await sendWithRetry(ASSIGN, ctx);

    expect(result).toMatchObject({ attempts: 2, lostResponse: false, interrupted: false, final: { kind: 'response', status: 200, requestId: 'ok-id' } });
    expect(exchanges.map((e) => (e.kind === 'response' ? e.status : e.code))).toEqual([429, 200]);
    expect(ctx.gate.pausedUntil).toBe(arrivals[0]! + 1000);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(1000);
    expect(ctx.gate.pausedMs).toBe(1000);
    expect(ctx.pace!.rate).toBeLessThan(20); // halved by the 429, barely raised by one success
  });

  it('retries 503s with jittered exponential backoff for this request only', async () => {
    const clock = new InstantClock();
    const { server, ctx } = await setup(steps(unavailable, unavailable, ok), { clock });
    const result = await sendWithRetry(ASSIGN, ctx);

    expect(result).toMatchObject({ attempts: 3, final: { status: 200 } });
    expect(clock.sleeps).toEqual([500, 1000]); // random() = 0.5 of 1 s, then of 2 s
    expect(ctx.gate.pausedMs).toBe(0);
    expect(server.hits).toHaveLength(3);
  });

  it('pauses everyone for a 503 that carries a Retry-After', async () => {
    const clock = new InstantClock();
    const { ctx } = await setup(steps((_hit, res) => reply(res, 503, '', { 'Retry-After': '2' }), ok), { clock });
    const start = clock.now();
    const result = await sendWithRetry(READ, ctx);
    expect(result).toMatchObject({ attempts: 2, final: { status: 200 } });
    expect(ctx.gate.pausedUntil).toBe(start + 2000);
    expect(clock.sleeps).toEqual([2000]);
  });

  it('retries a dropped connection and reports that the response was lost', async () => {
    const { server, ctx, exchanges } = await setup(steps(dropConnection, ok));
    const result = await sendWithRetry(ASSIGN, ctx);
    expect(result).toMatchObject({ attempts: 2, lostResponse: true, final: { status: 200 } });
    expect(exchanges[0]).toMatchObject({ kind: 'network', code: 'ECONNRESET' });
    expect(server.hits).toHaveLength(2);
  });

  it('returns the last network failure once retries are spent', async () => {
    const { server, ctx } = await setup(dropConnection, { maxRetries: 2 });
    const result = await sendWithRetry(ASSIGN, ctx);
    expect(result).toMatchObject({ attempts: 3, lostResponse: true, final: { kind: 'network', code: 'ECONNRESET' } });
    expect(server.hits).toHaveLength(3);
  });

  it('takes a 400 as final', async () => {
    const clock = new InstantClock();
    const { server, ctx } = await setup((_hit, res) => reply(res, 400, graphError('Request_BadRequest', 'Invalid usage location.')), { clock });
    const result = await sendWithRetry(ASSIGN, ctx);
    expect(result).toMatchObject({ attempts: 1, lostResponse: false, final: { status: 400, errorCode: 'Request_BadRequest', errorMessage: 'Invalid usage location.' } });
    expect(clock.sleeps).toEqual([]);
    expect(server.hits).toHaveLength(1);
  });

  it('gives up after maxRetries retries', async () => {
    const { server, ctx } = await setup(unavailable, { maxRetries: 2 });
    const result = await sendWithRetry(READ, ctx);
    expect(result).toMatchObject({ attempts: 3, final: { status: 503, errorCode: 'serviceNotAvailable' } });
    expect(server.hits).toHaveLength(3);
  });

  it('retries Directory_ConcurrencyViolation whatever its status', async () => {
    const { ctx } = await setup(steps((_hit, res) => reply(res, 400, graphError('Directory_ConcurrencyViolation', 'Another update is in progress.')), ok));
    expect(await sendWithRetry(ASSIGN, ctx)).toMatchObject({ attempts: 2, final: { status: 200 } });
  });

  it('after a 401, renews the token once and retries, without spending a retry', async () => {
    let token = 'expired';
    let renewals = 0;
    const tokens: TokenProvider = { getToken: async () => token, renew: async () => (renewals++, (token = 'fresh')) };
    const { server, ctx, renewedFlags } = await setup(
      (hit, res, index) =>
        hit.headers.authorization !== 'Bearer fresh'
          ? reply(res, 401, graphError('InvalidAuthenticationToken', 'Access token has expired.'))
          : index === 1
            ? unavailable(hit, res, index)
            : ok(hit, res, index),
      { tokens, maxRetries: 1 },
    );
    const result = await sendWithRetry(ASSIGN, ctx);
    expect(result).toMatchObject({ attempts: 3, final: { status: 200 } });
    expect(renewals).toBe(1);
    expect(server.hits.map((h) => h.headers.authorization)).toEqual(['Bearer expired', 'Bearer fresh', 'Bearer fresh']);
    // The run's auth watch must not take the renewed 401 for a run that cannot authenticate.
    expect(renewedFlags).toEqual([true, false, false]);
  });

  it('renews only once: a 401 that persists is final', async () => {
    let renewals = 0;
    const tokens: TokenProvider = { getToken: async () => 'bad', renew: async () => (renewals++, 'still-bad') };
    const { ctx, renewedFlags } = await setup((_hit, res) => reply(res, 401, graphError('InvalidAuthenticationToken', 'Bad token.')), { tokens });
    expect(await sendWithRetry(READ, ctx)).toMatchObject({ attempts: 2, final: { status: 401 } });
    expect(renewals).toBe(1);
    expect(renewedFlags).toEqual([true, false]);
  });

  it('a 401 with a token that cannot be renewed is final at once', async () => {
    const { ctx } = await setup((_hit, res) => reply(res, 401, graphError('InvalidAuthenticationToken', 'Bad token.')));
    expect(await sendWithRetry(READ, ctx)).toMatchObject({ attempts: 1, final: { status: 401 } });
  });

  it('paces writes, and learns the accepted rate from x-ms-throttle-limit-percentage near 1', async () => {
    const clock = new InstantClock();
    const quiet: Script = (_hit, res) => reply(res, 204, undefined);
    const near: Script = (_hit, res) => reply(res, 204, undefined, { 'x-ms-throttle-limit-percentage': '0.97' });
    const { ctx } = await setup(steps(quiet, quiet, quiet, quiet, quiet, near), { clock, pace: true });
    // A quarter second of the published 20/s goes at once; the answer of the sixth says the quota is reached.
    for (let i = 0; i < 6; i++) await sendWithRetry(ASSIGN, ctx);
    expect(clock.sleeps).toEqual([50]);
    // Six writes accepted in the first second: that is the rate the service takes.
    expect(ctx.pace!.rate).toBeCloseTo(6, 6);
  });

  it('holds every new request while a Retry-After is in force (real time)', async () => {
    const RETRY_AFTER_S = 1;
    const events: Array<{ kind: 'start' | 'throttled'; at: number; seq: number }> = [];
    let seq = 0;
    const { server, ctx } = await setup(
      (hit, res, index) => {
        const answer = () =>
          index === 4 ? reply(res, 429, graphError('TooManyRequests', 'Slow down'), { 'Retry-After': String(RETRY_AFTER_S) }) : ok(hit, res, index);
        setTimeout(answer, 20); // service latency, so that requests overlap
      },
      { clock: systemClock },
    );
    const inner = ctx.transport;
    ctx.transport = {
      async send(request) {
        events.push({ kind: 'start', at: Date.now(), seq: seq++ });
        const exchange = await inner.send(request);
        if (exchange.kind === 'response' && exchange.status === 429) events.push({ kind: 'throttled', at: Date.now(), seq: seq++ });
        return exchange;
      },
    };

    const requests = Array.from({ length: 16 }, (_, i): GraphRequest => ({ ...ASSIGN, path: `/users/u${i}/assignLicense` }));
    let next = 0;
    const worker = async () => {
      while (next < requests.length) await sendWithRetry(requests[next++]!, ctx);
    };
    await Promise.all([worker(), worker(), worker(), worker()]);

    const throttled = events.find((e) => e.kind === 'throttled')!;
    const startsAfter = events.filter((e) => e.kind === 'start' && e.seq > throttled.seq);
    expect(startsAfter.length).toBeGreaterThan(0);
    for (const start of startsAfter) expect(start.at - throttled.at).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000);
    expect(server.hits).toHaveLength(17);
    expect(ctx.gate.pausedMs).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000);
    expect(ctx.gate.pausedMs).toBeLessThan(RETRY_AFTER_S * 1000 + 100);
  });

  it('stops waiting out a pause when the run is interrupted, and sends nothing more', async () => {
    const abort = new AbortController();
    const { server, ctx } = await setup((_hit, res) => reply(res, 429, graphError('TooManyRequests', 'Slow down'), { 'Retry-After': '60' }), {
      clock: systemClock,
    });
    ctx.signal = abort.signal;
    ctx.onExchange = () => abort.abort();
    const started = Date.now();
    const result = await sendWithRetry(ASSIGN, ctx);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({ attempts: 1, interrupted: true, final: { status: 429 } });

    const later = await sendWithRetry(ASSIGN, ctx);
    expect(later).toEqual({ attempts: 0, interrupted: true, lostResponse: false, final: { kind: 'network', code: ABORTED, message: expect.any(String) } });
    expect(server.hits).toHaveLength(1);
  });
});

describe('sendWithRetry: what counts as a lost response', () => {
  /** A transport that plays back exchanges: failures that real sockets cannot stage on demand. */
  function scripted(...exchanges: Exchange[]): GraphTransport {
    let i = 0;
    return { send: async () => exchanges[Math.min(i++, exchanges.length - 1)]! };
  }
  const done: Exchange = { kind: 'response', status: 200, headers: {}, body: {} };
  const context = (transport: GraphTransport): SendContext => {
    const clock = new InstantClock();
    return { transport, gate: new PauseGate(clock), maxRetries: 6, clock, random: () => 0 };
  };

  it.each([
    { name: 'ECONNREFUSED', first: { kind: 'network', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, lost: false },
    { name: 'ENOTFOUND', first: { kind: 'network', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND' }, lost: false },
    { name: 'ETIMEDOUT', first: { kind: 'network', code: 'ETIMEDOUT', message: "Timeout awaiting 'response'" }, lost: true },
    { name: 'ETIMEDOUT before connecting', first: { kind: 'network', code: 'ETIMEDOUT', message: "Timeout awaiting 'connect'", unsent: true }, lost: false },
    { name: 'ECONNRESET before the TLS session', first: { kind: 'network', code: 'ECONNRESET', message: 'socket hang up', unsent: true }, lost: false },
    { name: 'EPIPE', first: { kind: 'network', code: 'EPIPE', message: 'write EPIPE' }, lost: true },
    { name: 'HTTP 504 (the gateway gave up on the backend)', first: { kind: 'response', status: 504, headers: {}, body: undefined }, lost: true },
    { name: 'HTTP 503', first: { kind: 'response', status: 503, headers: {}, body: undefined }, lost: false },
  ] as const)('a retried $name -> lostResponse $lost', async ({ first, lost }) => {
    const result = await sendWithRetry(ASSIGN, context(scripted(first as Exchange, done)));
    expect(result).toMatchObject({ attempts: 2, lostResponse: lost, final: { status: 200 } });
  });
});

describe('sendWithRetry: pacing and the pause together', () => {
  it('gives back the turns of writes that waited through a Retry-After, so that they do not leave in one burst after it', async () => {
    const clock = new ManualClock(0);
    const sentAt: number[] = [];
    const transport: GraphTransport = {
      send: async () => {
        sentAt.push(clock.now());
        return { kind: 'response', status: 204, headers: {}, body: undefined };
      },
    };
    const gate = new PauseGate(clock);
    const ctx: SendContext = { transport, gate, pace: new Pace({ clock, maxRate: 4 }), maxRetries: 6, clock, random: () => 0.5 };
    const all = Promise.all(Array.from({ length: 12 }, () => sendWithRetry(ASSIGN, ctx)));
    await clock.advance(0);
    expect(sentAt).toEqual([0]);
    // A 429 elsewhere: everyone waits 2 s, while the pace would have granted 8 more turns.
    gate.pauseUntil(2_000);
    await clock.advance(2_000);
    expect(sentAt.filter((t) => t <= 2_000).length).toBeLessThanOrEqual(2);
    await clock.advance(3_000);
    await all;
    // After the pause, one every 250 ms again.
    const after = sentAt.filter((t) => t > 2_000);
    for (let i = 1; i < after.length; i++) expect(after[i]! - after[i - 1]!).toBeGreaterThanOrEqual(250);
  });
});
