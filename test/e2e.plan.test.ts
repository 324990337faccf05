import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorBehaviour } from '../src/simulator/behaviour.js';
import type { RunningSimulator } from '../src/simulator/index.js';
import type { TenantSpec, UserSpec } from '../src/simulator/tenant-spec.js';
import { csv, readResults } from './helpers/cli.js';
import { GROUP, PLAN, SKU, testTenant, upn, userId } from './helpers/tenant.js';
import { startHarness, type OpenHarness } from './helpers/with-simulator.js';

const harnesses = new Map<RunningSimulator, OpenHarness>();
afterEach(async () => {
  for (const harness of harnesses.values()) await harness.close();
  harnesses.clear();
});

async function simulator(tenant: TenantSpec, behaviour: Partial<SimulatorBehaviour> = {}): Promise<RunningSimulator> {
  const harness = await startHarness({ tenant, behaviour });
  harnesses.set(harness.sim, harness);
  return harness.sim;
}

/** Runs `license-batch run` on `content` against `sim`; returns the CLI result, the results rows and the files' paths. */
async function run(sim: RunningSimulator, content: string, args: string[] = []) {
  const harness = harnesses.get(sim)!;
  const dir = await harness.workspace();
  const input = await dir.write('licenses.csv', content);
  const result = await harness.cli(['run', input, '--graph-url', sim.url, ...args]);
  const rows = await readResults(dir.file('licenses.results.csv'));
  return { ...result, rows, dir, input, undo: dir.file('licenses.results.undo.csv'), cli: harness.cli };
}

/** The tenant of `testTenant` with E3's seats set, and users shaped by `user(n)`. */
function tenantWith(users: number, e3Seats: number, user: (n: number) => Partial<UserSpec> = () => ({})): TenantSpec {
  const base = testTenant({ users });
  return {
    ...base,
    skus: base.skus.map((sku) => (sku.skuId === SKU.E3 ? { ...sku, prepaidUnits: { enabled: e3Seats } } : sku)),
    users: base.users.map((u, i) => ({ ...u, ...user(i + 1) })),
  };
}

function writes(sim: RunningSimulator): number {
  return sim.stats.operations.assignLicense + sim.stats.operations.patchUser;
}

function direct(sim: RunningSimulator, key: string): Record<string, string[]> {
  return Object.fromEntries(sim.user(key)!.directLicenses.map((l) => [l.skuId, [...l.disabledPlans].sort()]));
}

describe('run reads the tenant first: a re-run of a sheet already in force', () => {
  it('sends no write for 10,000 users already as the sheet asks, marks every row skipped and exits 0', async () => {
    const users = 10_000;
    const sim = await simulator(tenantWith(users, 100_000, () => ({ assignedLicenses: [{ skuId: SKU.E3, disabledPlans: [PLAN.SWAY] }] })));
    const lines = [['UserPrincipalName', 'SkuId', 'DisabledPlans'], ...Array.from({ length: users }, (_, i) => [i % 2 ? upn(i + 1) : userId(i + 1), 'ENTERPRISEPACK', 'SWAY'])];
    const { code, rows, stderr } = await run(sim, csv(lines));
    expect(stderr).not.toContain('internal error');
    expect(code).toBe(0);
    expect(writes(sim)).toBe(0);
    expect(rows.filter((r) => r.status !== 'skipped')).toEqual([]);
    expect(rows[0]!.message).toBe('already assigned with the same plans: ENTERPRISEPACK with SWAY disabled');
    // Read in bulk: 15 users to a filter, filters carried 20 to a $batch envelope.
    expect(sim.stats.operations.listUsers).toBeLessThanOrEqual(Math.ceil(users / 15) + 20);
    // Unbatched, that would be a request per filter (667); paced reads still share envelopes.
    expect(sim.stats.requests).toBeLessThan(users / 50);
  });
});

describe('run checks seats before it writes', () => {
  it('with 5 free seats and 8 adds, adds the first 5 and fails the other 3 without a write, naming the SKU and the seats', async () => {
    const sim = await simulator(tenantWith(10, 7, (n) => (n > 8 ? { assignedLicenses: [{ skuId: SKU.E3 }] } : {})));
    const { code, rows } = await run(sim, csv([['upn', 'sku'], ...Array.from({ length: 8 }, (_, i) => [upn(i + 1), 'ENTERPRISEPACK'])]));
    expect(code).toBe(1);
    expect(rows.map((r) => r.status)).toEqual([...Array(5).fill('succeeded'), ...Array(3).fill('failed')]);
    for (const r of rows.slice(5)) {
      expect(r).toMatchObject({ errorCode: 'NoSeats', httpStatus: '', attempts: '0' });
      expect(r.message).toMatch(/no free seat of ENTERPRISEPACK left: 5 were free when the run started/);
    }
    expect(sim.stats.operations.assignLicense).toBe(5);
    expect(sim.skus().find((s) => s.skuId === SKU.E3)!.consumedUnits).toBe(7);
  });

  it('says that seats ran out during the run when another admin takes the seat the check had counted', async () => {
    const sim = await simulator(tenantWith(2, 1), { latencyMs: 150 });
    // Two runs at once: each reads one free seat before either writes; Graph gives it to one of them.
    const [a, b] = await Promise.all([run(sim, csv([['upn', 'sku'], [upn(1), 'ENTERPRISEPACK']])), run(sim, csv([['upn', 'sku'], [upn(2), 'ENTERPRISEPACK']]))]);
    const rows = [a.rows[0]!, b.rows[0]!];
    expect(rows.map((r) => r.status).sort()).toEqual(['failed', 'succeeded']);
    const loser = rows.find((r) => r.status === 'failed')!;
    expect(loser).toMatchObject({ httpStatus: '400', errorCode: 'Request_BadRequest' });
    expect(loser.message).toMatch(/does not have any available licenses.*seats ran out during the run/);
  });

  it('moves seats from 3 leavers to 3 joiners at zero free seats: all 6 succeed', async () => {
    const sim = await simulator(tenantWith(6, 3, (n) => (n <= 3 ? { assignedLicenses: [{ skuId: SKU.E3 }] } : {})));
    const lines = [['upn', 'sku', 'action'], [upn(1), SKU.E3, 'remove'], [upn(2), SKU.E3, 'remove'], [upn(3), SKU.E3, 'remove'], [upn(4), SKU.E3, 'add'], [upn(5), SKU.E3, 'add'], [upn(6), SKU.E3, 'add']];
    const { code, rows } = await run(sim, csv(lines), ['--concurrency', '16']);
    expect(rows.map((r) => r.status)).toEqual(Array(6).fill('succeeded'));
    expect(code).toBe(0);
    for (let n = 1; n <= 6; n++) expect(direct(sim, upn(n))).toEqual(n <= 3 ? {} : { [SKU.E3]: [] });
  });

  it('moves 10,000 seats from leavers to the 10,000 joiners after them without filling the window', async () => {
    const pairs = 10_000;
    const sim = await simulator(tenantWith(pairs * 2, pairs, (n) => (n <= pairs ? { assignedLicenses: [{ skuId: SKU.E3 }] } : {})), { latencyMs: 1 });
    const lines = [['upn', 'sku', 'action'], ...Array.from({ length: pairs }, (_, i) => [upn(i + 1), SKU.E3, 'remove']), ...Array.from({ length: pairs }, (_, i) => [upn(pairs + i + 1), SKU.E3, 'add'])];
    const { code, rows } = await run(sim, csv(lines), ['--max-rate', 'off', '--batch-size', '20']);
    expect(rows.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(code).toBe(0);
    expect(sim.skus().find((s) => s.skuId === SKU.E3)!.consumedUnits).toBe(pairs);
  });

  it('takes no seat for an add on top of a group license, and fails a group-inherited remove without a write, saying why', async () => {
    const grouped = { groupLicenses: [{ skuId: SKU.E3, groupId: GROUP }] };
    const sim = await simulator(tenantWith(3, 2, (n) => (n <= 2 ? grouped : {})));
    const { code, rows } = await run(sim, csv([['upn', 'sku', 'action'], [upn(1), SKU.E3, 'add'], [upn(2), SKU.E3, 'remove'], [upn(3), SKU.E3, 'add']]));
    expect(code).toBe(1);
    expect(rows.map((r) => [r.status, r.errorCode])).toEqual([
      ['succeeded', ''],
      ['failed', 'InheritedFromGroup'],
      ['failed', 'NoSeats'],
    ]);
    expect(rows[1]!.message).toMatch(new RegExp(`through group ${GROUP}.*remove the user from that group`));
    expect(sim.stats.operations.assignLicense).toBe(1);
    expect(direct(sim, upn(1))).toEqual({ [SKU.E3]: [] });
  });
});

describe('run: dry run, merge and the undo file', () => {
  /** Users with disabled plans, group licenses, and a user the directory does not have. */
  function mixedTenant(): TenantSpec {
    return tenantWith(8, 6, (n) =>
      n === 1 ? { assignedLicenses: [{ skuId: SKU.E3, disabledPlans: [PLAN.SWAY] }] }
      : n === 2 ? { assignedLicenses: [{ skuId: SKU.E3, disabledPlans: [PLAN.TEAMS1] }, { skuId: SKU.EMS }] }
      : n === 3 ? { groupLicenses: [{ skuId: SKU.EMS, groupId: GROUP }], assignedLicenses: [{ skuId: SKU.E3 }] }
      : n === 4 ? { usageLocation: null }
      : {},
    );
  }
  const mixedSheet = csv([
    ['upn', 'sku', 'disabledplans', 'action', 'usagelocation'],
    [upn(1), 'ENTERPRISEPACK', 'SWAY', 'add', ''], // in place
    [upn(2), 'ENTERPRISEPACK', 'SWAY', 'add', ''], // plan change
    [upn(2), 'EMS', '', 'remove', ''],
    [upn(3), 'EMS', '', 'remove', ''], // inherited
    [upn(3), 'ENTERPRISEPACK', '', 'remove', ''],
    [upn(4), 'ENTERPRISEPACK', '', 'add', 'DE'],
    [upn(5), 'EMS', 'INTUNE_A', 'add', ''],
    ['ghost@contoso.example', 'EMS', '', 'add', ''],
    [upn(6), 'ENTERPRISEPACK', '', 'add', 'FR'],
  ]);

  it('a dry run gives the statuses the real run then gives, row for row, and sends no write', async () => {
    const sim = await simulator(mixedTenant());
    const dry = await run(sim, mixedSheet, ['--dry-run']);
    expect(writes(sim)).toBe(0);
    const real = await run(sim, mixedSheet);
    const asReal = (status: string) => (status === 'planned' ? 'succeeded' : status);
    expect(dry.rows.map((r) => asReal(r.status))).toEqual(real.rows.map((r) => r.status));
    expect(dry.rows.map((r) => r.status)).toEqual(['skipped', 'planned', 'planned', 'failed', 'planned', 'planned', 'planned', 'failed', 'planned']);
    expect(dry.rows[1]!.message).toBe('change ENTERPRISEPACK (Office 365 E3) to SWAY disabled (was: TEAMS1 disabled)');
    expect(dry.rows[5]!.message).toBe('add ENTERPRISEPACK (Office 365 E3); set usage location DE');
    await expect(readFile(dry.undo)).rejects.toThrow();
  });

  it('the undo file restores every user\'s direct assignments as they were, removes first', async () => {
    const sim = await simulator(mixedTenant());
    const before = sim.users().map((u) => [u.userPrincipalName, direct(sim, u.id)]);
    const first = await run(sim, mixedSheet);
    expect(first.code).toBe(1);
    expect(sim.users().map((u) => [u.userPrincipalName, direct(sim, u.id)])).not.toEqual(before);
    const undoText = await readFile(first.undo, 'utf8');
    const actions = undoText.trim().split('\n').slice(1).map((line) => line.split(',').at(-1));
    expect(actions).toEqual([...actions].sort((a, b) => (a === b ? 0 : a === 'remove' ? -1 : 1)));
    expect(undoText).toContain(`${upn(2)},ENTERPRISEPACK,TEAMS1,add`);

    const undone = await first.cli(['run', first.undo, '--graph-url', sim.url, '--out', first.dir.file('undo.results.csv')]);
    expect(undone.code).toBe(0);
    expect(sim.users().map((u) => [u.userPrincipalName, direct(sim, u.id)])).toEqual(before);
  });

  it('--disabled-plans merge keeps the plans a user already has disabled', async () => {
    const sim = await simulator(mixedTenant());
    const { code, rows } = await run(sim, csv([['upn', 'sku', 'disabledplans'], [upn(2), 'ENTERPRISEPACK', 'SWAY'], [upn(1), 'ENTERPRISEPACK', '']]), ['--disabled-plans', 'merge']);
    expect(code).toBe(0);
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'skipped']);
    expect(direct(sim, upn(2))[SKU.E3]).toEqual([PLAN.SWAY, PLAN.TEAMS1].sort());
    expect(direct(sim, upn(1))[SKU.E3]).toEqual([PLAN.SWAY]);
  });

  it('--no-read sends every row and writes no undo file, and says so', async () => {
    const sim = await simulator(mixedTenant());
    const { rows, undo } = await run(sim, csv([['upn', 'sku', 'disabledplans'], [upn(1), 'ENTERPRISEPACK', 'SWAY']]), ['--no-read']);
    expect(rows[0]).toMatchObject({ status: 'succeeded' });
    expect(sim.stats.operations.assignLicense).toBe(1);
    await expect(readFile(undo)).rejects.toThrow();
  });
});

describe('run against what real tenants hold: SKU status, assignment states, plans that depend on each other', () => {
  const VISIO = 'c5928f49-12ba-48f7-ada3-0d743a3601d5';
  const VISIO_PLAN = '663a804f-1c30-4ff0-9915-9db84f0d1cea';

  function realistic(): TenantSpec {
    const base = tenantWith(8, 4, (n) =>
      n === 1 ? { assignedLicenses: [{ skuId: SKU.E3, state: 'Error', error: 'CountViolation' }] }
      : n === 2 ? { assignedLicenses: [{ skuId: SKU.E3 }, { skuId: VISIO }] }
      : n === 3 ? { assignedLicenses: [{ skuId: SKU.E3 }] }
      : {},
    );
    return {
      ...base,
      skus: [
        ...base.skus.map((sku) =>
          sku.skuId === SKU.E3 ? { ...sku, capabilityStatus: 'Warning', prepaidUnits: { enabled: 4, warning: 10, suspended: 10 } }
          : sku.skuId === SKU.EMS ? { ...sku, capabilityStatus: 'Suspended', prepaidUnits: { enabled: 0, suspended: 50 } }
          : sku,
        ),
        {
          skuId: VISIO,
          skuPartNumber: 'VISIOCLIENT',
          prepaidUnits: { enabled: 10 },
          servicePlans: [{ servicePlanId: VISIO_PLAN, servicePlanName: 'VISIO_CLIENT_SUBSCRIPTION', dependsOn: [PLAN.SHAREPOINTENTERPRISE] }],
        },
      ],
    } as TenantSpec;
  }

  it('counts neither suspended nor warning units as free seats, and takes no adds of a suspended SKU', async () => {
    const sim = await simulator(realistic());
    // E3: 4 enabled, 2 in effect (user 1's is in Error and holds none): 2 free, whatever the 20 suspended and warning units.
    const lines = [['upn', 'sku'], [upn(4), 'ENTERPRISEPACK'], [upn(5), 'ENTERPRISEPACK'], [upn(6), 'ENTERPRISEPACK'], [upn(7), 'EMS']];
    const { rows } = await run(sim, csv(lines));
    expect(rows.map((r) => [r.status, r.errorCode])).toEqual([
      ['succeeded', ''],
      ['succeeded', ''],
      ['failed', 'NoSeats'],
      ['failed', 'SkuNotAssignable'],
    ]);
    expect(rows[3]!.message).toBe('EMS cannot be assigned: the subscription is Suspended');
    expect(sim.stats.operations.assignLicense).toBe(2);
  });

  it('sends a row whose direct assignment is in state Error again, and it then holds the license', async () => {
    const sim = await simulator(realistic());
    const { rows } = await run(sim, csv([['upn', 'sku'], [upn(1), 'ENTERPRISEPACK']]));
    expect(rows[0]).toMatchObject({ status: 'succeeded', message: 'added ENTERPRISEPACK (Office 365 E3)' });
    expect(sim.user(upn(1))!.licenseAssignmentStates.find((s) => s.skuId === SKU.E3)).toMatchObject({ state: 'Active', error: 'None' });
  });

  it('fails exactly the add that waited for a seat from a remove that failed, naming the remove\'s row', async () => {
    const sim = await simulator(realistic());
    // E3 full after two adds; then user 2's remove is refused (Visio needs E3's SharePoint), user 3's goes through.
    const lines = [['upn', 'sku', 'action'], [upn(4), 'ENTERPRISEPACK', 'add'], [upn(5), 'ENTERPRISEPACK', 'add'], [upn(2), 'ENTERPRISEPACK', 'remove'], [upn(3), 'ENTERPRISEPACK', 'remove'], [upn(6), 'ENTERPRISEPACK', 'add'], [upn(7), 'ENTERPRISEPACK', 'add']];
    const { rows, undo } = await run(sim, csv(lines));
    // The undo of the refused remove is left out of the undo file; the others are there, removes first.
    const undoRows = (await readFile(undo, 'utf8')).trim().split('\n').slice(1);
    expect(undoRows.slice(0, 3).sort()).toEqual([`${upn(4)},ENTERPRISEPACK,,remove`, `${upn(5)},ENTERPRISEPACK,,remove`, `${upn(7)},ENTERPRISEPACK,,remove`]);
    expect(undoRows.slice(3)).toEqual([`${upn(3)},ENTERPRISEPACK,,add`]);
    expect(rows.map((r) => [r.status, r.errorCode])).toEqual([
      ['succeeded', ''],
      ['succeeded', ''],
      ['failed', 'Request_BadRequest'],
      ['succeeded', ''],
      ['failed', 'SeatMoveFailed'],
      ['succeeded', ''],
    ]);
    expect(rows[2]!.message).toMatch(/depends on/);
    expect(rows[4]!.message).toBe('no free seat of ENTERPRISEPACK: its seat was to come from the remove in row 3, which failed');
    expect(direct(sim, upn(6))).toEqual({});
  });
});
