import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../src/simulator/index.js';
import { readResults } from './helpers/cli.js';
import { GROUP, SKU, testTenant, userId, PLAN } from './helpers/tenant.js';
import { startHarness, type OpenHarness } from './helpers/with-simulator.js';

let harness: OpenHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Runs the CLI the way every end-to-end test does, through the simulator's harness. */
const runCli = (args: string[]) => harness!.cli(args);

/** 1,200 users without licenses (two pages of users), and three with. */
async function licensedTenant(): Promise<RunningSimulator> {
  harness = await startHarness({
    tenant: testTenant({
      users: 1200,
      extraUsers: [
        { id: userId(5001), userPrincipalName: 'ann@contoso.example', usageLocation: 'US', assignedLicenses: [{ skuId: SKU.E3, disabledPlans: [PLAN.TEAMS1, PLAN.SWAY] }] },
        { id: userId(5002), userPrincipalName: 'bob@contoso.example', usageLocation: 'US', assignedLicenses: [{ skuId: SKU.EMS }], groupLicenses: [{ skuId: SKU.EMS, groupId: GROUP }] },
        { id: userId(5003), userPrincipalName: 'cat@contoso.example', usageLocation: 'US', groupLicenses: [{ skuId: SKU.E3, groupId: GROUP }] },
      ],
    }),
  });
  return harness.sim;
}

describe('export', () => {
  it('writes every user\'s direct assignments as input rows, SKUs by part number and plans by name, across pages', async () => {
    const s = await licensedTenant();
    const result = await runCli(['export', '--graph-url', s.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'UserPrincipalName,SkuId,DisabledPlans,Action\n' + 'ann@contoso.example,ENTERPRISEPACK,SWAY;TEAMS1,add\n' + 'bob@contoso.example,EMS,,add\n',
    );
    expect(s.stats.operations.listUsers).toBe(2);
    expect(result.stderr).toMatch(/exported 2 direct assignment\(s\) of 2 user\(s\)/);
  });

  it.each([
    { sku: 'EMS', want: ['bob@contoso.example'] },
    { sku: 'Office 365 E3', want: ['ann@contoso.example'] },
    { sku: SKU.E3.toUpperCase(), want: ['ann@contoso.example'] },
  ])('keeps only the SKUs named with --sku $sku', async ({ sku, want }) => {
    const s = await licensedTenant();
    const result = await runCli(['export', '--graph-url', s.url, '--sku', sku]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').slice(1).map((line) => line.split(',')[0])).toEqual(want);
  });

  it('refuses a --sku the tenant does not have', async () => {
    const s = await licensedTenant();
    const result = await runCli(['export', '--graph-url', s.url, '--sku', 'NOPE']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--sku "NOPE" is not a SKU this tenant has/);
  });

  it('writes a file that run takes as input, and that changes nothing when run again', async () => {
    const s = await licensedTenant();
    const dir = harness!.dir;
    const file = dir.file('export.csv');
    expect((await runCli(['export', '--graph-url', s.url, '--out', file])).code).toBe(0);
    expect((await readFile(file, 'utf8')).startsWith('\uFEFFUserPrincipalName,SkuId')).toBe(true);
    const licenses = (upn: string) =>
      s.user(upn)!.directLicenses.map((l) => ({ skuId: l.skuId, disabledPlans: [...l.disabledPlans].sort() }));
    const before = [licenses('ann@contoso.example'), licenses('bob@contoso.example')];
    const result = await runCli(['run', file, '--graph-url', s.url]);
    expect(result.code).toBe(0);
    expect((await readResults(dir.file('export.results.csv'))).map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(s.stats.operations.assignLicense).toBe(0);
    expect([licenses('ann@contoso.example'), licenses('bob@contoso.example')]).toEqual(before);
  });
});
