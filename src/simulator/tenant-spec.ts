import { X509Certificate } from 'node:crypto';
import { applyBehaviour, DEFAULT_BEHAVIOUR, type SimulatorBehaviour } from './behaviour.js';

/**
 * A tenant as the simulator's JSON file describes it (the format, field by field: src/simulator/README.md).
 * GUIDs may be in any case; the simulator answers in lower case.
 */
export interface TenantSpec {
  readonly tenantId: string;
  readonly skus: readonly SkuSpec[];
  readonly users: readonly UserSpec[];
  /** Without it, any non-empty bearer token is accepted with every permission. */
  readonly auth?: AuthSpec;
  /** Defaults for this tenant; `startSimulator`'s own `behaviour` option wins over them. */
  readonly behaviour?: Partial<SimulatorBehaviour>;
}

export interface SkuSpec {
  readonly skuId: string;
  readonly skuPartNumber: string;
  /** `Company`: a SKU for the organisation, which Graph refuses to assign to users. @default 'User' */
  readonly appliesTo?: AppliesTo;
  /**
   * The subscription's state, as `subscribedSkus` reports it. A `Suspended`, `LockedOut` or `Deleted`
   * SKU takes no adds (its units are no longer enabled). @default 'Enabled'
   */
  readonly capabilityStatus?: CapabilityStatus;
  /** Units by state; only `enabled` units can be assigned. The others @default 0 */
  readonly prepaidUnits: {
    readonly enabled: number;
    readonly suspended?: number;
    readonly warning?: number;
    readonly lockedOut?: number;
  };
  readonly servicePlans: readonly ServicePlanSpec[];
}

export interface ServicePlanSpec {
  readonly servicePlanId: string;
  readonly servicePlanName: string;
  /** @default 'User' */
  readonly appliesTo?: AppliesTo;
  /**
   * Service plan ids of which at least one must be enabled for the user (through any assignment)
   * while this plan is: an add or remove that leaves this plan without one is a DependencyViolation.
   */
  readonly dependsOn?: readonly string[];
  /**
   * Service plan ids, or SKU ids (every plan of that SKU), that cannot be enabled for the same user
   * together with this plan: an add that would do so is a MutuallyExclusiveViolation.
   */
  readonly excludes?: readonly string[];
}

export type AppliesTo = 'User' | 'Company';
export type CapabilityStatus = 'Enabled' | 'Warning' | 'Suspended' | 'Deleted' | 'LockedOut';
/** `licenseAssignmentState.state` (Graph v1.0 docs). */
export type AssignmentState = 'Active' | 'ActiveWithError' | 'Disabled' | 'Error';
/** `licenseAssignmentState.error`; `None` for a working assignment, as Graph answers it. */
export type AssignmentError =
  | 'None'
  | 'CountViolation'
  | 'MutuallyExclusiveViolation'
  | 'DependencyViolation'
  | 'ProhibitedInUsageLocationViolation'
  | 'UniquenessViolation'
  | 'Other';

export const CAPABILITY_STATUSES: readonly CapabilityStatus[] = ['Enabled', 'Warning', 'Suspended', 'Deleted', 'LockedOut'];
export const ASSIGNMENT_STATES: readonly AssignmentState[] = ['Active', 'ActiveWithError', 'Disabled', 'Error'];
export const ASSIGNMENT_ERRORS: readonly AssignmentError[] = [
  'None',
  'CountViolation',
  'MutuallyExclusiveViolation',
  'DependencyViolation',
  'ProhibitedInUsageLocationViolation',
  'UniquenessViolation',
  'Other',
];

export interface UserSpec {
  readonly id: string;
  readonly userPrincipalName: string;
  /** Shown in the user object (assignLicense's answer). @default the UPN's part before `@` */
  readonly displayName?: string;
  /** Two letters A-Z; absent or null: none, so direct assignment fails as in Graph. */
  readonly usageLocation?: string | null;
  /** Direct assignments. */
  readonly assignedLicenses?: readonly LicenseSpec[];
  /** Assignments the user inherits from groups. */
  readonly groupLicenses?: readonly GroupLicenseSpec[];
}

export interface LicenseSpec {
  readonly skuId: string;
  readonly disabledPlans?: readonly string[];
  /**
   * Only `Active` and `ActiveWithError` assignments give the user the license: they appear in
   * `assignedLicenses` and take a seat. `Error` and `Disabled` ones appear only in
   * `licenseAssignmentStates`. @default 'Active'
   */
  readonly state?: AssignmentState;
  /** Required (not `None`) for `Error` and `ActiveWithError`; `None` for `Active`. @default 'None' */
  readonly error?: AssignmentError;
  /** ISO 8601. @default when the simulator started */
  readonly lastUpdatedDateTime?: string;
}

export interface GroupLicenseSpec extends LicenseSpec {
  readonly groupId: string;
}

export interface AuthSpec {
  /** Bearer tokens accepted as they are, each with its application permissions (roles). */
  readonly tokens?: Readonly<Record<string, readonly string[]>>;
  /** Confidential clients the token endpoint knows, by client id. */
  readonly clients?: Readonly<Record<string, ClientSpec>>;
  /** Lifetime of tokens the token endpoint issues, so that tests can see them expire. @default 3599 */
  readonly tokenLifetimeSeconds?: number;
}

export interface ClientSpec {
  readonly secret: string;
  /** PEM of the client's certificate: a signed `client_assertion` whose thumbprint matches it is accepted too. */
  readonly certificate?: string;
  readonly roles: readonly string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a GUID in its usual 8-4-4-4-12 form. */
export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

/**
 * Checks a parsed tenant file and returns it typed. Everything that would make the simulator
 * answer nonsense is refused: unknown fields (typos), duplicate users, licenses of SKUs the
 * tenant does not have, plans that are not in their SKU.
 * @throws Error whose message names the path of the bad value, e.g. `users[3].usageLocation`.
 */
export function validateTenantSpec(value: unknown): TenantSpec {
  const root = record('tenant', value, ['tenantId', 'skus', 'users', 'auth', 'behaviour'], ['tenantId', 'skus', 'users']);
  guid('tenantId', root.tenantId);
  const plansBySku = checkSkus(root.skus);
  checkUsers(root.users, plansBySku);
  if (root.auth !== undefined) checkAuth(root.auth);
  if (root.behaviour !== undefined) applyBehaviour(DEFAULT_BEHAVIOUR, root.behaviour, 'tenant behaviour');
  return value as TenantSpec;
}

/** Graph's rule for `usageLocation`: an ISO 3166 alpha-2 code, in capitals. */
export function isUsageLocation(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Z]{2}$/.test(value);
}

/** The SKUs, checked; their service plan ids by SKU id, lower-cased. */
function checkSkus(value: unknown): Map<string, Set<string>> {
  const plansBySku = new Map<string, Set<string>>();
  const skus = array('skus', value);
  skus.forEach((sku, i) => {
    const where = `skus[${i}]`;
    const s = record(where, sku, ['skuId', 'skuPartNumber', 'appliesTo', 'capabilityStatus', 'prepaidUnits', 'servicePlans'], ['skuId', 'skuPartNumber', 'prepaidUnits', 'servicePlans']);
    const skuId = guid(`${where}.skuId`, s.skuId).toLowerCase();
    if (plansBySku.has(skuId)) fail(`${where}.skuId`, 'a SKU listed once', s.skuId);
    text(`${where}.skuPartNumber`, s.skuPartNumber);
    if (s.appliesTo !== undefined) oneOf(`${where}.appliesTo`, s.appliesTo, APPLIES_TO);
    if (s.capabilityStatus !== undefined) oneOf(`${where}.capabilityStatus`, s.capabilityStatus, CAPABILITY_STATUSES);
    const units = record(`${where}.prepaidUnits`, s.prepaidUnits, ['enabled', 'suspended', 'warning', 'lockedOut'], ['enabled']);
    for (const kind of ['enabled', 'suspended', 'warning', 'lockedOut']) {
      const n = units[kind];
      if (n !== undefined && (!Number.isInteger(n) || (n as number) < 0)) fail(`${where}.prepaidUnits.${kind}`, 'an integer >= 0', n);
    }
    const plans = new Set<string>();
    array(`${where}.servicePlans`, s.servicePlans).forEach((plan, j) => {
      const at = `${where}.servicePlans[${j}]`;
      const p = record(at, plan, ['servicePlanId', 'servicePlanName', 'appliesTo', 'dependsOn', 'excludes'], ['servicePlanId', 'servicePlanName']);
      const planId = guid(`${at}.servicePlanId`, p.servicePlanId).toLowerCase();
      if (plans.has(planId)) fail(`${at}.servicePlanId`, 'a service plan listed once per SKU', p.servicePlanId);
      plans.add(planId);
      text(`${at}.servicePlanName`, p.servicePlanName);
      if (p.appliesTo !== undefined) oneOf(`${at}.appliesTo`, p.appliesTo, APPLIES_TO);
    });
    plansBySku.set(skuId, plans);
  });
  // Plan relations may name plans of any SKU, so they are checked once every SKU is known.
  const knownPlans = new Set([...plansBySku.values()].flatMap((plans) => [...plans]));
  skus.forEach((sku, i) => {
    ((sku as SkuSpec).servicePlans ?? []).forEach((plan, j) => {
      const at = `skus[${i}].servicePlans[${j}]`;
      const self = plan.servicePlanId.toLowerCase();
      array(`${at}.dependsOn`, plan.dependsOn ?? []).forEach((id, k) => {
        const planId = guid(`${at}.dependsOn[${k}]`, id).toLowerCase();
        if (!knownPlans.has(planId) || planId === self) fail(`${at}.dependsOn[${k}]`, 'the id of another service plan of the tenant', id);
      });
      array(`${at}.excludes`, plan.excludes ?? []).forEach((id, k) => {
        const other = guid(`${at}.excludes[${k}]`, id).toLowerCase();
        if ((!knownPlans.has(other) && !plansBySku.has(other)) || other === self) {
          fail(`${at}.excludes[${k}]`, 'the id of another service plan or of a SKU of the tenant', id);
        }
      });
    });
  });
  return plansBySku;
}

const APPLIES_TO: readonly AppliesTo[] = ['User', 'Company'];

function checkUsers(value: unknown, plansBySku: Map<string, Set<string>>): void {
  const ids = new Set<string>();
  const upns = new Set<string>();
  array('users', value).forEach((user, i) => {
    const where = `users[${i}]`;
    const u = record(where, user, ['id', 'userPrincipalName', 'displayName', 'usageLocation', 'assignedLicenses', 'groupLicenses'], ['id', 'userPrincipalName']);
    const id = guid(`${where}.id`, u.id).toLowerCase();
    if (ids.has(id)) fail(`${where}.id`, 'an id no other user has', u.id);
    ids.add(id);
    const upn = text(`${where}.userPrincipalName`, u.userPrincipalName);
    if (!upn.includes('@') || /\s/.test(upn)) fail(`${where}.userPrincipalName`, 'a name@domain without spaces', upn);
    if (upns.has(upn.toLowerCase())) fail(`${where}.userPrincipalName`, 'a UPN no other user has (case-insensitive)', upn);
    upns.add(upn.toLowerCase());
    if (u.displayName !== undefined) text(`${where}.displayName`, u.displayName);
    if (u.usageLocation !== undefined && u.usageLocation !== null && !isUsageLocation(u.usageLocation)) {
      fail(`${where}.usageLocation`, 'two letters A-Z, or null', u.usageLocation);
    }
    const direct = new Set<string>();
    array(`${where}.assignedLicenses`, u.assignedLicenses ?? []).forEach((license, j) => {
      const skuId = licenseSpec(`${where}.assignedLicenses[${j}]`, license, plansBySku, false);
      if (direct.has(skuId)) fail(`${where}.assignedLicenses[${j}].skuId`, 'a SKU assigned directly once', skuId);
      direct.add(skuId);
    });
    const byGroup = new Set<string>();
    array(`${where}.groupLicenses`, u.groupLicenses ?? []).forEach((license, j) => {
      const l = license as GroupLicenseSpec;
      const key = `${licenseSpec(`${where}.groupLicenses[${j}]`, license, plansBySku, true)} ${String(l.groupId).toLowerCase()}`;
      if (byGroup.has(key)) fail(`${where}.groupLicenses[${j}]`, 'a SKU inherited once per group', `${l.skuId} from ${l.groupId}`);
      byGroup.add(key);
    });
  });
}

function licenseSpec(where: string, value: unknown, plansBySku: Map<string, Set<string>>, byGroup: boolean): string {
  const fields = ['skuId', 'disabledPlans', 'state', 'error', 'lastUpdatedDateTime'];
  const l = record(where, value, byGroup ? ['groupId', ...fields] : fields, byGroup ? ['skuId', 'groupId'] : ['skuId']);
  const skuId = guid(`${where}.skuId`, l.skuId).toLowerCase();
  const plans = plansBySku.get(skuId);
  if (plans === undefined) fail(`${where}.skuId`, 'a SKU listed in skus', l.skuId);
  if (byGroup) guid(`${where}.groupId`, l.groupId);
  array(`${where}.disabledPlans`, l.disabledPlans ?? []).forEach((plan, k) => {
    if (!plans.has(guid(`${where}.disabledPlans[${k}]`, plan).toLowerCase())) fail(`${where}.disabledPlans[${k}]`, `a service plan of SKU ${skuId}`, plan);
  });
  const state = l.state === undefined ? 'Active' : oneOf(`${where}.state`, l.state, ASSIGNMENT_STATES);
  const error = l.error === undefined ? 'None' : oneOf(`${where}.error`, l.error, ASSIGNMENT_ERRORS);
  // The pairs Graph reports: a working assignment has no error, a failed one says why.
  if (state === 'Active' && error !== 'None') fail(`${where}.error`, 'None (or no error) for an Active assignment', error);
  if ((state === 'Error' || state === 'ActiveWithError') && error === 'None') fail(`${where}.error`, `the reason of the ${state} state, not None`, l.error);
  if (l.lastUpdatedDateTime !== undefined && (typeof l.lastUpdatedDateTime !== 'string' || Number.isNaN(Date.parse(l.lastUpdatedDateTime)))) {
    fail(`${where}.lastUpdatedDateTime`, 'an ISO 8601 date and time', l.lastUpdatedDateTime);
  }
  return skuId;
}

function oneOf<T extends string>(where: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) fail(where, `one of ${allowed.join(', ')}`, value);
  return value as T;
}

function checkAuth(value: unknown): void {
  const auth = record('auth', value, ['tokens', 'clients', 'tokenLifetimeSeconds'], []);
  for (const [token, roles] of Object.entries(record('auth.tokens', auth.tokens ?? {}))) {
    if (token === '') fail('auth.tokens', 'non-empty tokens', token);
    roleList(`auth.tokens["${token}"]`, roles);
  }
  for (const [clientId, client] of Object.entries(record('auth.clients', auth.clients ?? {}))) {
    const c = record(`auth.clients["${clientId}"]`, client, ['secret', 'certificate', 'roles'], ['secret', 'roles']);
    text(`auth.clients["${clientId}"].secret`, c.secret);
    if (c.certificate !== undefined) certificate(`auth.clients["${clientId}"].certificate`, c.certificate);
    roleList(`auth.clients["${clientId}"].roles`, c.roles);
  }
  const lifetime = auth.tokenLifetimeSeconds;
  if (lifetime !== undefined && (typeof lifetime !== 'number' || !(lifetime > 0))) fail('auth.tokenLifetimeSeconds', 'a number > 0', lifetime);
}

function certificate(where: string, value: unknown): void {
  try {
    new X509Certificate(text(where, value));
  } catch {
    fail(where, 'a PEM certificate', typeof value === 'string' ? `${value.slice(0, 40)}...` : value);
  }
}

function roleList(where: string, value: unknown): void {
  array(where, value).forEach((role, i) => text(`${where}[${i}]`, role));
}

function record(where: string, value: unknown, allowed?: readonly string[], required: readonly string[] = allowed ?? []): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'an object', value);
  const r = value as Record<string, unknown>;
  if (allowed !== undefined) {
    for (const key of Object.keys(r)) {
      if (!allowed.includes(key)) throw new Error(`Invalid ${where}: unknown field "${key}" (expect ${allowed.join(', ')})`);
    }
  }
  for (const key of required) if (r[key] === undefined) throw new Error(`Invalid ${where}: missing field "${key}"`);
  return r;
}

function array(where: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) fail(where, 'an array', value);
  return value;
}

function guid(where: string, value: unknown): string {
  if (!isGuid(value)) fail(where, 'a GUID', value);
  return value;
}

function text(where: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') fail(where, 'a non-empty string', value);
  return value;
}

function fail(where: string, expected: string, value: unknown): never {
  throw new Error(`Invalid ${where}: expect ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
}
