import { request } from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Credential } from '../src/auth/credential.js';
import { renewingTokenProvider } from '../src/auth/renewing-token-provider.js';
import { tokenProviderFor } from '../src/auth/token-provider-for.js';
import { RunError } from '../src/errors.js';
import { startSimulator, type RunningSimulator, type TenantSpec } from '../src/simulator/index.js';
import { makeCertificates, trustingNetworkClient, type TestCertificates } from './helpers/auth.js';
import { testTenant } from './helpers/tenant.js';

const SECRET = 'app-secret-Value~42';
let certs: TestCertificates;
const running: RunningSimulator[] = [];
beforeAll(async () => {
  certs = await makeCertificates();
});
afterAll(() => certs.dispose());
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function simulator(tokenLifetimeSeconds?: number): Promise<RunningSimulator> {
  const base = testTenant({ users: 1 });
  const tenant: TenantSpec = {
    ...base,
    auth: {
      clients: { app: { secret: SECRET, certificate: certs.client.cert, roles: ['LicenseAssignment.ReadWrite.All', 'User.Read.All'] } },
      ...(tokenLifetimeSeconds ? { tokenLifetimeSeconds } : {}),
    },
  };
  const sim = await startSimulator({ tenant, tls: { key: certs.server.key, cert: certs.server.cert } });
  running.push(sim);
  return sim;
}

/** Real MSAL, pointed at the simulator as a custom (non-Microsoft) authority host over https. */
function provider(sim: RunningSimulator, credential: Partial<Credential> = {}) {
  const network = trustingNetworkClient(certs.server.cert);
  const tokens = tokenProviderFor({ kind: 'client-secret', tenantId: testTenant({ users: 1 }).tenantId, clientId: 'app', secret: SECRET, ...credential } as Credential, {
    graphRoot: `${sim.url}/v1.0`,
    cloud: 'global',
    authorityHost: sim.url,
    prompt: () => {
      throw new Error('no prompt expected');
    },
    networkClient: network,
  });
  return { tokens, tokenRequests: () => network.urls.filter((u) => new URL(u).pathname.endsWith('/oauth2/v2.0/token')).length, urls: network.urls };
}

/** GET /subscribedSkus with a bearer token: Graph's status. */
function graphStatus(sim: RunningSimulator, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${sim.url}/v1.0/subscribedSkus`, { ca: certs.server.cert, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

describe('client credentials through MSAL against the simulator (https, known authority)', () => {
  it('signs in with a secret, reads the OpenID configuration under <host>/<tenant>/v2.0, and serves later requests from the cache', async () => {
    const sim = await simulator();
    const { tokens, tokenRequests, urls } = provider(sim);
    const [first, ...concurrent] = await Promise.all(Array.from({ length: 8 }, () => tokens.getToken()));
    expect(new Set(concurrent)).toEqual(new Set([first]));
    expect(await tokens.getToken()).toBe(first);
    expect(sim.tokensIssued).toBe(1);
    expect(tokenRequests()).toBe(1);
    expect(urls).toContain(`${sim.url}/${testTenant({ users: 1 }).tenantId}/v2.0/.well-known/openid-configuration`);
    expect(await graphStatus(sim, first!)).toBe(200);
  });

  it('signs in with a certificate (encrypted key and password)', async () => {
    const sim = await simulator();
    const { tokens } = provider(sim, { kind: 'client-certificate', certificatePath: certs.client.encryptedPemPath, password: certs.client.password });
    expect(await graphStatus(sim, await tokens.getToken())).toBe(200);
    expect(sim.tokensIssued).toBe(1);
  });

  it('renews a token before it expires: one with less than MSAL\'s 5-minute margin left is replaced on the next request', async () => {
    const sim = await simulator(120);
    const { tokens } = provider(sim);
    const first = await tokens.getToken();
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
    expect(sim.tokensIssued).toBe(2);
    expect(await graphStatus(sim, second)).toBe(200);
  });

  it('renew() after a 401 skips the cache; later requests get the renewed token from the cache', async () => {
    const sim = await simulator();
    const { tokens } = provider(sim);
    const first = await tokens.getToken();
    sim.revokeTokens();
    expect(await graphStatus(sim, first)).toBe(401);
    const renewed = await tokens.renew!();
    expect(renewed).not.toBe(first);
    expect(await graphStatus(sim, renewed)).toBe(200);
    expect(await tokens.getToken()).toBe(renewed);
    expect(sim.tokensIssued).toBe(2);
  });

  it('a refused secret rejects with AUTH naming the permission, without the secret, and is not retried per request', async () => {
    const sim = await simulator();
    const wrong = 'wrong-secret-Value~99';
    const { tokens, tokenRequests } = provider(sim, { secret: wrong });
    const errors = await Promise.all([tokens.getToken(), tokens.getToken()].map((p) => p.catch((e: unknown) => e)));
    await tokens.getToken().catch(() => undefined);
    for (const error of errors) {
      expect(error).toBeInstanceOf(RunError);
      expect((error as RunError).code).toBe('AUTH');
      expect((error as RunError).message).toMatch(/invalid_client: AADSTS7000215: Invalid client secret provided/);
      expect((error as RunError).message).toContain('LicenseAssignment.ReadWrite.All');
      expect((error as RunError).message).not.toContain(wrong);
      expect((error as RunError).message).not.toMatch(/Trace ID|Timestamp/);
    }
    expect(tokenRequests()).toBe(1);
    expect(sim.tokensIssued).toBe(0);
  });

  it('a certificate the app does not know is refused with AUTH', async () => {
    const sim = await simulator();
    const { tokens } = provider(sim, { kind: 'client-certificate', certificatePath: certs.stranger.pemPath });
    await expect(tokens.getToken()).rejects.toThrow(/AADSTS700027.*certificate in .*stranger\.pem is uploaded/);
  });

  it('--device-code against an authority without a device-code endpoint stops with AUTH', async () => {
    const sim = await simulator();
    const { tokens } = provider(sim, { kind: 'device-code' });
    const error = await tokens.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).message).toMatch(/^Device code sign-in .*AZURE_TENANT_ID and AZURE_CLIENT_ID/);
  });
});

describe('renewingTokenProvider', () => {
  it('keeps a failure that came before any sign-in, and does not call again', async () => {
    let calls = 0;
    const tokens = renewingTokenProvider(async () => {
      calls++;
      throw new RunError('AUTH', 'refused');
    });
    await expect(tokens.getToken()).rejects.toThrow('refused');
    await expect(tokens.renew!()).rejects.toThrow('refused');
    expect(calls).toBe(1);
  });

  it('after a sign-in, a failure goes to the requests that asked and the next request tries again', async () => {
    const answers: (string | Error)[] = ['t1', new Error('blip'), 't2'];
    const tokens = renewingTokenProvider(async ({ fresh }) => {
      const next = answers.shift()!;
      if (next instanceof Error) throw next;
      return `${next}${fresh ? '-fresh' : ''}`;
    });
    expect(await tokens.getToken()).toBe('t1');
    await expect(tokens.getToken()).rejects.toThrow('blip');
    expect(await tokens.renew!()).toBe('t2-fresh');
  });

  it('requests made during a renewal wait for the renewed token', async () => {
    let release!: (token: string) => void;
    const tokens = renewingTokenProvider(({ fresh }) => (fresh ? new Promise<string>((r) => (release = r)) : Promise.resolve('old')));
    expect(await tokens.getToken()).toBe('old');
    const renewal = tokens.renew!();
    const waiting = tokens.getToken();
    release('new');
    expect([await renewal, await waiting]).toEqual(['new', 'new']);
  });
});
