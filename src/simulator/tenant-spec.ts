import { X509Certificate } from 'node:crypto';
import { applyBehaviour, DEFAULT_BEHAVIOUR, type SimulatorBehaviour } from './behaviour.js';

/** A tenant as the simulator's JSON file describes it. GUIDs may be in any case; the simulator answers in lower case. */
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
  readonly prepaidUnits: { readonly enabled: number };
  readonly servicePlans: readonly ServicePlanSpec[];
}

export interface ServicePlanSpec {
  readonly servicePlanId: string;
  readonly servicePlanName: string;
}

export interface UserSpec {
  readonly id: string;
  readonly userPrincipalName: string;
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
  array('skus', value).forEach((sku, i) => {
    const where = `skus[${i}]`;
    const s = record(where, sku, ['skuId', 'skuPartNumber', 'prepaidUnits', 'servicePlans']);
    const skuId = guid(`${where}.skuId`, s.skuId).toLowerCase();
    if (plansBySku.has(skuId)) fail(`${where}.skuId`, 'a SKU listed once', s.skuId);
    text(`${where}.skuPartNumber`, s.skuPartNumber);
    const units = record(`${where}.prepaidUnits`, s.prepaidUnits, ['enabled']);
    if (!Number.isInteger(units.enabled) || (units.enabled as number) < 0) fail(`${where}.prepaidUnits.enabled`, 'an integer >= 0', units.enabled);
    const plans = new Set<string>();
    array(`${where}.servicePlans`, s.servicePlans).forEach((plan, j) => {
      const p = record(`${where}.servicePlans[${j}]`, plan, ['servicePlanId', 'servicePlanName']);
      plans.add(guid(`${where}.servicePlans[${j}].servicePlanId`, p.servicePlanId).toLowerCase());
      text(`${where}.servicePlans[${j}].servicePlanName`, p.servicePlanName);
    });
    plansBySku.set(skuId, plans);
  });
  return plansBySku;
}

function checkUsers(value: unknown, plansBySku: Map<string, Set<string>>): void {
  const ids = new Set<string>();
  const upns = new Set<string>();
  array('users', value).forEach((user, i) => {
    const where = `users[${i}]`;
    const u = record(where, user, ['id', 'userPrincipalName', 'usageLocation', 'assignedLicenses', 'groupLicenses'], ['id', 'userPrincipalName']);
    const id = guid(`${where}.id`, u.id).toLowerCase();
    if (ids.has(id)) fail(`${where}.id`, 'an id no other user has', u.id);
    ids.add(id);
    const upn = text(`${where}.userPrincipalName`, u.userPrincipalName);
    if (!upn.includes('@') || /\s/.test(upn)) fail(`${where}.userPrincipalName`, 'a name@domain without spaces', upn);
    if (upns.has(upn.toLowerCase())) fail(`${where}.userPrincipalName`, 'a UPN no other user has (case-insensitive)', upn);
    upns.add(upn.toLowerCase());
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
  const l = record(where, value, byGroup ? ['skuId', 'groupId', 'disabledPlans'] : ['skuId', 'disabledPlans'], byGroup ? ['skuId', 'groupId'] : ['skuId']);
  const skuId = guid(`${where}.skuId`, l.skuId).toLowerCase();
  const plans = plansBySku.get(skuId);
  if (plans === undefined) fail(`${where}.skuId`, 'a SKU listed in skus', l.skuId);
  if (byGroup) guid(`${where}.groupId`, l.groupId);
  array(`${where}.disabledPlans`, l.disabledPlans ?? []).forEach((plan, k) => {
    if (!plans.has(guid(`${where}.disabledPlans[${k}]`, plan).toLowerCase())) fail(`${where}.disabledPlans[${k}]`, `a service plan of SKU ${skuId}`, plan);
  });
  return skuId;
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
