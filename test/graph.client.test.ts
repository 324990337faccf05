import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createGraphClient, type GraphTransport } from '../src/graph/graph-client.js';
import { staticTokenProvider, type TokenProvider } from '../src/graph/token-provider.js';
import { closedPort, graphError, reply, startServer, type Script, type TestServer } from './helpers/graph.js';

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-payload.signature';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server: TestServer | undefined;
let client: (GraphTransport & { close(): void }) | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function setup(script: Script, options: { tokens?: TokenProvider; timeoutMs?: number } = {}) {
  server = await startServer(script);
  client = createGraphClient({ root: `${server.url}/v1.0`, tokens: options.tokens ?? staticTokenProvider(TOKEN), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  return { server, client };
}

describe('createGraphClient', () => {
  it('sends a GET under the root with the bearer token, a client-request-id and its user agent, and parses JSON', async () => {
    const { server, client } = await setup((_hit, res) => reply(res, 200, { value: [{ skuId: 'x' }] }, { 'request-id': 'req-1', 'X-Custom': 'a' }));
    const exchange = await client.send({ method: 'GET', path: '/subscribedSkus?$select=skuId,skuPartNumber' });

    expect(exchange).toEqual({
      kind: 'response',
      status: 200,
      headers: expect.objectContaining({ 'request-id': 'req-1', 'x-custom': 'a', 'content-type': 'application/json' }),
      body: { value: [{ skuId: 'x' }] },
      requestId: 'req-1',
    });
    const [hit] = server.hits;
    expect(hit!.method).toBe('GET');
    expect(hit!.url).toBe('/v1.0/subscribedSkus?$select=skuId,skuPartNumber');
    expect(hit!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(hit!.headers['client-request-id']).toMatch(UUID);
    expect(hit!.headers['user-agent']).toMatch(/^license-batch\/\d+\.\d+\.\d+/);
    expect(hit!.headers.accept).toBe('application/json');
    expect(hit!.headers['content-type']).toBeUndefined();
  });

  it('sends a POST body as JSON, keeps the path encoding, and reads an empty 204 as no body', async () => {
    const { server, client } = await setup((_hit, res) => reply(res, 204));
    const body = { addLicenses: [{ skuId: 'a', disabledPlans: [] }], removeLicenses: [] };
    const exchange = await client.send({ method: 'POST', path: "/users('%24o%27%27brien%40x.com')/assignLicense", body });

    expect(exchange).toMatchObject({ kind: 'response', status: 204, body: undefined });
    const [hit] = server.hits;
    expect(hit!.url).toBe("/v1.0/users('%24o%27%27brien%40x.com')/assignLicense");
    expect(hit!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hit!.body)).toEqual(body);
  });

  it('gives each request its own client-request-id, over one kept-alive connection', async () => {
    const { server, client } = await setup((_hit, res) => reply(res, 200, {}));
    await client.send({ method: 'GET', path: '/users/a' });
    await client.send({ method: 'GET', path: '/users/b' });
    const [a, b] = server.hits;
    expect(a!.headers['client-request-id']).not.toBe(b!.headers['client-request-id']);
    expect(a!.headers.connection).toBe('keep-alive');
    expect(a!.remotePort).toBe(b!.remotePort);
  });

  it("returns Graph's error code, message and the request id from innerError", async () => {
    const { client } = await setup((_hit, res) =>
      reply(res, 400, graphError('Request_BadRequest', 'User license is inherited from a group membership.', 'inner-1')),
    );
    const exchange = await client.send({ method: 'POST', path: '/users/a/assignLicense', body: {} });
    expect(exchange).toMatchObject({
      kind: 'response',
      status: 400,
      errorCode: 'Request_BadRequest',
      errorMessage: 'User license is inherited from a group membership.',
      requestId: 'inner-1',
    });
  });

  it("keeps a proxy's non-JSON answer as text", async () => {
    const { client } = await setup((_hit, res) => reply(res, 502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' }));
    const exchange = await client.send({ method: 'GET', path: '/users/a' });
    expect(exchange).toMatchObject({ kind: 'response', status: 502, body: '<html>Bad Gateway</html>' });
    expect(exchange).not.toHaveProperty('errorCode');
  });

  it('does not retry by itself, not even a GET on 503', async () => {
    const { server, client } = await setup((_hit, res) => reply(res, 503, graphError('serviceNotAvailable', 'busy'), { 'Retry-After': '0' }));
    const exchange = await client.send({ method: 'GET', path: '/users/a' });
    expect(exchange).toMatchObject({ kind: 'response', status: 503, headers: expect.objectContaining({ 'retry-after': '0' }) });
    expect(server.hits).toHaveLength(1);
  });

  it('does not follow a redirect (the token would go with it)', async () => {
    const { server, client } = await setup((_hit, res) => reply(res, 302, undefined, { location: 'http://127.0.0.2:1/elsewhere' }));
    const exchange = await client.send({ method: 'GET', path: '/users/a' });
    expect(exchange).toMatchObject({ kind: 'response', status: 302 });
    expect(server.hits).toHaveLength(1);
  });

  it('turns a connection dropped mid-request into a network exchange, without the token', async () => {
    const { client } = await setup((_hit, res) => res.socket?.destroy());
    const exchange = await client.send({ method: 'POST', path: '/users/a/assignLicense', body: {} });
    expect(exchange).toMatchObject({ kind: 'network', code: 'ECONNRESET' });
    expect(JSON.stringify(exchange)).not.toContain(TOKEN);
  });

  it('turns a response cut off mid-body into a network exchange', async () => {
    const { client } = await setup((_hit, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"value":');
      setImmediate(() => res.socket?.destroy());
    });
    const exchange = await client.send({ method: 'GET', path: '/users/a' });
    expect(exchange.kind).toBe('network');
  });

  it('times out an attempt that gets no answer, as one that may have been applied', async () => {
    const { client } = await setup(() => undefined, { timeoutMs: 200 });
    const exchange = await client.send({ method: 'POST', path: '/users/a/assignLicense', body: {} });
    expect(exchange).toMatchObject({ kind: 'network', code: 'ETIMEDOUT' });
    expect(exchange).not.toHaveProperty('unsent');
  });

  it('says a dropped connection may have carried the request', async () => {
    const { client } = await setup((_hit, res) => res.socket?.destroy());
    const exchange = await client.send({ method: 'POST', path: '/users/a/assignLicense', body: {} });
    expect(exchange).not.toHaveProperty('unsent');
  });

  it('reports a refused connection as a network exchange that was never sent', async () => {
    const port = await closedPort();
    client = createGraphClient({ root: `http://127.0.0.1:${port}/v1.0`, tokens: staticTokenProvider(TOKEN) });
    const exchange = await client.send({ method: 'GET', path: '/users/a' });
    expect(exchange).toMatchObject({ kind: 'network', code: 'ECONNREFUSED', unsent: true });
  });

  it('times out a connection that never becomes usable (a TLS handshake that never comes) as never sent', async () => {
    // Accepts TCP and says nothing: the connect phase ends, the TLS handshake never does.
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    client = createGraphClient({ root: `https://127.0.0.1:${port}/v1.0`, tokens: staticTokenProvider(TOKEN), connectTimeoutMs: 200, timeoutMs: 30_000 });
    try {
      const started = Date.now();
      const exchange = await client.send({ method: 'POST', path: '/users/a/assignLicense', body: {} });
      expect(exchange).toMatchObject({ kind: 'network', code: 'ETIMEDOUT', unsent: true });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(JSON.stringify(exchange)).not.toContain(TOKEN);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('asks for compressed answers and decompresses them', async () => {
    const { server, client } = await setup((_hit, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ value: [{ id: 'u1' }] })));
    });
    const exchange = await client.send({ method: 'GET', path: '/users?$top=999' });
    expect(exchange).toMatchObject({ kind: 'response', status: 200, body: { value: [{ id: 'u1' }] } });
    expect(server.hits[0]!.headers['accept-encoding']).toMatch(/gzip/);
  });

  it('never lets a caller override the Authorization header', async () => {
    const { server, client } = await setup((_hit, res) => reply(res, 200, {}));
    await client.send({ method: 'GET', path: '/users/a', headers: { Authorization: 'Bearer other', ConsistencyLevel: 'eventual' } });
    expect(server.hits[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(server.hits[0]!.headers.consistencylevel).toBe('eventual');
  });

  it('offers renewToken only when the provider can renew, sharing one renewal between concurrent callers', async () => {
    const { client: fixed } = await setup((_hit, res) => reply(res, 200, {}));
    expect(fixed.renewToken).toBeUndefined();

    let token = 'first';
    let renewals = 0;
    let finishRenewal = () => {};
    const renewable = createGraphClient({
      root: `${server!.url}/v1.0`,
      tokens: {
        getToken: async () => token,
        renew: () =>
          new Promise<string>((resolve) => {
            renewals++;
            finishRenewal = () => resolve((token = 'second'));
          }),
      },
    });
    try {
      const both = Promise.all([renewable.renewToken!(), renewable.renewToken!()]);
      finishRenewal();
      expect(await both).toEqual([true, true]);
      expect(renewals).toBe(1);
      await renewable.send({ method: 'GET', path: '/me' });
      expect(server!.hits.at(-1)!.headers.authorization).toBe('Bearer second');
    } finally {
      renewable.close();
    }
  });

  it('says false when a renewal fails', async () => {
    const failing = createGraphClient({
      root: 'http://127.0.0.1:1/v1.0',
      tokens: { getToken: async () => TOKEN, renew: async () => Promise.reject(new Error('AADSTS7000215: invalid client secret')) },
    });
    expect(await failing.renewToken!()).toBe(false);
    failing.close();
  });

  it.each([
    { options: { timeoutMs: 0 }, message: /Invalid option timeoutMs: expect a number above 0, got 0 \(number\)/ },
    { options: { connectTimeoutMs: -1 }, message: /Invalid option connectTimeoutMs: expect a number above 0, got -1 \(number\)/ },
    { options: { maxSockets: 1.5 }, message: /Invalid option maxSockets: expect a whole number above 0, got 1.5 \(number\)/ },
  ])('rejects $options', ({ options, message }) => {
    expect(() => createGraphClient({ root: 'https://graph.microsoft.com/v1.0', tokens: staticTokenProvider(TOKEN), ...options })).toThrow(message);
  });

  it('staticTokenProvider refuses an empty token and cannot renew', async () => {
    expect(() => staticTokenProvider('  ')).toThrow(/non-empty/);
    const provider = staticTokenProvider(` ${TOKEN}\n`);
    expect(await provider.getToken()).toBe(TOKEN);
    expect(provider.renew).toBeUndefined();
  });
});
