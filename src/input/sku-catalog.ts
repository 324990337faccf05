import type { LicenseRow, Ref, ResolvedRow, RowProblem } from '../model.js';
import { skuModel, type ReferenceIndex, type SkuModel, type TenantIndex } from '../tenant/sku-model.js';
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
 * Builds the catalog over the SKU read model ({@link skuModel}), or over one built from
 * `tenantSkus` (the value of `GET /subscribedSkus`: the online, authoritative mode) and
 * `referenceRows` ({@link loadReferenceTable}: display names in either mode).
 */
export function createSkuCatalog(
  options: { readonly model: SkuModel } | { tenantSkus?: readonly SubscribedSkuLike[]; referenceRows?: readonly ReferenceRow[] },
): SkuCatalog {
  const model = 'model' in options ? options.model : skuModel(options.tenantSkus, options.referenceRows ?? []);
  const { reference, tenant } = model;
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
