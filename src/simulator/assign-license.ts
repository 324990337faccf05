import { failed, graphErrors, ok, type GraphFailure, type Outcome } from './graph-errors.js';
import { isGuid, type AppliesTo, type AssignmentError, type AssignmentState, type CapabilityStatus } from './tenant-spec.js';

export interface AssignedLicense {
  readonly skuId: string;
  readonly disabledPlans: readonly string[];
}

/** One assignment as `licenseAssignmentStates` shows it (without `assignedByGroup`). */
export interface Assignment extends AssignedLicense {
  readonly state: AssignmentState;
  readonly error: AssignmentError;
  readonly lastUpdatedDateTime: string;
}

export interface GroupAssignment extends Assignment {
  readonly groupId: string;
}

/** What `assignLicense` needs to know of a user. */
export interface LicenseHolder {
  readonly usageLocation: string | null;
  readonly direct: readonly Assignment[];
  readonly group: readonly GroupAssignment[];
}

/** What `assignLicense` needs to know of a SKU. */
export interface SkuFacts {
  readonly planIds: ReadonlySet<string>;
  /** Seats left: `prepaidUnits.enabled - consumedUnits`. */
  readonly free: number;
  readonly appliesTo: AppliesTo;
  readonly capabilityStatus: CapabilityStatus;
  /** Plans with the plans they need or exclude, GUIDs lower-cased. */
  readonly rules: ReadonlyMap<string, PlanRules>;
}

export interface PlanRules {
  readonly dependsOn: readonly string[];
  /** Plan ids, or SKU ids standing for every plan of that SKU. */
  readonly excludes: readonly string[];
}

type Catalog = (skuId: string) => SkuFacts | undefined;

interface AssignLicenseBody {
  readonly adds: readonly AssignedLicense[];
  readonly removes: readonly string[];
}

/** Whether an assignment gives the user the license: it shows in `assignedLicenses`, takes a seat and enables its plans. */
export function isEffective(assignment: { readonly state: AssignmentState }): boolean {
  return assignment.state === 'Active' || assignment.state === 'ActiveWithError';
}

/** Subscriptions in these states have no enabled units left to assign. */
const CLOSED: ReadonlySet<CapabilityStatus> = new Set(['Suspended', 'LockedOut', 'Deleted']);

/**
 * Graph's `assignLicense` for one user, as a pure decision: the user's new direct assignments, or the
 * first error in Graph's order. Nothing is applied here, so the caller can apply all or nothing.
 * GUIDs are compared and returned in lower case; `now` (ISO 8601) stamps the assignments added.
 */
export function planAssignLicense(user: LicenseHolder, body: unknown, sku: Catalog, now: string): Outcome<Assignment[]> {
  const parsed = parseBody(body);
  if (!parsed.ok) return parsed;
  const { adds, removes } = parsed.value;

  for (const skuId of [...adds.map((a) => a.skuId), ...removes]) {
    if (sku(skuId) === undefined) return failed(graphErrors.unknownSku(skuId));
  }
  for (const add of adds) {
    if (sku(add.skuId)!.appliesTo === 'Company') return failed(graphErrors.companySku(add.skuId));
  }
  for (const add of adds) {
    const plans = sku(add.skuId)!.planIds;
    const stray = add.disabledPlans.find((plan) => !plans.has(plan));
    if (stray !== undefined) return failed(graphErrors.planNotInSku(stray, add.skuId));
  }
  // Any direct assignment can be removed, one in Error state too; a group's cannot.
  const heldDirectly = new Set(user.direct.map((l) => l.skuId));
  const heldByGroup = new Set(user.group.map((l) => l.skuId));
  for (const skuId of removes) {
    if (heldDirectly.has(skuId)) continue;
    return failed(heldByGroup.has(skuId) ? graphErrors.inheritedFromGroup() : graphErrors.noCorrespondingLicense());
  }
  if (adds.length > 0 && user.usageLocation === null) return failed(graphErrors.invalidUsageLocation());

  // A user holds at most one seat of a SKU however it is assigned, and only through assignments that
  // are in effect; removes in the same body free their seats before the adds are counted. A closed
  // subscription (suspended, locked out, deleted) has moved its units out of `enabled`, so Graph
  // answers an add of it as it answers a full one.
  const removed = new Set(removes);
  const inEffectDirectly = new Set(user.direct.filter(isEffective).map((l) => l.skuId));
  const inEffectByGroup = new Set(user.group.filter(isEffective).map((l) => l.skuId));
  for (const add of adds) {
    const facts = sku(add.skuId)!;
    const holdsAfterRemoves = (inEffectDirectly.has(add.skuId) && !removed.has(add.skuId)) || inEffectByGroup.has(add.skuId);
    if (holdsAfterRemoves) continue;
    const freedHere = removed.has(add.skuId) && inEffectDirectly.has(add.skuId) && !inEffectByGroup.has(add.skuId) ? 1 : 0;
    if (CLOSED.has(facts.capabilityStatus) || facts.free + freedHere <= 0) return failed(graphErrors.noSeats(add.skuId));
  }

  const next: Assignment[] = user.direct.filter((l) => !removed.has(l.skuId));
  for (const add of adds) {
    // Adding a held SKU replaces its disabled plans and, succeeding, clears an error state, as Graph does.
    const assignment: Assignment = { ...add, state: 'Active', error: 'None', lastUpdatedDateTime: now };
    const at = next.findIndex((l) => l.skuId === add.skuId);
    if (at === -1) next.push(assignment);
    else next[at] = assignment;
  }
  // Only conflicts this change creates are refused: a tenant may already hold some (group
  // assignments in error, say), and Graph does not block unrelated changes over them.
  const before = new Set(planConflicts([...user.direct, ...user.group], sku).map((c) => c.key));
  const created = planConflicts([...next, ...user.group], sku).find((c) => !before.has(c.key));
  if (created !== undefined) return failed(created.error);
  return ok(next);
}

interface Conflict {
  readonly key: string;
  readonly error: GraphFailure;
}

/** Exclusions, then unmet dependencies, among the plans the assignments in effect enable. */
function planConflicts(assignments: readonly Assignment[], sku: Catalog): Conflict[] {
  const enabled: { planId: string; skuId: string; rules: PlanRules | undefined }[] = [];
  for (const a of assignments.filter(isEffective)) {
    const facts = sku(a.skuId);
    if (facts === undefined) continue;
    for (const planId of facts.planIds) {
      if (!a.disabledPlans.includes(planId)) enabled.push({ planId, skuId: a.skuId, rules: facts.rules.get(planId) });
    }
  }
  const on = new Set(enabled.map((p) => p.planId));
  const conflicts: Conflict[] = [];
  for (const plan of enabled) {
    for (const other of plan.rules?.excludes ?? []) {
      const clashing = on.has(other) ? [other] : enabled.filter((p) => p.skuId === other && p.skuId !== plan.skuId).map((p) => p.planId);
      const first = clashing.find((id) => id !== plan.planId);
      if (first !== undefined) {
        conflicts.push({ key: `x ${[plan.planId, first].sort().join(' ')}`, error: graphErrors.exclusivePlans([plan.planId, first]) });
      }
    }
  }
  for (const plan of enabled) {
    const needs = plan.rules?.dependsOn ?? [];
    if (needs.length > 0 && !needs.some((id) => on.has(id))) {
      conflicts.push({ key: `d ${plan.planId}`, error: graphErrors.dependentPlan(plan.planId, needs) });
    }
  }
  return conflicts;
}

function parseBody(body: unknown): Outcome<AssignLicenseBody> {
  const b = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const missing = ['addLicenses', 'removeLicenses'].filter((key) => b[key] === undefined || b[key] === null);
  if (missing.length > 0) return failed(graphErrors.missingParameters(missing));
  if (!Array.isArray(b.addLicenses)) return failed(graphErrors.notACollection('addLicenses'));
  if (!Array.isArray(b.removeLicenses)) return failed(graphErrors.notACollection('removeLicenses'));

  // Later entries for the same SKU win, so a body cannot hold two different intents for one SKU.
  const adds = new Map<string, AssignedLicense>();
  for (const item of b.addLicenses as unknown[]) {
    const entry = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    const skuId = guid(entry.skuId);
    if (!skuId.ok) return skuId;
    const plans = entry.disabledPlans ?? [];
    if (!Array.isArray(plans)) return failed(graphErrors.notACollection('disabledPlans'));
    const disabledPlans = new Set<string>();
    for (const plan of plans as unknown[]) {
      const planId = guid(plan);
      if (!planId.ok) return planId;
      disabledPlans.add(planId.value);
    }
    adds.set(skuId.value, { skuId: skuId.value, disabledPlans: [...disabledPlans] });
  }
  const removes = new Set<string>();
  for (const item of b.removeLicenses as unknown[]) {
    const skuId = guid(item);
    if (!skuId.ok) return skuId;
    removes.add(skuId.value);
  }
  return ok({ adds: [...adds.values()], removes: [...removes] });
}

function guid(value: unknown): Outcome<string> {
  if (value === null || value === undefined) return failed(graphErrors.nullGuid());
  return isGuid(value) ? ok(value.toLowerCase()) : failed(graphErrors.notAGuid());
}
