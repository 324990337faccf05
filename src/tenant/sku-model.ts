import type { ReferenceRow } from '../input/reference-table.js';
import { nameKey } from '../input/values.js';
import type { SkuDirectory, SkuFacts } from '../plan/sku-facts.js';
import { addRefusal, type TenantSku } from './tenant-skus.js';

/** A service plan of a SKU. */
export interface ModelPlan {
  /** Lower case. */
  readonly id: string;
  readonly name: string;
  /** False for plans that apply to the company, which are not switched per user. */
  readonly perUser: boolean;
}

/** A SKU as the tenant (or, without it, Microsoft's table) describes it. */
export interface ModelSku {
  /** GUID, lower case. */
  readonly id: string;
  /** The part number, e.g. `ENTERPRISEPACK`. */
  readonly label: string;
  /** The product name from Microsoft's table, when it has one. */
  readonly displayName?: string;
  readonly plans: readonly ModelPlan[];
  /** Why the SKU takes no adds (suspended, company-only); tenant SKUs only. */
  readonly refusesAdds?: string;
}

/** The tenant's SKUs, indexed. */
export interface TenantIndex {
  readonly byId: ReadonlyMap<string, ModelSku>;
  /** Part number (comparison form, {@link nameKey}) to SKU. */
  readonly byPartNumber: ReadonlyMap<string, ModelSku>;
  /** Plan names (lower case) that mean one plan id across all of the tenant's SKUs. */
  readonly planIdByName: ReadonlyMap<string, string>;
}

/** Microsoft's product names table, indexed. */
export interface ReferenceIndex {
  readonly byId: ReadonlyMap<string, ModelSku>;
  /** Part number (comparison form) to SKUs: nearly always one; the table has a few duplicates. */
  readonly byPartNumber: ReadonlyMap<string, readonly ModelSku[]>;
  /** Display name (comparison form) to SKUs: a few display names belong to several. */
  readonly byDisplayName: ReadonlyMap<string, readonly ModelSku[]>;
  readonly planIdByName: ReadonlyMap<string, string>;
}

/**
 * The one read model of SKUs: `GET /subscribedSkus` (when read) and Microsoft's product names table,
 * indexed once. The catalog resolves names through it, planning and messages read its facts, and
 * export and sync name SKUs and plans with it.
 */
export interface SkuModel {
  /** Undefined when the tenant's SKUs were not read (offline `validate`, or `--no-read` with GUIDs only). */
  readonly tenant: TenantIndex | undefined;
  readonly reference: ReferenceIndex;
  /** What planning and messages need of a SKU, by id: the tenant's own facts first, the table's else. */
  readonly facts: SkuDirectory;
}

/** Indexes the tenant's SKUs (`undefined`: not read) and the reference rows ({@link loadReferenceTable}). */
export function skuModel(tenantSkus: readonly TenantSku[] | undefined, referenceRows: readonly ReferenceRow[]): SkuModel {
  const reference = indexReference(referenceRows);
  const tenant = tenantSkus === undefined ? undefined : indexTenant(tenantSkus, reference);
  const facts = new Map<string, SkuFacts>();
  const directory: SkuDirectory = (skuId) => {
    const id = skuId.toLowerCase();
    let found = facts.get(id);
    if (found === undefined) {
      const sku = tenant?.byId.get(id) ?? reference.byId.get(id);
      if (sku === undefined) return undefined;
      found = factsOf(sku);
      facts.set(id, found);
    }
    return found;
  };
  return { tenant, reference, facts: directory };
}

function factsOf(sku: ModelSku): SkuFacts {
  const facts: { -readonly [K in keyof SkuFacts]: SkuFacts[K] } = {
    skuId: sku.id,
    partNumber: sku.label,
    planNames: new Map(sku.plans.map((plan) => [plan.id, plan.name])),
  };
  if (sku.displayName) facts.displayName = sku.displayName;
  if (sku.refusesAdds !== undefined) facts.refusesAdds = sku.refusesAdds;
  return facts;
}

function indexTenant(skus: readonly TenantSku[], reference: ReferenceIndex): TenantIndex {
  const byId = new Map<string, ModelSku>();
  const byPartNumber = new Map<string, ModelSku>();
  const planIds = new Map<string, Set<string>>();
  for (const raw of skus) {
    const plans: ModelPlan[] = (raw.servicePlans ?? []).map((p) => ({
      id: p.servicePlanId.toLowerCase(),
      name: p.servicePlanName,
      perUser: p.appliesTo === undefined || p.appliesTo.toLowerCase() !== 'company',
    }));
    const id = raw.skuId.toLowerCase();
    const sku: { -readonly [K in keyof ModelSku]: ModelSku[K] } = { id, label: raw.skuPartNumber, plans };
    const displayName = reference.byId.get(id)?.displayName;
    if (displayName) sku.displayName = displayName;
    const refusal = addRefusal(raw);
    if (refusal !== undefined) sku.refusesAdds = refusal;
    byId.set(id, sku);
    byPartNumber.set(nameKey(raw.skuPartNumber), sku);
    for (const plan of plans) addToSet(planIds, plan.name.toLowerCase(), plan.id);
  }
  return { byId, byPartNumber, planIdByName: uniqueValues(planIds) };
}

function indexReference(rows: readonly ReferenceRow[]): ReferenceIndex {
  const byId = new Map<string, { id: string; label: string; displayName?: string; plans: ModelPlan[] }>();
  const partNumbers = new Map<string, Set<string>>();
  const displayNames = new Map<string, Set<string>>();
  const planIds = new Map<string, Set<string>>();
  for (const row of rows) {
    let sku = byId.get(row.skuId);
    if (sku === undefined) {
      sku = { id: row.skuId, label: row.skuPartNumber, plans: [] };
      if (row.productDisplayName !== '') sku.displayName = row.productDisplayName;
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
