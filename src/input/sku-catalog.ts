import type { LicenseRow, Ref, ResolvedRow, RowProblem } from '../model.js';
import type { TenantSku } from '../tenant/tenant-skus.js';
import type { ConflictKeys } from './find-conflicts.js';
import type { ReferenceRow } from './reference-table.js';
import { nameKey, quote } from './values.js';

/** The part of a Graph `subscribedSku` the catalog reads. */
export type SubscribedSkuLike = Pick<TenantSku, 'skuId' | 'skuPartNumber' | 'servicePlans'>;

export type ResolvedResult = { readonly ok: true; readonly row: ResolvedRow } | { readonly ok: false; readonly problem: RowProblem };

/**
 * Names to GUIDs (SPEC §2 step 1). With the tenant's SKUs (online) it is strict: a SKU the tenant
 * does not have, or a plan that is not part of the row's SKU, is a row problem. Without them
 * (offline, for `validate`, which has no network) it cannot know what the tenant has, so it only
 * canonicalises: names are mapped through the reference table where that is unambiguous and are
 * otherwise kept, and {@link SkuCatalog.resolveRow} never fails.
 */
export interface SkuCatalog {
  /** True when built from the tenant's SKUs. */
  readonly isOnline: boolean;
  /**
   * Resolves a row's SKU and plans. Online, `skuId` is the tenant's GUID and `disabledPlans` the
   * complete set to send (for `enabled` rows: every other plan of the SKU that applies to users).
   *
   * Offline the result is for checking, not for sending: `skuId` is the canonical key
   * ({@link canonicalSkuKey}: the GUID when known, else the name in lower case), plans stay names
   * where the reference table cannot map them, and an `enabled` row of a SKU the table does not
   * list gets no `disabledPlans`.
   */
  resolveRow(row: LicenseRow): ResolvedResult;
  /** The problem {@link resolveRow} would report, without building the resolved row. */
  problemOf(row: LicenseRow): RowProblem | undefined;
  /** One string per SKU however a row spells it (GUID, part number, display name), for comparing rows. */
  canonicalSkuKey(ref: Ref): string;
  /** One string per service plan however a row spells it, for comparing rows. */
  canonicalPlanKey(ref: Ref): string;
  /** The keys {@link findConflicts} compares rows by. */
  readonly conflictKeys: ConflictKeys;
}

interface Plan {
  readonly id: string;
  readonly name: string;
  readonly perUser: boolean;
}

interface Sku {
  /** GUID, or offline for a name nothing pins down, the name's comparison form. */
  readonly id: string;
  readonly label: string;
  /** Undefined offline when the reference table does not list the SKU. */
  readonly plans: readonly Plan[] | undefined;
}

type SkuLookup = { readonly ok: true; readonly sku: Sku } | { readonly ok: false; readonly problem: RowProblem };

/** Distinct SKU spellings remembered; a file with more distinct garbage values than this just looks up again. */
const MEMO_LIMIT = 10_000;
const LISTED_PLANS = 12;

/**
 * Builds the catalog. Pass `tenantSkus` (the value of `GET /subscribedSkus`) for the online,
 * authoritative mode; `referenceRows` ({@link loadReferenceTable}) for display names in either mode.
 */
export function createSkuCatalog(options: { tenantSkus?: readonly SubscribedSkuLike[]; referenceRows?: readonly ReferenceRow[] }): SkuCatalog {
  const reference = indexReference(options.referenceRows ?? []);
  const tenant = options.tenantSkus === undefined ? undefined : indexTenant(options.tenantSkus);
  const memo = new Map<string, SkuLookup>();

  const lookupSku = (ref: Ref): SkuLookup => {
    // Keyed by the exact spelling, so that a problem's message quotes the row's own value.
    const memoKey = ref.kind === 'id' ? ref.id : `\u0000${ref.name}`;
    let found = memo.get(memoKey);
    if (found === undefined) {
      found = tenant ? lookupOnline(ref, tenant, reference) : { ok: true, sku: lookupOffline(ref, reference) };
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(memoKey, found);
    }
    return found;
  };

  const canonicalPlanKey = (ref: Ref): string => {
    if (ref.kind === 'id') return ref.id;
    const key = ref.name.toLowerCase();
    return tenant?.planIdByName.get(key) ?? reference.planIdByName.get(key) ?? key;
  };

  const resolvePlans = (row: LicenseRow, sku: Sku): { ok: true; disabled: string[] } | { ok: false; problem: RowProblem } => {
    if (row.action === 'remove' || row.plans === undefined) return { ok: true, disabled: [] };
    const column = row.plans.mode === 'enabled' ? 'EnabledPlans' : 'DisabledPlans';
    const ids: string[] = [];
    for (const ref of row.plans.refs) {
      const id = findPlan(ref, sku, tenant !== undefined) ?? (tenant ? undefined : canonicalPlanKey(ref));
      if (id === undefined) return { ok: false, problem: planNotInSku(column, ref, sku) };
      if (!ids.includes(id)) ids.push(id);
    }
    if (row.plans.mode === 'disabled') return { ok: true, disabled: ids };
    const others = (sku.plans ?? []).filter((plan) => plan.perUser && !ids.includes(plan.id)).map((plan) => plan.id);
    return { ok: true, disabled: others };
  };

  const resolveRow = (row: LicenseRow): ResolvedResult => {
    const found = lookupSku(row.sku);
    if (!found.ok) return found;
    const plans = resolvePlans(row, found.sku);
    if (!plans.ok) return plans;
    return { ok: true, row: resolvedRow(row, found.sku, plans.disabled) };
  };

  const problemOf = (row: LicenseRow): RowProblem | undefined => {
    if (!tenant) return undefined;
    const found = lookupSku(row.sku);
    if (!found.ok) return found.problem;
    if (row.plans === undefined) return undefined;
    const plans = resolvePlans(row, found.sku);
    return plans.ok ? undefined : plans.problem;
  };

  const canonicalSkuKey = (ref: Ref): string => {
    const found = lookupSku(ref);
    if (found.ok) return found.sku.id;
    return ref.kind === 'id' ? ref.id : nameKey(ref.name);
  };

  const conflictKeys: ConflictKeys = {
    sku: canonicalSkuKey,
    plan: canonicalPlanKey,
    label: (ref) => {
      const found = lookupSku(ref);
      return found.ok ? found.sku.label : ref.kind === 'id' ? ref.id : ref.name;
    },
    // Compare what would be sent where it is known, so that "only A on" and "all but A off" agree.
    planSet: (row) => {
      if (row.plans === undefined) return '';
      const found = lookupSku(row.sku);
      const known = found.ok && (row.plans.mode === 'disabled' || found.sku.plans !== undefined);
      const plans = known ? resolvePlans(row, found.sku) : undefined;
      if (plans?.ok) return [...plans.disabled].sort().join(' ');
      return `${row.plans.mode}: ${row.plans.refs.map(canonicalPlanKey).sort().join(' ')}`;
    },
  };

  return { isOnline: tenant !== undefined, resolveRow, problemOf, canonicalSkuKey, canonicalPlanKey, conflictKeys };
}

/** Built property by property rather than spread: a million spreads of rows of varying shape are slow. */
function resolvedRow(row: LicenseRow, sku: Sku, disabledPlans: string[]): ResolvedRow {
  const resolved: { -readonly [K in keyof ResolvedRow]: ResolvedRow[K] } = {
    row: row.row,
    line: row.line,
    user: row.user,
    userKey: row.userKey,
    action: row.action,
    sku: row.sku,
    skuId: sku.id,
    disabledPlans,
    skuLabel: sku.label,
  };
  if (row.plans !== undefined) resolved.plans = row.plans;
  if (row.usageLocation !== undefined) resolved.usageLocation = row.usageLocation;
  return resolved;
}

interface TenantIndex {
  readonly byId: ReadonlyMap<string, Sku>;
  readonly byPartNumber: ReadonlyMap<string, Sku>;
  /** Plan names that mean one plan id across all of the tenant's SKUs. */
  readonly planIdByName: ReadonlyMap<string, string>;
}

interface ReferenceIndex {
  readonly byId: ReadonlyMap<string, Sku>;
  /** Part number (comparison form) to SKUs: nearly always one; the table has a few duplicates. */
  readonly byPartNumber: ReadonlyMap<string, readonly Sku[]>;
  /** Display name (comparison form) to SKUs: a few display names belong to several. */
  readonly byDisplayName: ReadonlyMap<string, readonly Sku[]>;
  readonly planIdByName: ReadonlyMap<string, string>;
}

function indexTenant(skus: readonly SubscribedSkuLike[]): TenantIndex {
  const byId = new Map<string, Sku>();
  const byPartNumber = new Map<string, Sku>();
  const planIds = new Map<string, Set<string>>();
  for (const raw of skus) {
    const plans: Plan[] = (raw.servicePlans ?? []).map((p) => ({
      id: p.servicePlanId.toLowerCase(),
      name: p.servicePlanName,
      perUser: p.appliesTo === undefined || p.appliesTo.toLowerCase() !== 'company',
    }));
    const sku: Sku = { id: raw.skuId.toLowerCase(), label: raw.skuPartNumber, plans };
    byId.set(sku.id, sku);
    byPartNumber.set(nameKey(raw.skuPartNumber), sku);
    for (const plan of plans) addToSet(planIds, plan.name.toLowerCase(), plan.id);
  }
  return { byId, byPartNumber, planIdByName: uniqueValues(planIds) };
}

function indexReference(rows: readonly ReferenceRow[]): ReferenceIndex {
  const byId = new Map<string, { id: string; label: string; plans: Plan[] }>();
  const partNumbers = new Map<string, Set<string>>();
  const displayNames = new Map<string, Set<string>>();
  const planIds = new Map<string, Set<string>>();
  for (const row of rows) {
    let sku = byId.get(row.skuId);
    if (sku === undefined) {
      sku = { id: row.skuId, label: row.skuPartNumber, plans: [] };
      byId.set(row.skuId, sku);
    }
    addToSet(partNumbers, nameKey(row.skuPartNumber), row.skuId);
    if (row.productDisplayName !== '') addToSet(displayNames, nameKey(row.productDisplayName), row.skuId);
    if (row.servicePlanId !== '' && !sku.plans.some((p) => p.id === row.servicePlanId)) {
      sku.plans.push({ id: row.servicePlanId, name: row.servicePlanName, perUser: true });
      addToSet(planIds, row.servicePlanName.toLowerCase(), row.servicePlanId);
    }
  }
  const skusOf = (ids: Set<string>) => [...ids].map((id) => byId.get(id)!);
  return {
    byId,
    byPartNumber: new Map([...partNumbers].map(([key, ids]) => [key, skusOf(ids)])),
    byDisplayName: new Map([...displayNames].map(([key, ids]) => [key, skusOf(ids)])),
    planIdByName: uniqueValues(planIds),
  };
}

function lookupOnline(ref: Ref, tenant: TenantIndex, reference: ReferenceIndex): SkuLookup {
  if (ref.kind === 'id') {
    const sku = tenant.byId.get(ref.id);
    if (sku) return { ok: true, sku };
    const known = reference.byId.get(ref.id);
    return { ok: false, problem: unknownSku(ref.id, known ? [known.label] : []) };
  }
  const key = nameKey(ref.name);
  const byPart = tenant.byPartNumber.get(key);
  if (byPart) return { ok: true, sku: byPart };
  // A display name (or a part number the tenant spells differently) through the reference table,
  // then narrowed to the SKUs this tenant has.
  const candidates = [...(reference.byPartNumber.get(key) ?? []), ...(reference.byDisplayName.get(key) ?? [])];
  const held = new Map<string, Sku>();
  for (const candidate of candidates) {
    const sku = tenant.byId.get(candidate.id) ?? tenant.byPartNumber.get(nameKey(candidate.label));
    if (sku) held.set(sku.id, sku);
  }
  if (held.size === 1) return { ok: true, sku: [...held.values()][0]! };
  if (held.size > 1) {
    const labels = [...held.values()].map((sku) => sku.label).sort();
    return {
      ok: false,
      problem: {
        errorCode: 'AmbiguousSku',
        message: `SkuId ${quote(ref.name)} names several SKUs this tenant has (${labels.join(', ')}); use the part number or the GUID`,
      },
    };
  }
  return { ok: false, problem: unknownSku(ref.name, [...new Set(candidates.map((c) => c.label))]) };
}

function lookupOffline(ref: Ref, reference: ReferenceIndex): Sku {
  if (ref.kind === 'id') return reference.byId.get(ref.id) ?? { id: ref.id, label: ref.id, plans: undefined };
  const key = nameKey(ref.name);
  const byPart = reference.byPartNumber.get(key);
  if (byPart?.length === 1) return byPart[0]!;
  const byDisplay = reference.byDisplayName.get(key);
  if (byPart === undefined && byDisplay?.length === 1) return byDisplay[0]!;
  // Unknown to the table, or ambiguous without the tenant: the tenant decides when the file is run.
  return { id: key, label: ref.name, plans: undefined };
}

/** The plan's id when `ref` is a plan of `sku`; offline, a plan the table does not list is not judged. */
function findPlan(ref: Ref, sku: Sku, strict: boolean): string | undefined {
  const plans = sku.plans;
  if (plans === undefined) return undefined;
  const plan = ref.kind === 'id' ? plans.find((p) => p.id === ref.id) : plans.find((p) => p.name.toLowerCase() === ref.name.toLowerCase());
  if (plan) return plan.id;
  return strict || ref.kind === 'name' ? undefined : ref.id;
}

function planNotInSku(column: string, ref: Ref, sku: Sku): RowProblem {
  const names = (sku.plans ?? []).map((p) => p.name);
  const listed = names.length <= LISTED_PLANS ? names.join(', ') : `${names.slice(0, LISTED_PLANS).join(', ')} and ${names.length - LISTED_PLANS} more`;
  return {
    errorCode: 'PlanNotInSku',
    message: `${column} ${quote(ref.kind === 'id' ? ref.id : ref.name)} is not a service plan of ${sku.label}${names.length > 0 ? ` (its plans: ${listed})` : ''}`,
  };
}

function unknownSku(value: string, knownAs: readonly string[]): RowProblem {
  const also = knownAs.length > 0 && !knownAs.includes(value) ? ` (${knownAs.join(', ')})` : '';
  return {
    errorCode: 'UnknownSku',
    message: `SkuId ${quote(value)}${also} is not a SKU this tenant has; run \`license-batch skus\` to list them`,
  };
}

function addToSet(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

function uniqueValues(map: ReadonlyMap<string, Set<string>>): Map<string, string> {
  const unique = new Map<string, string>();
  for (const [key, values] of map) if (values.size === 1) unique.set(key, [...values][0]!);
  return unique;
}
