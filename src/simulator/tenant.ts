import { planAssignLicense, type AssignedLicense, type GroupAssignedLicense } from './assign-license.js';
import { failed, graphErrors, ok, type Outcome } from './graph-errors.js';
import { isUsageLocation, type TenantSpec } from './tenant-spec.js';

export type { AssignedLicense, GroupAssignedLicense } from './assign-license.js';

/** A user as the simulator holds it: a deep copy, safe to keep and compare. */
export interface UserSnapshot {
  id: string;
  userPrincipalName: string;
  usageLocation: string | null;
  /** Direct and group-inherited, one entry per SKU, as Graph's `assignedLicenses`. */
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  directLicenses: { skuId: string; disabledPlans: string[] }[];
  groupLicenses: { skuId: string; groupId: string; disabledPlans: string[] }[];
}

/** A SKU as `GET /subscribedSkus` returns it. */
export interface SubscribedSku {
  id: string;
  skuId: string;
  skuPartNumber: string;
  appliesTo: 'User';
  capabilityStatus: 'Enabled';
  consumedUnits: number;
  prepaidUnits: { enabled: number; suspended: number; warning: number; lockedOut: number };
  servicePlans: { servicePlanId: string; servicePlanName: string; provisioningStatus: 'Success'; appliesTo: 'User' }[];
}

/** The user properties the simulator models, as `$select` names them. */
export const USER_PROPERTIES = ['id', 'userPrincipalName', 'usageLocation', 'assignedLicenses', 'licenseAssignmentStates'] as const;
export type UserProperty = (typeof USER_PROPERTIES)[number];

/** Graph's selection when a request has no `$select` (restricted to what is modelled). */
export const DEFAULT_SELECT: readonly UserProperty[] = ['id', 'userPrincipalName'];

interface UserState {
  readonly id: string;
  readonly userPrincipalName: string;
  usageLocation: string | null;
  direct: readonly AssignedLicense[];
  readonly group: readonly GroupAssignedLicense[];
}

interface SkuState {
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly enabled: number;
  readonly plans: readonly { servicePlanId: string; servicePlanName: string }[];
  readonly planIds: ReadonlySet<string>;
  consumed: number;
}

/**
 * The tenant model: users, SKUs and seats, with Graph's rules for `assignLicense` and `PATCH`.
 * Pure and synchronous, so that each change is atomic; the HTTP server is a thin adapter over it.
 * Users are found by id or UPN, case-insensitively.
 */
export class Tenant {
  readonly tenantId: string;
  readonly #skus = new Map<string, SkuState>();
  readonly #users: UserState[] = [];
  /** Ids and UPNs lower-cased; they cannot collide, as a UPN holds an `@`. */
  readonly #byKey = new Map<string, UserState>();

  /** @param spec a validated spec (see `validateTenantSpec`); it is copied, never changed. */
  constructor(spec: TenantSpec) {
    this.tenantId = spec.tenantId.toLowerCase();
    for (const sku of spec.skus) {
      const plans = sku.servicePlans.map((p) => ({ servicePlanId: p.servicePlanId.toLowerCase(), servicePlanName: p.servicePlanName }));
      this.#skus.set(sku.skuId.toLowerCase(), {
        skuId: sku.skuId.toLowerCase(),
        skuPartNumber: sku.skuPartNumber,
        enabled: sku.prepaidUnits.enabled,
        plans,
        planIds: new Set(plans.map((p) => p.servicePlanId)),
        consumed: 0,
      });
    }
    for (const u of spec.users) {
      const user: UserState = {
        id: u.id.toLowerCase(),
        userPrincipalName: u.userPrincipalName,
        usageLocation: u.usageLocation ?? null,
        direct: (u.assignedLicenses ?? []).map((l) => license(l.skuId, l.disabledPlans)),
        group: (u.groupLicenses ?? []).map((l) => ({ ...license(l.skuId, l.disabledPlans), groupId: l.groupId.toLowerCase() })),
      };
      this.#users.push(user);
      this.#byKey.set(user.id, user);
      this.#byKey.set(user.userPrincipalName.toLowerCase(), user);
      for (const skuId of heldSkus(user)) this.#skus.get(skuId)!.consumed += 1;
    }
  }

  get userCount(): number {
    return this.#users.length;
  }

  /** The id of the user that `key` (an id or a UPN, any case) names. */
  userId(key: string): string | undefined {
    return this.#find(key)?.id;
  }

  snapshot(key: string): UserSnapshot | undefined {
    const user = this.#find(key);
    return user && snapshot(user);
  }

  snapshots(): UserSnapshot[] {
    return this.#users.map(snapshot);
  }

  subscribedSkus(): SubscribedSku[] {
    return [...this.#skus.values()].map((sku) => ({
      id: `${this.tenantId}_${sku.skuId}`,
      skuId: sku.skuId,
      skuPartNumber: sku.skuPartNumber,
      appliesTo: 'User',
      capabilityStatus: 'Enabled',
      consumedUnits: sku.consumed,
      prepaidUnits: { enabled: sku.enabled, suspended: 0, warning: 0, lockedOut: 0 },
      servicePlans: sku.plans.map((p) => ({ ...p, provisioningStatus: 'Success', appliesTo: 'User' })),
    }));
  }

  /** The user as `GET /users/{key}?$select=...` shows it: `id` and the selected properties. */
  view(key: string, select: readonly UserProperty[] = DEFAULT_SELECT): Record<string, unknown> | undefined {
    const user = this.#find(key);
    return user && view(user, select);
  }

  /**
   * Up to `top` users from position `from` on, in directory order, optionally only those holding
   * `skuId`; `next` is where the following page starts, absent on the last page.
   */
  page(from: number, top: number, select: readonly UserProperty[], skuId?: string): { values: Record<string, unknown>[]; next?: number } {
    const wanted = (u: UserState) => skuId === undefined || heldSkus(u).has(skuId.toLowerCase());
    const values: Record<string, unknown>[] = [];
    let i = from;
    for (; i < this.#users.length && values.length < top; i += 1) {
      if (wanted(this.#users[i]!)) values.push(view(this.#users[i]!, select));
    }
    while (i < this.#users.length && !wanted(this.#users[i]!)) i += 1;
    return i < this.#users.length ? { values, next: i } : { values };
  }

  /** `POST /users/{key}/assignLicense`: all or nothing; on success the user's id, UPN and licenses. */
  assignLicense(key: string, body: unknown): Outcome<Record<string, unknown>> {
    const user = this.#find(key);
    if (user === undefined) return failed(graphErrors.resourceNotFound(key));
    const plan = planAssignLicense(user, body, (skuId) => {
      const sku = this.#skus.get(skuId);
      return sku && { planIds: sku.planIds, free: sku.enabled - sku.consumed };
    });
    if (!plan.ok) return plan;
    const before = heldSkus(user);
    user.direct = plan.value;
    const after = heldSkus(user);
    for (const skuId of before) if (!after.has(skuId)) this.#skus.get(skuId)!.consumed -= 1;
    for (const skuId of after) if (!before.has(skuId)) this.#skus.get(skuId)!.consumed += 1;
    return ok(view(user, ['id', 'userPrincipalName', 'assignedLicenses']));
  }

  /** `PATCH /users/{key}`: only `usageLocation` is modelled; other properties are refused by name. */
  patchUser(key: string, body: unknown): Outcome<void> {
    const user = this.#find(key);
    if (user === undefined) return failed(graphErrors.resourceNotFound(key));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return failed(graphErrors.unreadableJson());
    const patch = body as Record<string, unknown>;
    const stray = Object.keys(patch).find((k) => k !== 'usageLocation');
    if (stray !== undefined) return failed(graphErrors.undeclaredProperty(stray));
    if ('usageLocation' in patch) {
      if (!isUsageLocation(patch.usageLocation)) return failed(graphErrors.invalidPropertyValue('usageLocation'));
      user.usageLocation = patch.usageLocation;
    }
    return ok(undefined);
  }

  #find(key: string): UserState | undefined {
    return this.#byKey.get(key.toLowerCase());
  }
}

function license(skuId: string, disabledPlans: readonly string[] = []): AssignedLicense {
  return { skuId: skuId.toLowerCase(), disabledPlans: [...new Set(disabledPlans.map((p) => p.toLowerCase()))] };
}

function heldSkus(user: UserState): Set<string> {
  return new Set([...user.direct, ...user.group].map((l) => l.skuId));
}

/** One entry per SKU; a plan counts as disabled only when every assignment of that SKU disables it. */
function effectiveLicenses(user: UserState): { skuId: string; disabledPlans: string[] }[] {
  const bySku = new Map<string, string[]>();
  for (const l of [...user.direct, ...user.group]) {
    const seen = bySku.get(l.skuId);
    bySku.set(l.skuId, seen === undefined ? [...l.disabledPlans] : seen.filter((p) => l.disabledPlans.includes(p)));
  }
  return [...bySku].map(([skuId, disabledPlans]) => ({ skuId, disabledPlans }));
}

function view(user: UserState, select: readonly UserProperty[]): Record<string, unknown> {
  const out: Record<string, unknown> = { id: user.id };
  for (const property of select) {
    if (property === 'userPrincipalName') out.userPrincipalName = user.userPrincipalName;
    else if (property === 'usageLocation') out.usageLocation = user.usageLocation;
    else if (property === 'assignedLicenses') out.assignedLicenses = effectiveLicenses(user);
    else if (property === 'licenseAssignmentStates') {
      out.licenseAssignmentStates = [
        ...user.direct.map((l) => ({ skuId: l.skuId, disabledPlans: [...l.disabledPlans], assignedByGroup: null, state: 'Active', error: 'None' })),
        ...user.group.map((l) => ({ skuId: l.skuId, disabledPlans: [...l.disabledPlans], assignedByGroup: l.groupId, state: 'Active', error: 'None' })),
      ];
    }
  }
  return out;
}

function snapshot(user: UserState): UserSnapshot {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    usageLocation: user.usageLocation,
    assignedLicenses: effectiveLicenses(user),
    directLicenses: user.direct.map((l) => ({ skuId: l.skuId, disabledPlans: [...l.disabledPlans] })),
    groupLicenses: user.group.map((l) => ({ skuId: l.skuId, groupId: l.groupId, disabledPlans: [...l.disabledPlans] })),
  };
}
