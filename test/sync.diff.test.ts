import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SkuFacts } from '../src/plan/sku-facts.js';
import { DesiredState } from '../src/sync/desired-state.js';
import { checkRemovals } from '../src/sync/removal-brake.js';
import type { SyncSkuCounts } from '../src/sync/sync-counts.js';
import { SyncDiff, type ChangeRow } from '../src/sync/sync-diff.js';
import { userLicensesOf } from '../src/tenant/user-licenses.js';
import { E3, EMS, resolvedRow } from './helpers/rows.js';

const TEAMS = '57ff2da0-773e-42df-b2af-ffb7a2317929';
const SWAY = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97';
const GROUP = '0a0b0c0d-0000-4000-8000-000000000001';

const FACTS: Record<string, SkuFacts> = {
  [E3]: { skuId: E3, partNumber: 'ENTERPRISEPACK', planNames: new Map([[TEAMS, 'TEAMS1'], [SWAY, 'SWAY']]) },
  [EMS]: { skuId: EMS, partNumber: 'EMS', planNames: new Map() },
};
const skus = (id: string) => FACTS[id];

const idOf = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const upnOf = (n: number) => `user${n}@contoso.example`;

type Held = { direct?: readonly string[]; group?: boolean };

/** A Graph user as the holders listing returns it. */
function holder(n: number, licenses: Record<string, Held>, usageLocation = 'US') {
  const states = Object.entries(licenses).flatMap(([skuId, held]) => [
    ...(held.direct ? [{ skuId, disabledPlans: [...held.direct], assignedByGroup: null, state: 'Active', error: 'None' }] : []),
    ...(held.group ? [{ skuId, disabledPlans: [], assignedByGroup: GROUP, state: 'Active', error: 'None' }] : []),
  ]);
  return userLicensesOf({ id: idOf(n), userPrincipalName: upnOf(n), usageLocation, licenseAssignmentStates: states });
}

function diffOf(desired: DesiredState, scope: readonly string[], holders: readonly { skuId: string; user: ReturnType<typeof holder> }[]) {
  const diff = new SyncDiff(desired, scope, skus);
  for (const h of holders) diff.holder(h.skuId, h.user);
  return diff.finish();
}

const brief = (c: ChangeRow) => `${c.action} ${c.user} ${skus(c.skuId)?.partNumber} [${c.disabledPlans.join(' ')}] ${c.usageLocation ?? '-'}: ${c.reason}`;

describe('SyncDiff', () => {
  it.each([
    {
      name: 'a direct holder the sheet does not name loses it',
      rows: [],
      held: { direct: [] },
      want: [`remove ${upnOf(1)} ENTERPRISEPACK [] -: not in the desired sheet`],
      counts: { directHolders: 1, removes: 1 },
    },
    {
      name: 'a direct holder with a remove row loses it',
      rows: [resolvedRow(1, upnOf(1), { action: 'remove' })],
      held: { direct: [] },
      want: [`remove ${upnOf(1)} ENTERPRISEPACK [] -: the desired sheet removes it`],
      counts: { directHolders: 1, removes: 1 },
    },
    { name: 'in place: nothing', rows: [resolvedRow(1, upnOf(1), { disabledPlans: [SWAY] })], held: { direct: [SWAY] }, want: [], counts: { directHolders: 1 } },
    {
      name: 'named by object id in any case: matched',
      rows: [resolvedRow(1, idOf(1).toUpperCase())],
      held: { direct: [] },
      want: [],
      counts: { directHolders: 1 },
    },
    {
      name: 'named by UPN in another case: matched',
      rows: [resolvedRow(1, upnOf(1).toUpperCase())],
      held: { direct: [] },
      want: [],
      counts: { directHolders: 1 },
    },
    {
      name: 'other plans: a plan change',
      rows: [resolvedRow(1, upnOf(1), { disabledPlans: [TEAMS, SWAY] })],
      held: { direct: [SWAY] },
      want: [`add ${upnOf(1)} ENTERPRISEPACK [${[TEAMS, SWAY].sort().join(' ')}] -: plans differ: disabled SWAY -> disabled SWAY, TEAMS1`],
      counts: { directHolders: 1, planChanges: 1 },
    },
    { name: 'held only through a group, not in the sheet: left and counted', rows: [], held: { group: true }, want: [], counts: { groupOnly: 1 } },
    {
      name: 'held only through a group, with an add row: assigned directly too',
      rows: [resolvedRow(1, upnOf(1))],
      held: { group: true },
      want: [`add ${upnOf(1)} ENTERPRISEPACK [] -: not assigned yet`],
      counts: { adds: 1 },
    },
    {
      name: 'direct and through a group, not in the sheet: the direct one goes',
      rows: [],
      held: { direct: [], group: true },
      want: [`remove ${upnOf(1)} ENTERPRISEPACK [] -: not in the desired sheet`],
      counts: { directHolders: 1, removes: 1 },
    },
    {
      name: 'in place but the sheet sets another usage location: one row carries it',
      rows: [resolvedRow(1, upnOf(1), { usageLocation: 'DE' })],
      held: { direct: [] },
      want: [`add ${upnOf(1)} ENTERPRISEPACK [] DE: usage location differs: US -> DE`],
      counts: { directHolders: 1, planChanges: 1 },
    },
  ])('$name', ({ rows, held, want, counts }) => {
    const desired = new DesiredState();
    for (const row of rows) desired.add(row);
    const plan = diffOf(desired, [E3], [{ skuId: E3, user: holder(1, { [E3]: held }) }]);
    expect(plan.changes.map(brief)).toEqual(want);
    expect(plan.counts).toEqual([{ skuId: E3, label: 'ENTERPRISEPACK', directHolders: 0, groupOnly: 0, removes: 0, adds: 0, planChanges: 0, ...counts }]);
  });

  it('a user the listing did not return gets the SKU, with the sheet\'s usage location; removes come first, then plan changes, then adds', () => {
    const desired = new DesiredState();
    desired.add(resolvedRow(1, upnOf(9), { usageLocation: 'FR' }));
    desired.add(resolvedRow(2, upnOf(2), { disabledPlans: [TEAMS] }));
    const plan = diffOf(desired, [E3], [
      { skuId: E3, user: holder(2, { [E3]: { direct: [] } }) },
      { skuId: E3, user: holder(3, { [E3]: { direct: [] } }) },
    ]);
    expect(plan.changes.map(brief)).toEqual([
      `remove ${upnOf(3)} ENTERPRISEPACK [] -: not in the desired sheet`,
      `add ${upnOf(2)} ENTERPRISEPACK [${TEAMS}] -: plans differ: all plans on -> disabled TEAMS1`,
      `add ${upnOf(9)} ENTERPRISEPACK [] FR: not assigned yet`,
    ]);
  });

  it('an invalid row leaves its user alone for that SKU, whatever other rows say, and only for that SKU', () => {
    const desired = new DesiredState();
    desired.add(resolvedRow(1, upnOf(1)));
    desired.leave(upnOf(1), upnOf(1), E3);
    desired.add(resolvedRow(3, upnOf(1), { disabledPlans: [SWAY] }));
    desired.leave(upnOf(2), upnOf(2), E3);
    const plan = diffOf(desired, [E3, EMS], [
      { skuId: E3, user: holder(1, { [E3]: { direct: [] } }) },
      { skuId: E3, user: holder(2, { [E3]: { direct: [] }, [EMS]: { direct: [] } }) },
      { skuId: EMS, user: holder(2, { [E3]: { direct: [] }, [EMS]: { direct: [] } }) },
    ]);
    expect(plan.changes.map(brief)).toEqual([`remove ${upnOf(2)} EMS [] -: not in the desired sheet`]);
  });

  it('keeps shared plan sets: 1,000 rows with the same plans hold one array', () => {
    const desired = new DesiredState();
    for (let n = 1; n <= 1000; n++) desired.add(resolvedRow(n, upnOf(n), { disabledPlans: [TEAMS, SWAY] }));
    const sets = new Set([...desired.users()].map((u) => u.wishes[0]));
    expect(new Set([...sets].map((w) => (w?.kind === 'add' ? w.disabledPlans : undefined))).size).toBe(1);
  });
});

describe('SyncDiff, property: applying the change sheet brings the tenant to the sheet', () => {
  const PLANS = [TEAMS, SWAY];
  const plansArb = fc.subarray(PLANS);
  const heldArb = fc.record({ direct: fc.option(plansArb, { nil: undefined }), group: fc.boolean() });
  const wishArb = fc.oneof(fc.constant(undefined), fc.constant('remove' as const), plansArb);
  const userArb = fc.record({
    held: fc.record({ [E3]: heldArb, [EMS]: heldArb }),
    wish: fc.record({ [E3]: wishArb, [EMS]: wishArb }),
    namedBy: fc.constantFrom('upn', 'id', 'UPN'),
  });

  it('every scoped SKU ends as the sheet says, group assignments and other SKUs untouched, nothing already in place changed, removes first, counts match', () => {
    fc.assert(
      fc.property(fc.array(userArb, { minLength: 1, maxLength: 25 }), fc.boolean(), (users, emsByOption) => {
        const desired = new DesiredState();
        let row = 0;
        users.forEach((u, i) => {
          const name = u.namedBy === 'id' ? idOf(i + 1) : u.namedBy === 'UPN' ? upnOf(i + 1).toUpperCase() : upnOf(i + 1);
          for (const skuId of [E3, EMS]) {
            const wish = u.wish[skuId];
            if (wish === undefined) continue;
            row++;
            desired.add(resolvedRow(row, name, wish === 'remove' ? { action: 'remove', skuId } : { skuId, disabledPlans: wish }));
          }
        });
        const scope = [...desired.skuIds];
        if (emsByOption && !scope.includes(EMS)) scope.push(EMS);
        const tenant = users.map((u, i) => ({ n: i + 1, held: structuredClone(u.held) as Record<string, Held> }));
        const listed = scope.flatMap((skuId) =>
          tenant.filter((t) => t.held[skuId]!.direct !== undefined || t.held[skuId]!.group).map((t) => ({ skuId, user: holder(t.n, t.held) })),
        );
        const plan = diffOf(desired, scope, listed);

        // Apply the change rows as Graph would.
        const byName = (name: string) => tenant.find((t) => upnOf(t.n) === name.toLowerCase() || idOf(t.n) === name.toLowerCase())!;
        for (const change of plan.changes) {
          const held = byName(change.user).held[change.skuId]!;
          if (change.action === 'remove') {
            expect(held.direct).toBeDefined(); // never a remove of something not held
            held.direct = undefined;
          } else {
            expect(held.direct === undefined || [...held.direct].sort().join() !== [...change.disabledPlans].sort().join()).toBe(true);
            held.direct = [...change.disabledPlans];
          }
        }
        users.forEach((u, i) => {
          for (const skuId of [E3, EMS]) {
            const after = tenant[i]!.held[skuId]!;
            expect(after.group).toBe(u.held[skuId]!.group);
            if (!scope.includes(skuId)) {
              expect(after.direct).toEqual(u.held[skuId]!.direct);
              continue;
            }
            const wish = u.wish[skuId];
            if (Array.isArray(wish)) expect([...after.direct!].sort()).toEqual([...wish].sort());
            else expect(after.direct).toBeUndefined();
          }
        });
        const kinds = plan.changes.map((c) => (c.action === 'remove' ? 0 : 1));
        expect(kinds).toEqual([...kinds].sort());
        for (const counts of plan.counts) {
          const mine = plan.changes.filter((c) => c.skuId === counts.skuId);
          expect(counts.removes).toBe(mine.filter((c) => c.action === 'remove').length);
          expect(counts.adds + counts.planChanges).toBe(mine.filter((c) => c.action === 'add').length);
          expect(counts.directHolders).toBe(users.filter((u) => u.held[counts.skuId]!.direct !== undefined).length);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('checkRemovals', () => {
  const sku = (removes: number, directHolders: number, label = 'ENTERPRISEPACK'): SyncSkuCounts => ({ skuId: E3, label, directHolders, groupOnly: 0, removes, adds: 0, planChanges: 0 });

  it.each([
    { counts: [sku(10, 100)], option: undefined, stops: false, allowed: 10 },
    { counts: [sku(11, 100)], option: undefined, stops: true, allowed: 10 },
    { counts: [sku(10, 20)], option: undefined, stops: false, allowed: 10 },
    { counts: [sku(11, 20)], option: undefined, stops: true, allowed: 10 },
    { counts: [sku(100, 1000)], option: undefined, stops: false, allowed: 100 },
    { counts: [sku(60, 500), sku(50, 500, 'EMS')], option: undefined, stops: true, allowed: 100 },
    { counts: [sku(40, 100)], option: { kind: 'count', count: 40 } as const, stops: false, allowed: 40 },
    { counts: [sku(40, 100)], option: { kind: 'count', count: 39 } as const, stops: true, allowed: 39 },
    { counts: [sku(40, 100)], option: { kind: 'percent', percent: 50 } as const, stops: false, allowed: 50 },
    { counts: [sku(5, 100)], option: { kind: 'count', count: 0 } as const, stops: true, allowed: 0 },
    { counts: [sku(3, 20)], option: { kind: 'percent', percent: 10 } as const, stops: true, allowed: 2 },
  ])('$counts.length SKU(s), removes $counts.0.removes of $counts.0.directHolders, $option: stops $stops', ({ counts, option, stops, allowed }) => {
    const verdict = checkRemovals(counts, option, 'x.changes.csv');
    expect(verdict.allowed).toBe(allowed);
    expect(verdict.stop !== undefined).toBe(stops);
    if (verdict.stop) {
      expect(verdict.stop).toMatch(/--max-removes \d+ \(or --max-removes \d+%\)/);
      for (const c of counts) if (c.removes > 0) expect(verdict.stop).toContain(`${c.label} ${c.removes} remove(s) of ${c.directHolders} direct holder(s)`);
    }
  });
});
