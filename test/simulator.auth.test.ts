import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type TenantSpec } from '../src/simulator/index.js';

const base = JSON.parse(readFileSync(new URL('./fixtures/sim-tenant.json', import.meta.url), 'utf8')) as TenantSpec;
const withAuth: TenantSpec = {
  ...base,
  auth: {
    tokens: {
      reader: ['User.Read.All'],
      licenser: ['LicenseAssignment.ReadWrite.All'],
      'user-admin': ['User.ReadWrite.All'],
      'org-reader': ['Organization.Read.All'],
      'license-reader': ['LicenseAssignment.Read.All'],
      'directory-reader': ['Directory.Read.All'],
      'directory-writer': ['Directory.ReadWrite.All'],
    },
    clients: { 'app-1': { secret: 's3cret+/=', roles: ['LicenseAssignment.ReadWrite.All', 'User.Read.All'] } },
  },
};

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const BOB = 'a0000000-0000-4000-8000-000000000002';
const assignE3 = JSON.stringify({ addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });

const running: RunningSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function simulator(tenant: TenantSpec): Promise<RunningSimulator> {
  const sim = await startSimulator({ tenant });
  running.push(sim);
  return sim;
}

type Call = 'assign' | 'patch' | 'get' | 'list' | 'skus';
async function call(sim: RunningSimulator, what: Call, token: string | undefined): Promise<{ status: number; error?: { code: string; message: string } }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
  const [method, path, body] = {
    assign: ['POST', `/users/${BOB}/assignLicense`, assignE3],
    patch: ['PATCH', `/users/${BOB}`, JSON.stringify({ usageLocation: 'GB' })],
    get: ['GET', `/users/${BOB}`, undefined],
    list: ['GET', `/users?$filter=${encodeURIComponent(`id in ('${BOB}')`)}`, undefined],
    skus: ['GET', '/subscribedSkus', undefined],
  }[what];
  const res = await fetch(`${sim.url}/v1.0${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, ...(res.status >= 400 ? { error: (JSON.parse(text) as any).error } : {}) };
}

async function token(sim: RunningSimulator, form: Record<string, string>, tenant = base.tenantId, headers: Record<string, string> = {}) {
  const res = await fetch(`${sim.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const clientCredentials = { grant_type: 'client_credentials', client_id: 'app-1', client_secret: 's3cret+/=', scope: 'https://graph.microsoft.com/.default' };

describe('bearer tokens', () => {
  it('accepts any non-empty bearer token, with every permission, when the tenant has no auth section', async () => {
    const sim = await simulator(base);
    expect((await call(sim, 'patch', 'whatever')).status).toBe(204);
    expect(await call(sim, 'get', undefined)).toEqual({ status: 401, error: expect.objectContaining({ code: 'InvalidAuthenticationToken' }) });
  });

  it('answers 401 InvalidAuthenticationToken for a missing or unknown token', async () => {
    const sim = await simulator(withAuth);
    expect((await call(sim, 'get', undefined)).error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
    expect((await call(sim, 'get', 'forged')).error).toMatchObject({ code: 'InvalidAuthenticationToken' });
  });

  // Graph's permissions reference, per API (src/simulator/auth.ts names the pages).
  it.each<[string, Call, number]>([
    ['reader', 'get', 200],
    ['reader', 'list', 200],
    ['reader', 'skus', 403],
    ['reader', 'assign', 403],
    ['reader', 'patch', 403],
    ['licenser', 'assign', 200],
    ['licenser', 'skus', 200],
    ['licenser', 'get', 403],
    ['licenser', 'list', 403],
    ['licenser', 'patch', 403],
    ['license-reader', 'skus', 200],
    ['license-reader', 'get', 403],
    ['license-reader', 'assign', 403],
    ['user-admin', 'patch', 204],
    ['user-admin', 'assign', 200],
    ['user-admin', 'get', 200],
    ['user-admin', 'list', 200],
    ['user-admin', 'skus', 403],
    ['directory-reader', 'get', 200],
    ['directory-reader', 'skus', 200],
    ['directory-reader', 'assign', 403],
    ['directory-writer', 'assign', 200],
    ['directory-writer', 'patch', 204],
    ['org-reader', 'skus', 200],
    ['org-reader', 'get', 403],
  ])('token %s: %s -> %i', async (who, what, status) => {
    const sim = await simulator(withAuth);
    const reply = await call(sim, what, who);
    expect(reply.status).toBe(status);
    if (status === 403) {
      expect(reply.error).toEqual({
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
        innerError: { date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/), 'request-id': expect.any(String), 'client-request-id': expect.any(String) },
      });
    }
  });

  it('judges $batch members by the envelope token, one by one', async () => {
    const sim = await simulator(withAuth);
    const res = await fetch(`${sim.url}/v1.0/$batch`, {
      method: 'POST',
      headers: { authorization: 'Bearer licenser', 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: [
          { id: '1', method: 'POST', url: `/users/${BOB}/assignLicense`, headers: { 'content-type': 'application/json' }, body: JSON.parse(assignE3) },
          { id: '2', method: 'PATCH', url: `/users/${BOB}`, headers: { 'content-type': 'application/json' }, body: { usageLocation: 'GB' } },
          { id: '3', method: 'GET', url: `/users/${BOB}?$select=id,assignedLicenses` },
          { id: '4', method: 'GET', url: '/subscribedSkus' },
        ],
      }),
    });
    const responses = ((await res.json()) as any).responses;
    expect(responses.map((r: any) => r.status)).toEqual([200, 403, 403, 200]);
    expect(responses[2].body.error).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    expect(responses[2].body.error.innerError['request-id']).toBe(responses[2].headers['request-id']);
  });
});

describe('token endpoint', () => {
  it('issues a bearer token to a known client, carrying that client’s roles', async () => {
    const sim = await simulator(withAuth);
    const reply = await token(sim, clientCredentials);
    expect(reply).toEqual({ status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: expect.any(String) } });
    const payload = JSON.parse(Buffer.from(reply.body.access_token.split('.')[1], 'base64url').toString('utf8'));
    expect(payload).toMatchObject({ appid: 'app-1', tid: base.tenantId, roles: ['LicenseAssignment.ReadWrite.All', 'User.Read.All'] });
    expect((await call(sim, 'assign', reply.body.access_token)).status).toBe(200);
    expect((await call(sim, 'patch', reply.body.access_token)).status).toBe(403);
  });

  it('takes the client secret as HTTP Basic too', async () => {
    const sim = await simulator(withAuth);
    const basic = Buffer.from(`app-1:${encodeURIComponent('s3cret+/=')}`).toString('base64');
    const reply = await token(sim, { grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' }, base.tenantId, { authorization: `Basic ${basic}` });
    expect(reply.status).toBe(200);
  });

  it.each([
    ['a wrong secret', { ...clientCredentials, client_secret: 'nope' }, 401, 'invalid_client', /AADSTS7000215/],
    ['an unknown client', { ...clientCredentials, client_id: 'app-2' }, 401, 'invalid_client', /AADSTS700016/],
    ['another grant type', { ...clientCredentials, grant_type: 'password' }, 400, 'unsupported_grant_type', /AADSTS70003/],
    ['a scope without /.default', { ...clientCredentials, scope: 'User.Read.All' }, 400, 'invalid_scope', /AADSTS1002012/],
    ['no secret', { grant_type: 'client_credentials', client_id: 'app-1', scope: 'https://graph.microsoft.com/.default' }, 401, 'invalid_client', /AADSTS7000218/],
  ])('refuses %s', async (_name, form, status, error, description) => {
    const sim = await simulator(withAuth);
    const reply = await token(sim, form as Record<string, string>);
    expect(reply.status).toBe(status);
    expect(reply.body.error).toBe(error);
    expect(reply.body.error_description).toMatch(description);
  });

  it('refuses another tenant', async () => {
    const sim = await simulator(withAuth);
    const reply = await token(sim, clientCredentials, '00000000-0000-4000-8000-000000000000');
    expect([reply.status, reply.body.error]).toEqual([400, 'invalid_request']);
  });

  it('issues tokens that expire after the configured lifetime', async () => {
    const sim = await simulator({ ...withAuth, auth: { ...withAuth.auth, tokenLifetimeSeconds: 0.02 } });
    const issued = (await token(sim, clientCredentials)).body.access_token as string;
    // Waiting is the behaviour under test here: the token must outlive 20 ms of wall-clock time.
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await call(sim, 'get', issued)).error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' });
  });

  it('serves an OpenID configuration pointing at itself', async () => {
    const sim = await simulator(withAuth);
    const res = await fetch(`${sim.url}/${base.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(res.headers.get('x-simulator')).toBe('license-batch');
    const config = (await res.json()) as any;
    expect(config).toMatchObject({
      issuer: `${sim.url}/${base.tenantId}/v2.0`,
      token_endpoint: `${sim.url}/${base.tenantId}/oauth2/v2.0/token`,
      authorization_endpoint: `${sim.url}/${base.tenantId}/oauth2/v2.0/authorize`,
      jwks_uri: `${sim.url}/${base.tenantId}/discovery/v2.0/keys`,
    });
    expect(await (await fetch(config.jwks_uri)).json()).toEqual({ keys: [] });
  });
});
