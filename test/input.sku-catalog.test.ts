import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LicenseRow, Ref } from '../src/model.js';
import { loadReferenceTable, type ReferenceRow } from '../src/input/reference-table.js';
import { createSkuCatalog, type SkuCatalog, type SubscribedSkuLike } from '../src/input/sku-catalog.js';

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const EMS = 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e';
const E5 = 'c7df2760-2c81-4ef7-b578-5b5392b571df';
const VISIOCLIENT = 'c5928f49-12ba-48f7-ada3-0d743a3601d5';
const PLAN = {
  EXCHANGE_S_ENTERPRISE: 'efb87545-963c-4e0d-99df-69c6916d9eb0',
  SHAREPOINTENTERPRISE: '5dbe027f-2339-4123-9542-606e4d348a72',
  TEAMS1: '57ff2da0-773e-42df-b2af-ffb7a2317929',
  SWAY: 'a23b959c-7ce8-4e57-9140-b90eb88a9e97',
  AAD_PREMIUM: '41781fb2-bc02-4b7c-bd55-b576c07bb09d',
};

let reference: ReferenceRow[];
let tenantSkus: SubscribedSkuLike[];
let online: SkuCatalog;
let offline: SkuCatalog;
beforeAll(async () => {
  reference = await loadReferenceTable();
  tenantSkus = JSON.parse(await readFile(new URL('./fixtures/input-tenant-skus.json', import.meta.url), 'utf8')) as SubscribedSkuLike[];
  online = createSkuCatalog({ tenantSkus, referenceRows: reference });
  offline = createSkuCatalog({ referenceRows: reference });
});

const id = (value: string): Ref => ({ kind: 'id', id: value });
const name = (value: string): Ref => ({ kind: 'name', name: value });

function licenseRow(sku: Ref, more: Partial<LicenseRow> = {}): LicenseRow {
  return { row: 3, line: 4, user: 'a@x.com', userKey: 'a@x.com', action: 'add', sku, ...more };
}

function resolved(catalog: SkuCatalog, row: LicenseRow) {
  const result = catalog.resolveRow(row);
  if (!result.ok) throw new Error(`expected a resolved row, got ${result.problem.message}`);
  return result.row;
}

function problem(catalog: SkuCatalog, row: LicenseRow) {
  const result = catalog.resolveRow(row);
  if (result.ok) throw new Error(`expected a problem, got ${JSON.stringify(result.row)}`);
  return result.problem;
}

describe('reference table', () => {
  it('is read from the package data folder', () => {
    expect(reference.length).toBeGreaterThan(5000);
    expect(reference.find((r) => r.skuPartNumber === 'ENTERPRISEPACK')).toMatchObject({ productDisplayName: 'Office 365 E3', skuId: E3 });
  });
});

describe('SkuCatalog online (the tenant’s SKUs)', () => {
  it.each([
    { how: 'GUID', ref: id(E3) },
    { how: 'part number', ref: name('ENTERPRISEPACK') },
    { how: 'part number in lower case', ref: name('enterprisepack') },
    { how: 'display name', ref: name('Office 365 E3') },
    { how: 'display name in another case, with a no-break space', ref: name('office\u00a0365  E3') },
  ])('resolves a SKU by $how', ({ ref }) => {
    expect(resolved(online, licenseRow(ref))).toMatchObject({ skuId: E3, skuLabel: 'ENTERPRISEPACK', disabledPlans: [] });
  });

  it('resolves a display name that belongs to several SKUs when the tenant has one of them', () => {
    const oneVisio = createSkuCatalog({ tenantSkus: tenantSkus.filter((s) => s.skuPartNumber !== 'VISIO_PLAN2_DEPT'), referenceRows: reference });
    expect(resolved(oneVisio, licenseRow(name('Visio Plan 2')))).toMatchObject({ skuId: VISIOCLIENT, skuLabel: 'VISIOCLIENT' });
  });

  it('reports a display name that is still ambiguous, listing the candidates', () => {
    expect(problem(online, licenseRow(name('Visio Plan 2')))).toEqual({
      errorCode: 'AmbiguousSku',
      message: 'SkuId "Visio Plan 2" names several SKUs this tenant has (VISIOCLIENT, VISIO_PLAN2_DEPT); use the part number or the GUID',
    });
  });

  it.each([
    { ref: name('Office 365 E9'), message: 'SkuId "Office 365 E9" is not a SKU this tenant has; run `license-batch skus` to list them' },
    { ref: name('Office 365 E5'), message: 'SkuId "Office 365 E5" (ENTERPRISEPREMIUM) is not a SKU this tenant has' },
    { ref: id(E5), message: `SkuId "${E5}" (ENTERPRISEPREMIUM) is not a SKU this tenant has` },
    { ref: name('ENTERPRISEPREMIUM'), message: 'SkuId "ENTERPRISEPREMIUM" is not a SKU this tenant has' },
  ])('reports $ref as UnknownSku', ({ ref, message }) => {
    const found = problem(online, licenseRow(ref));
    expect(found.errorCode).toBe('UnknownSku');
    expect(found.message).toContain(message);
  });

  it('resolves plans by GUID and by name in any case', () => {
    const row = licenseRow(name('ENTERPRISEPACK'), { plans: { mode: 'disabled', refs: [name('sway'), id(PLAN.TEAMS1), name('Sway')] } });
    expect(resolved(online, row).disabledPlans).toEqual([PLAN.SWAY, PLAN.TEAMS1]);
  });

  it.each([
    { ref: name('AAD_PREMIUM'), value: 'AAD_PREMIUM' },
    { ref: id(PLAN.AAD_PREMIUM), value: PLAN.AAD_PREMIUM },
    { ref: name('SWAYY'), value: 'SWAYY' },
  ])('reports $value as not a plan of the SKU, listing its plans', ({ ref, value }) => {
    const found = problem(online, licenseRow(id(E3), { plans: { mode: 'disabled', refs: [ref] } }));
    expect(found).toEqual({
      errorCode: 'PlanNotInSku',
      message: `DisabledPlans "${value}" is not a service plan of ENTERPRISEPACK (its plans: EXCHANGE_S_ENTERPRISE, SHAREPOINTENTERPRISE, TEAMS1, SWAY, ADALLOM_S_O365)`,
    });
  });

  it('turns EnabledPlans into every other per-user plan of the SKU, disabled', () => {
    const row = licenseRow(id(E3), { plans: { mode: 'enabled', refs: [name('EXCHANGE_S_ENTERPRISE'), name('teams1')] } });
    expect(resolved(online, row).disabledPlans).toEqual([PLAN.SHAREPOINTENTERPRISE, PLAN.SWAY]);
  });

  it('reports an EnabledPlans plan that is not in the SKU', () => {
    const found = problem(online, licenseRow(id(EMS), { plans: { mode: 'enabled', refs: [name('SWAY')] } }));
    expect(found.message).toMatch(/^EnabledPlans "SWAY" is not a service plan of EMS/);
  });

  it('resolves a remove without plans', () => {
    expect(resolved(online, licenseRow(name('EMS'), { action: 'remove' }))).toMatchObject({ action: 'remove', skuId: EMS, disabledPlans: [] });
  });

  it('gives one key per SKU and per plan however they are spelled', () => {
    const keys = [id(E3), name('ENTERPRISEPACK'), name('office 365 e3')].map((ref) => online.canonicalSkuKey(ref));
    expect(new Set(keys)).toEqual(new Set([E3]));
    expect(online.canonicalPlanKey(name('Sway'))).toBe(PLAN.SWAY);
    expect(online.canonicalPlanKey(id(PLAN.SWAY))).toBe(PLAN.SWAY);
  });
});

describe('SkuCatalog offline (validate)', () => {
  it.each([
    { how: 'GUID', ref: id(E3), skuId: E3, label: 'ENTERPRISEPACK' },
    { how: 'part number', ref: name('enterprisepack'), skuId: E3, label: 'ENTERPRISEPACK' },
    { how: 'display name', ref: name('Office 365 E3'), skuId: E3, label: 'ENTERPRISEPACK' },
    { how: 'an ambiguous display name, kept as a name', ref: name('Visio Plan 2'), skuId: 'visio plan 2', label: 'Visio Plan 2' },
    { how: 'a name the table does not know, kept', ref: name('Contoso Custom SKU'), skuId: 'contoso custom sku', label: 'Contoso Custom SKU' },
    { how: 'a GUID the table does not know, kept', ref: id('00000000-0000-0000-0000-000000000001'), skuId: '00000000-0000-0000-0000-000000000001', label: '00000000-0000-0000-0000-000000000001' },
  ])('accepts a SKU by $how', ({ ref, skuId, label }) => {
    expect(offline.isOnline).toBe(false);
    expect(resolved(offline, licenseRow(ref))).toMatchObject({ skuId, skuLabel: label });
    expect(offline.canonicalSkuKey(ref)).toBe(skuId);
  });

  it('maps plan names through the table and keeps the ones it does not know', () => {
    const row = licenseRow(name('Office 365 E3'), { plans: { mode: 'disabled', refs: [name('SWAY'), name('NEW_PLAN_2030'), id(PLAN.AAD_PREMIUM)] } });
    expect(resolved(offline, row).disabledPlans).toEqual([PLAN.SWAY, 'new_plan_2030', PLAN.AAD_PREMIUM]);
  });

  it('computes EnabledPlans from the table when it lists the SKU, and leaves them empty when not', () => {
    const known = resolved(offline, licenseRow(id(E3), { plans: { mode: 'enabled', refs: [name('EXCHANGE_S_ENTERPRISE')] } }));
    expect(known.disabledPlans).toContain(PLAN.SWAY);
    expect(known.disabledPlans).not.toContain(PLAN.EXCHANGE_S_ENTERPRISE);
    const unknown = resolved(offline, licenseRow(name('Contoso Custom SKU'), { plans: { mode: 'enabled', refs: [name('X')] } }));
    expect(unknown.disabledPlans).toEqual([]);
  });

  it('works without the reference table at all', () => {
    const bare = createSkuCatalog({});
    expect(resolved(bare, licenseRow(id(E3)))).toMatchObject({ skuId: E3, skuLabel: E3 });
    expect(resolved(bare, licenseRow(name('Office 365 E3')))).toMatchObject({ skuId: 'office 365 e3' });
  });
});
