import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../src/simulator/index.js';
import { csv, readResults } from './helpers/cli.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { startHarness, type OpenHarness } from './helpers/with-simulator.js';

/**
 * Permissions as Graph enforces them (SPEC §3): the simulator's tenant lists tokens with exactly
 * these application permissions, and the CLI runs with one of them as GRAPH_ACCESS_TOKEN.
 * (e2e.auth.test.ts signs in through MSAL with a least-privilege app as well.)
 */
const TOKENS = {
  'licenses-only-0042': ['LicenseAssignment.ReadWrite.All'],
  'least-privilege-0042': ['LicenseAssignment.ReadWrite.All', 'User.Read.All'],
  'with-usage-location-0042': ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All'],
  'users-only-0042': ['User.Read.All'],
  'reads-only-0042': ['User.Read.All', 'LicenseAssignment.Read.All'],
};
type Token = keyof typeof TOKENS;

let harness: OpenHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function simulator(users = 20): Promise<RunningSimulator> {
  harness = await startHarness({ tenant: testTenant({ users, auth: { tokens: TOKENS } }) });
  return harness.sim;
}

const cli = (args: string[], token: Token) =>
  harness!.cli([...args, '--graph-url', harness!.url, ...(args[0] === 'run' ? ['--max-rate', 'off'] : [])], { env: { GRAPH_ACCESS_TOKEN: token } });

/** Rows 1..n add E3 by part number (so the run reads the SKUs, then the users); every third sets usage location GB. */
async function sheet(n: number, usageLocation: (i: number) => string = () => ''): Promise<{ path: string; results: string }> {
  const rows = [['UserPrincipalName', 'SkuId', 'UsageLocation'], ...Array.from({ length: n }, (_, i) => [upn(i + 1), 'ENTERPRISEPACK', usageLocation(i + 1)])];
  const path = await harness!.dir.write('onboarding.csv', csv(rows));
  return { path, results: harness!.dir.file('onboarding.results.csv') };
}

describe('run, with the permissions an admin granted', () => {
  it('LicenseAssignment.ReadWrite.All alone: stops at the first read, before any write, exit 2, naming User.Read.All', async () => {
    const sim = await simulator();
    const file = await sheet(20);
    const result = await cli(['run', file.path], 'licenses-only-0042');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: Microsoft Graph refused to read users for lack of permission \(403\)\. Reading users needs the Microsoft Graph application permission User\.Read\.All \(/);
    expect(result.stderr).toContain('License Administrator or User Administrator role');
    // It names what the refused request needs, not the permission the app already has.
    expect(result.stderr).not.toMatch(/needs[^.]*LicenseAssignment\.ReadWrite\.All \(/);
    expect(sim.stats.operations.assignLicense).toBe(0);
    expect(sim.stats.operations.patchUser).toBe(0);
    const rows = await readResults(file.results);
    expect(rows.map((r) => r.row)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    // Rows whose read Graph refused say which permission it needs; the rest were not attempted.
    for (const row of rows) {
      if (row.status === 'failed') expect(row.message).toMatch(/could not read the user's licenses, so nothing was sent: .*Reading users needs the Microsoft Graph application permission User\.Read\.All/);
      else expect(row.status).toBe('not-attempted');
    }
  });

  it('LicenseAssignment.ReadWrite.All + User.Read.All: the run works; only rows that need a usage-location PATCH fail, naming User.ReadWrite.All; exit 1', async () => {
    const sim = await simulator();
    const file = await sheet(20, (i) => (i % 3 === 0 ? 'GB' : ''));
    const result = await cli(['run', file.path], 'least-privilege-0042');
    expect(result.code).toBe(1);
    const rows = await readResults(file.results);
    const patched = rows.filter((r) => Number(r.row) % 3 === 0);
    const plain = rows.filter((r) => Number(r.row) % 3 !== 0);
    expect(plain.map((r) => r.status)).toEqual(plain.map(() => 'succeeded'));
    for (const row of patched) {
      expect(row).toMatchObject({ status: 'failed', httpStatus: '403', errorCode: 'Authorization_RequestDenied' });
      expect(row.message).toMatch(/usage location GB was not set: .*Setting users' usage location needs the Microsoft Graph application permission User\.ReadWrite\.All/);
    }
    // Those rows got no license without the usage location they asked for; the others did.
    expect(sim.user(upn(3))!.directLicenses).toEqual([]);
    expect(sim.user(upn(1))!.directLicenses.map((l) => l.skuId)).toEqual([SKU.E3]);
    // The summary's fix names the permission those rows need.
    expect(result.stderr).toMatch(/permission to set usage location missing: 6 rows \(e\.g\. row 3\): grant the application permission User\.ReadWrite\.All/);
  });

  it('LicenseAssignment.ReadWrite.All + User.ReadWrite.All: every row, usage locations too', async () => {
    const sim = await simulator();
    const file = await sheet(9, (i) => (i % 3 === 0 ? 'GB' : ''));
    const result = await cli(['run', file.path], 'with-usage-location-0042');
    expect(result.code).toBe(0);
    expect(sim.user(upn(3))!.usageLocation).toBe('GB');
    expect(sim.stats.operations.assignLicense).toBe(9);
  });

  it('reads but no LicenseAssignment.ReadWrite.All: stops at the first writes, naming it', async () => {
    const sim = await simulator(100);
    const file = await sheet(100);
    const result = await cli(['run', file.path, '--concurrency', '4'], 'reads-only-0042');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refused to assign licenses for lack of permission \(403\)\. Assigning licenses needs the Microsoft Graph application permission LicenseAssignment\.ReadWrite\.All \(/);
    expect(sim.stats.operations.assignLicense).toBeLessThanOrEqual(4);
  });

  it('User.Read.All alone: a sheet that names SKUs stops at GET /subscribedSkus, naming LicenseAssignment.Read.All', async () => {
    const sim = await simulator();
    const file = await sheet(5);
    const result = await cli(['run', file.path], 'users-only-0042');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Reading the tenant's subscriptions needs the Microsoft Graph application permission LicenseAssignment\.Read\.All \(/);
    expect(sim.stats.operations.assignLicense).toBe(0);
  });
});

describe('skus and export', () => {
  it('skus with only User.Read.All names LicenseAssignment.Read.All', async () => {
    await simulator(1);
    const result = await cli(['skus'], 'users-only-0042');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: Microsoft Graph refused to read the tenant's SKUs \(GET \/subscribedSkus\) \(403 Authorization_RequestDenied\)\. Reading the tenant's subscriptions needs the Microsoft Graph application permission LicenseAssignment\.Read\.All/);
  });

  it('skus with LicenseAssignment.ReadWrite.All alone works', async () => {
    await simulator(1);
    const result = await cli(['skus'], 'licenses-only-0042');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ENTERPRISEPACK');
  });

  it('export without User.Read.All names it', async () => {
    await simulator(3);
    const result = await cli(['export'], 'licenses-only-0042');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: Microsoft Graph refused to list users \(GET \/users\) \(403 Authorization_RequestDenied\)\. Listing users needs the Microsoft Graph application permission User\.Read\.All/);
    expect(result.stderr).not.toMatch(/internal error/);
  });

  it('export with the least-privilege set works', async () => {
    await simulator(3);
    const result = await cli(['export'], 'least-privilege-0042');
    expect(result.code).toBe(0);
  });
});

describe('--help', () => {
  it.each(['run', 'export', 'skus'])('%s --help gives the least-privilege set', async (command) => {
    await simulator(1);
    const result = await harness!.cli([command, '--help']);
    expect(result.stdout).toMatch(/LicenseAssignment\.ReadWrite\.All and\s+User\.Read\.All; User\.ReadWrite\.All instead of User\.Read\.All if the sheet sets usage locations/);
    expect(result.stdout).toMatch(/License Administrator or User Administrator role/);
  });
});
