import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator, TenantSpec } from '../src/simulator/index.js';
import { makeCertificates, type TestCertificates } from './helpers/auth.js';
import { csv, readResults, runCli as runCliUnscanned } from './helpers/cli.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { startHarness, type OpenHarness } from './helpers/with-simulator.js';

const SECRET = 'e2e-Secret~value-0042';
const ROLES = ['LicenseAssignment.ReadWrite.All', 'User.Read.All'];
let certs: TestCertificates;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  certs = await makeCertificates();
});
afterAll(() => certs.dispose());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tenant(auth: TenantSpec['auth'], users = 20): TenantSpec {
  return { ...testTenant({ users }), auth };
}

/** This test's simulator harness (helpers/with-simulator.ts): its runs and files are scanned for secrets when it closes. */
let harness: OpenHarness | undefined;

async function simulator(spec: TenantSpec, https = true): Promise<RunningSimulator> {
  const started = await startHarness({ tenant: spec, ...(https ? { tls: { key: certs.server.key, cert: certs.server.cert } } : {}) });
  harness = started;
  cleanups.push(async () => {
    harness = undefined;
    await started.close();
  });
  return started.sim;
}

/** Every run goes through the harness when the test has a simulator. */
const runCli: typeof runCliUnscanned = (args, options) => (harness ? harness.cli(args, options) : runCliUnscanned(args, options));
const spawnCli: OpenHarness['spawn'] = (args, options) => harness!.spawn(args, options);

async function input(rows: string[][]): Promise<{ path: string; results: string }> {
  const dir = await harness!.workspace();
  const path = await dir.write('licenses.csv', csv(rows));
  return { path, results: dir.file('licenses.results.csv') };
}

const e3Rows = (n: number, sku: string = SKU.E3) => [['upn', 'sku'], ...Array.from({ length: n }, (_, i) => [upn(i + 1), sku])];

/** The built CLI in a child process that trusts the simulator's certificate the way an admin would: NODE_EXTRA_CA_CERTS. */
function signedInRun(sim: RunningSimulator, file: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  return spawnCli(['run', file, '--graph-url', sim.url, ...args], {
    env: { NODE_EXTRA_CA_CERTS: certs.server.certPath, AZURE_AUTHORITY_HOST: sim.url, AZURE_TENANT_ID: testTenant({ users: 1 }).tenantId, AZURE_CLIENT_ID: 'app', ...env },
  });
}

describe('sign-in with an app registration, end to end (real MSAL, simulator token endpoint over https)', () => {
  it('client secret: every row succeeds with the token the simulator issued, one sign-in for the whole run', async () => {
    const sim = await simulator(tenant({ clients: { app: { secret: SECRET, roles: ROLES } } }));
    const file = await input(e3Rows(20));
    const result = await signedInRun(sim, file.path, { AZURE_CLIENT_SECRET: SECRET }, ['--concurrency', '4']);
    expect(result.stderr).toContain('succeeded 20');
    expect(result.code).toBe(0);
    // The tenant lists no ready tokens: Graph accepted only what its token endpoint issued.
    expect(sim.tokensIssued).toBe(1);
    expect(sim.stats.operations.assignLicense).toBe(20);
    expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET);
  });

  it('an app granted LicenseAssignment.ReadWrite.All alone signs in, then stops at its first read, before any write, naming User.Read.All', async () => {
    const sim = await simulator(tenant({ clients: { app: { secret: SECRET, roles: ['LicenseAssignment.ReadWrite.All'] } } }));
    const file = await input(e3Rows(5, 'ENTERPRISEPACK'));
    const result = await signedInRun(sim, file.path, { AZURE_CLIENT_SECRET: SECRET });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: Microsoft Graph refused to read users for lack of permission \(403\)\. Reading users needs the Microsoft Graph application permission User\.Read\.All/);
    expect(sim.tokensIssued).toBe(1);
    // The SKUs were read (LicenseAssignment.ReadWrite.All grants that), the users were not, and nothing was written.
    expect(sim.stats.operations.subscribedSkus).toBe(1);
    expect(sim.stats.operations.assignLicense).toBe(0);
  });

  it('client certificate with an encrypted key and its password', async () => {
    const sim = await simulator(tenant({ clients: { app: { secret: 'unused-secret', certificate: certs.client.cert, roles: ROLES } } }));
    const file = await input(e3Rows(3));
    const result = await signedInRun(sim, file.path, { AZURE_CLIENT_CERTIFICATE_PATH: certs.client.encryptedPemPath, AZURE_CLIENT_CERTIFICATE_PASSWORD: certs.client.password });
    expect(result.code).toBe(0);
    expect((await readResults(file.results)).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(sim.tokensIssued).toBe(1);
    expect(`${result.stdout}${result.stderr}`).not.toContain(certs.client.password);
  });

  it('renews tokens before they expire during a run', async () => {
    // 120 s tokens are inside MSAL's 5-minute renewal margin from the start: each request renews.
    const sim = await simulator(tenant({ clients: { app: { secret: SECRET, roles: ROLES } }, tokenLifetimeSeconds: 120 }));
    const file = await input(e3Rows(6));
    const result = await signedInRun(sim, file.path, { AZURE_CLIENT_SECRET: SECRET }, ['--concurrency', '1']);
    expect(result.code).toBe(0);
    expect(sim.tokensIssued).toBeGreaterThan(1);
  });

  it.each([
    { name: 'SKUs by name', sku: 'ENTERPRISEPACK' },
    { name: 'SKUs by GUID only, so the first Graph request would be a write', sku: SKU.E3 },
  ])('a refused secret stops the run with exit 2, names the permission, and never shows the secret ($name)', async ({ sku }) => {
    const sim = await simulator(tenant({ clients: { app: { secret: SECRET, roles: ROLES } } }));
    const wrong = 'wrong-Secret~value-0099';
    const file = await input(e3Rows(2, sku));
    const result = await signedInRun(sim, file.path, { AZURE_CLIENT_SECRET: wrong });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: Client secret sign-in was refused by https:\/\/127\.0\.0\.1:\d+\/[-0-9a-f]+: invalid_client: AADSTS7000215/);
    expect(result.stderr).toContain('LicenseAssignment.ReadWrite.All');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(`${result.stdout}${result.stderr}`).not.toContain(wrong);
    expect(sim.stats.requests).toBe(0);
  });
});

describe('--managed-identity, end to end through an App Service style identity endpoint', () => {
  async function identityEndpoint(token: string): Promise<{ url: string; seen: URLSearchParams[] }> {
    const seen: URLSearchParams[] = [];
    const server: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(url.searchParams);
      if (req.headers['x-identity-header'] !== 'identity-header-value') return void res.writeHead(401).end();
      const body = JSON.stringify({ access_token: token, expires_on: String(Math.floor(Date.now() / 1000) + 3600), resource: url.searchParams.get('resource'), token_type: 'Bearer' });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`, seen };
  }

  it('gets its token from the identity endpoint, for the Graph resource and the user-assigned client id', async () => {
    const sim = await simulator(tenant({ tokens: { 'mi-token-abc': ROLES } }, 2), false);
    const endpoint = await identityEndpoint('mi-token-abc');
    const file = await input(e3Rows(2));
    const result = await spawnCli(['run', file.path, '--graph-url', sim.url, '--managed-identity'], {
      env: { IDENTITY_ENDPOINT: endpoint.url, IDENTITY_HEADER: 'identity-header-value', AZURE_CLIENT_ID: 'user-assigned-id' },
    });
    expect(result.stderr).toContain('succeeded 2');
    expect(result.code).toBe(0);
    expect(endpoint.seen).toHaveLength(1);
    expect(endpoint.seen[0]!.get('resource')).toBe(new URL(sim.url).origin);
    expect(endpoint.seen[0]!.get('client_id')).toBe('user-assigned-id');
  });

  it('stops with exit 2 and says where managed identity works when no identity endpoint answers', async () => {
    const sim = await simulator(tenant({ tokens: {} }, 2), false);
    const file = await input(e3Rows(2, 'ENTERPRISEPACK'));
    const result = await spawnCli(['run', file.path, '--graph-url', sim.url, '--managed-identity'], {
      env: { IDENTITY_ENDPOINT: 'http://127.0.0.1:9/msi/token', IDENTITY_HEADER: 'identity-header-value' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Managed identity sign-in .*Azure resource with a managed identity/);
    expect(sim.stats.requests).toBe(0);
  });
});

describe('sign-in choices and refusals before anything is sent (in process)', () => {
  it('GRAPH_ACCESS_TOKEN wins over an app registration and the sign-in flags', async () => {
    const sim = await simulator(tenant({ tokens: { 'ready-token': ROLES }, clients: { app: { secret: SECRET, roles: ROLES } } }, 2), false);
    const file = await input(e3Rows(2));
    const env = { GRAPH_ACCESS_TOKEN: 'ready-token', AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'app', AZURE_CLIENT_SECRET: 'not-the-secret' };
    const result = await runCli(['run', file.path, '--graph-url', sim.url, '--managed-identity'], { env });
    expect(result.code).toBe(0);
    expect(sim.tokensIssued).toBe(0);
  });

  it.each([
    ['plain http authority host', { AZURE_AUTHORITY_HOST: 'http://login.example.com', AZURE_CLIENT_SECRET: SECRET }, [], /Refused AZURE_AUTHORITY_HOST http:\/\/login\.example\.com: the sign-in host must use https:\/\//],
    ['plain http even on loopback', { AZURE_AUTHORITY_HOST: 'http://127.0.0.1:8080', AZURE_CLIENT_SECRET: SECRET }, [], /must use https:\/\//],
    ['a tenant without client id', { AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: '', AZURE_CLIENT_SECRET: SECRET }, [], /AZURE_CLIENT_SECRET is set, but AZURE_CLIENT_ID is not/],
    ['an unreadable certificate', { AZURE_CLIENT_CERTIFICATE_PATH: '/nonexistent/app.pem' }, [], /client certificate \/nonexistent\/app\.pem cannot be read \(ENOENT\)/],
    ['a wrong certificate password', { AZURE_CLIENT_CERTIFICATE_PATH: 'ENCRYPTED', AZURE_CLIENT_CERTIFICATE_PASSWORD: 'bad-Password-77' }, [], /does not decrypt: check the password/],
    ['--device-code without tenant', { AZURE_TENANT_ID: '' }, ['--device-code'], /--device-code .* AZURE_TENANT_ID is not/],
    ['both sign-in flags', {}, ['--device-code', '--managed-identity'], /choose one/],
  ])('%s: exit 2, nothing sent, no secret shown', async (_name, extra, flags, message) => {
    const sim = await simulator(tenant({ clients: { app: { secret: SECRET, roles: ROLES } } }, 2), false);
    const file = await input(e3Rows(2));
    const env: NodeJS.ProcessEnv = { AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'app', ...extra };
    if (env.AZURE_CLIENT_CERTIFICATE_PATH === 'ENCRYPTED') env.AZURE_CLIENT_CERTIFICATE_PATH = certs.client.encryptedPemPath;
    const result = await runCli(['run', file.path, '--graph-url', sim.url, ...flags], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(sim.stats.requests).toBe(0);
    for (const secret of [SECRET, 'bad-Password-77']) expect(result.stderr).not.toContain(secret);
  });

  it('every networked command takes the sign-in flags', async () => {
    for (const command of [['skus'], ['export'], ['run', join(certs.dir, 'x.csv')]]) {
      const result = await runCli([...command, '--graph-url', 'http://127.0.0.1:9', '--device-code'], { env: {} });
      expect(result.stderr, command[0]).toContain('--device-code signs in through an app registration');
    }
  });
});
