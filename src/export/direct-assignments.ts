import { userLicensesOf } from '../tenant/user-licenses.js';

/** The export's columns: this tool's input format, so that an export can be run again. */
export const EXPORT_COLUMNS = ['UserPrincipalName', 'SkuId', 'DisabledPlans', 'Action'] as const;

/** What the export needs to know of a SKU to name it and its plans as an admin would. */
export interface SkuNames {
  readonly partNumber: string;
  /** Service plan id (lower case) -> name. */
  readonly plans: ReadonlyMap<string, string>;
}

/**
 * A user's direct assignments as input rows: SKUs by part number, disabled plans by name (a GUID
 * where the tenant no longer names the plan). Licenses inherited from groups are left out: a
 * user's row cannot give or take them. `onlySkus`, when given, keeps those SKUs alone.
 */
export function directAssignmentRows(user: unknown, skus: ReadonlyMap<string, SkuNames>, onlySkus?: ReadonlySet<string>): string[][] {
  const upn = (user as { userPrincipalName?: string }).userPrincipalName ?? (user as { id?: string }).id ?? '';
  const rows: string[][] = [];
  for (const [skuId, { disabledPlans: disabled }] of userLicensesOf(user).direct) {
    if (onlySkus && !onlySkus.has(skuId)) continue;
    const names = skus.get(skuId);
    const plans = disabled.map((id) => names?.plans.get(id) ?? id).sort();
    rows.push([upn, names?.partNumber ?? skuId, plans.join(';'), 'add']);
  }
  return rows;
}
