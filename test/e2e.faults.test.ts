import { afterEach, describe, expect, it } from 'vitest';
import { createGraphClient } from '../src/graph/graph-client.js';
import { systemClock } from '../src/graph/pause-gate.js';
import { runFile } from '../src/run/run-file.js';
import { createRunStats } from '../src/run/run-stats.js';
import type { SimulatorBehaviour } from '../src/simulator/behaviour.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.js';
import type { TenantSpec } from '../src/simulator/tenant-spec.js';
import { csv, readResults, runCli, tempDir } from './helpers/cli.js';
import { PLAN, SKU, testTenant, upn, userId } from './helpers/tenant.js';

/**
 * Faults injected into every write at 5 to 20%, seeded, against one mixed sheet (adds, removes, plan
 * changes, usage locations, a user's rows split over the file). Whatever the fault, the run must end
 * with: every row in the results exactly once and in order, every row succeeded (each fault is
 * transient, and retried), the tenant's direct assignments exactly as the file asks, never two
 * requests of one user in flight, and an undo file that gives back the tenant as it was.
 */

const TOKEN = { GRAPH_ACCESS_TOKEN: 'test-token' };
const USERS = 40;
/**
 * Users whose rows are already in place (skipped, no write), between a user's first rows and the
 * later ones: more than the run admits at once, so that the later rows become a unit of their own,
 * planned once the first has been planned (and often while it is still running).
 */
const FILLERS = 1000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Direct = Record<string, string[]>;
type Row = { user: string; sku: string; plans: string; action: 'add' | 'remove'; location: string; filler?: boolean };

const PLAN_ID: Record<string, string> = PLAN;

/** Four kinds of user, by n % 4: E3 with SWAY off; EMS; nothing; E3 and EMS. Fillers hold EMS. */
function held(n: number): Direct {
  if (n > USERS) return { [SKU.EMS]: [] };
  switch (n % 4) {
    case 0:
      return { [SKU.E3]: [PLAN.SWAY] };
    case 1:
      return { [SKU.EMS]: [] };
    case 2:
      return {};
    default:
      return { [SKU.E3]: [], [SKU.EMS]: [] };
  }
}

function tenant(): TenantSpec {
  const base = testTenant({ users: USERS + FILLERS });
  return {
    ...base,
    users: base.users.map((u, i) => ({
      ...u,
      assignedLicenses: Object.entries(held(i + 1)).map(([skuId, disabledPlans]) => ({ skuId, disabledPlans })),
    })),
  };
}

/**
 * Every row but the fillers' changes something, so each must end `succeeded`. Users n % 4 == 1 have a
 * second row at the end of the file, past the fillers: a later unit of a user the run already wrote to.
 */
function sheet(): Row[] {
  const rows: Row[] = [];
  const later: Row[] = [];
  for (let n = 1; n <= USERS; n++) {
    const user = upn(n);
    const location = n % 8 === 2 ? 'DE' : '';
    switch (n % 4) {
      case 0: // plan change, and a new SKU
        rows.push({ user, sku: 'ENTERPRISEPACK', plans: '', action: 'add', location }, { user, sku: 'EMS', plans: 'INTUNE_A', action: 'add', location });
        break;
      case 1: // swap EMS for E3, the E3 coming later in the file
        rows.push({ user, sku: 'EMS', plans: '', action: 'remove', location });
        later.push({ user, sku: 'ENTERPRISEPACK', plans: 'SWAY;TEAMS1', action: 'add', location });
        break;
      case 2: // a new hire: usage location on some, two SKUs
        rows.push({ user, sku: 'ENTERPRISEPACK', plans: 'SWAY', action: 'add', location }, { user, sku: 'EMS', plans: '', action: 'add', location });
        break;
      default: // a leaver
        rows.push({ user, sku: 'ENTERPRISEPACK', plans: '', action: 'remove', location }, { user, sku: 'EMS', plans: '', action: 'remove', location });
    }
  }
  const fillers = Array.from({ length: FILLERS }, (_, i): Row => ({ user: upn(USERS + i + 1), sku: 'EMS', plans: '', action: 'add', location: '', filler: true }));
  return [...rows, ...fillers, ...later];
}

function sheetCsv(rows: Row[]): string {
  return csv([['UserPrincipalName', 'SkuId', 'DisabledPlans', 'Action', 'UsageLocation'], ...rows.map((r) => [r.user, r.sku, r.plans, r.action, r.location])]);
}

const SKU_ID: Record<string, string> = { ENTERPRISEPACK: SKU.E3, EMS: SKU.EMS };

/** The tenant the file asks for: the rows applied one by one, in file order, to what each user held. */
function wanted(rows: Row[]): Map<string, Direct> {
  const want = new Map<string, Direct>();
  for (let n = 1; n <= USERS + FILLERS; n++) want.set(upn(n), held(n));
  for (const row of rows) {
    const user = { ...want.get(row.user)! };
    const skuId = SKU_ID[row.sku]!;
    if (row.action === 'remove') delete user[skuId];
    else user[skuId] = row.plans === '' ? [] : row.plans.split(';').map((name) => PLAN_ID[name]!).sort();
    want.set(row.user, user);
  }
  return want;
}

function direct(sim: RunningSimulator, key: string): Direct {
  return Object.fromEntries(sim.user(key)!.directLicenses.map((l) => [l.skuId, [...l.disabledPlans].sort()]));
}

function tenantNow(sim: RunningSimulator): Map<string, Direct> {
  return new Map(Array.from({ length: USERS + FILLERS }, (_, i) => [upn(i + 1), direct(sim, upn(i + 1))]));
}

async function simulator(behaviour: Partial<SimulatorBehaviour>): Promise<RunningSimulator> {
  const sim = await startSimulator({ tenant: tenant(), behaviour });
  cleanups.push(() => sim.close());
  return sim;
}

async function workspace() {
  const dir = await tempDir();
  cleanups.push(() => dir.dispose());
  return dir;
}

/**
 * The invariants every fault scenario must keep, then the undo file run with the faults off: it must
 * give back the tenant as it was before the run.
 */
async function expectInvariants(sim: RunningSimulator, rows: Row[], results: Record<string, string>[], undoPath: string, dir: { file(name: string): string }) {
  // No row lost, none duplicated, in input order.
  expect(results.map((r) => Number(r.row))).toEqual(rows.map((_, i) => i + 1));
  expect(results.map((r) => r.UserPrincipalName)).toEqual(rows.map((r) => r.user));
  // Each fault is transient: every row gets through, or is confirmed in place.
  const wrong = results.filter((r, i) => r.status !== (rows[i]!.filler ? 'skipped' : 'succeeded'));
  expect(wrong.map((r) => `${r.row} ${r.status} ${r.errorCode}: ${r.message}`)).toEqual([]);
  // The tenant as the file asks.
  expect(tenantNow(sim)).toEqual(wanted(rows));
  expect(sim.stats.maxInFlightPerUser).toBe(1);

  const before = new Map(Array.from({ length: USERS + FILLERS }, (_, i) => [upn(i + 1), held(i + 1)]));
  sim.setBehaviour({ faults: { error503: 0, dropBeforeApply: 0, dropAfterApply: 0 }, writeBucket: undefined, replicationLagMs: 0 });
  const undone = await runCli(['run', undoPath, '--graph-url', sim.url, '--out', dir.file('undo.results.csv')], { env: TOKEN });
  expect(undone.code, undone.stderr).toBe(0);
  expect(tenantNow(sim)).toEqual(before);
}

const NO_FAULTS = { error503: 0, dropBeforeApply: 0, dropAfterApply: 0 };

/** Each scenario: the behaviour, extra CLI flags, and the fault counter that proves the fault was met. */
const SCENARIOS: {
  name: string;
  behaviour: Partial<SimulatorBehaviour>;
  args?: string[];
  met: (sim: RunningSimulator) => number;
}[] = [
  { name: '15% 503 serviceNotAvailable', behaviour: { faults: { ...NO_FAULTS, error503: 0.15 }, seed: 11 }, met: (s) => s.stats.faults.error503 },
  { name: '15% 409 Directory_ConcurrencyViolation', behaviour: { faults: { ...NO_FAULTS, conflict409: 0.15 }, seed: 12 }, met: (s) => s.stats.faults.conflict409 },
  {
    name: '10% connections dropped before, 10% after the change is applied',
    behaviour: { faults: { ...NO_FAULTS, dropBeforeApply: 0.1, dropAfterApply: 0.1 }, seed: 13 },
    met: (s) => Math.min(s.stats.faults.dropBeforeApply, s.stats.faults.dropAfterApply),
  },
  { name: '20% latency spikes of 1.5 s', behaviour: { faults: { ...NO_FAULTS, latencySpike: 0.2, latencySpikeMs: 1500 }, seed: 14 }, met: (s) => s.stats.faults.latencySpike },
  {
    name: 'a 429 storm: a write bucket of 8, refilled at 20 per second, under --max-rate off',
    behaviour: { writeBucket: { capacity: 8, refillPerSecond: 20 }, seed: 15 },
    args: ['--max-rate', 'off'],
    met: (s) => s.stats.throttled,
  },
  {
    name: 'replication lag of 3 s, with 15% of connections dropped after the change is applied',
    behaviour: { replicationLagMs: 3000, faults: { ...NO_FAULTS, dropAfterApply: 0.15 }, seed: 16 },
    met: (s) => s.stats.faults.dropAfterApply,
  },
  {
    name: 'everything at once, 5% each, in $batch envelopes of 4',
    behaviour: {
      faults: { error503: 0.05, dropBeforeApply: 0.05, dropAfterApply: 0.05, conflict409: 0.05, latencySpike: 0.05, latencySpikeMs: 1000 },
      replicationLagMs: 2000,
      seed: 17,
    },
    args: ['--batch-size', '4', '--max-rate', 'off'],
    met: (s) => Math.min(s.stats.faults.error503, s.stats.faults.dropAfterApply, s.stats.faults.conflict409),
  },
];

describe('run under injected faults (seeded): nothing lost, nothing twice, the tenant as the file asks', () => {
  it.each(SCENARIOS)('$name', async ({ behaviour, args = [], met }) => {
    const sim = await simulator(behaviour);
    const dir = await workspace();
    const rows = sheet();
    const input = await dir.write('licenses.csv', sheetCsv(rows));
    const result = await runCli(['run', input, '--graph-url', sim.url, '--max-retries', '8', ...args], { env: TOKEN });
    expect(met(sim)).toBeGreaterThan(0);
    // Read before the undo run below, which knows nothing of this run's Retry-After.
    expect(sim.stats.requestsDuringRetryAfter).toBe(0);
    const results = await readResults(dir.file('licenses.results.csv'));
    await expectInvariants(sim, rows, results, dir.file('licenses.results.undo.csv'), dir);
    expect(result.code, result.stderr).toBe(0);
  });

  it('a response that never comes (5% held before, 5% after the change is applied): the attempt times out and the row is settled', async () => {
    // The CLI's client waits 60 s per attempt; this scenario drives the same run engine with a client that waits 1.5 s.
    const sim = await simulator({ faults: { ...NO_FAULTS, timeoutBeforeApply: 0.05, timeoutAfterApply: 0.05 }, seed: 18 });
    const dir = await workspace();
    const rows = sheet();
    const input = await dir.write('licenses.csv', sheetCsv(rows));
    const transport = createGraphClient({ root: `${sim.url}/v1.0`, tokens: { getToken: async () => 'test-token' }, timeoutMs: 1500 });
    try {
      const result = await runFile(
        {
          input,
          out: dir.file('licenses.results.csv'),
          dryRun: false,
          resume: false,
          strict: false,
          concurrency: 8,
          maxRetries: 8,
          maxRate: undefined,
          batchSize: 1,
          noRead: false,
          disabledPlans: 'replace',
        },
        { transport, clock: systemClock, random: Math.random, stats: createRunStats(Date.now()) },
      );
      expect(Math.min(sim.stats.faults.timeoutBeforeApply, sim.stats.faults.timeoutAfterApply)).toBeGreaterThan(0);
      const results = await readResults(dir.file('licenses.results.csv'));
      await expectInvariants(sim, rows, results, dir.file('licenses.results.undo.csv'), dir);
      expect(result.exitCode).toBe(0);
    } finally {
      transport.close();
    }
  });
});

/**
 * SPEC §3 "Ambiguous failures", in a directory whose reads lag its writes: a write's own answer
 * outranks a read, and a read that does not yet show a change is tried again after a short wait.
 */
describe("run in an eventually consistent directory: a write's answer outranks a lagging read", () => {
  /** `users` users holding E3 and EMS directly. */
  function holdingBoth(users: number): TenantSpec {
    const base = testTenant({ users });
    return { ...base, users: base.users.map((u) => ({ ...u, assignedLicenses: [{ skuId: SKU.E3 }, { skuId: SKU.EMS }] })) };
  }

  async function runSheet(spec: TenantSpec, behaviour: Partial<SimulatorBehaviour>, lines: string[][], args: string[] = []) {
    const sim = await startSimulator({ tenant: spec, behaviour });
    cleanups.push(() => sim.close());
    const dir = await workspace();
    const input = await dir.write('licenses.csv', csv(lines));
    const result = await runCli(['run', input, '--graph-url', sim.url, ...args], { env: TOKEN });
    return { sim, result, rows: await readResults(dir.file('licenses.results.csv')) };
  }

  it('a remove whose answer was lost, answered "does not have a corresponding license" on its retry, has succeeded, however far reads lag', async () => {
    // Reads lag a minute: a row settled by reading would wait, then fail; only the retry's answer can settle it.
    const users = 40;
    const { sim, result, rows } = await runSheet(
      holdingBoth(users),
      { replicationLagMs: 60_000, faults: { ...NO_FAULTS, dropAfterApply: 0.2 }, seed: 21 },
      [['upn', 'sku', 'action'], ...Array.from({ length: users }, (_, i) => [upn(i + 1), 'EMS', 'remove'])],
    );
    expect(sim.stats.faults.dropAfterApply).toBeGreaterThan(2);
    expect(rows.filter((r) => r.status !== 'succeeded').map((r) => `${r.row}: ${r.message}`)).toEqual([]);
    expect(result.code).toBe(0);
    const settled = rows.filter((r) => /on a retry/.test(r.message));
    expect(settled.length).toBeGreaterThan(2);
    for (const r of settled) {
      expect(r.message).toBe('removed EMS (Enterprise Mobility + Security E3) (on a retry Graph answered that the user does not have the license: the remove is in place)');
      expect(r.httpStatus).toBe('400');
      expect(Number(r.attempts)).toBeGreaterThanOrEqual(2);
    }
    for (let n = 1; n <= users; n++) expect(direct(sim, upn(n))).toEqual({ [SKU.E3]: [] });
  });

  it('a body of an add and a remove whose answer was lost: the add is confirmed by a read, tried again after short waits while reads lag 2.5 s', async () => {
    const users = 30;
    const { sim, result, rows } = await runSheet(
      holdingBoth(users),
      { replicationLagMs: 2500, faults: { ...NO_FAULTS, dropAfterApply: 0.2 }, seed: 22 },
      [['upn', 'sku', 'disabledplans', 'action'], ...Array.from({ length: users }, (_, i) => [[upn(i + 1), 'ENTERPRISEPACK', 'SWAY', 'add'], [upn(i + 1), 'EMS', '', 'remove']]).flat()],
    );
    expect(rows.filter((r) => r.status !== 'succeeded').map((r) => `${r.row}: ${r.message}`)).toEqual([]);
    expect(result.code).toBe(0);
    // Every unit whose answer was lost is settled by reading the user (which shows the change only once
    // the lag has passed), not by sending each change again on its own.
    const lost = rows.filter((r) => /lost|on a retry/.test(r.message));
    expect(lost.length).toBeGreaterThanOrEqual(2);
    expect(lost.filter((r) => !/confirmed by reading the user after a lost response/.test(r.message)).map((r) => `${r.row}: ${r.message}`)).toEqual([]);
    for (let n = 1; n <= users; n++) expect(direct(sim, upn(n))).toEqual({ [SKU.E3]: [PLAN.SWAY] });
  });

  it("a user's later rows plan against what the run wrote, not against a read that does not show it yet", async () => {
    // Exactly one E3 seat per user. Each user's row comes twice, with more users between the copies than
    // the run holds in its window (their rows already in place: no writes), so that the first copy is
    // done before the second is planned. A second copy planned against a lagging read would want a
    // second seat, find none, and fail.
    const users = 20;
    const fillers = 1100;
    const base = testTenant({ users: users + fillers, seats: users });
    const spec: TenantSpec = { ...base, users: base.users.map((u, i) => (i < users ? u : { ...u, assignedLicenses: [{ skuId: SKU.EMS }] })) };
    const copy = Array.from({ length: users }, (_, i) => [upn(i + 1), 'ENTERPRISEPACK', 'SWAY']);
    const between = Array.from({ length: fillers }, (_, i) => [upn(users + i + 1), 'EMS', '']);
    const { sim, result, rows } = await runSheet(spec, { replicationLagMs: 30_000 }, [['upn', 'sku', 'disabledplans'], ...copy, ...between, ...copy]);
    const copies = [...rows.slice(0, users), ...rows.slice(users + fillers)];
    expect(copies.map((r) => r.status)).toEqual([...Array(users).fill('succeeded'), ...Array(users).fill('skipped')]);
    expect(copies[users]!.message).toBe('already assigned with the same plans: ENTERPRISEPACK with SWAY disabled');
    expect(result.code).toBe(0);
    expect(sim.stats.operations.assignLicense).toBe(users);
    for (let n = 1; n <= users; n++) expect(direct(sim, upn(n))).toEqual({ [SKU.E3]: [PLAN.SWAY] });
  });
});

describe('one request per user in flight, whatever key a row names the user by', () => {
  it('a user named by UPN in one row and by object id in the next: the two changes go one after the other, in file order', async () => {
    const users = 12;
    // 30 ms per answer, so that two requests of one user sent together would overlap.
    const sim = await startSimulator({ tenant: testTenant({ users }), behaviour: { latencyMs: 30 } });
    cleanups.push(() => sim.close());
    const dir = await workspace();
    const lines = [
      ['upn', 'sku', 'disabledplans'],
      ...Array.from({ length: users }, (_, i) => [
        [upn(i + 1), 'ENTERPRISEPACK', 'SWAY'],
        [userId(i + 1), 'ENTERPRISEPACK', 'TEAMS1'],
        [upn(i + 1).toUpperCase(), 'EMS', ''],
      ]).flat(),
    ];
    const input = await dir.write('licenses.csv', csv(lines));
    const result = await runCli(['run', input, '--graph-url', sim.url, '--max-rate', 'off'], { env: TOKEN });
    const rows = await readResults(dir.file('licenses.results.csv'));
    expect(rows.map((r) => r.status)).toEqual(Array(users * 3).fill('succeeded'));
    expect(result.code).toBe(0);
    // Reads travel as filters of many users, which the simulator does not count per user: this is the writes.
    expect(sim.stats.maxInFlightPerUser).toBe(1);
    // The later row, by object id, planned against what the earlier one wrote, and applied after it.
    expect(rows[1]!.message).toBe('changed ENTERPRISEPACK (Office 365 E3) to TEAMS1 disabled (was: SWAY disabled)');
    for (let n = 1; n <= users; n++) expect(direct(sim, upn(n))).toEqual({ [SKU.E3]: [PLAN.TEAMS1], [SKU.EMS]: [] });
    // The undo file restores the state before the run, not the state between the two rows.
    const undone = await runCli(['run', dir.file('licenses.results.undo.csv'), '--graph-url', sim.url, '--out', dir.file('undo.results.csv')], { env: TOKEN });
    expect(undone.code, undone.stderr).toBe(0);
    for (let n = 1; n <= users; n++) expect(direct(sim, upn(n))).toEqual({});
  });
});

