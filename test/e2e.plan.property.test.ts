import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/simulator/index.js';
import type { TenantSpec } from '../src/simulator/tenant-spec.js';
import { csv, readResults, runCli, tempDir } from './helpers/cli.js';
import { GROUP, PLAN, SKU, testTenant, upn } from './helpers/tenant.js';

const PLANS: Record<string, string[]> = {
  [SKU.E3]: ['EXCHANGE_S_ENTERPRISE', 'SHAREPOINTENTERPRISE', 'TEAMS1', 'SWAY'],
  [SKU.EMS]: ['AAD_PREMIUM', 'INTUNE_A'],
};
const PLAN_IDS: Record<string, string> = Object.fromEntries(Object.entries(PLAN));
const USERS = 5;

const row = fc.record({
  user: fc.integer({ min: 1, max: USERS + 1 }), // USERS + 1 is not in the directory
  sku: fc.constantFrom(SKU.E3, SKU.EMS),
  action: fc.constantFrom('add', 'remove'),
  plans: fc.subarray([0, 1, 2, 3]),
});
const scenario = fc.record({
  rows: fc.array(row, { minLength: 1, maxLength: 25 }),
  held: fc.array(fc.constantFrom('none', 'e3', 'e3-sway', 'ems'), { minLength: USERS, maxLength: USERS }),
  grouped: fc.array(fc.boolean(), { minLength: USERS, maxLength: USERS }),
});

type Direct = Map<string, string[]>;

function tenantOf(held: string[], grouped: boolean[]): TenantSpec {
  const base = testTenant({ users: USERS });
  return {
    ...base,
    users: base.users.map((u, i) => ({
      ...u,
      assignedLicenses:
        held[i] === 'e3' ? [{ skuId: SKU.E3 }] : held[i] === 'e3-sway' ? [{ skuId: SKU.E3, disabledPlans: [PLAN.SWAY] }] : held[i] === 'ems' ? [{ skuId: SKU.EMS }] : [],
      groupLicenses: grouped[i] ? [{ skuId: SKU.EMS, groupId: GROUP }] : [],
    })),
  };
}

describe('run, for any tenant and sheet (property)', () => {
  it('gives every row one outcome, leaves the tenant as the valid rows applied one by one in file order, and a dry run foretells the statuses', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ rows, held, grouped }) => {
        const sim = await startSimulator({ tenant: tenantOf(held, grouped) });
        const dir = await tempDir();
        try {
          const lines = rows.map((r) => [r.user <= USERS ? upn(r.user) : 'ghost@contoso.example', r.sku, r.action === 'add' ? r.plans.map((p) => PLANS[r.sku]![p % PLANS[r.sku]!.length]).join(';') : '', r.action]);
          const input = await dir.write('in.csv', csv([['upn', 'sku', 'disabledplans', 'action'], ...lines]));
          const dry = await runCli(['run', input, '--graph-url', sim.url, '--dry-run', '--out', dir.file('dry.csv')], { env: { GRAPH_ACCESS_TOKEN: 't' } });
          const real = await runCli(['run', input, '--graph-url', sim.url, '--out', dir.file('real.csv')], { env: { GRAPH_ACCESS_TOKEN: 't' } });
          expect([dry.code, real.code]).toEqual([expect.any(Number), expect.any(Number)]);
          const dryRows = await readResults(dir.file('dry.csv'));
          const realRows = await readResults(dir.file('real.csv'));

          // Every row exactly once, in input order.
          expect(realRows.map((r) => Number(r.row))).toEqual(rows.map((_, i) => i + 1));
          expect(dryRows.map((r) => (r.status === 'planned' ? 'succeeded' : r.status))).toEqual(realRows.map((r) => r.status));

          // The tenant equals the valid rows applied one by one, in file order.
          const want = new Map<string, Direct>();
          tenantOf(held, grouped).users.forEach((u) => want.set(u.userPrincipalName, new Map((u.assignedLicenses ?? []).map((l) => [l.skuId, [...(l.disabledPlans ?? [])].sort()]))));
          rows.forEach((r, i) => {
            if (realRows[i]!.status === 'invalid' || r.user > USERS) return;
            const user = want.get(upn(r.user))!;
            if (r.action === 'remove') user.delete(r.sku);
            else user.set(r.sku, [...new Set(r.plans.map((p) => PLAN_IDS[PLANS[r.sku]![p % PLANS[r.sku]!.length]!]!))].sort());
          });
          for (const [key, licenses] of want) {
            const got = new Map(sim.user(key)!.directLicenses.map((l) => [l.skuId, [...l.disabledPlans].sort()]));
            expect(got, key).toEqual(licenses);
          }
          expect(sim.stats.maxInFlightPerUser).toBeLessThanOrEqual(1);
        } finally {
          await dir.dispose();
          await sim.close();
        }
      }),
      { numRuns: 40, seed: 20261202 },
    );
  }, 120_000);
});
