import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type TenantSpec } from '../src/simulator/index.js';

const spec = JSON.parse(readFileSync(new URL('./fixtures/sim-tenant.json', import.meta.url), 'utf8')) as TenantSpec;

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const EMS = 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e';
const SWAY = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97';
const ALICE = 'a0000000-0000-4000-8000-000000000001';
const BOB = 'a0000000-0000-4000-8000-000000000002';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ tenant: spec });
});
afterEach(() => sim.close());

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

async function graph(method: string, path: string, options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const res = await fetch(`${sim.url}/v1.0${path}`, {
    method,
    headers: { authorization: 'Bearer any-token', ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: payload,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

const assign = (add: string[], remove: string[] = []) => ({ addLicenses: add.map((skuId) => ({ skuId, disabledPlans: [] })), removeLicenses: remove });

describe('assignLicense over HTTP', () => {
  it('applies the change and answers 200 with the user, Graph headers and the simulator mark', async () => {
    const reply = await graph('POST', `/users/${BOB}/assignLicense`, { body: assign([E3]), headers: { 'client-request-id': 'my-id-1' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ '@odata.context': `${sim.url}/v1.0/$metadata#users/$entity`, id: BOB, userPrincipalName: 'bob@contoso.example', businessPhones: [] });
    expect(reply.headers.get('request-id')).toMatch(UUID);
    expect(reply.headers.get('client-request-id')).toBe('my-id-1');
    expect(reply.headers.get('x-simulator')).toBe('license-batch');
    expect(sim.user(BOB)!.directLicenses).toEqual([{ skuId: E3, disabledPlans: [] }]);
  });

  it.each([
    ['percent-encoded guest UPN', `/users/${encodeURIComponent('x_y.com#EXT#@t.onmicrosoft.com')}/assignLicense`, 'x_y.com#EXT#@t.onmicrosoft.com'],
    ["OData key form with '' and +", `/users('${encodeURIComponent("o''hara+test@contoso.example")}')/assignLicense`, "o'hara+test@contoso.example"],
    ['non-ASCII UPN, upper case', `/users/${encodeURIComponent('ZOË.MÜLLER@contoso.example')}/assignLicense`, 'zoë.müller@contoso.example'],
    ['action name qualified and in another case', `/USERS/${BOB}/microsoft.graph.assignlicense`, 'bob@contoso.example'],
  ])('finds the user by %s', async (_name, path, upn) => {
    const reply = await graph('POST', path, { body: assign([E3]) });
    expect(reply.status).toBe(200);
    expect(sim.user(upn)!.directLicenses.map((l) => l.skuId)).toEqual([E3]);
  });

  it("answers errors in Graph's shape, with the request ids in innerError", async () => {
    const reply = await graph('POST', '/users/nobody@contoso.example/assignLicense', { body: assign([E3]), headers: { 'client-request-id': 'abc' } });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({
      error: {
        code: 'Request_ResourceNotFound',
        message: "Resource 'nobody@contoso.example' does not exist or one of its queried reference-property objects are not present.",
        innerError: { date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/), 'request-id': reply.headers.get('request-id'), 'client-request-id': 'abc' },
      },
    });
  });

  it('answers 400 with the seat message when a SKU is full, and changes nothing', async () => {
    const reply = await graph('POST', `/users/${BOB}/assignLicense`, { body: assign([E3, EMS]) });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'Request_BadRequest', message: `Subscription with SKU ${EMS} does not have any available licenses.` });
    expect(sim.user(BOB)!.directLicenses).toEqual([]);
  });

  it('answers 400 BadRequest for a body that is not JSON', async () => {
    const reply = await graph('POST', `/users/${BOB}/assignLicense`, { raw: '{"addLicenses": [' });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('BadRequest');
  });

  it('answers 400 for a body without removeLicenses', async () => {
    const reply = await graph('POST', `/users/${BOB}/assignLicense`, { body: { addLicenses: [] } });
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toMatch(/The missing parameters are: removeLicenses\.$/);
  });
});

describe('reading users', () => {
  it('shows id and userPrincipalName without $select', async () => {
    const reply = await graph('GET', `/users/${ALICE}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ '@odata.context': expect.any(String), id: ALICE, userPrincipalName: 'alice@contoso.example' });
  });

  it('shows licenses and usage location only when selected', async () => {
    const reply = await graph('GET', `/users/alice@contoso.example?$select=assignedLicenses,licenseAssignmentStates,usageLocation`);
    expect(reply.body).toEqual({
      '@odata.context': expect.any(String),
      id: ALICE,
      assignedLicenses: [{ skuId: E3, disabledPlans: [SWAY] }],
      licenseAssignmentStates: [
        { skuId: E3, disabledPlans: [SWAY], assignedByGroup: null, state: 'Active', error: 'None', lastUpdatedDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
      ],
      usageLocation: 'US',
    });
  });

  it('refuses an unknown $select property and an unknown user', async () => {
    const bad = await graph('GET', `/users/${ALICE}?$select=assignedLicences`);
    expect([bad.status, bad.body.error.message]).toEqual([400, "Could not find a property named 'assignedLicences' on type 'microsoft.graph.user'."]);
    expect((await graph('GET', '/users/nobody@contoso.example')).status).toBe(404);
  });

  it("filters by id in (...) and userPrincipalName in (...), URL-encoded, with '' escaping; unknown users are absent", async () => {
    const byId = new URLSearchParams({ $filter: `id in ('${ALICE}','00000000-0000-4000-8000-000000000000','${BOB.toUpperCase()}')`, $select: 'id,usageLocation' });
    const ids = await graph('GET', `/users?${byId}`);
    expect(ids.body.value).toEqual([
      { id: ALICE, usageLocation: 'US' },
      { id: BOB, usageLocation: 'US' },
    ]);
    const byUpn = new URLSearchParams({ $filter: "userPrincipalName in ('o''hara+test@contoso.example', 'nobody@contoso.example')" });
    const upns = await graph('GET', `/users?${byUpn}`);
    expect(upns.body.value).toEqual([{ id: 'a0000000-0000-4000-8000-000000000008', userPrincipalName: "o'hara+test@contoso.example" }]);
  });

  it('refuses more than 15 values in one in (...), and filters it does not know', async () => {
    const many = Array.from({ length: 16 }, (_, i) => `'u${i}@contoso.example'`).join(',');
    const tooMany = await graph('GET', `/users?${new URLSearchParams({ $filter: `userPrincipalName in (${many})` })}`);
    expect([tooMany.status, tooMany.body.error.code]).toEqual([400, 'Request_UnsupportedQuery']);
    const unknown = await graph('GET', `/users?${new URLSearchParams({ $filter: "startswith(displayName,'a')" })}`);
    expect(unknown.status).toBe(400);
  });

  it('pages the whole directory through @odata.nextLink', async () => {
    const seen: string[] = [];
    let next: string | undefined = `${sim.url}/v1.0/users?$top=4&$select=id`;
    while (next !== undefined) {
      const reply = await graph('GET', next.slice(`${sim.url}/v1.0`.length));
      seen.push(...reply.body.value.map((u: { id: string }) => u.id));
      next = reply.body['@odata.nextLink'];
    }
    expect(seen).toEqual(sim.users().map((u) => u.id));
  });

  it('lists only holders of a SKU with assignedLicenses/any', async () => {
    const reply = await graph('GET', `/users?${new URLSearchParams({ $filter: `assignedLicenses/any(x:x/skuId eq ${EMS})` })}`);
    expect(reply.body.value.map((u: { userPrincipalName: string }) => u.userPrincipalName)).toEqual(['dave@contoso.example', 'erin@contoso.example']);
  });

  it('lists subscribedSkus as Graph does, consumedUnits live', async () => {
    await graph('POST', `/users/${BOB}/assignLicense`, { body: assign([E3]) });
    const reply = await graph('GET', '/subscribedSkus');
    expect(reply.body.value[0]).toEqual({
      id: `${spec.tenantId}_${E3}`,
      skuId: E3,
      skuPartNumber: 'ENTERPRISEPACK',
      appliesTo: 'User',
      capabilityStatus: 'Enabled',
      consumedUnits: 2,
      prepaidUnits: { enabled: 3, suspended: 0, warning: 0, lockedOut: 0 },
      servicePlans: expect.arrayContaining([{ servicePlanId: SWAY, servicePlanName: 'SWAY', provisioningStatus: 'Success', appliesTo: 'User' }]),
    });
    expect(sim.skus()).toEqual(reply.body.value);
  });
});

describe('PATCH users', () => {
  it('sets usageLocation and answers 204 without a body', async () => {
    const reply = await graph('PATCH', '/users/carol@contoso.example', { body: { usageLocation: 'FR' } });
    expect([reply.status, reply.body]).toEqual([204, undefined]);
    expect(sim.user('carol@contoso.example')!.usageLocation).toBe('FR');
  });

  it('answers 400 for a usage location that is not two capitals', async () => {
    const reply = await graph('PATCH', '/users/carol@contoso.example', { body: { usageLocation: 'France' } });
    expect([reply.status, reply.body.error.message]).toEqual([400, "Invalid value specified for property 'usageLocation' of resource 'User'."]);
  });
});

describe('$batch', () => {
  const member = (id: string, method: string, url: string, body?: unknown) => ({
    id,
    method,
    url,
    ...(body === undefined ? {} : { body, headers: { 'Content-Type': 'application/json' } }),
  });

  it('routes each member on its own and answers each with its own status', async () => {
    const reply = await graph('POST', '/$batch', {
      body: {
        requests: [
          member('1', 'POST', `/users/${BOB}/assignLicense`, assign([E3])),
          member('2', 'POST', '/users/nobody@contoso.example/assignLicense', assign([E3])),
          member('3', 'POST', `users/${BOB}/assignLicense`, assign([EMS])),
          member('4', 'GET', `/users/${BOB}?$select=assignedLicenses`),
          member('5', 'PATCH', '/users/carol@contoso.example', { usageLocation: 'NL' }),
          member('6', 'GET', '/groups'),
        ],
      },
    });
    expect(reply.status).toBe(200);
    const byId = Object.fromEntries(reply.body.responses.map((r: { id: string }) => [r.id, r]));
    expect(Object.fromEntries(Object.entries(byId).map(([id, r]: [string, any]) => [id, r.status]))).toEqual({ 1: 200, 2: 404, 3: 400, 4: 200, 5: 204, 6: 400 });
    expect(byId['3'].body.error.message).toBe(`Subscription with SKU ${EMS} does not have any available licenses.`);
    expect(byId['4'].body.assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [] }]);
    expect(byId['5'].body).toBeUndefined();
    expect(byId['1'].headers['request-id']).toMatch(UUID);
    expect(sim.user('carol@contoso.example')!.usageLocation).toBe('NL');
    expect(sim.stats.requests).toBe(1);
    expect(sim.stats.operations).toEqual({ assignLicense: 3, patchUser: 1, getUser: 1, listUsers: 0, subscribedSkus: 0, batch: 1 });
  });

  it('answers 424 for a member whose dependency failed', async () => {
    const reply = await graph('POST', '/$batch', {
      body: {
        requests: [
          member('a', 'POST', '/users/nobody@contoso.example/assignLicense', assign([E3])),
          { ...member('b', 'POST', `/users/${BOB}/assignLicense`, assign([E3])), dependsOn: ['a'] },
        ],
      },
    });
    expect(reply.body.responses.map((r: { status: number }) => r.status)).toEqual([404, 424]);
    expect(sim.user(BOB)!.directLicenses).toEqual([]);
  });

  it.each([
    ['more than 20 members', { requests: Array.from({ length: 21 }, (_, i) => member(String(i), 'GET', `/users/${BOB}`)) }],
    ['a write without Content-Type', { requests: [{ id: '1', method: 'POST', url: `/users/${BOB}/assignLicense`, body: assign([E3]) }] }],
    ['duplicate ids', { requests: [member('1', 'GET', `/users/${BOB}`), member('1', 'GET', `/users/${ALICE}`)] }],
    ['no requests', { requests: [] }],
  ])('refuses the whole envelope with 400 for %s, applying nothing', async (_name, body) => {
    const reply = await graph('POST', '/$batch', { body });
    expect([reply.status, reply.body.error.code]).toEqual([400, 'BadRequest']);
    expect(sim.user(BOB)!.directLicenses).toEqual([]);
  });
});

describe('HTTP plumbing', () => {
  it.each([
    ['an unknown segment', 'GET', '/groups', 400],
    ['a method a resource does not take', 'DELETE', `/users/${BOB}`, 405],
    ['GET on an action', 'GET', `/users/${BOB}/assignLicense`, 405],
  ])('answers %s like Graph', async (_name, method, path, status) => {
    const reply = await graph(method, path);
    expect(reply.status).toBe(status);
    expect(reply.body.error.code).toEqual(expect.any(String));
  });

  it('answers 404, marked as the simulator, outside /v1.0 and the identity endpoints', async () => {
    const res = await fetch(`${sim.url}/beta/users`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-simulator')).toBe('license-batch');
    expect(((await res.json()) as any).error.code).toBe('Request_ResourceNotFound');
  });

  it('keeps connections alive for pooling clients', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = request(`${sim.url}/v1.0/users/${BOB}`, { agent, headers: { authorization: 'Bearer t' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(req.reusedSocket));
        });
        req.on('error', reject).end();
      });
    expect([await get(), await get(), await get()]).toEqual([false, true, true]);
    agent.destroy();
  });

  it('closes promptly, cutting open and in-flight requests', async () => {
    sim.setBehaviour({ latencyMs: 30_000 });
    const pending = fetch(`${sim.url}/v1.0/users/${BOB}`, { headers: { authorization: 'Bearer t' } });
    await expect.poll(() => sim.stats.requests).toBe(1);
    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect(pending).rejects.toThrow();
  });
});
