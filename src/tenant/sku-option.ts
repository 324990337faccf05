import { RunError } from '../errors.js';
import { createSkuCatalog } from '../input/sku-catalog.js';
import { asGuid } from '../input/values.js';
import type { SkuModel } from './sku-model.js';

/**
 * `--sku` values (GUID, part number or product name) as the tenant's SKU ids, in the order given,
 * each once. A value the tenant does not have is a usage error: exporting or syncing "nothing" for a
 * typo would look like success.
 * @throws {RunError} `USAGE`.
 */
export function skuOptionIds(values: readonly string[], model: SkuModel): string[] {
  const catalog = createSkuCatalog({ model });
  const ids: string[] = [];
  for (const value of values) {
    const guid = asGuid(value);
    const id = catalog.canonicalSkuKey(guid === undefined ? { kind: 'name', name: value } : { kind: 'id', id: guid });
    if (!model.tenant?.byId.has(id)) throw new RunError('USAGE', `--sku "${value}" is not a SKU this tenant has; run 'license-batch skus' to list them`);
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}
