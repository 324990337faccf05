import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantSpec } from '../src/simulator/index.js';
import { makeCertificates, type TestCertificates } from './helpers/auth.js';
import { csv, readResults } from './helpers/cli.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { until } from './helpers/until.js';
import { withSimulator, type SimulatorHarness } from './helpers/with-simulator.js';

/**
 * Tokens through a whole run (SPEC §3, issue 7 item 5): the built CLI in a child process signs in
 * with the real MSAL against the simulator's token endpoint, over https, and the tokens expire,
 * are revoked, or stop being accepted while the run goes on.
 */
const SECRET = 'tokens-Secret~value-7731';
const ROLES = ['LicenseAssignment.ReadWrite.All', 'User.Read.All'];
let certs: TestCertificates;
beforeAll(async () => {
  certs = await makeCertificates();
});
afterAll(() => certs.dispose());

function tenant(users: number, tokenLifetimeSeconds?: number): TenantSpec {
  return { ...testTenant({ users }), auth: { clients: { app: { secret: SECRET, roles: ROLES } }, ...(tokenLifetimeSeconds ? { tokenLifetimeSeconds } : {}) } };
}

/** The built CLI, signed in as an app with a client secret, trusting the simulator's certificate as an admin would. */
function signedInRun(h: SimulatorHarness, input: string, args: string[]) {
  return h.spawn(['run', input, '--graph-url', h.url, ...args], {
    env: {
      NODE_EXTRA_CA_CERTS: certs.server.certPath,
      AZURE_AUTHORITY_HOST: h.url,
      AZURE_TENANT_ID: testTenant({ users: 1 }).tenantId,
      AZURE_CLIENT_ID: 'app',
      AZURE_CLIENT_SECRET: SECRET,
    },
  });
}

const e3Rows = (n: number) => csv([['upn', 'sku'], ...Array.from({ length: n }, (_, i) => [upn(i + 1), SKU.E3])]);

describe('tokens through a whole run (real MSAL in a child process)', () => {
  it('5-second tokens and a run of about 30 seconds: no row fails', () =>
    withSimulator({ tenant: tenant(300, 5), behaviour: { latencyMs: 200 }, tls: { key: certs.server.key, cert: certs.server.cert } }, async (h) => {
      const input = await h.dir.write('in.csv', e3Rows(300));
      const started = Date.now();
      const result = await signedInRun(h, input, ['--concurrency', '2']);
      const seconds = (Date.now() - started) / 1000;
      expect(result.stderr).toContain('succeeded 300');
      expect(result.code).toBe(0);
      expect(seconds).toBeGreaterThan(25); // the run outlived its first token five times over
      const rows = await readResults(h.dir.file('in.results.csv'));
      expect(rows.filter((r) => r.status !== 'succeeded')).toEqual([]);
      expect(h.sim.tokensIssued).toBeGreaterThan(5);
      for (let n = 1; n <= 300; n++) expect(h.sim.user(upn(n))!.directLicenses.map((l) => l.skuId)).toEqual([SKU.E3]);
    }), 120_000);

  it('a 401 mid-run (tokens revoked) renews once and retries: every row succeeds', () =>
    withSimulator({ tenant: tenant(200), behaviour: { latencyMs: 20 }, tls: { key: certs.server.key, cert: certs.server.cert } }, async (h) => {
      const input = await h.dir.write('in.csv', e3Rows(200));
      const run = signedInRun(h, input, ['--concurrency', '4']);
      await until(() => h.sim.stats.operations.assignLicense >= 60, '60 writes');
      expect(h.sim.tokensIssued).toBe(1);
      h.sim.revokeTokens();
      const result = await run;
      expect(result.stderr).toContain('succeeded 200');
      expect(result.code).toBe(0);
      // One renewal, or a few when requests in flight met the 401 after it: never one per row.
      expect(h.sim.tokensIssued).toBeGreaterThanOrEqual(2);
      expect(h.sim.tokensIssued).toBeLessThanOrEqual(1 + 4);
      const rows = await readResults(h.dir.file('in.results.csv'));
      expect(rows.map((r) => [Number(r.row), r.status])).toEqual(Array.from({ length: 200 }, (_, i) => [i + 1, 'succeeded']));
    }), 60_000);

  it('a 401 that persists after renewal stops the run within 50 requests, exit 2, naming the permission', () =>
    withSimulator({ tenant: tenant(300), behaviour: { latencyMs: 20 }, tls: { key: certs.server.key, cert: certs.server.cert } }, async (h) => {
      const input = await h.dir.write('in.csv', e3Rows(300));
      const run = signedInRun(h, input, ['--concurrency', '4']);
      await until(() => h.sim.stats.operations.assignLicense >= 60, '60 writes');
      // From now on every token is revoked as soon as it is issued: Graph accepts none.
      const before = h.sim.stats.requests;
      h.sim.revokeTokens();
      const revoking = setInterval(() => h.sim.revokeTokens(), 1);
      let result;
      try {
        result = await run;
      } finally {
        clearInterval(revoking);
      }
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/did not accept the access token \(401\)/);
      expect(result.stderr).toContain('LicenseAssignment.ReadWrite.All');
      expect(h.sim.stats.requests - before).toBeLessThanOrEqual(50);
      const rows = await readResults(h.dir.file('in.results.csv'));
      expect(rows.map((r) => Number(r.row))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(rows.filter((r) => r.status === 'not-attempted').length).toBeGreaterThan(150);
      for (const r of rows) {
        const applied = h.sim.user(upn(Number(r.row)))!.directLicenses.length > 0;
        expect(applied, `row ${r.row} ${r.status}`).toBe(r.status === 'succeeded');
      }
    }), 60_000);
});
