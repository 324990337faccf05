import { mixSeed, randomGuid, seededRandom, type Random } from './random.js';
import type { GroupLicenseSpec, LicenseSpec, SkuSpec, TenantSpec, UserSpec } from './tenant-spec.js';

/**
 * Real SKUs, with their real ids and a few of their real service plans, from Microsoft's
 * "Product names and service plan identifiers for licensing" list (data/ in this package).
 */
export const SAMPLE_SKUS = [
  sku('ENTERPRISEPACK', '6fd2c87f-b296-42f0-b197-1e91e994b900', 'Office 365 E3', [
    ['EXCHANGE_S_ENTERPRISE', 'efb87545-963c-4e0d-99df-69c6916d9eb0'],
    ['SHAREPOINTENTERPRISE', '5dbe027f-2339-4123-9542-606e4d348a72'],
    ['OFFICESUBSCRIPTION', '43de0ff5-c92c-492b-9116-175376d08c38'],
    ['TEAMS1', '57ff2da0-773e-42df-b2af-ffb7a2317929'],
    ['MCOSTANDARD', '0feaeb32-d00e-4d66-bd5a-43b5b83db82c'],
    ['SWAY', 'a23b959c-7ce8-4e57-9140-b90eb88a9e97'],
    ['YAMMER_ENTERPRISE', '7547a3fe-08ee-4ccb-b430-5077c5041653'],
    ['FORMS_PLAN_E3', '2789c901-c14e-48ab-a76a-be334d9d793a'],
  ]),
  sku('SPE_E3', '05e9a617-0261-4cee-bb44-138d3ef5d965', 'Microsoft 365 E3', [
    ['EXCHANGE_S_ENTERPRISE', 'efb87545-963c-4e0d-99df-69c6916d9eb0'],
    ['SHAREPOINTENTERPRISE', '5dbe027f-2339-4123-9542-606e4d348a72'],
    ['OFFICESUBSCRIPTION', '43de0ff5-c92c-492b-9116-175376d08c38'],
    ['TEAMS1', '57ff2da0-773e-42df-b2af-ffb7a2317929'],
    ['INTUNE_A', 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5'],
    ['AAD_PREMIUM', '41781fb2-bc02-4b7c-bd55-b576c07bb09d'],
    ['MFA_PREMIUM', '8a256a2b-b617-496d-b51b-e76466e88db0'],
    ['WIN10_PRO_ENT_SUB', '21b439ba-a0ca-424f-a6cc-52f954a5b111'],
  ]),
  sku('EMS', 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e', 'Enterprise Mobility + Security E3', [
    ['AAD_PREMIUM', '41781fb2-bc02-4b7c-bd55-b576c07bb09d'],
    ['RMS_S_PREMIUM', '6c57d4b6-3b23-47a5-9bc9-69f17b4947b3'],
    ['ADALLOM_S_DISCOVERY', '932ad362-64a8-4783-9106-97849a1a30b9'],
    ['EXCHANGE_S_FOUNDATION', '113feb6c-3fe4-4440-bddc-54d774bf0318'],
    ['RMS_S_ENTERPRISE', 'bea4c11e-220a-4e6d-8eb8-8ea15d019f90'],
    ['MFA_PREMIUM', '8a256a2b-b617-496d-b51b-e76466e88db0'],
    ['INTUNE_A', 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5'],
  ]),
  sku('POWER_BI_PRO', 'f8a1db68-be16-40ed-86d5-cb42ce701560', 'Power BI Pro', [
    ['EXCHANGE_S_FOUNDATION', '113feb6c-3fe4-4440-bddc-54d774bf0318'],
    ['BI_AZURE_P2', '70d33638-9c74-4d01-bfd3-562de28bd4ba'],
  ]),
  sku('EXCHANGESTANDARD', '4b9405b0-7788-4568-add1-99614e613b69', 'Exchange Online (Plan 1)', [
    ['EXCHANGE_S_STANDARD', '9aaf7827-d63c-4b61-89c3-182f06f82e5c'],
    ['INTUNE_O365', '882e1d05-acd1-4ccb-8708-6ee03664b117'],
    ['BPOS_S_TODO_1', '5e62787c-c316-451f-b873-1d05acd4d12c'],
  ]),
] as const;

export type SamplePartNumber = (typeof SAMPLE_SKUS)[number]['skuPartNumber'];

export interface GenerateTenantOptions {
  /** Regular users, named `user00001@{domain}` on. */
  readonly users: number;
  /** @default 1 */
  readonly seed?: number;
  /** @default 'contoso.example' */
  readonly domain?: string;
  /** Seats left free per SKU once the generated assignments are counted, one number for all or by part number. @default users */
  readonly freeSeats?: number | Partial<Record<SamplePartNumber, number>>;
  /**
   * Units in their grace period per SKU, by part number: such a SKU shows `capabilityStatus`
   * `Warning` and these as `prepaidUnits.warning`, which are not free seats. @default none
   */
  readonly warningSeats?: Partial<Record<SamplePartNumber, number>>;
  /** Shares of regular users (0..1). @default { withoutUsageLocation: 0.1, directLicenses: 0.4, groupLicenses: 0.2 } */
  readonly shares?: Partial<Shares>;
  /**
   * Adds four users whose UPNs need care in URLs and filters: a guest (`#EXT#`), an apostrophe,
   * a `+`, and non-ASCII letters. @default false
   */
  readonly specialUsers?: boolean;
}

interface Shares {
  readonly withoutUsageLocation: number;
  readonly directLicenses: number;
  readonly groupLicenses: number;
}

const DEFAULT_SHARES: Shares = { withoutUsageLocation: 0.1, directLicenses: 0.4, groupLicenses: 0.2 };
const COUNTRIES = ['US', 'US', 'US', 'GB', 'DE', 'FR', 'NL', 'SE', 'CA', 'AU', 'JP', 'IN'];

/**
 * A realistic tenant, the same for the same options: most users have a usage location, some
 * have direct licenses (some with plans disabled), some inherit licenses from groups, a few both.
 * Each user is drawn from its own seeded stream, so `user00042` is the same whatever `users` is.
 */
export function generateTenant(options: GenerateTenantOptions): TenantSpec {
  const seed = options.seed ?? 1;
  const domain = options.domain ?? 'contoso.example';
  const shares = { ...DEFAULT_SHARES, ...options.shares };
  const groups = {
    ems: randomGuid(seededRandom(mixSeed(seed, -1))),
    sales: randomGuid(seededRandom(mixSeed(seed, -2))),
  };
  const users: UserSpec[] = [];
  for (let i = 1; i <= options.users; i += 1) {
    users.push(regularUser(seededRandom(mixSeed(seed, i)), `user${String(i).padStart(5, '0')}@${domain}`, shares, groups));
  }
  if (options.specialUsers === true) users.push(...specialUsers(seed, domain));

  const held = new Map<string, number>();
  for (const user of users) {
    for (const skuId of new Set([...(user.assignedLicenses ?? []), ...(user.groupLicenses ?? [])].map((l) => l.skuId))) {
      held.set(skuId, (held.get(skuId) ?? 0) + 1);
    }
  }
  const free = (part: SamplePartNumber) =>
    typeof options.freeSeats === 'number' ? options.freeSeats : (options.freeSeats?.[part] ?? options.users);
  return {
    tenantId: randomGuid(seededRandom(mixSeed(seed, -3))),
    skus: SAMPLE_SKUS.map((s): SkuSpec => {
      const warning = options.warningSeats?.[s.skuPartNumber] ?? 0;
      return {
        skuId: s.skuId,
        skuPartNumber: s.skuPartNumber,
        ...(warning > 0 ? { capabilityStatus: 'Warning' as const } : {}),
        prepaidUnits: { enabled: (held.get(s.skuId) ?? 0) + free(s.skuPartNumber), ...(warning > 0 ? { warning } : {}) },
        servicePlans: s.servicePlans.map((p) => ({ ...p })),
      };
    }),
    users,
  };
}

/** The tenant of `samples/tenant.json` (the demo's): 60 users, few Power BI seats left and 2 more in their grace period. */
export const SAMPLE_TENANT_OPTIONS: GenerateTenantOptions = {
  users: 56,
  seed: 1,
  specialUsers: true,
  freeSeats: { ENTERPRISEPACK: 25, SPE_E3: 10, EMS: 10, POWER_BI_PRO: 1, EXCHANGESTANDARD: 5 },
  warningSeats: { POWER_BI_PRO: 2 },
};

export function generateSampleTenant(): TenantSpec {
  return generateTenant(SAMPLE_TENANT_OPTIONS);
}

function regularUser(random: Random, userPrincipalName: string, shares: Shares, groups: { ems: string; sales: string }): UserSpec {
  const id = randomGuid(random);
  const usageLocation = random() < shares.withoutUsageLocation ? null : pick(random, COUNTRIES);
  const direct: LicenseSpec[] = [];
  // Graph refuses direct assignment without a usage location, so no real tenant has one.
  if (usageLocation !== null && random() < shares.directLicenses) {
    const suite = random();
    if (suite < 0.55) direct.push(license('ENTERPRISEPACK', random() < 0.3 ? ['SWAY', 'YAMMER_ENTERPRISE'] : []));
    else if (suite < 0.8) direct.push(license('SPE_E3', []));
    else direct.push(license('EXCHANGESTANDARD', []));
    if (random() < 0.25) direct.push(license('POWER_BI_PRO', []));
  }
  const group: GroupLicenseSpec[] = [];
  if (random() < shares.groupLicenses) {
    group.push({ ...license('EMS', []), groupId: groups.ems });
    if (direct.length > 0 && random() < 0.5) direct.push(license('EMS', ['ADALLOM_S_DISCOVERY'])); // held directly and by group
    if (direct.length === 0 && random() < 0.5) group.push({ ...license('ENTERPRISEPACK', ['YAMMER_ENTERPRISE']), groupId: groups.sales });
  }
  return {
    id,
    userPrincipalName,
    usageLocation,
    ...(direct.length > 0 ? { assignedLicenses: direct } : {}),
    ...(group.length > 0 ? { groupLicenses: group } : {}),
  };
}

function specialUsers(seed: number, domain: string): UserSpec[] {
  const onMicrosoft = `${domain.split('.')[0]}.onmicrosoft.com`;
  const people: [string, string | null][] = [
    [`jane.doe_fabrikam.example#EXT#@${onMicrosoft}`, null],
    [`o'brien@${domain}`, 'IE'],
    [`first+tag@${domain}`, 'US'],
    [`zoë.müller@${domain}`, 'DE'],
  ];
  return people.map(([userPrincipalName, usageLocation], k) => ({
    id: randomGuid(seededRandom(mixSeed(seed, 1_000_000 + k))),
    userPrincipalName,
    usageLocation,
  }));
}

function license(part: SamplePartNumber, disabled: readonly string[]): LicenseSpec {
  const s = SAMPLE_SKUS.find((x) => x.skuPartNumber === part)!;
  const plans = s.servicePlans as readonly { servicePlanId: string; servicePlanName: string }[];
  return { skuId: s.skuId, disabledPlans: disabled.map((name) => plans.find((p) => p.servicePlanName === name)!.servicePlanId) };
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function sku<P extends string>(skuPartNumber: P, skuId: string, displayName: string, plans: readonly (readonly [string, string])[]) {
  return {
    skuPartNumber,
    skuId,
    displayName,
    servicePlans: plans.map(([servicePlanName, servicePlanId]) => ({ servicePlanId, servicePlanName })),
  } as const;
}
