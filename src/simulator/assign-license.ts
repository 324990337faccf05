import { failed, graphErrors, ok, type Outcome } from './graph-errors.js';
import { isGuid } from './tenant-spec.js';

export interface AssignedLicense {
  readonly skuId: string;
  readonly disabledPlans: readonly string[];
}

export interface GroupAssignedLicense extends AssignedLicense {
  readonly groupId: string;
}

/** What `assignLicense` needs to know of a user. */
export interface LicenseHolder {
  readonly usageLocation: string | null;
  readonly direct: readonly AssignedLicense[];
  readonly group: readonly GroupAssignedLicense[];
}

/** What `assignLicense` needs to know of a SKU: its plans, and seats left (`prepaidUnits.enabled - consumedUnits`). */
export interface SkuFacts {
  readonly planIds: ReadonlySet<string>;
  readonly free: number;
}

interface AssignLicenseBody {
  readonly adds: readonly AssignedLicense[];
  readonly removes: readonly string[];
}

/**
 * Graph's `assignLicense` for one user, as a pure decision: the user's new direct assignments, or the
 * first error in Graph's order. Nothing is applied here, so the caller can apply all or nothing.
 * GUIDs are compared and returned in lower case.
 */
export function planAssignLicense(
  user: LicenseHolder,
  body: unknown,
  sku: (skuId: string) => SkuFacts | undefined,
): Outcome<AssignedLicense[]> {
  const parsed = parseBody(body);
  if (!parsed.ok) return parsed;
  const { adds, removes } = parsed.value;

  for (const skuId of [...adds.map((a) => a.skuId), ...removes]) {
    if (sku(skuId) === undefined) return failed(graphErrors.unknownSku(skuId));
  }
  for (const add of adds) {
    const plans = sku(add.skuId)!.planIds;
    const stray = add.disabledPlans.find((plan) => !plans.has(plan));
    if (stray !== undefined) return failed(graphErrors.planNotInSku(stray, add.skuId));
  }
  const heldDirectly = new Set(user.direct.map((l) => l.skuId));
  const heldByGroup = new Set(user.group.map((l) => l.skuId));
  for (const skuId of removes) {
    if (heldDirectly.has(skuId)) continue;
    return failed(heldByGroup.has(skuId) ? graphErrors.inheritedFromGroup() : graphErrors.noCorrespondingLicense());
  }
  if (adds.length > 0 && user.usageLocation === null) return failed(graphErrors.invalidUsageLocation());

  // A user holds at most one seat of a SKU however it is assigned; removes in the same body free
  // their seats before the adds are counted.
  const removed = new Set(removes);
  for (const add of adds) {
    const holdsAfterRemoves = (heldDirectly.has(add.skuId) && !removed.has(add.skuId)) || heldByGroup.has(add.skuId);
    if (holdsAfterRemoves) continue;
    const freedHere = removed.has(add.skuId) && !heldByGroup.has(add.skuId) ? 1 : 0;
    if (sku(add.skuId)!.free + freedHere <= 0) return failed(graphErrors.noSeats(add.skuId));
  }

  const next = user.direct.filter((l) => !removed.has(l.skuId));
  for (const add of adds) {
    const at = next.findIndex((l) => l.skuId === add.skuId);
    if (at === -1) next.push(add);
    else next[at] = add; // adding a held SKU replaces its disabled plans, as Graph does
  }
  return ok(next);
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
