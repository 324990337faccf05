import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  generateSampleTenant,
  generateTenant,
  loadTenantFile,
  runSimulateCommand,
  SAMPLE_SKUS,
  validateTenantSpec,
  type TenantSpec,
} from '../src/simulator/index.js';

const fixture = new URL('./fixtures/sim-tenant.json', import.meta.url).pathname;
const heldBy = (t: TenantSpec, skuId: string) =>
  t.users.filter((u) => [...(u.assignedLicenses ?? []), ...(u.groupLicenses ?? [])].some((l) => l.skuId === skuId)).length;

describe('generateTenant', () => {
  it('is deterministic for a seed, and differs for another', () => {
    expect(generateTenant({ users: 50, seed: 3 })).toEqual(generateTenant({ users: 50, seed: 3 }));
    expect(generateTenant({ users: 50, seed: 3 }).users[0]!.id).not.toBe(generateTenant({ users: 50, seed: 4 }).users[0]!.id);
  });

  it('draws each user from its own stream, whatever the tenant size', () => {
    expect(generateTenant({ users: 10 }).users[9]).toEqual(generateTenant({ users: 5000 }).users[9]);
    expect(generateTenant({ users: 10 }).users[9]!.userPrincipalName).toBe('user00010@contoso.example');
  });

  it('produces valid tenants with the free seats asked for', () => {
    const t = generateTenant({ users: 300, seed: 9, freeSeats: { POWER_BI_PRO: 0 } });
    expect(validateTenantSpec(t)).toBe(t);
    for (const sku of t.skus) {
      const free = sku.prepaidUnits.enabled - heldBy(t, sku.skuId);
      expect([sku.skuPartNumber, free]).toEqual([sku.skuPartNumber, sku.skuPartNumber === 'POWER_BI_PRO' ? 0 : 300]);
    }
    expect(new Set(t.users.map((u) => u.id.toLowerCase())).size).toBe(300);
  });

  it('mixes users as a real tenant does: most located, some licensed directly, some by group, some both', () => {
    const t = generateTenant({ users: 2000, seed: 5 });
    const share = (test: (u: TenantSpec['users'][number]) => boolean) => t.users.filter(test).length / t.users.length;
    expect(share((u) => u.usageLocation === null)).toBeGreaterThan(0.07);
    expect(share((u) => u.usageLocation === null)).toBeLessThan(0.13);
    expect(share((u) => (u.assignedLicenses ?? []).length > 0)).toBeGreaterThan(0.3);
    expect(share((u) => (u.groupLicenses ?? []).length > 0)).toBeGreaterThan(0.15);
    expect(share((u) => u.usageLocation === null && (u.assignedLicenses ?? []).length > 0)).toBe(0);
    const both = t.users.filter((u) => (u.assignedLicenses ?? []).some((d) => (u.groupLicenses ?? []).some((g) => g.skuId === d.skuId)));
    expect(both.length).toBeGreaterThan(0);
  });

  it('uses real SKU and service plan ids from Microsoft’s reference list', () => {
    const csv = readFileSync(new URL('../data/product-names-and-service-plan-identifiers.csv', import.meta.url), 'utf8');
    const rows = new Set(csv.split(/\r?\n/).map((line) => line.split(',')).map((f) => `${f[1]} ${f[2]} ${f[3]} ${f[4]}`));
    for (const sku of SAMPLE_SKUS) {
      for (const plan of sku.servicePlans) {
        expect(rows.has(`${sku.skuPartNumber} ${sku.skuId} ${plan.servicePlanName} ${plan.servicePlanId}`), `${sku.skuPartNumber} ${plan.servicePlanName}`).toBe(true);
      }
    }
  });
});

describe('samples/tenant.json', () => {
  it('is what generateSampleTenant produces (regenerate it when the generator changes)', () => {
    const onDisk = JSON.parse(readFileSync(new URL('../samples/tenant.json', import.meta.url), 'utf8'));
    expect(onDisk).toEqual(generateSampleTenant());
    expect(onDisk.users).toHaveLength(60);
  });

  it('has guests and UPNs that need escaping, and a SKU with one seat left', () => {
    const t = generateSampleTenant();
    const upns = t.users.map((u) => u.userPrincipalName);
    expect(upns).toEqual(expect.arrayContaining(["o'brien@contoso.example", 'first+tag@contoso.example', 'zoë.müller@contoso.example']));
    expect(upns.some((u) => u.includes('#EXT#'))).toBe(true);
    const pbi = t.skus.find((s) => s.skuPartNumber === 'POWER_BI_PRO')!;
    expect(pbi.prepaidUnits.enabled - heldBy(t, pbi.skuId)).toBe(1);
  });

  it('has a SKU in its grace period, whose warning units are not free seats', () => {
    const pbi = generateSampleTenant().skus.find((s) => s.skuPartNumber === 'POWER_BI_PRO')!;
    expect([pbi.capabilityStatus, pbi.prepaidUnits.warning]).toEqual(['Warning', 2]);
    expect(generateSampleTenant().skus.filter((s) => s.capabilityStatus !== undefined)).toHaveLength(1);
  });
});

describe('loadTenantFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-tenant-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('loads a valid file, with or without BOM', async () => {
    expect((await loadTenantFile(fixture)).users).toHaveLength(9);
    const withBom = file('bom.json', `\uFEFF${readFileSync(fixture, 'utf8')}`);
    expect((await loadTenantFile(withBom)).tenantId).toBe('11111111-2222-4333-8444-555555555555');
  });

  it.each([
    ['a missing file', () => join(dir, 'missing.json'), /^Cannot read tenant file .*missing\.json: ENOENT$/],
    ['text that is not JSON', () => file('bad.json', '{ "tenantId": '), /^Tenant file .*bad\.json is not valid JSON: /],
    ['an invalid tenant', () => file('invalid.json', '{"tenantId":"x","skus":[],"users":[]}'), /^Tenant file .*invalid\.json: Invalid tenantId: expect a GUID, got "x"$/],
  ])('names the file and the problem for %s', async (_name, path, message) => {
    await expect(loadTenantFile(path())).rejects.toThrow(message);
  });
});

describe('runSimulateCommand', () => {
  it('serves the sample tenant by default and says it is not Microsoft Graph', async () => {
    const lines: string[] = [];
    const sim = await runSimulateCommand({ port: 0 }, (line) => lines.push(line));
    try {
      expect(lines[0]).toBe(
        `license-batch simulator (NOT Microsoft Graph) listening on ${sim.url} — Graph root ${sim.url}/v1.0, 60 users, 5 SKUs`,
      );
      const res = await fetch(`${sim.url}/v1.0/subscribedSkus`, { headers: { authorization: 'Bearer demo' } });
      expect(((await res.json()) as any).value).toHaveLength(5);
    } finally {
      await sim.close();
    }
  });

  it('serves a tenant file when given one', async () => {
    const lines: string[] = [];
    const sim = await runSimulateCommand({ port: 0, tenantPath: fixture }, (line) => lines.push(line));
    await sim.close();
    expect(lines[0]).toMatch(/, 9 users, 3 SKUs$/);
  });
});
