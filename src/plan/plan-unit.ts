import type { ResolvedRow } from '../model.js';
import { assignmentTrouble, isInEffect, type DirectAssignment, type UserLicenses } from '../tenant/user-licenses.js';
import type { SeatLedger } from './seat-ledger.js';
import { skuName, type SkuDirectory } from './sku-facts.js';
import { addInWords, plansInWords, planChangeInWords, removeInWords, usageLocationInWords, type Tense } from './words.js';

/** What the run knows of a user before planning: what a read found, that it found nothing, or (`--no-read`) nothing. */
export type UserKnowledge = { readonly kind: 'read'; readonly user: UserLicenses } | { readonly kind: 'not-found' } | { readonly kind: 'unread' };

export interface PlanOptions {
  /** `--disabled-plans`: `merge` unions a row's disabled plans with those the user has for that SKU. */
  readonly disabledPlans: 'replace' | 'merge';
  /** `--usage-location`: given to a user that has none, before a license is added. */
  readonly defaultUsageLocation?: string;
}

export interface PlanContext {
  readonly skus: SkuDirectory;
  readonly ledger: SeatLedger;
  readonly options: PlanOptions;
}

/** A row of an undo file: restores one SKU of one user. */
export interface UndoRow {
  readonly user: string;
  readonly skuId: string;
  readonly action: 'add' | 'remove';
  readonly disabledPlans: readonly string[];
}

/** One SKU change of one user, carried by one or more identical rows. */
export interface Change {
  readonly action: 'add' | 'remove';
  readonly skuId: string;
  /** For an add: the complete disabled-plans set to send. */
  readonly disabledPlans: readonly string[];
  readonly rows: readonly ResolvedRow[];
  /** The direct assignment before the change, when there was one. */
  readonly before?: DirectAssignment;
  /** For an add that takes a counted seat: where it comes from. */
  readonly seat?: { readonly kind: 'free' } | { readonly kind: 'after-remove'; readonly removeRow: number };
  /** For a remove: it frees a counted seat (the user holds the SKU directly and not through a group). */
  readonly freesSeat: boolean;
  /** Restores the state before this change; absent when the state was not read. */
  readonly undo?: UndoRow;
}

/** A row's fate as planned: skipped, failed here, or carried by a change or the usage-location PATCH. */
export type RowDecision =
  | { readonly kind: 'skip'; readonly message: string }
  | { readonly kind: 'fail'; readonly errorCode: string; readonly message: string }
  | { readonly kind: 'send' };

export interface UnitPlan {
  readonly user: string;
  /** One decision per row of the unit, by row number. */
  readonly decisions: ReadonlyMap<number, RowDecision>;
  /** `PATCH /users/{id}` before the license changes. */
  readonly usageLocation?: { readonly value: string; readonly fromDefault: boolean };
  readonly changes: readonly Change[];
  /** The user as read (or as this run left it), when the user was read; {@link planAfter} derives the state after. */
  readonly before?: UserLicenses;
}

/**
 * The user once every change of the plan is applied, when the user was read: what later units of the
 * user plan against. Derived rather than stored, so that a plan whose changes are narrowed (a seat
 * move that failed) cannot disagree with it.
 */
export function planAfter(plan: UnitPlan): UserLicenses | undefined {
  return plan.before === undefined ? undefined : applied(plan.before, plan.changes, plan.usageLocation?.value);
}

/**
 * Plans one user's rows against what the run knows of the user (SPEC §2 steps 2 to 5): which rows
 * are already in place (skipped), which fail without a write (user not found, a license held only
 * through a group, a SKU that takes no adds, no usage location, no seat left), and the changes and
 * PATCH to send for the rest, with the rows that would undo them. Seats are taken from `ledger`
 * in call order. Pure: no I/O, no time.
 */
export function planUnit(user: string, rows: readonly ResolvedRow[], knowledge: UserKnowledge, ctx: PlanContext): UnitPlan {
  const decisions = new Map<number, RowDecision>();
  if (knowledge.kind === 'not-found') {
    const message = `user ${user} was not found in the directory: check the UPN or object id (a new user can take a few minutes to appear)`;
    for (const row of rows) decisions.set(row.row, { kind: 'fail', errorCode: 'UserNotFound', message });
    return { user, decisions, changes: [] };
  }
  const known = knowledge.kind === 'read' ? knowledge.user : undefined;
  const asked = rows.find((row) => row.usageLocation !== undefined)?.usageLocation;
  const locationAfter = asked ?? known?.usageLocation ?? ctx.options.defaultUsageLocation ?? null;

  const changes: Change[] = [];
  for (const group of changesOf(rows)) {
    const planned = known === undefined ? unreadChange(group) : planChange(group, known, locationAfter, ctx);
    if ('change' in planned) {
      changes.push(planned.change);
      for (const row of group) decisions.set(row.row, { kind: 'send' });
    } else {
      for (const row of group) decisions.set(row.row, planned.decision);
    }
  }

  // The location is set when a row that goes ahead asks for another, or a license needs the default.
  const stillAsked = rows.find((row) => row.usageLocation !== undefined && decisions.get(row.row)?.kind !== 'fail')?.usageLocation;
  let usageLocation: UnitPlan['usageLocation'];
  if (stillAsked !== undefined && (known === undefined || known.usageLocation !== stillAsked)) usageLocation = { value: stillAsked, fromDefault: false };
  else if (known && known.usageLocation === null && stillAsked === undefined && ctx.options.defaultUsageLocation && changes.some((c) => c.action === 'add')) {
    usageLocation = { value: ctx.options.defaultUsageLocation, fromDefault: true };
  }
  if (usageLocation && !usageLocation.fromDefault) {
    // A row whose license is in place but whose user is elsewhere goes ahead for the PATCH alone.
    for (const row of rows) if (row.usageLocation !== undefined && decisions.get(row.row)?.kind === 'skip') decisions.set(row.row, { kind: 'send' });
  } else if (known && stillAsked !== undefined) {
    for (const row of rows) {
      const decision = decisions.get(row.row);
      if (row.usageLocation !== undefined && decision?.kind === 'skip') decisions.set(row.row, { kind: 'skip', message: `${decision.message}, and usage location ${row.usageLocation}` });
    }
  }

  const plan: { -readonly [K in keyof UnitPlan]: UnitPlan[K] } = { user, decisions, changes };
  if (usageLocation) plan.usageLocation = usageLocation;
  if (known) plan.before = known;
  return plan;
}

type Planned = { readonly change: Change } | { readonly decision: RowDecision };

function unreadChange(rows: readonly ResolvedRow[]): Planned {
  const first = rows[0]!;
  return { change: { action: first.action, skuId: first.skuId, disabledPlans: first.disabledPlans, rows, freesSeat: false } };
}

function planChange(rows: readonly ResolvedRow[], user: UserLicenses, locationAfter: string | null, ctx: PlanContext): Planned {
  const first = rows[0]!;
  const skuId = first.skuId;
  const facts = ctx.skus(skuId);
  const held = user.direct.get(skuId);
  const group = user.inherited.get(skuId);

  if (first.action === 'remove') {
    if (held === undefined) {
      if (group !== undefined) {
        return fail(
          'InheritedFromGroup',
          `${skuName(facts, skuId)} is assigned to this user through group ${group}, not directly, so it cannot be removed from the user: remove the user from that group, or the license from the group`,
        );
      }
      return { decision: { kind: 'skip', message: `does not have ${skuName(facts, skuId)} assigned directly: nothing to remove` } };
    }
    // The seat comes free only when no other assignment (a group's) keeps the user holding it.
    const freesSeat = isInEffect(held.state) && (user.inEffect.get(skuId) ?? 0) === 1;
    if (freesSeat) ctx.ledger.planRemove(skuId, first.row);
    return { change: { action: 'remove', skuId, disabledPlans: [], rows, before: held, freesSeat, undo: undoRow(first, skuId, 'add', held.disabledPlans) } };
  }

  const disabledPlans =
    ctx.options.disabledPlans === 'merge' && first.plans?.mode !== 'enabled' && held !== undefined
      ? union(held.disabledPlans, first.disabledPlans)
      : first.disabledPlans;
  if (held !== undefined && assignmentTrouble(held) === undefined && sameSet(held.disabledPlans, disabledPlans)) {
    // SPEC §2's words first, then what exactly is in place.
    return { decision: { kind: 'skip', message: `already assigned with the same plans: ${skuName(facts, skuId)} ${plansInWords(facts, disabledPlans)}` } };
  }
  if (facts?.refusesAdds) return fail('SkuNotAssignable', `${skuName(facts, skuId)} cannot be assigned: ${facts.refusesAdds}`);
  if (locationAfter === null) {
    return fail('NoUsageLocation', 'the user has no usage location, which a license needs: add a UsageLocation column or pass --usage-location XX');
  }
  const undo = held === undefined ? undoRow(first, skuId, 'remove', []) : undoRow(first, skuId, 'add', held.disabledPlans);
  const base = { action: 'add', skuId, disabledPlans, rows, freesSeat: false, undo } as const;
  const withBefore = held ? { ...base, before: held } : base;
  // A user holds one seat of a SKU however it is assigned: only an add to a user holding none takes one.
  if ((user.inEffect.get(skuId) ?? 0) > 0) return { change: withBefore };
  const claim = ctx.ledger.take(skuId, first.row);
  if (claim.kind === 'none') {
    return fail(
      'NoSeats',
      `no free seat of ${skuName(facts, skuId)} left: ${claim.freeAtStart} ${claim.freeAtStart === 1 ? 'was' : 'were'} free when the run started, and rows before this one take ${claim.freeAtStart === 1 ? 'it' : 'them'}; free or buy seats, then run again with --resume`,
    );
  }
  return { change: { ...withBefore, seat: claim } };
}

function fail(errorCode: string, message: string): Planned {
  return { decision: { kind: 'fail', errorCode, message } };
}

function undoRow(row: ResolvedRow, skuId: string, action: 'add' | 'remove', disabledPlans: readonly string[]): UndoRow {
  return { user: row.user, skuId, action, disabledPlans };
}

/** The rows grouped by the SKU change they ask for (action and SKU), in order of first appearance. */
export function changesOf(rows: readonly ResolvedRow[]): ResolvedRow[][] {
  const byChange = new Map<string, ResolvedRow[]>();
  for (const row of rows) {
    const key = `${row.action}:${row.skuId}`;
    const group = byChange.get(key);
    if (group) group.push(row);
    else byChange.set(key, [row]);
  }
  return [...byChange.values()];
}

/** The user with `changes` applied, as Graph will show it once they succeed. */
export function applied(user: UserLicenses, changes: readonly Change[], usageLocation?: string): UserLicenses {
  const direct = new Map(user.direct);
  const inEffect = new Map(user.inEffect);
  for (const change of changes) {
    const was = direct.get(change.skuId);
    const counted = was !== undefined && isInEffect(was.state) ? 1 : 0;
    if (change.action === 'remove') direct.delete(change.skuId);
    else direct.set(change.skuId, { disabledPlans: [...change.disabledPlans], state: 'Active', error: 'None' });
    inEffect.set(change.skuId, (inEffect.get(change.skuId) ?? 0) - counted + (change.action === 'add' ? 1 : 0));
  }
  return { ...user, usageLocation: usageLocation ?? user.usageLocation, direct, inEffect };
}

/** What a row changes, in words: the license change that carries it and the usage location set before it. */
export function rowChangeInWords(plan: UnitPlan, row: ResolvedRow, skus: SkuDirectory, tense: Tense): string {
  const parts: string[] = [];
  const change = plan.changes.find((c) => c.rows.includes(row));
  if (change) parts.push(changeInWords(change, skus, tense));
  else if (plan.before) parts.push(`already has ${skuName(skus(row.skuId), row.skuId)}`);
  if (plan.usageLocation && (row.usageLocation !== undefined || (plan.usageLocation.fromDefault && change?.action === 'add'))) {
    parts.push(usageLocationInWords(plan.usageLocation.value, plan.usageLocation.fromDefault));
  }
  return parts.join('; ');
}

export function changeInWords(change: Change, skus: SkuDirectory, tense: Tense): string {
  const facts = skus(change.skuId);
  if (change.action === 'remove') return removeInWords(facts, change.skuId, tense);
  if (change.before !== undefined && assignmentTrouble(change.before) === undefined) {
    return planChangeInWords(facts, change.skuId, change.disabledPlans, change.before.disabledPlans, tense);
  }
  return addInWords(facts, change.skuId, change.disabledPlans, tense);
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}
