import { isEffective, planAssignLicense, type Assignment, type GroupAssignment, type PlanRules, type SkuFacts } from './assign-license.js';
import { failed, graphErrors, ok, type Outcome } from './graph-errors.js';
import { isUsageLocation, type AppliesTo, type AssignmentError, type AssignmentState, type CapabilityStatus, type LicenseSpec, type TenantSpec } from './tenant-spec.js';

export type { AssignedLicense, Assignment, GroupAssignment } from './assign-license.js';

/** A user as the simulator holds it now (replication lag aside): a deep copy, safe to keep and compare. */
export interface UserSnapshot {
  id: string;
  userPrincipalName: string;
  usageLocation: string | null;
  /** Direct and group-inherited assignments in effect, one entry per SKU, as Graph's `assignedLicenses`. */
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  /** Every direct assignment, in effect or not. */
  directLicenses: { skuId: string; disabledPlans: string[] }[];
  groupLicenses: { skuId: string; groupId: string; disabledPlans: string[] }[];
  /** As `licenseAssignmentStates` shows them, direct ones first. */
  licenseAssignmentStates: LicenseAssignmentState[];
}

/** Graph's `licenseAssignmentState`. */
export interface LicenseAssignmentState {
  assignedByGroup: string | null;
  disabledPlans: string[];
  error: AssignmentError;
  lastUpdatedDateTime: string;
  skuId: string;
  state: AssignmentState;
}

/** A SKU as `GET /subscribedSkus` returns it. */
export interface SubscribedSku {
  id: string;
  skuId: string;
  skuPartNumber: string;
  appliesTo: AppliesTo;
  capabilityStatus: CapabilityStatus;
  consumedUnits: number;
  prepaidUnits: { enabled: number; suspended: number; warning: number; lockedOut: number };
  servicePlans: { servicePlanId: string; servicePlanName: string; provisioningStatus: 'Success'; appliesTo: AppliesTo }[];
}

/** The user properties the simulator models, as `$select` names them. */
export const USER_PROPERTIES = ['id', 'userPrincipalName', 'displayName', 'usageLocation', 'assignedLicenses', 'licenseAssignmentStates'] as const;
export type UserProperty = (typeof USER_PROPERTIES)[number];

/** Graph's selection when a request has no `$select` (restricted to what is modelled). */
export const DEFAULT_SELECT: readonly UserProperty[] = ['id', 'userPrincipalName'];

/** What a write changes of a user: the part that replication lag can hide from reads. */
interface Version {
  readonly usageLocation: string | null;
  readonly direct: readonly Assignment[];
}

interface UserState {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  current: Version;
  /** Versions a lagging read may still see, oldest first, each with the time it was replaced. */
  past: { readonly version: Version; readonly replacedAt: number }[];
  readonly group: readonly GroupAssignment[];
}

interface SkuState {
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly appliesTo: AppliesTo;
  readonly capabilityStatus: CapabilityStatus;
  readonly units: { readonly enabled: number; readonly suspended: number; readonly warning: number; readonly lockedOut: number };
  readonly plans: readonly { servicePlanId: string; servicePlanName: string; appliesTo: AppliesTo }[];
  readonly planIds: ReadonlySet<string>;
  readonly rules: ReadonlyMap<string, PlanRules>;
  consumed: number;
}

/**
 * The tenant model: users, SKUs and seats, with Graph's rules for `assignLicense` and `PATCH`.
 * Pure and synchronous, so that each change is atomic; the HTTP server is a thin adapter over it.
 * Users are found by id or UPN, case-insensitively.
 *
 * Replication lag: with `replicationLagMs` > 0, reads (`view`, `page`) show each user's licenses and
 * usage location as they were before any write applied less than that long ago, as a directory
 * replica that has not caught up would; writes always validate against the current state (Graph
 * writes go to the master).
 */
export class Tenant {
  readonly tenantId: string;
  /** How far reads lag behind writes, in ms. @default 0 */
  replicationLagMs = 0;
  readonly #now: () => number;
  readonly #startedAt: string;
  readonly #skus = new Map<string, SkuState>();
  readonly #users: UserState[] = [];
  /** Ids and UPNs lower-cased; they cannot collide, as a UPN holds an `@`. */
  readonly #byKey = new Map<string, UserState>();

  /**
   * @param spec a validated spec (see `validateTenantSpec`); it is copied, never changed.
   * @param now wall clock in ms since the epoch, for `lastUpdatedDateTime` and replication lag.
   */
  constructor(spec: TenantSpec, now: () => number = Date.now) {
    this.#now = now;
    this.#startedAt = new Date(now()).toISOString();
    this.tenantId = spec.tenantId.toLowerCase();
    for (const sku of spec.skus) {
      const plans = sku.servicePlans.map((p) => ({ servicePlanId: p.servicePlanId.toLowerCase(), servicePlanName: p.servicePlanName, appliesTo: p.appliesTo ?? 'User' }));
      const rules = new Map<string, PlanRules>();
      for (const p of sku.servicePlans) {
        rules.set(p.servicePlanId.toLowerCase(), {
          dependsOn: (p.dependsOn ?? []).map((id) => id.toLowerCase()),
          excludes: (p.excludes ?? []).map((id) => id.toLowerCase()),
        });
      }
      const u = sku.prepaidUnits;
      this.#skus.set(sku.skuId.toLowerCase(), {
        skuId: sku.skuId.toLowerCase(),
        skuPartNumber: sku.skuPartNumber,
        appliesTo: sku.appliesTo ?? 'User',
        capabilityStatus: sku.capabilityStatus ?? 'Enabled',
        units: { enabled: u.enabled, suspended: u.suspended ?? 0, warning: u.warning ?? 0, lockedOut: u.lockedOut ?? 0 },
        plans,
        planIds: new Set(plans.map((p) => p.servicePlanId)),
        rules,
        consumed: 0,
      });
    }
    for (const u of spec.users) {
      const user: UserState = {
        id: u.id.toLowerCase(),
        userPrincipalName: u.userPrincipalName,
        displayName: u.displayName ?? u.userPrincipalName.split('@')[0]!,
        current: { usageLocation: u.usageLocation ?? null, direct: (u.assignedLicenses ?? []).map((l) => this.#assignment(l)) },
        past: [],
        group: (u.groupLicenses ?? []).map((l) => ({ ...this.#assignment(l), groupId: l.groupId.toLowerCase() })),
      };
      this.#users.push(user);
      this.#byKey.set(user.id, user);
      this.#byKey.set(user.userPrincipalName.toLowerCase(), user);
      for (const skuId of heldSkus(user.current, user.group)) this.#skus.get(skuId)!.consumed += 1;
    }
  }

  get userCount(): number {
    return this.#users.length;
  }

  /** The id of the user that `key` (an id or a UPN, any case) names. */
  userId(key: string): string | undefined {
    return this.#find(key)?.id;
  }

  /** The user as it is now, whatever the replication lag. */
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
      appliesTo: sku.appliesTo,
      capabilityStatus: sku.capabilityStatus,
      consumedUnits: sku.consumed,
      prepaidUnits: { ...sku.units },
      servicePlans: sku.plans.map((p) => ({ servicePlanId: p.servicePlanId, servicePlanName: p.servicePlanName, provisioningStatus: 'Success', appliesTo: p.appliesTo })),
    }));
  }

  /** The user as `GET /users/{key}?$select=...` shows it: `id` and the selected properties, replication lag applied. */
  view(key: string, select: readonly UserProperty[] = DEFAULT_SELECT): Record<string, unknown> | undefined {
    const user = this.#find(key);
    return user && view(user, this.#visible(user), select);
  }

  /**
   * Up to `top` users from position `from` on, in directory order, optionally only those holding
   * `skuId` (as reads see them, lag applied); `next` is where the following page starts, absent on the last page.
   */
  page(from: number, top: number, select: readonly UserProperty[], skuId?: string): { values: Record<string, unknown>[]; next?: number } {
    const wanted = (u: UserState) => skuId === undefined || heldSkus(this.#visible(u), u.group).has(skuId.toLowerCase());
    const values: Record<string, unknown>[] = [];
    let i = from;
    for (; i < this.#users.length && values.length < top; i += 1) {
      if (wanted(this.#users[i]!)) values.push(view(this.#users[i]!, this.#visible(this.#users[i]!), select));
    }
    while (i < this.#users.length && !wanted(this.#users[i]!)) i += 1;
    return i < this.#users.length ? { values, next: i } : { values };
  }

  /** `POST /users/{key}/assignLicense`: all or nothing; on success the user object, as Graph answers it. */
  assignLicense(key: string, body: unknown): Outcome<Record<string, unknown>> {
    const user = this.#find(key);
    if (user === undefined) return failed(graphErrors.resourceNotFound(key));
    const plan = planAssignLicense({ ...user.current, group: user.group }, body, (skuId) => this.#facts(skuId), new Date(this.#now()).toISOString());
    if (!plan.ok) return plan;
    const before = heldSkus(user.current, user.group);
    this.#write(user, { ...user.current, direct: plan.value });
    const after = heldSkus(user.current, user.group);
    for (const skuId of before) if (!after.has(skuId)) this.#skus.get(skuId)!.consumed -= 1;
    for (const skuId of after) if (!before.has(skuId)) this.#skus.get(skuId)!.consumed += 1;
    return ok(userObject(user));
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
      this.#write(user, { ...user.current, usageLocation: patch.usageLocation });
    }
    return ok(undefined);
  }

  #find(key: string): UserState | undefined {
    return this.#byKey.get(key.toLowerCase());
  }

  #facts(skuId: string): SkuFacts | undefined {
    const sku = this.#skus.get(skuId);
    return (
      sku && {
        planIds: sku.planIds,
        free: sku.units.enabled - sku.consumed,
        appliesTo: sku.appliesTo,
        capabilityStatus: sku.capabilityStatus,
        rules: sku.rules,
      }
    );
  }

  #assignment(l: LicenseSpec): Assignment {
    return {
      skuId: l.skuId.toLowerCase(),
      disabledPlans: [...new Set((l.disabledPlans ?? []).map((p) => p.toLowerCase()))],
      state: l.state ?? 'Active',
      error: l.error ?? 'None',
      lastUpdatedDateTime: l.lastUpdatedDateTime ?? this.#startedAt,
    };
  }

  /** Makes `next` the user's current version, keeping the one it replaces while a lagging read may see it. */
  #write(user: UserState, next: Version): void {
    if (this.replicationLagMs > 0) user.past.push({ version: user.current, replacedAt: this.#now() });
    user.current = next;
    this.#forget(user, this.#now() - this.replicationLagMs);
  }

  /** The newest version written at or before now minus the lag. */
  #visible(user: UserState): Version {
    if (user.past.length === 0) return user.current;
    const cutoff = this.#now() - this.replicationLagMs;
    this.#forget(user, cutoff);
    return user.past[0]?.version ?? user.current;
  }

  /** Drops versions replaced at or before `cutoff`: no read can see them any more. */
  #forget(user: UserState, cutoff: number): void {
    let stale = 0;
    while (stale < user.past.length && user.past[stale]!.replacedAt <= cutoff) stale += 1;
    if (stale > 0) user.past.splice(0, stale);
  }
}

/** The SKUs a user holds through assignments in effect, direct or by group. */
function heldSkus(version: Version, group: readonly GroupAssignment[]): Set<string> {
  return new Set([...version.direct, ...group].filter(isEffective).map((l) => l.skuId));
}

/** One entry per SKU in effect; a plan counts as disabled only when every assignment of that SKU in effect disables it. */
function effectiveLicenses(version: Version, group: readonly GroupAssignment[]): { skuId: string; disabledPlans: string[] }[] {
  const bySku = new Map<string, string[]>();
  for (const l of [...version.direct, ...group].filter(isEffective)) {
    const seen = bySku.get(l.skuId);
    bySku.set(l.skuId, seen === undefined ? [...l.disabledPlans] : seen.filter((p) => l.disabledPlans.includes(p)));
  }
  return [...bySku].map(([skuId, disabledPlans]) => ({ skuId, disabledPlans }));
}

function assignmentStates(version: Version, group: readonly GroupAssignment[]): LicenseAssignmentState[] {
  const state = (l: Assignment, assignedByGroup: string | null): LicenseAssignmentState => ({
    assignedByGroup,
    disabledPlans: [...l.disabledPlans],
    error: l.error,
    lastUpdatedDateTime: l.lastUpdatedDateTime,
    skuId: l.skuId,
    state: l.state,
  });
  return [...version.direct.map((l) => state(l, null)), ...group.map((l) => state(l, l.groupId))];
}

function view(user: UserState, version: Version, select: readonly UserProperty[]): Record<string, unknown> {
  const out: Record<string, unknown> = { id: user.id };
  for (const property of select) {
    if (property === 'userPrincipalName') out.userPrincipalName = user.userPrincipalName;
    else if (property === 'displayName') out.displayName = user.displayName;
    else if (property === 'usageLocation') out.usageLocation = version.usageLocation;
    else if (property === 'assignedLicenses') out.assignedLicenses = effectiveLicenses(version, user.group);
    else if (property === 'licenseAssignmentStates') out.licenseAssignmentStates = assignmentStates(version, user.group);
  }
  return out;
}

/**
 * The user object assignLicense answers with: Graph's default properties, as in the example of
 * Graph's `user: assignLicense` page. What the simulator does not model is empty, as for a user
 * created with only the required properties.
 */
function userObject(user: UserState): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: user.displayName,
    givenName: null,
    jobTitle: null,
    mail: null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: null,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
  };
}

function snapshot(user: UserState): UserSnapshot {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    usageLocation: user.current.usageLocation,
    assignedLicenses: effectiveLicenses(user.current, user.group),
    directLicenses: user.current.direct.map((l) => ({ skuId: l.skuId, disabledPlans: [...l.disabledPlans] })),
    groupLicenses: user.group.map((l) => ({ skuId: l.skuId, groupId: l.groupId, disabledPlans: [...l.disabledPlans] })),
    licenseAssignmentStates: assignmentStates(user.current, user.group),
  };
}
