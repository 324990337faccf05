import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorBehaviour, type TenantSpec } from '../src/simulator/index.js';

const spec = JSON.parse(readFileSync(new URL('./fixtures/sim-tenant.json', import.meta.url), 'utf8')) as TenantSpec;

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const ALICE = 'a0000000-0000-4000-8000-000000000001';
const BOB = 'a0000000-0000-4000-8000-000000000002';
const NO_FAULTS = { error503: 0, dropBeforeApply: 0, dropAfterApply: 0 };

const running: RunningSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function simulator(behaviour: Partial<SimulatorBehaviour> = {}): Promise<RunningSimulator> {
  const sim = await startSimulator({ tenant: spec, behaviour });
  running.push(sim);
  return sim;
}

const auth = { authorization: 'Bearer t' };
const json = { ...auth, 'content-type': 'application/json' };
const assignE3 = JSON.stringify({ addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
const removeE3 = JSON.stringify({ addLicenses: [], removeLicenses: [E3] });

function post(sim: RunningSimulator, user: string, body = assignE3): Promise<Response> {
  return fetch(`${sim.url}/v1.0/users/${encodeURIComponent(user)}/assignLicense`, { method: 'POST', headers: json, body });
}

function get(sim: RunningSimulator, user: string): Promise<Response> {
  return fetch(`${sim.url}/v1.0/users/${encodeURIComponent(user)}`, { headers: auth });
}

describe('throttling', () => {
  // Refilling one token per 1000 s makes every Retry-After exact and time-independent.
  const slowBucket = { writeBucket: { capacity: 2, refillPerSecond: 0.001 } };

  it('answers 429 with Retry-After in whole seconds once the bucket is empty, and hints past 80% used', async () => {
    const sim = await simulator(slowBucket);
    const first = await post(sim, BOB);
    const second = await post(sim, BOB, removeE3);
    const third = await post(sim, BOB);
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect(first.headers.get('x-ms-throttle-limit-percentage')).toBeNull();
    expect(second.headers.get('x-ms-throttle-limit-percentage')).toBe('1.00');
    expect(third.headers.get('retry-after')).toBe('1000');
    expect(((await third.json()) as any).error).toMatchObject({ code: 'TooManyRequests', message: 'Too many requests.' });
    expect(sim.stats.throttled).toBe(1);
    expect(sim.user(BOB)!.directLicenses).toEqual([]);
  });

  it('does not throttle reads', async () => {
    const sim = await simulator({ writeBucket: { capacity: 1, refillPerSecond: 0.001 } });
    const statuses = await Promise.all([get(sim, BOB), get(sim, BOB), get(sim, ALICE)].map(async (r) => (await r).status));
    expect(statuses).toEqual([200, 200, 200]);
  });

  it('counts requests sent after a 429 while its Retry-After is in force', async () => {
    const sim = await simulator({ ...slowBucket, retryAfterGraceMs: 0 });
    await get(sim, BOB);
    await post(sim, BOB);
    await post(sim, ALICE, removeE3);
    expect(sim.stats.requestsDuringRetryAfter).toBe(0);
    expect((await post(sim, BOB)).status).toBe(429);
    await get(sim, BOB);
    await get(sim, ALICE);
    expect(sim.stats.requestsDuringRetryAfter).toBe(2);
  });

  it('counts exactly by what the client knew: the stamp of the 429 it echoes, whatever the grace period', async () => {
    const sim = await simulator({ ...slowBucket, retryAfterGraceMs: 60_000 });
    await post(sim, BOB);
    await post(sim, ALICE, removeE3);
    const throttled = await post(sim, BOB);
    expect(throttled.status).toBe(429);
    const stamp = throttled.headers.get('x-simulator-retry-after-id');
    expect(stamp).toBe('1');
    const echoing = (seen: string) => fetch(`${sim.url}/v1.0/users/${BOB}`, { headers: { ...auth, 'x-license-batch-retry-after-seen': seen } });
    // Sent before the client had seen the 429: not its fault.
    await echoing('0');
    expect(sim.stats.requestsDuringRetryAfter).toBe(0);
    // Sent knowing of the pause, at once: a violation, though within the grace period.
    await echoing(stamp!);
    expect(sim.stats.requestsDuringRetryAfter).toBe(1);
  });

  it('throttles reads on a budget of their own, in resource units, counted apart from writes', async () => {
    const sim = await simulator({ readBucket: { capacity: 3, refillPerSecond: 0.001 }, writeBucket: { capacity: 5, refillPerSecond: 0.001 } });
    const list = () => fetch(`${sim.url}/v1.0/users?$select=id`, { headers: auth });
    expect((await list()).status).toBe(200);
    expect((await get(sim, BOB)).status).toBe(200);
    const refused = await list();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(refused.headers.get('x-simulator-retry-after-id')).toBe('1');
    expect((await post(sim, BOB)).status).toBe(200);
    expect(sim.stats).toMatchObject({ readsThrottled: 1, throttled: 0 });
  });

  it('forgives requests that arrive within the grace period', async () => {
    const sim = await simulator({ ...slowBucket, retryAfterGraceMs: 60_000 });
    await post(sim, BOB);
    await post(sim, ALICE, removeE3);
    expect((await post(sim, BOB)).status).toBe(429);
    await get(sim, BOB);
    expect(sim.stats.requestsDuringRetryAfter).toBe(0);
  });

  it('throttles $batch members one by one, with a Retry-After member header', async () => {
    const sim = await simulator(slowBucket);
    const member = (id: string, user: string, body: string) => ({
      id,
      method: 'POST',
      url: `/users/${user}/assignLicense`,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.parse(body),
    });
    const res = await fetch(`${sim.url}/v1.0/$batch`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ requests: [member('1', BOB, assignE3), member('2', ALICE, removeE3), member('3', 'carol@contoso.example', assignE3)] }),
    });
    const body = (await res.json()) as any;
    expect(res.status).toBe(200);
    expect(body.responses.map((r: any) => [r.id, r.status, r.headers['Retry-After']])).toEqual([
      ['1', 200, undefined],
      ['2', 200, undefined],
      ['3', 429, '1000'],
    ]);
    expect(sim.stats).toMatchObject({ requests: 1, throttled: 1, operations: { assignLicense: 3, batch: 1 } });
  });
});

describe('faults', () => {
  it('answers 503 serviceNotAvailable with Retry-After, without applying', async () => {
    const sim = await simulator({ faults: { ...NO_FAULTS, error503: 1, error503RetryAfterSeconds: 7 }, retryAfterGraceMs: 0 });
    const res = await post(sim, BOB);
    expect([res.status, res.headers.get('retry-after')]).toEqual([503, '7']);
    expect(((await res.json()) as any).error.code).toBe('serviceNotAvailable');
    expect(sim.user(BOB)!.directLicenses).toEqual([]);
    expect(sim.stats.faults).toMatchObject({ error503: 1, dropBeforeApply: 0, dropAfterApply: 0, conflict409: 0, timeoutBeforeApply: 0 });
    await get(sim, BOB);
    expect(sim.stats.requestsDuringRetryAfter).toBe(1);
  });

  it('drops the connection before applying', async () => {
    const sim = await simulator({ faults: { ...NO_FAULTS, dropBeforeApply: 1 } });
    await expect(post(sim, BOB)).rejects.toThrow();
    expect(sim.user(BOB)!.directLicenses).toEqual([]);
    expect(sim.stats.faults.dropBeforeApply).toBe(1);
  });

  it('drops the connection after applying: the change is made, the answer lost', async () => {
    const sim = await simulator({ faults: { ...NO_FAULTS, dropAfterApply: 1 } });
    await expect(post(sim, BOB)).rejects.toThrow();
    expect(sim.user(BOB)!.directLicenses).toEqual([{ skuId: E3, disabledPlans: [] }]);
    expect(sim.stats.faults.dropAfterApply).toBe(1);
    expect(sim.stats.assignLicenseByUser.get(BOB)).toBe(1);
  });

  it('drops a whole $batch envelope at the first dropped member, later members unapplied', async () => {
    const sim = await simulator();
    sim.setBehaviour({ faults: { ...NO_FAULTS, dropAfterApply: 1 } });
    const member = (id: string, user: string) => ({ id, method: 'POST', url: `/users/${user}/assignLicense`, headers: { 'content-type': 'application/json' }, body: JSON.parse(assignE3) });
    const sending = fetch(`${sim.url}/v1.0/$batch`, { method: 'POST', headers: json, body: JSON.stringify({ requests: [member('1', BOB), member('2', 'x_y.com#EXT#@t.onmicrosoft.com')] }) });
    await expect(sending).rejects.toThrow();
    expect(sim.user(BOB)!.directLicenses).toHaveLength(1);
    expect(sim.user('x_y.com#EXT#@t.onmicrosoft.com')!.directLicenses).toHaveLength(0);
  });

  it('strikes writes only', async () => {
    const sim = await simulator({ faults: { ...NO_FAULTS, error503: 1 } });
    expect((await get(sim, BOB)).status).toBe(200);
    expect((await fetch(`${sim.url}/v1.0/subscribedSkus`, { headers: auth })).status).toBe(200);
  });

  it('repeats the same faults for the same seed', async () => {
    const statuses = async (seed: number) => {
      const sim = await simulator({ faults: { ...NO_FAULTS, error503: 0.5 }, seed });
      const seen: number[] = [];
      for (let i = 0; i < 24; i += 1) seen.push((await post(sim, BOB, i % 2 === 0 ? assignE3 : removeE3)).status);
      return seen;
    };
    const a = await statuses(11);
    expect(await statuses(11)).toEqual(a);
    expect(await statuses(12)).not.toEqual(a);
    expect(a).toContain(503);
    expect(a).toContain(200);
  });

  it('changes faults at run time', async () => {
    const sim = await simulator();
    sim.setBehaviour({ faults: { ...NO_FAULTS, error503: 1 } });
    expect((await post(sim, BOB)).status).toBe(503);
    sim.setBehaviour({ faults: NO_FAULTS });
    expect((await post(sim, BOB)).status).toBe(200);
  });
});

describe('concurrency counters', () => {
  it('counts concurrent operations on one user, however it is named, latency included', async () => {
    const sim = await simulator({ latencyMs: 300 });
    await Promise.all([post(sim, BOB), get(sim, 'BOB@contoso.example'), get(sim, BOB)]);
    expect(sim.stats.maxInFlightPerUser).toBe(3);
    expect(sim.stats.maxInFlight).toBe(3);
  });

  it('keeps users apart', async () => {
    const sim = await simulator({ latencyMs: 300 });
    await Promise.all([post(sim, BOB), get(sim, ALICE), get(sim, 'carol@contoso.example')]);
    expect(sim.stats.maxInFlight).toBe(3);
    expect(sim.stats.maxInFlightPerUser).toBe(1);
  });

  it('counts $batch members on one user as concurrent, even twenty of them', async () => {
    const sim = await simulator();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const requests = Array.from({ length: 20 }, (_, i) => ({ id: String(i), method: 'GET', url: i % 2 === 0 ? `/users/${BOB}` : '/users/bob@contoso.example' }));
    const res = await fetch(`${sim.url}/v1.0/$batch`, { method: 'POST', headers: json, body: JSON.stringify({ requests }) });
    process.off('warning', onWarning);
    expect(res.status).toBe(200);
    expect(sim.stats.maxInFlightPerUser).toBe(20);
    expect(warnings).toEqual([]);
  });

  it('counts assignLicense per user, failed ones included', async () => {
    const sim = await simulator();
    await post(sim, 'bob@contoso.example');
    await post(sim, BOB, JSON.stringify({ addLicenses: [] }));
    await post(sim, 'Nobody@contoso.example');
    expect([...sim.stats.assignLicenseByUser]).toEqual([
      [BOB, 2],
      ['nobody@contoso.example', 1],
    ]);
  });

  it('waits latencyMs before answering', async () => {
    const sim = await simulator({ latencyMs: 150 });
    const started = performance.now();
    await get(sim, BOB);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });
});
