import { access, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { csv, readResults } from './helpers/cli.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { until } from './helpers/until.js';
import { withSimulator } from './helpers/with-simulator.js';

/** Every run writes its HTML report (SPEC §4 "Report"): where, what it holds, and what it never holds. */

const HOSTILE = '<script>alert(1)</script>';

const INPUT = csv([
  ['UserPrincipalName', 'SkuId', 'Ticket'],
  [upn(1), SKU.E3, 'CHG-1'],
  [upn(2), SKU.E3, 'CHG-2'],
  [upn(3), 'EMS', 'CHG-3'],
  ['ghost@contoso.example', SKU.E3, 'CHG-4'],
  ['', SKU.E3, HOSTILE],
]);

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** What the page would load or link to: every `src`, `href` and CSS `url(` / `@import`. */
function references(page: string): string[] {
  return [...page.matchAll(/\b(?:src|href|xlink:href)\s*=\s*["']?([^"'\s>]*)|url\(\s*([^)]*)\)|@import\s+([^;]+)/gi)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

describe('the report of a run', () => {
  it('is written at <results without extension>.html, named by the summary, self-contained, with hostile values as text', async () => {
    await withSimulator({ tenant: testTenant({ users: 5 }) }, async ({ url, cli, dir }) => {
      const input = await dir.write('onboarding.csv', INPUT);
      const { code, stderr } = await cli(['run', input, '--graph-url', url, '--max-rate', 'off']);
      expect(code, stderr).toBe(1);
      const path = dir.file('onboarding.results.html');
      expect(stderr).toContain(`license-batch: report: ${path}`);
      const page = await readFile(path, 'utf8');
      expect(references(page)).toEqual([]);
      expect(page).not.toMatch(/<script/i);
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      const results = await readResults(dir.file('onboarding.results.csv'));
      expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed', 'invalid']);
      expect(page).toMatch(/<span class="count">3<\/span><span class="status">succeeded<\/span>/);
      expect(page).toContain('user not found');
      expect(page).toContain('user missing or not a UPN or id');
      expect(page).toMatch(/EMS<span class="id">[^<]+<\/span><\/th><td class="num">0<\/td><td class="num">1<\/td>/);
      expect(page).toMatch(/ENTERPRISEPACK<span class="id">[^<]+<\/span><\/th><td class="num">0<\/td><td class="num">2<\/td><td class="num">100,000<\/td><td class="num">99,998/);
      expect(page).toContain('<svg class="chart"');
      expect(page).toContain(`${url}/v1.0`);
      // The harness then scans this folder, the report included, for the token it handed the run.
    });
  });

  it('names the tenant by the token\'s tid claim, never the token', async () => {
    const tid = '3c1a2b4d-0000-4000-8000-00000000abcd';
    const token = `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ tid, roles: ['LicenseAssignment.ReadWrite.All'] })).toString('base64url')}.c2lnbmF0dXJl`;
    await withSimulator({ tenant: testTenant({ users: 5 }) }, async ({ url, cli, dir }) => {
      const input = await dir.write('in.csv', INPUT);
      const { code } = await cli(['run', input, '--graph-url', url, '--max-rate', 'off', '--dry-run'], { env: { GRAPH_ACCESS_TOKEN: token } });
      expect(code).toBe(1);
      const page = await readFile(dir.file('in.results.html'), 'utf8');
      expect(page).toContain(`<dd>${tid}</dd>`);
      expect(page).not.toContain(token.split('.')[1]);
      expect(page).not.toContain('<svg');
      expect(page).toContain('Nothing was changed.');
    });
  });

  it('--report F writes F instead; --no-report writes none; both at once, or F where it cannot be written, is a usage error', async () => {
    await withSimulator({ tenant: testTenant({ users: 5 }) }, async ({ url, cli, dir, sim }) => {
      const input = await dir.write('in.csv', INPUT);
      const chosen = dir.file('for the change board.html');
      const first = await cli(['run', input, '--graph-url', url, '--max-rate', 'off', '--dry-run', '--report', chosen]);
      expect(first.code).toBe(1);
      expect(await exists(chosen)).toBe(true);
      expect(await exists(dir.file('in.results.html'))).toBe(false);
      expect(first.stderr).toContain(`report: ${chosen}`);

      const none = await cli(['run', input, '--graph-url', url, '--max-rate', 'off', '--out', dir.file('none.csv'), '--no-report']);
      expect(none.code).toBe(1);
      expect(await exists(dir.file('none.html'))).toBe(false);
      expect(none.stderr).not.toContain('report:');

      const both = await cli(['run', input, '--graph-url', url, '--report', chosen, '--no-report']);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('--report F and --no-report contradict each other');

      const requests = sim.stats.requests;
      const nowhere = await cli(['run', input, '--graph-url', url, '--report', dir.file('no such folder/r.html')]);
      expect(nowhere.code).toBe(2);
      expect(nowhere.stderr).toContain('does not exist or cannot be written');
      expect(sim.stats.requests, 'nothing sent').toBe(requests);

      const onResults = await cli(['run', input, '--graph-url', url, '--out', dir.file('x.csv'), '--report', dir.file('x.csv')]);
      expect(onResults.code).toBe(2);
      expect(onResults.stderr).toContain('would overwrite the results file');
    });
  });

  it('an interrupted run still writes a report of what happened', async () => {
    const users = 40;
    await withSimulator({ tenant: testTenant({ users }), behaviour: { latencyMs: 100 } }, async ({ url, cli, dir, sim }) => {
      const rows = [['UserPrincipalName', 'SkuId'], ...Array.from({ length: users }, (_, i) => [upn(i + 1), SKU.E3])];
      const input = await dir.write('in.csv', csv(rows));
      const controller = new AbortController();
      const running = cli(['run', input, '--graph-url', url, '--max-rate', 'off', '--concurrency', '2'], { signal: controller.signal });
      await until(() => sim.stats.operations.assignLicense >= 2, 'the first writes');
      controller.abort();
      const { code } = await running;
      expect(code).toBe(130);
      const page = await readFile(dir.file('in.results.html'), 'utf8');
      expect(page).toContain('Interrupted.');
      const notAttempted = (await readResults(dir.file('in.results.csv'))).filter((r) => r.status === 'not-attempted').length;
      expect(notAttempted).toBeGreaterThan(0);
      expect(page).toContain(`<span class="count">${notAttempted}</span><span class="status">not-attempted</span>`);
    });
  });

  it('--log json: the summary carries the report\'s path', async () => {
    await withSimulator({ tenant: testTenant({ users: 5 }) }, async ({ url, cli, dir }) => {
      const input = await dir.write('in.csv', INPUT);
      const { stderr } = await cli(['run', input, '--graph-url', url, '--max-rate', 'off', '--log', 'json']);
      const summary = JSON.parse(stderr.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;
      expect(summary).toMatchObject({ event: 'summary', report: dir.file('in.results.html') });
    });
  });
});
