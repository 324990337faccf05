import type { ReferenceRow } from '../input/reference-table.js';
import type { SkuDirectory, SkuFacts } from '../plan/sku-facts.js';
import { addRefusal, type TenantSku } from './tenant-skus.js';

/**
 * What the run knows of each SKU, by id: the tenant's own part numbers, plans and status when it
 * read them, and Microsoft's product names table for display names (and, without the tenant, for
 * part numbers and plan names).
 */
export function skuDirectory(tenantSkus: readonly TenantSku[] | undefined, referenceRows: readonly ReferenceRow[]): SkuDirectory {
  const reference = new Map<string, { partNumber: string; displayName: string; plans: Map<string, string> }>();
  for (const row of referenceRows) {
    const id = row.skuId.toLowerCase();
    let entry = reference.get(id);
    if (entry === undefined) {
      entry = { partNumber: row.skuPartNumber, displayName: row.productDisplayName, plans: new Map() };
      reference.set(id, entry);
    }
    if (row.servicePlanId !== '') entry.plans.set(row.servicePlanId.toLowerCase(), row.servicePlanName);
  }
  const facts = new Map<string, SkuFacts>();
  for (const sku of tenantSkus ?? []) {
    const id = sku.skuId.toLowerCase();
    const known = reference.get(id);
    const entry: { -readonly [K in keyof SkuFacts]: SkuFacts[K] } = {
      skuId: id,
      partNumber: sku.skuPartNumber,
      planNames: new Map((sku.servicePlans ?? []).map((plan) => [plan.servicePlanId.toLowerCase(), plan.servicePlanName])),
    };
    if (known?.displayName) entry.displayName = known.displayName;
    const refusal = addRefusal(sku);
    if (refusal !== undefined) entry.refusesAdds = refusal;
    facts.set(id, entry);
  }
  return (skuId) => {
    const id = skuId.toLowerCase();
    const found = facts.get(id);
    if (found) return found;
    const known = reference.get(id);
    if (known === undefined) return undefined;
    const entry: SkuFacts = { skuId: id, partNumber: known.partNumber, displayName: known.displayName, planNames: known.plans };
    facts.set(id, entry);
    return entry;
  };
}
