import { beforeAll, describe, expect, it } from 'vitest';
import type { LicenseRow, Ref } from '../src/model.js';
import { findConflicts, type ConflictKeys } from '../src/input/find-conflicts.js';
import { loadReferenceTable } from '../src/input/reference-table.js';
import { createSkuCatalog, type SkuCatalog } from '../src/input/sku-catalog.js';

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const SWAY = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97';

/** Keys as written, lower-cased: enough for rules that do not depend on resolution. */
const plainKeys: ConflictKeys = {
  sku: (ref) => (ref.kind === 'id' ? ref.id : ref.name.toLowerCase()),
  plan: (ref) => (ref.kind === 'id' ? ref.id : ref.name.toLowerCase()),
};

const name = (value: string): Ref => ({ kind: 'name', name: value });

interface Spec {
  user?: string;
  action?: 'add' | 'remove';
  sku?: string;
  disabled?: string[];
  enabled?: string[];
  location?: string;
}

function rows(...specs: Spec[]): LicenseRow[] {
  return specs.map((spec, i) => {
    const user = spec.user ?? 'a@x.com';
    const plans = spec.disabled ?? spec.enabled;
    return {
      row: i + 1,
      line: i + 2,
      user,
      userKey: user.toLowerCase(),
      action: spec.action ?? 'add',
      sku: name(spec.sku ?? 'ENTERPRISEPACK'),
      ...(plans ? { plans: { mode: spec.enabled ? 'enabled' : 'disabled', refs: plans.map(name) } } : {}),
      ...(spec.location ? { usageLocation: spec.location } : {}),
    } satisfies LicenseRow;
  });
}

function messages(found: ReturnType<typeof findConflicts>): Record<number, string> {
  expect([...found.values()].every((p) => p.errorCode === 'ConflictingRows')).toBe(true);
  return Object.fromEntries([...found].map(([row, problem]) => [row, problem.message]));
}

describe('findConflicts', () => {
  it('marks an add and a remove of one SKU for one user, naming each other', () => {
    const input = rows({ sku: 'EMS' }, { user: 'b@x.com' }, {}, { user: 'b@x.com', sku: 'EMS' }, {}, {}, { action: 'remove' });
    const found = findConflicts(input, plainKeys);
    expect(messages(found)).toEqual({
      3: 'row 3 adds ENTERPRISEPACK that row 7 removes for the same user',
      5: 'row 5 adds ENTERPRISEPACK that row 7 removes for the same user',
      6: 'row 6 adds ENTERPRISEPACK that row 7 removes for the same user',
      7: 'row 7 removes ENTERPRISEPACK that rows 3, 5 and 6 add for the same user',
    });
    expect(found.get(7)!.line).toBe(8);
  });

  it('matches users case-insensitively', () => {
    expect([...findConflicts(rows({ user: 'Ann@X.com' }, { user: 'ann@x.COM', action: 'remove' }), plainKeys).keys()]).toEqual([1, 2]);
  });

  it('marks two adds of one SKU with different plans', () => {
    const found = findConflicts(rows({ disabled: ['SWAY'] }, { disabled: ['SWAY', 'TEAMS1'] }, {}), plainKeys);
    expect(messages(found)).toEqual({
      1: 'row 1 adds ENTERPRISEPACK with DisabledPlans "SWAY" but rows 2 and 3 add it with other plans for the same user',
      2: 'row 2 adds ENTERPRISEPACK with DisabledPlans "SWAY;TEAMS1" but rows 1 and 3 add it with other plans for the same user',
      3: 'row 3 adds ENTERPRISEPACK with all plans but rows 1 and 2 add it with other plans for the same user',
    });
  });

  it('names the other plans when there is one other set', () => {
    const found = findConflicts(rows({ enabled: ['EXCHANGE_S_ENTERPRISE'] }, {}), plainKeys);
    expect(found.get(2)!.message).toBe('row 2 adds ENTERPRISEPACK with all plans but row 1 adds it with EnabledPlans "EXCHANGE_S_ENTERPRISE" for the same user');
  });

  it('marks two different usage locations for one user, whatever the SKUs', () => {
    const found = findConflicts(rows({ location: 'DE' }, { sku: 'EMS' }, { sku: 'EMS', location: 'FR' }, { location: 'DE' }), plainKeys);
    expect(messages(found)).toEqual({
      1: 'row 1 sets UsageLocation "DE" but row 3 sets "FR" for the same user',
      3: 'row 3 sets UsageLocation "FR" but rows 1 and 4 set "DE" for the same user',
      4: 'row 4 sets UsageLocation "DE" but row 3 sets "FR" for the same user',
    });
  });

  it('joins every conflict a row is in', () => {
    const found = findConflicts(rows({ location: 'DE' }, { action: 'remove', location: 'FR' }), plainKeys);
    expect(found.get(1)!.message).toBe('row 1 adds ENTERPRISEPACK that row 2 removes for the same user; row 1 sets UsageLocation "DE" but row 2 sets "FR" for the same user');
  });

  it('lists five other rows at the most', () => {
    const found = findConflicts(rows({ action: 'remove' }, ...Array.from({ length: 9 }, () => ({}))), plainKeys);
    expect(found.get(1)!.message).toBe('row 1 removes ENTERPRISEPACK that rows 2, 3, 4, 5, 6 and 4 more add for the same user');
  });

  it.each([
    { name: 'identical duplicate rows', input: rows({ location: 'DE', disabled: ['SWAY'] }, { location: 'DE', disabled: ['SWAY'] }) },
    { name: 'the same plans in another order and case', input: rows({ disabled: ['SWAY', 'TEAMS1'] }, { disabled: ['teams1', 'sway'] }) },
    { name: 'two removes', input: rows({ action: 'remove' }, { action: 'remove' }) },
    { name: 'an add and a remove of different SKUs', input: rows({}, { sku: 'EMS', action: 'remove' }) },
    { name: 'different users', input: rows({ location: 'DE' }, { user: 'b@x.com', action: 'remove', location: 'FR' }) },
    { name: 'a usage location on one row only', input: rows({ location: 'DE' }, { sku: 'EMS' }) },
  ])('finds no conflict in $name', ({ input }) => {
    expect(findConflicts(input, plainKeys).size).toBe(0);
  });
});

describe('findConflicts with a catalog’s keys', () => {
  let offline: SkuCatalog;
  let online: SkuCatalog;
  beforeAll(async () => {
    const referenceRows = await loadReferenceTable();
    offline = createSkuCatalog({ referenceRows });
    const plans = ['EXCHANGE_S_ENTERPRISE', 'SWAY', 'TEAMS1'].map((planName, i) => ({ servicePlanId: `00000000-0000-4000-8000-00000000000${i}`, servicePlanName: planName }));
    plans[1]!.servicePlanId = SWAY;
    online = createSkuCatalog({ tenantSkus: [{ skuId: E3, skuPartNumber: 'ENTERPRISEPACK', servicePlans: plans }], referenceRows });
  });

  it('sees one SKU behind a GUID, a part number and a display name, offline', () => {
    const input = rows({ sku: 'Office 365 E3' }, { sku: E3 }, { sku: 'enterprisepack', action: 'remove' });
    input[1] = { ...input[1]!, sku: { kind: 'id', id: E3 } };
    const found = findConflicts(input, offline.conflictKeys);
    expect(found.get(3)!.message).toBe('row 3 removes ENTERPRISEPACK that rows 1 and 2 add for the same user');
  });

  it('sees one plan behind its GUID and its name', () => {
    const input = rows({ disabled: ['SWAY'] }, {});
    input[1] = { ...input[1]!, plans: { mode: 'disabled', refs: [{ kind: 'id', id: SWAY }] } };
    expect(findConflicts(input, offline.conflictKeys).size).toBe(0);
  });

  it('compares what would be sent online: only A on is all but A off', () => {
    const same = rows({ enabled: ['EXCHANGE_S_ENTERPRISE'] }, { disabled: ['SWAY', 'TEAMS1'] });
    expect(findConflicts(same, online.conflictKeys).size).toBe(0);
    const different = rows({ enabled: ['EXCHANGE_S_ENTERPRISE'] }, { disabled: ['SWAY'] });
    expect(findConflicts(different, online.conflictKeys).size).toBe(2);
  });
});
