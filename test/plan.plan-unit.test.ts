import { describe, expect, it } from 'vitest';
import type { ResolvedRow } from '../src/model.js';
import { planAfter, planUnit, rowChangeInWords, type PlanOptions, type UnitPlan, type UserKnowledge } from '../src/plan/plan-unit.js';
import { SeatLedger } from '../src/plan/seat-ledger.js';
import type { SkuDirectory, SkuFacts } from '../src/plan/sku-facts.js';
import { userLicensesOf, type UserLicenses } from '../src/tenant/user-licenses.js';
import { E3, EMS, resolvedRow } from './helpers/rows.js';

const SWAY = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97';
const TEAMS = '57ff2da0-773e-42df-b2af-ffb7a2317929';
const EXO = 'efb87545-963c-4e0d-99df-69c6916d9eb0';
const GROUP = '0a0b0c0d-0000-4000-8000-000000000001';

const facts: Record<string, SkuFacts> = {
  [E3]: { skuId: E3, partNumber: 'ENTERPRISEPACK', displayName: 'Office 365 E3', planNames: new Map([[SWAY, 'SWAY'], [TEAMS, 'TEAMS1'], [EXO, 'EXCHANGE_S_ENTERPRISE']]) },
  [EMS]: { skuId: EMS, partNumber: 'EMS', planNames: new Map(), refusesAdds: 'the subscription is Suspended' },
};
const skus: SkuDirectory = (id) => facts[id];

function user(licenses: { direct?: Record<string, string[]>; group?: string[]; states?: Record<string, { state: string; error: string }>; usageLocation?: string | null }): UserKnowledge {
  const states = [
    ...Object.entries(licenses.direct ?? {}).map(([skuId, disabledPlans]) => ({ skuId, disabledPlans, assignedByGroup: null, state: licenses.states?.[skuId]?.state ?? 'Active', error: licenses.states?.[skuId]?.error ?? 'None' })),
    ...(licenses.group ?? []).map((skuId) => ({ skuId, disabledPlans: [], assignedByGroup: GROUP, state: 'Active', error: 'None' })),
  ];
  return { kind: 'read', user: userLicensesOf({ id: 'u1', usageLocation: licenses.usageLocation === undefined ? 'US' : licenses.usageLocation, licenseAssignmentStates: states }) };
}

function plan(rows: ResolvedRow[], knowledge: UserKnowledge, options: Partial<PlanOptions> = {}, ledger = new SeatLedger()): UnitPlan {
  return planUnit('a@x', rows, knowledge, { skus, ledger, options: { disabledPlans: 'replace', ...options } });
}

function decisions(p: UnitPlan): unknown[] {
  return [...p.decisions.values()].map((d) => (d.kind === 'fail' ? `fail ${d.errorCode}` : d.kind === 'skip' ? `skip: ${d.message}` : 'send'));
}

describe('planUnit: what is already in place', () => {
  it.each([
    { name: 'an add held with the same plans', rows: [resolvedRow(1, 'a@x', { disabledPlans: [SWAY] })], user: { direct: { [E3]: [SWAY] } }, want: ['skip: already assigned with the same plans: ENTERPRISEPACK with SWAY disabled'] },
    { name: 'an add held with all plans on', rows: [resolvedRow(1, 'a@x')], user: { direct: { [E3]: [] } }, want: ['skip: already assigned with the same plans: ENTERPRISEPACK with all plans enabled'] },
    { name: 'an add held with other plans', rows: [resolvedRow(1, 'a@x', { disabledPlans: [SWAY] })], user: { direct: { [E3]: [TEAMS] } }, want: ['send'] },
    { name: 'an add held in state Error', rows: [resolvedRow(1, 'a@x')], user: { direct: { [E3]: [] }, states: { [E3]: { state: 'Error', error: 'CountViolation' } } }, want: ['send'] },
    { name: 'an add held Active with an error', rows: [resolvedRow(1, 'a@x')], user: { direct: { [E3]: [] }, states: { [E3]: { state: 'ActiveWithError', error: 'MutuallyExclusiveViolation' } } }, want: ['send'] },
    { name: 'a remove of a SKU not held', rows: [resolvedRow(1, 'a@x', { action: 'remove' })], user: {}, want: ['skip: does not have ENTERPRISEPACK assigned directly: nothing to remove'] },
    { name: 'a remove of a SKU held only through a group', rows: [resolvedRow(1, 'a@x', { action: 'remove' })], user: { group: [E3] }, want: ['fail InheritedFromGroup'] },
    { name: 'a remove of a SKU held directly and through a group', rows: [resolvedRow(1, 'a@x', { action: 'remove' })], user: { direct: { [E3]: [] }, group: [E3] }, want: ['send'] },
    { name: 'an add of a suspended SKU', rows: [resolvedRow(1, 'a@x', { skuId: EMS })], user: {}, want: ['fail SkuNotAssignable'] },
    { name: 'an add for a user with no usage location', rows: [resolvedRow(1, 'a@x')], user: { usageLocation: null }, want: ['fail NoUsageLocation'] },
    { name: 'an add for a user with no usage location, the row giving one', rows: [resolvedRow(1, 'a@x', { usageLocation: 'DE' })], user: { usageLocation: null }, want: ['send'] },
  ])('$name', ({ rows, user: u, want }) => {
    expect(decisions(plan(rows, user(u)))).toEqual(want);
  });

  it('fails every row of a user the read did not find, without a change', () => {
    const p = plan([resolvedRow(1, 'a@x'), resolvedRow(2, 'a@x', { skuId: EMS })], { kind: 'not-found' });
    expect(decisions(p)).toEqual(['fail UserNotFound', 'fail UserNotFound']);
    expect(p.changes).toEqual([]);
  });

  it('plans every row blind when the user was not read (--no-read)', () => {
    const p = plan([resolvedRow(1, 'a@x'), resolvedRow(2, 'a@x', { action: 'remove', skuId: EMS, usageLocation: 'DE' })], { kind: 'unread' });
    expect(decisions(p)).toEqual(['send', 'send']);
    expect(p.usageLocation).toEqual({ value: 'DE', fromDefault: false });
    expect(p.changes.map((c) => c.undo)).toEqual([undefined, undefined]);
  });
});

describe('planUnit: disabled plans (table of SPEC §2 step 4)', () => {
  it.each([
    { name: 'replace, DisabledPlans', mode: 'replace', row: { disabledPlans: [SWAY], plans: { mode: 'disabled', refs: [] } }, held: [TEAMS], want: [SWAY] },
    { name: 'merge, DisabledPlans', mode: 'merge', row: { disabledPlans: [SWAY], plans: { mode: 'disabled', refs: [] } }, held: [TEAMS], want: [SWAY, TEAMS] },
    { name: 'merge, no plan column keeps what is disabled', mode: 'merge', row: {}, held: [TEAMS], want: [TEAMS] },
    { name: 'replace, no plan column turns every plan on', mode: 'replace', row: {}, held: [TEAMS], want: [] },
    { name: 'merge, EnabledPlans stays exact', mode: 'merge', row: { disabledPlans: [SWAY, TEAMS], plans: { mode: 'enabled', refs: [] } }, held: [EXO], want: [SWAY, TEAMS] },
    { name: 'merge, user without the SKU', mode: 'merge', row: { disabledPlans: [SWAY], plans: { mode: 'disabled', refs: [] } }, held: undefined, want: [SWAY] },
  ] as const)('$name', ({ mode, row, held, want }) => {
    const p = plan([resolvedRow(1, 'a@x', row as Partial<ResolvedRow>)], user({ direct: held === undefined ? {} : { [E3]: [...held] } }), { disabledPlans: mode });
    const sent = p.changes[0]?.disabledPlans ?? held;
    expect([...(sent ?? [])].sort()).toEqual([...want].sort());
  });
});

describe('planUnit: usage location', () => {
  it('sets the row\'s location only when the user has another', () => {
    expect(plan([resolvedRow(1, 'a@x', { usageLocation: 'US' })], user({})).usageLocation).toBeUndefined();
    expect(plan([resolvedRow(1, 'a@x', { usageLocation: 'DE' })], user({})).usageLocation).toEqual({ value: 'DE', fromDefault: false });
  });

  it('gives --usage-location to a user without one, before an add, and to nobody else', () => {
    expect(plan([resolvedRow(1, 'a@x')], user({ usageLocation: null }), { defaultUsageLocation: 'NL' }).usageLocation).toEqual({ value: 'NL', fromDefault: true });
    expect(plan([resolvedRow(1, 'a@x')], user({}), { defaultUsageLocation: 'NL' }).usageLocation).toBeUndefined();
    expect(plan([resolvedRow(1, 'a@x', { action: 'remove' })], user({ usageLocation: null, direct: { [E3]: [] } }), { defaultUsageLocation: 'NL' }).usageLocation).toBeUndefined();
  });

  it('sends a row whose license is in place for its location alone, and says both', () => {
    const rows = [resolvedRow(1, 'a@x', { usageLocation: 'DE' })];
    const p = plan(rows, user({ direct: { [E3]: [] } }));
    expect(decisions(p)).toEqual(['send']);
    expect(p.changes).toEqual([]);
    expect(rowChangeInWords(p, rows[0]!, skus, 'planned')).toBe('already has ENTERPRISEPACK; set usage location DE');
    expect(decisions(plan(rows, user({ direct: { [E3]: [] }, usageLocation: 'DE' })))).toEqual(['skip: already assigned with the same plans: ENTERPRISEPACK with all plans enabled, and usage location DE']);
  });
});

describe('planUnit: words and undo', () => {
  it('says the change as an admin would sign it off', () => {
    const rows = [resolvedRow(1, 'a@x', { disabledPlans: [SWAY, TEAMS], usageLocation: 'DE' }), resolvedRow(2, 'a@x', { action: 'remove', skuId: EMS })];
    const p = plan(rows, user({ direct: { [EMS]: [] } }));
    expect(rowChangeInWords(p, rows[0]!, skus, 'planned')).toBe('add ENTERPRISEPACK (Office 365 E3) with SWAY, TEAMS1 disabled; set usage location DE');
    expect(rowChangeInWords(p, rows[1]!, skus, 'done')).toBe('removed EMS');
    const change = plan([resolvedRow(1, 'a@x', { disabledPlans: [SWAY] })], user({ direct: { [E3]: [] } }));
    expect(rowChangeInWords(change, change.changes[0]!.rows[0]!, skus, 'planned')).toBe('change ENTERPRISEPACK (Office 365 E3) to SWAY disabled (was: all plans enabled)');
  });

  it('undoes each change back to what was read', () => {
    const rows = [resolvedRow(1, 'a@x', { disabledPlans: [SWAY] }), resolvedRow(2, 'a@x', { action: 'remove', skuId: EMS }), resolvedRow(3, 'a@x', { skuId: 'c0ffee00-0000-4000-8000-000000000000' })];
    const p = plan(rows, user({ direct: { [E3]: [TEAMS], [EMS]: [] } }));
    expect(p.changes.map((c) => c.undo)).toEqual([
      { user: 'a@x', skuId: E3, action: 'add', disabledPlans: [TEAMS] },
      { user: 'a@x', skuId: EMS, action: 'add', disabledPlans: [] },
      { user: 'a@x', skuId: 'c0ffee00-0000-4000-8000-000000000000', action: 'remove', disabledPlans: [] },
    ]);
    const after = planAfter(p) as UserLicenses;
    expect([...after.direct.keys()].sort()).toEqual([E3, 'c0ffee00-0000-4000-8000-000000000000'].sort());
  });
});

describe('planUnit with a seat ledger', () => {
  const OTHER = 'c0ffee00-0000-4000-8000-000000000000';

  it('gives the free seats to the first adds in order and fails the rest, naming the seats', () => {
    const ledger = new SeatLedger([[OTHER, 5]]);
    const outcomes = Array.from({ length: 8 }, (_, i) => decisions(plan([resolvedRow(i + 1, `u${i}@x`, { skuId: OTHER })], user({}), {}, ledger))[0]);
    expect(outcomes).toEqual(['send', 'send', 'send', 'send', 'send', 'fail NoSeats', 'fail NoSeats', 'fail NoSeats']);
    const failed = plan([resolvedRow(9, 'u9@x', { skuId: OTHER })], user({}), {}, ledger).decisions.get(9);
    expect(failed).toMatchObject({ kind: 'fail', message: expect.stringMatching(/no free seat of c0ffee00.*5 were free when the run started/) });
  });

  it('takes no seat for an add on top of the same SKU from a group, or a plan change', () => {
    const ledger = new SeatLedger([[E3, 0]]);
    expect(decisions(plan([resolvedRow(1, 'a@x')], user({ group: [E3] }), {}, ledger))).toEqual(['send']);
    expect(decisions(plan([resolvedRow(2, 'b@x', { disabledPlans: [SWAY] })], user({ direct: { [E3]: [] } }), {}, ledger))).toEqual(['send']);
    expect(decisions(plan([resolvedRow(3, 'c@x')], user({}), {}, ledger))).toEqual(['fail NoSeats']);
  });

  it('lets adds take the seats that earlier removes free, waiting for them; a remove of a grouped SKU frees none', () => {
    const ledger = new SeatLedger([[E3, 0]]);
    const leaver = plan([resolvedRow(1, 'a@x', { action: 'remove' })], user({ direct: { [E3]: [] } }), {}, ledger);
    const grouped = plan([resolvedRow(2, 'b@x', { action: 'remove' })], user({ direct: { [E3]: [] }, group: [E3] }), {}, ledger);
    expect(leaver.changes[0]!.freesSeat).toBe(true);
    expect(grouped.changes[0]!.freesSeat).toBe(false);
    const joiner = plan([resolvedRow(3, 'c@x')], user({}), {}, ledger);
    expect(joiner.changes[0]!.seat).toEqual({ kind: 'after-remove', removeRow: 1 });
    expect(decisions(plan([resolvedRow(4, 'd@x')], user({}), {}, ledger))).toEqual(['fail NoSeats']);
    // The remove completes: the joiner that waited gets its seat, and nobody else gets one.
    expect(ledger.settleRemove(E3, 1, true)).toBe(3);
    expect(ledger.report()).toEqual([{ skuId: E3, freeBefore: 0, freeAfter: 0 }]);
  });

  it('makes a freed seat free for later adds when no add waited for it; a failed remove frees nothing', () => {
    const ledger = new SeatLedger([[E3, 0]]);
    ledger.planRemove(E3, 1);
    ledger.planRemove(E3, 2);
    expect(ledger.settleRemove(E3, 1, true)).toBeUndefined();
    expect(ledger.settleRemove(E3, 2, false)).toBeUndefined();
    expect(ledger.take(E3, 3)).toEqual({ kind: 'free' });
    expect(ledger.take(E3, 4)).toEqual({ kind: 'none', freeAtStart: 0 });
    ledger.giveBack(E3);
    expect(ledger.take(E3, 5)).toEqual({ kind: 'free' });
  });
});
