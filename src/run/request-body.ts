import type { ResolvedRow } from '../model.js';

/** The body of `POST /users/{id}/assignLicense`. Graph wants both keys, even when empty. */
export interface AssignLicenseBody {
  addLicenses: { skuId: string; disabledPlans: string[] }[];
  removeLicenses: string[];
}

/** One body for rows of one user; the same SKU named twice (identical rows) is sent once. */
export function assignLicenseBody(rows: readonly ResolvedRow[]): AssignLicenseBody {
  const adds = new Map<string, string[]>();
  const removes = new Set<string>();
  for (const row of rows) {
    if (row.action === 'add') adds.set(row.skuId, [...row.disabledPlans]);
    else removes.add(row.skuId);
  }
  return {
    addLicenses: [...adds].map(([skuId, disabledPlans]) => ({ skuId, disabledPlans })),
    removeLicenses: [...removes],
  };
}

/** The usage location the rows ask for (rows that disagree were already marked invalid). */
export function requestedUsageLocation(rows: readonly ResolvedRow[]): string | undefined {
  return rows.find((row) => row.usageLocation !== undefined)?.usageLocation;
}

/** The rows grouped by the SKU change they ask for (action and SKU), in order of first appearance. */
export function changesOf(rows: readonly ResolvedRow[]): ResolvedRow[][] {
  const byChange = new Map<string, ResolvedRow[]>();
  for (const row of rows) {
    const key = `${row.action}:${row.skuId}`;
    byChange.set(key, [...(byChange.get(key) ?? []), row]);
  }
  return [...byChange.values()];
}

/** Distinct SKU changes in the rows: a 400 on a body with more than one is retried change by change. */
export function distinctChanges(rows: readonly ResolvedRow[]): number {
  return changesOf(rows).length;
}
