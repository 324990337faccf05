import type { Change } from '../plan/plan-unit.js';

/** The body of `POST /users/{id}/assignLicense`. Graph wants both keys, even when empty. */
export interface AssignLicenseBody {
  addLicenses: { skuId: string; disabledPlans: string[] }[];
  removeLicenses: string[];
}

/** One body for a user's changes. */
export function assignLicenseBody(changes: readonly Change[]): AssignLicenseBody {
  return {
    addLicenses: changes.filter((c) => c.action === 'add').map((c) => ({ skuId: c.skuId, disabledPlans: [...c.disabledPlans] })),
    removeLicenses: changes.filter((c) => c.action === 'remove').map((c) => c.skuId),
  };
}
