import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResolvedRow } from '../src/model.js';
import { applied, changesOf, planAfter, planUnit, type Change, type PlanOptions, type UnitPlan, type UserKnowledge } from '../src/plan/plan-unit.js';
import { SeatLedger } from '../src/plan/seat-ledger.js';
import type { SkuDirectory, SkuFacts } from '../src/plan/sku-facts.js';
import type { DirectAssignment, UserLicenses } from '../src/tenant/user-licenses.js';
import { E3, EMS, resolvedRow } from './helpers/rows.js';

/**
 * Properties of the pure planner and the seat ledger, over any tenant (direct assignments healthy or
 * in error, group licenses, users without a usage location, SKUs that take no adds, few seats) and
 * any sheet without contradictions (the input checks reject those first): every row gets exactly
 * one decision; seats are never handed out beyond the free ones and the removes planned before;
 * the ledger ends where the tenant ends; the plan's "after" is the rows applied one by one; undo
 * rows give back the state before.
 */

const SKUS = [E3, EMS] as const;
const PLANS: Record<string, string[]> = { [E3]: ['e3-exchange', 'e3-sharepoint', 'e3-sway'], [EMS]: ['ems-aad', 'ems-intune'] };
const USERS = ['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com', 'e@x.com', 'f@x.com', 'g@x.com', 'h@x.com'];
const GROUP = 'g-0001';

const assignment = (skuId: string) =>
  fc.record({
    plans: fc.subarray(PLANS[skuId]!),
    state: fc.constantFrom('Active', 'Active', 'Active', 'ActiveWithError', 'Error', 'Disabled'),
  });

const userArb = fc.record({
  found: fc.constantFrom(true, true, true, true, true, true, true, false),
  location: fc.constantFrom<string | null>('US', 'US', null),
  e3: fc.option(assignment(E3)),
  ems: fc.option(assignment(EMS)),
  groupE3: fc.constantFrom(false, false, false, true),
  groupEms: fc.constantFrom(false, false, false, true),
});
type UserShape = typeof userArb extends fc.Arbitrary<infer T> ? T : never;

const rowArb = fc.record({
  user: fc.integer({ min: 0, max: USERS.length - 1 }),
  sku: fc.constantFrom(...SKUS),
  action: fc.constantFrom<'add' | 'remove'>('add', 'remove'),
  plans: fc.subarray([0, 1, 2]),
  location: fc.constantFrom(false, false, false, true),
});

const scenarioArb = fc.record({
  users: fc.array(userArb, { minLength: USERS.length, maxLength: USERS.length }),
  rows: fc.array(rowArb, { minLength: 1, maxLength: 40 }),
  free: fc.record({ [E3]: fc.integer({ min: 0, max: 2 }), [EMS]: fc.integer({ min: 0, max: 2 }) }),
  emsRefusesAdds: fc.constantFrom(false, false, false, true),
  merge: fc.boolean(),
  defaultLocation: fc.boolean(),
  applies: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
});

function licensesOf(shape: UserShape): UserLicenses {
  const direct = new Map<string, DirectAssignment>();
  const inherited = new Map<string, string>();
  const inEffect = new Map<string, number>();
  const count = (skuId: string) => inEffect.set(skuId, (inEffect.get(skuId) ?? 0) + 1);
  for (const [skuId, held] of [
    [E3, shape.e3],
    [EMS, shape.ems],
  ] as const) {
    if (held === null) continue;
    const error = held.state === 'Error' ? 'CountViolation' : held.state === 'ActiveWithError' ? 'MutuallyExclusiveViolation' : 'None';
    direct.set(skuId, { disabledPlans: held.plans, state: held.state, error });
    if (held.state === 'Active' || held.state === 'ActiveWithError') count(skuId);
  }
  if (shape.groupE3) (inherited.set(E3, GROUP), count(E3));
  if (shape.groupEms) (inherited.set(EMS, GROUP), count(EMS));
  return { usageLocation: shape.location, direct, inherited, inEffect };
}

/** The sheet's rows, made free of contradictions as the input checks leave them: one change per user and SKU, repeated as is. */
function rowsOf(raw: (typeof rowArb extends fc.Arbitrary<infer T> ? T : never)[]): ResolvedRow[] {
  const first = new Map<string, { action: 'add' | 'remove'; plans: number[] }>();
  return raw.map((r, i) => {
    const key = `${r.user}:${r.sku}`;
    const change = first.get(key) ?? { action: r.action, plans: r.plans };
    first.set(key, change);
    const disabledPlans = change.action === 'add' ? [...new Set(change.plans.map((p) => PLANS[r.sku]![p % PLANS[r.sku]!.length]!))] : [];
    return resolvedRow(i + 1, USERS[r.user]!, { skuId: r.sku, action: change.action, disabledPlans, ...(r.location ? { usageLocation: 'DE' } : {}) });
  });
}

/** Units as the run forms them: adjacent rows of one user. */
function unitsOf(rows: ResolvedRow[]): ResolvedRow[][] {
  const units: ResolvedRow[][] = [];
  for (const row of rows) {
    const last = units.at(-1);
    if (last && last[0]!.userKey === row.userKey) last.push(row);
    else units.push([row]);
  }
  return units;
}

function plansBySku(user: UserLicenses): Record<string, string[]> {
  return Object.fromEntries([...user.direct].map(([skuId, a]) => [skuId, [...a.disabledPlans].sort()]));
}

interface Planned {
  readonly rows: ResolvedRow[];
  readonly knowledge: UserKnowledge;
  readonly plan: UnitPlan;
}

/** Plans every unit in file order with one ledger, each user's later units against the previous unit's "after", as the engine does. */
function run(s: Scenario) {
  const skus: SkuDirectory = (skuId) => {
    const facts: SkuFacts = { skuId, partNumber: skuId === E3 ? 'ENTERPRISEPACK' : 'EMS', planNames: new Map(PLANS[skuId]!.map((p) => [p, p.toUpperCase()])) };
    return skuId === EMS && s.emsRefusesAdds ? { ...facts, refusesAdds: 'the subscription is Suspended' } : facts;
  };
  const free: Record<string, number> = { [E3]: s.free[E3]!, [EMS]: s.free[EMS]! };
  const ledger = new SeatLedger(Object.entries(free));
  const options: PlanOptions = { disabledPlans: s.merge ? 'merge' : 'replace', ...(s.defaultLocation ? { defaultUsageLocation: 'NL' } : {}) };
  const rows = rowsOf(s.rowsRaw);
  const initial = new Map(USERS.map((u, i) => [u, s.users[i]!]));
  const current = new Map<string, UserKnowledge>(USERS.map((u) => [u, initial.get(u)!.found ? { kind: 'read', user: licensesOf(initial.get(u)!) } : { kind: 'not-found' }]));
  const planned: Planned[] = [];
  for (const unit of unitsOf(rows)) {
    const knowledge = current.get(unit[0]!.user)!;
    const plan = planUnit(unit[0]!.user, unit, knowledge, { skus, ledger, options });
    planned.push({ rows: unit, knowledge, plan });
    const after = planAfter(plan);
    if (after) current.set(unit[0]!.user, { kind: 'read', user: after });
  }
  return { rows, planned, ledger, free, initial, current, merge: s.merge };
}

const scenarios = scenarioArb.map(({ rows, ...rest }) => ({ ...rest, rowsRaw: rows }));
type Scenario = typeof scenarios extends fc.Arbitrary<infer T> ? T : never;
const RUNS = { numRuns: 1000, seed: 7_2026 };

describe('planUnit and SeatLedger (property)', () => {
  it('give every row exactly one decision; a row is sent only as part of one change, or for its usage location alone', () => {
    fc.assert(
      fc.property(scenarios, (s) => {
        const { rows, planned } = run(s);
        const decided = planned.flatMap(({ rows: unit, plan }) => {
          expect([...plan.decisions.keys()].sort((a, b) => a - b)).toEqual(unit.map((r) => r.row));
          for (const row of unit) {
            const carriers = plan.changes.filter((c) => c.rows.includes(row));
            const kind = plan.decisions.get(row.row)!.kind;
            if (kind === 'send') expect(carriers.length === 1 || (carriers.length === 0 && plan.usageLocation !== undefined)).toBe(true);
            else expect(carriers).toEqual([]);
          }
          return unit.map((r) => r.row);
        });
        expect(decided).toEqual(rows.map((r) => r.row));
      }),
      RUNS,
    );
  });

  it('hand out a seat only while one is free or a remove planned earlier frees one, each such seat once; NoSeats only when neither is left', () => {
    fc.assert(
      fc.property(scenarios, (s) => {
        const { planned, free } = run(s);
        const freeClaims = new Map<string, number>();
        const freeingRemoves = new Map<number, string>(); // remove row -> SKU, in plan order
        const claimedRemoves = new Set<number>();
        for (const { rows: unit, knowledge, plan } of planned) {
          const user = knowledge.kind === 'read' ? knowledge.user : undefined;
          // In the order the planner met them, as it took seats.
          for (const group of changesOf(unit)) {
            const first = group[0]!;
            const change = plan.changes.find((c) => c.rows.includes(first));
            const decision = plan.decisions.get(first.row)!;
            const skuId = first.skuId;
            const unclaimed = [...freeingRemoves].filter(([row, sku]) => sku === skuId && !claimedRemoves.has(row));
            if (decision.kind === 'fail' && decision.errorCode === 'NoSeats') {
              expect(freeClaims.get(skuId) ?? 0).toBe(free[skuId]);
              expect(unclaimed).toEqual([]);
            }
            if (change?.action === 'remove' && change.freesSeat) freeingRemoves.set(first.row, skuId);
            if (change?.action !== 'add') continue;
            const holds = (user?.inEffect.get(skuId) ?? 0) > 0;
            if (change.seat === undefined) expect(holds).toBe(true);
            else if (change.seat.kind === 'free') {
              expect(holds).toBe(false);
              freeClaims.set(skuId, (freeClaims.get(skuId) ?? 0) + 1);
              expect(freeClaims.get(skuId)).toBeLessThanOrEqual(free[skuId]!);
            } else {
              expect(holds).toBe(false);
              expect(freeClaims.get(skuId) ?? 0).toBe(free[skuId]);
              expect(unclaimed[0]?.[0]).toBe(change.seat.removeRow);
              claimedRemoves.add(change.seat.removeRow);
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('end, once every change is settled either way, with the free seats the tenant has, never below zero', () => {
    fc.assert(
      fc.property(scenarios, (s) => {
        const { planned, ledger, free } = run(s);
        const changes = planned.flatMap((p) => p.plan.changes);
        const appliedChanges = new Set<Change>();
        const flags = [...s.applies];
        const nextFlag = () => flags.shift() ?? true;
        const tenantFree: Record<string, number> = { ...free };
        const expectNotNegative = () => {
          for (const seats of ledger.report()) expect(seats.freeAfter).toBeGreaterThanOrEqual(0);
        };
        // Removes settle first: the adds that wait for their seats go only after them, as in the engine.
        for (const change of changes.filter((c) => c.action === 'remove')) {
          const done = nextFlag();
          if (done) appliedChanges.add(change);
          if (done && change.freesSeat) tenantFree[change.skuId]! += 1;
          if (change.freesSeat) ledger.settleRemove(change.skuId, change.rows[0]!.row, done);
          expectNotNegative();
        }
        for (const change of changes.filter((c) => c.action === 'add')) {
          const seat = change.seat;
          // An add whose seat was to come from a remove that failed is not sent (SeatMoveFailed), and gives nothing back.
          if (seat?.kind === 'after-remove' && ![...appliedChanges].some((c) => c.rows[0]!.row === seat.removeRow)) continue;
          const done = nextFlag();
          if (done && seat !== undefined) tenantFree[change.skuId]! -= 1;
          if (!done && seat !== undefined) ledger.giveBack(change.skuId);
          expectNotNegative();
        }
        expect(Object.fromEntries(ledger.report().map((r) => [r.skuId, r.freeAfter]))).toEqual(tenantFree);
        for (const skuId of SKUS) expect(tenantFree[skuId]).toBeGreaterThanOrEqual(0);
      }),
      RUNS,
    );
  });

  it("leave each user as the rows that were not refused, applied one by one in file order, would", () => {
    fc.assert(
      fc.property(scenarios, (s) => {
        const { rows, planned, initial, current, merge } = run(s);
        const decision = new Map(planned.flatMap((p) => [...p.plan.decisions]));
        for (const user of USERS) {
          const shape = initial.get(user)!;
          const now = current.get(user)!;
          if (!shape.found) {
            expect(now.kind).toBe('not-found');
            continue;
          }
          const want = plansBySku(licensesOf(shape));
          for (const row of rows.filter((r) => r.user === user)) {
            if (decision.get(row.row)!.kind === 'fail') continue;
            if (row.action === 'remove') delete want[row.skuId];
            else want[row.skuId] = [...new Set([...(merge && want[row.skuId] ? want[row.skuId]! : []), ...row.disabledPlans])].sort();
          }
          expect(now.kind === 'read' && plansBySku(now.user)).toEqual(want);
        }
      }),
      RUNS,
    );
  });

  it('make undo rows that, applied to the user after the unit, give back the licenses before it', () => {
    fc.assert(
      fc.property(scenarios, (s) => {
        const { planned } = run(s);
        for (const { knowledge, plan } of planned) {
          if (knowledge.kind !== 'read') continue;
          const undo: Change[] = plan.changes.map((change) => {
            expect(change.undo).toBeDefined();
            const row = change.undo!;
            expect(row.skuId).toBe(change.skuId);
            return { action: row.action, skuId: row.skuId, disabledPlans: row.disabledPlans, rows: [], freesSeat: false };
          });
          expect(plansBySku(applied(planAfter(plan)!, undo.reverse()))).toEqual(plansBySku(knowledge.user));
        }
      }),
      RUNS,
    );
  });
});
