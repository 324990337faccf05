import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_BEHAVIOUR, startSimulator, type RunningSimulator, type SimulatorBehaviour, type TenantSpec } from '../src/simulator/index.js';
import { ServiceFaults } from '../src/simulator/service-faults.js';

/** Over real HTTP: where Graph is strict, faults beyond 503 and drops, and replication lag. */
const spec = JSON.parse(readFileSync(new URL('./fixtures/sim-tenant-states.json', import.meta.url), 'utf8')) as TenantSpec;

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const PLAIN = 'b0000000-0000-4000-8000-000000000003';
const DOLLAR = 'b0000000-0000-4000-8000-000000000004';
const GRAPH_CHALLENGE = 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

const running: RunningSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function simulator(behaviour: Partial<SimulatorBehaviour> = {}, tenant: TenantSpec = spec): Promise<RunningSimulator> {
  const sim = await startSimulator({ tenant, behaviour });
  running.push(sim);
  return sim;
}

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

async function graph(sim: RunningSimulator, method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(`${sim.url}/v1.0${path}`, {
    method,
    headers: { authorization: 'Bearer t', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

const addE3 = { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] };
const removeE3 = { addLicenses: [], removeLicenses: [E3] };
const read = (sim: RunningSimulator, key = PLAIN) => graph(sim, 'GET', `/users/${key}?$select=assignedLicenses,usageLocation`);

describe("Graph's strictness", () => {
  it.each([
    ['a raw $', '/users/$admin@contoso.example/assignLicense'],
    ['an encoded $', `/users/${encodeURIComponent('$admin@contoso.example')}/assignLicense`],
  ])('refuses a $-leading key in the slash form (%s) with 400, changing nothing', async (_name, path) => {
    const sim = await simulator();
    const reply = await graph(sim, 'POST', path, addE3);
    expect([reply.status, reply.body.error.code, reply.body.error.message]).toEqual([400, 'BadRequest', "Resource not found for the segment '$admin@contoso.example'."]);
    expect(sim.user(DOLLAR)!.directLicenses).toEqual([]);
  });

  it("serves the same key in the /users('...') form, and in $batch members alike", async () => {
    const sim = await simulator();
    expect((await graph(sim, 'POST', `/users('${encodeURIComponent('$admin@contoso.example')}')/assignLicense`, addE3)).status).toBe(200);
    const batch = await graph(sim, 'POST', '/$batch', {
      requests: [
        { id: '1', method: 'GET', url: '/users/$admin@contoso.example' },
        { id: '2', method: 'GET', url: "/users('$admin@contoso.example')?$select=assignedLicenses" },
      ],
    });
    expect(batch.body.responses.map((r: { status: number }) => r.status)).toEqual([400, 200]);
    expect(batch.body.responses[1].body.assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [] }]);
  });

  it('refuses $top over 999 on /users with Request_UnsupportedQuery, and takes 999', async () => {
    const sim = await simulator();
    const over = await graph(sim, 'GET', '/users?$top=1000');
    expect([over.status, over.body.error.code, over.body.error.message]).toEqual([400, 'Request_UnsupportedQuery', "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."]);
    expect((await graph(sim, 'GET', '/users?$top=999')).body.value).toHaveLength(4);
  });

  it("answers 401 with Graph's WWW-Authenticate challenge; a refused token also gets error=\"invalid_token\"", async () => {
    const sim = await simulator({}, { ...spec, auth: { tokens: { good: ['User.Read.All'] } } });
    const missing = await fetch(`${sim.url}/v1.0/users/${PLAIN}`);
    expect([missing.status, missing.headers.get('www-authenticate')]).toEqual([401, GRAPH_CHALLENGE]);
    const refused = await fetch(`${sim.url}/v1.0/users/${PLAIN}`, { headers: { authorization: 'Bearer bad' } });
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([401, `${GRAPH_CHALLENGE}, error="invalid_token"`]);
    const good = await fetch(`${sim.url}/v1.0/users/${PLAIN}`, { headers: { authorization: 'Bearer good' } });
    expect([good.status, good.headers.get('www-authenticate')]).toEqual([200, null]);
  });

  it('answers a successful assignLicense with the full user object, as in Graph docs', async () => {
    const sim = await simulator();
    const reply = await graph(sim, 'POST', '/users/erring@contoso.example/assignLicense', addE3);
    expect(reply.body).toEqual({
      '@odata.context': `${sim.url}/v1.0/$metadata#users/$entity`,
      businessPhones: [],
      displayName: 'Erring User',
      givenName: null,
      jobTitle: null,
      mail: null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: null,
      userPrincipalName: 'erring@contoso.example',
      id: 'b0000000-0000-4000-8000-000000000001',
    });
  });

  it("answers a user that does not exist with Graph's 404", async () => {
    const sim = await simulator();
    const reply = await graph(sim, 'GET', '/users/ghost@contoso.example');
    expect([reply.status, reply.body.error.code, reply.body.error.message]).toEqual([
      404,
      'Request_ResourceNotFound',
      "Resource 'ghost@contoso.example' does not exist or one of its queried reference-property objects are not present.",
    ]);
  });

  it('shows assignment states and SKU status over HTTP as the model holds them', async () => {
    const sim = await simulator();
    const user = await graph(sim, 'GET', '/users/erring@contoso.example?$select=assignedLicenses,licenseAssignmentStates');
    expect(user.body.assignedLicenses).toEqual([]);
    expect(user.body.licenseAssignmentStates).toEqual([
      { assignedByGroup: null, disabledPlans: [], error: 'CountViolation', lastUpdatedDateTime: '2026-11-30T08:00:00Z', skuId: E3, state: 'Error' },
    ]);
    const skus = await graph(sim, 'GET', '/subscribedSkus');
    expect(skus.body.value.find((s: { skuId: string }) => s.skuId === E3)).toMatchObject({ capabilityStatus: 'Warning', prepaidUnits: { enabled: 4, warning: 2 } });
  });
});

describe('faults beyond 503 and drops', () => {
  it("answers 409 Directory_ConcurrencyViolation with Graph's message, applying nothing", async () => {
    const sim = await simulator({ faults: { error503: 0, dropBeforeApply: 0, dropAfterApply: 0, conflict409: 1 } });
    const reply = await graph(sim, 'POST', `/users/${PLAIN}/assignLicense`, addE3);
    expect([reply.status, reply.body.error.code, reply.body.error.message]).toEqual([
      409,
      'Directory_ConcurrencyViolation',
      'Error due to concurrent requests being made to the tenant. Please wait briefly and retry.',
    ]);
    expect(sim.user(PLAIN)!.directLicenses).toEqual([]);
    expect(sim.stats.faults.conflict409).toBe(1);
    expect((await read(sim)).status).toBe(200); // reads meet no fault
  });

  it.each([
    ['timeoutBeforeApply', false],
    ['timeoutAfterApply', true],
  ] as const)('%s: holds the request unanswered until the client gives up (applied: %s)', async (fault, applied) => {
    const sim = await simulator({ faults: { error503: 0, dropBeforeApply: 0, dropAfterApply: 0, [fault]: 1 } });
    const giveUp = new AbortController();
    const pending = graph(sim, 'POST', `/users/${PLAIN}/assignLicense`, addE3, { signal: giveUp.signal });
    await expect.poll(() => sim.stats.faults[fault]).toBe(1);
    expect(sim.user(PLAIN)!.directLicenses.length).toBe(applied ? 1 : 0);
    giveUp.abort();
    await expect(pending).rejects.toThrow();
    expect(sim.stats.maxInFlight).toBe(1);
    await expect.poll(async () => (await read(sim)).status).toBe(200);
  });

  it('holds a whole $batch envelope when a member times out; close() cuts it promptly', async () => {
    const sim = await simulator({ faults: { error503: 0, dropBeforeApply: 0, dropAfterApply: 0, timeoutBeforeApply: 1 } });
    const pending = graph(sim, 'POST', '/$batch', {
      requests: [{ id: '1', method: 'POST', url: `/users/${PLAIN}/assignLicense`, body: addE3, headers: { 'content-type': 'application/json' } }],
    });
    await expect.poll(() => sim.stats.faults.timeoutBeforeApply).toBe(1);
    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect(pending).rejects.toThrow();
  });

  it('answers a latency spike late but applied', async () => {
    const sim = await simulator({ faults: { error503: 0, dropBeforeApply: 0, dropAfterApply: 0, latencySpike: 1, latencySpikeMs: 300 } });
    const started = performance.now();
    const reply = await graph(sim, 'POST', `/users/${PLAIN}/assignLicense`, addE3);
    expect(reply.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(299);
    expect([sim.stats.faults.latencySpike, sim.user(PLAIN)!.directLicenses.length]).toEqual([1, 1]);
  });

  it("leaves the 503s and drops where they were for a seed: the new faults come from a stream of their own", async () => {
    const statuses = async (faults: Partial<SimulatorBehaviour['faults']>) => {
      const sim = await simulator({ faults: { error503: 0.3, dropBeforeApply: 0, dropAfterApply: 0, ...faults }, seed: 7 });
      const out: number[] = [];
      for (let i = 0; i < 30; i += 1) out.push((await graph(sim, 'POST', `/users/${PLAIN}/assignLicense`, i % 2 === 0 ? addE3 : removeE3)).status);
      return out;
    };
    const without = await statuses({});
    const withConflicts = await statuses({ conflict409: 0.3 });
    expect(withConflicts.map((s) => s === 503)).toEqual(without.map((s) => s === 503));
    expect(withConflicts.filter((s) => s === 409).length).toBeGreaterThan(0);
    expect(await statuses({ conflict409: 0.3 })).toEqual(withConflicts);
  });
});

describe('ServiceFaults', () => {
  it("keeps each fault's share of all writes, drawing only among those the gate let through", () => {
    // The gate takes 50% (503s); 409s and spikes are 25% of all writes each, so 50% each of the rest.
    const faults = new ServiceFaults({ ...DEFAULT_BEHAVIOUR, faults: { error503: 0.5, dropBeforeApply: 0, dropAfterApply: 0, conflict409: 0.25, latencySpike: 0.25 } });
    const n = 20_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i += 1) {
      const kind = faults.draw() ?? 'none';
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    expect((counts.get('conflict409') ?? 0) / n).toBeCloseTo(0.5, 1);
    expect((counts.get('latencySpike') ?? 0) / n).toBeCloseTo(0.5, 1);
    expect(counts.get('none')).toBeUndefined();
  });

  it('draws nothing when none of its faults is on', () => {
    const faults = new ServiceFaults({ ...DEFAULT_BEHAVIOUR, faults: { error503: 0.2, dropBeforeApply: 0, dropAfterApply: 0 } });
    expect(Array.from({ length: 100 }, () => faults.draw()).filter((f) => f !== undefined)).toEqual([]);
  });
});

describe('replication lag over HTTP', () => {
  it('shows reads (by id, $filter and $batch) the state from before a recent write, then the write once the lag has passed', async () => {
    // A long lag first, so that a loaded machine cannot make the "before" reads late; then a short
    // one, to see the write appear once it is older than the lag.
    const sim = await simulator({ replicationLagMs: 60_000 });
    expect((await graph(sim, 'POST', `/users/${PLAIN}/assignLicense`, addE3)).status).toBe(200);
    const patchSent = Date.now(); // not later than the PATCH is applied
    expect((await graph(sim, 'PATCH', `/users/${PLAIN}`, { usageLocation: 'BE' })).status).toBe(204);

    expect((await read(sim)).body).toMatchObject({ assignedLicenses: [], usageLocation: 'FR' });
    const filtered = await graph(sim, 'GET', `/users?${new URLSearchParams({ $filter: `id in ('${PLAIN}')`, $select: 'assignedLicenses' })}`);
    expect(filtered.body.value).toEqual([{ id: PLAIN, assignedLicenses: [] }]);
    const batch = await graph(sim, 'POST', '/$batch', { requests: [{ id: '1', method: 'GET', url: `/users/${PLAIN}?$select=assignedLicenses` }] });
    expect(batch.body.responses[0].body.assignedLicenses).toEqual([]);
    expect(sim.user(PLAIN)!.assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [] }]);

    const lagMs = 300;
    sim.setBehaviour({ replicationLagMs: lagMs });
    await expect.poll(async () => (await read(sim)).body.usageLocation, { timeout: 5_000, interval: 50 }).toBe('BE');
    expect(Date.now() - patchSent).toBeGreaterThanOrEqual(lagMs);
    expect((await read(sim)).body.assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [] }]);
  });

  it('validates writes against the current state while reads lag', async () => {
    const sim = await simulator({ replicationLagMs: 60_000 });
    expect((await graph(sim, 'POST', `/users/${PLAIN}/assignLicense`, addE3)).status).toBe(200);
    expect((await read(sim)).body.assignedLicenses).toEqual([]);
    expect((await graph(sim, 'POST', `/users/${PLAIN}/assignLicense`, removeE3)).status).toBe(200);
    const again = await graph(sim, 'POST', `/users/${PLAIN}/assignLicense`, removeE3);
    expect([again.status, again.body.error.message]).toEqual([400, 'User does not have a corresponding license.']);
  });

  it('takes a new lag at run time', async () => {
    const sim = await simulator();
    sim.setBehaviour({ replicationLagMs: 60_000 });
    expect((await graph(sim, 'POST', `/users/${PLAIN}/assignLicense`, addE3)).status).toBe(200);
    expect((await read(sim)).body.assignedLicenses).toEqual([]);
  });
});
