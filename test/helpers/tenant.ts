import type { TenantSpec, UserSpec } from '../../src/simulator/tenant-spec.js';

/** Real SKU and plan ids (Microsoft's product names table), so names resolve as in a tenant. */
export const SKU = {
  E3: '6fd2c87f-b296-42f0-b197-1e91e994b900',
  EMS: 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e',
  EXCHANGESTANDARD: '4b9405b0-7788-4568-add1-99614e613b69',
} as const;

export const PLAN = {
  EXCHANGE_S_ENTERPRISE: 'efb87545-963c-4e0d-99df-69c6916d9eb0',
  SHAREPOINTENTERPRISE: '5dbe027f-2339-4123-9542-606e4d348a72',
  TEAMS1: '57ff2da0-773e-42df-b2af-ffb7a2317929',
  SWAY: 'a23b959c-7ce8-4e57-9140-b90eb88a9e97',
  AAD_PREMIUM: '41781fb2-bc02-4b7c-bd55-b576c07bb09d',
  INTUNE_A: 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5',
  EXCHANGE_S_STANDARD: '9aaf7827-d63c-4b61-89c3-182f06f82e5c',
} as const;

export const GROUP = '0a0b0c0d-0000-4000-8000-000000000001';

/** A deterministic user object id for user number n. */
export function userId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function upn(n: number): string {
  return `user${String(n).padStart(5, '0')}@contoso.example`;
}

/**
 * A small tenant for end-to-end tests: `users` users with a usage location and no licenses,
 * E3 and EMS with plenty of seats, EXCHANGESTANDARD with `fullSeats` seats all taken.
 */
export function testTenant(options: { users: number; extraUsers?: UserSpec[]; seats?: number; auth?: TenantSpec['auth'] } = { users: 10 }): TenantSpec {
  const seats = options.seats ?? 100_000;
  const users: UserSpec[] = Array.from({ length: options.users }, (_, i) => ({
    id: userId(i + 1),
    userPrincipalName: upn(i + 1),
    usageLocation: 'US',
  }));
  return {
    tenantId: '72f988bf-0000-4000-8000-000000000000',
    skus: [
      {
        skuId: SKU.E3,
        skuPartNumber: 'ENTERPRISEPACK',
        prepaidUnits: { enabled: seats },
        servicePlans: [
          { servicePlanId: PLAN.EXCHANGE_S_ENTERPRISE, servicePlanName: 'EXCHANGE_S_ENTERPRISE' },
          { servicePlanId: PLAN.SHAREPOINTENTERPRISE, servicePlanName: 'SHAREPOINTENTERPRISE' },
          { servicePlanId: PLAN.TEAMS1, servicePlanName: 'TEAMS1' },
          { servicePlanId: PLAN.SWAY, servicePlanName: 'SWAY' },
        ],
      },
      {
        skuId: SKU.EMS,
        skuPartNumber: 'EMS',
        prepaidUnits: { enabled: seats },
        servicePlans: [
          { servicePlanId: PLAN.AAD_PREMIUM, servicePlanName: 'AAD_PREMIUM' },
          { servicePlanId: PLAN.INTUNE_A, servicePlanName: 'INTUNE_A' },
        ],
      },
      {
        skuId: SKU.EXCHANGESTANDARD,
        skuPartNumber: 'EXCHANGESTANDARD',
        prepaidUnits: { enabled: 0 },
        servicePlans: [{ servicePlanId: PLAN.EXCHANGE_S_STANDARD, servicePlanName: 'EXCHANGE_S_STANDARD' }],
      },
    ],
    users: [...users, ...(options.extraUsers ?? [])],
    ...(options.auth ? { auth: options.auth } : {}),
  };
}
