import type { SkuDirectory } from '../plan/sku-facts.js';
import { userLicensesOf } from '../tenant/user-licenses.js';

/** The export's columns: this tool's input format, so that an export can be run again. */
export const EXPORT_COLUMNS = ['UserPrincipalName', 'SkuId', 'DisabledPlans', 'Action'] as const;

/**
 * A user's direct assignments as input rows: SKUs by part number, disabled plans by name (a GUID
 * where the tenant no longer names the plan). Licenses inherited from groups are left out: a
 * user's row cannot give or take them. `onlySkus`, when given, keeps those SKUs alone.
 */
export function directAssignmentRows(user: unknown, skus: SkuDirectory, onlySkus?: ReadonlySet<string>): string[][] {
  const upn = (user as { userPrincipalName?: string }).userPrincipalName ?? (user as { id?: string }).id ?? '';
  const rows: string[][] = [];
  for (const [skuId, { disabledPlans: disabled }] of userLicensesOf(user).direct) {
    if (onlySkus && !onlySkus.has(skuId)) continue;
    const facts = skus(skuId);
    const plans = disabled.map((id) => facts?.planNames.get(id) ?? id).sort();
    rows.push([upn, facts?.partNumber ?? skuId, plans.join(';'), 'add']);
  }
  return rows;
}
