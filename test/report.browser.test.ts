import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { samplePath } from '../src/cli/demo-command.js';
import { loadTenantFile } from '../src/simulator/index.js';
import { launchBrowser, openReport, type OpenedReport } from './helpers/browser.js';
import { csv, readResults } from './helpers/cli.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { withSimulator } from './helpers/with-simulator.js';

/**
 * The HTML report as a person sees it (issue 13 item 4): a real run writes it, a headless Chromium
 * opens the file, and the test reads what is on the screen. One browser for the file.
 * Screenshots go to REPORT_SCREENSHOTS (the README's are made with REPORT_SCREENSHOTS=docs), else
 * to the temp folder.
 */

// Started by the first test that needs it, so that a browser that cannot start fails each test (with
// what to install) rather than leaving them skipped.
let launched: Promise<Browser> | undefined;
const browser = () => (launched ??= launchBrowser());
afterAll(async () => {
  await (await launched?.catch(() => undefined))?.close();
});

const HOSTILE = '<script>alert(1)</script>';

/** A token shaped like Entra ID's, so that the report names its tenant (the `tid` claim) as for a real sign-in. */
const TOKEN = `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ tid: '72f988bf-0000-4000-8000-000000000000', roles: ['LicenseAssignment.ReadWrite.All', 'User.Read.All'] })).toString('base64url')}.c2lnbmF0dXJl`;
const env = { GRAPH_ACCESS_TOKEN: TOKEN };

async function screenshot(report: OpenedReport, name: string): Promise<void> {
  const dir = process.env.REPORT_SCREENSHOTS ?? join(process.env.TMPDIR ?? '/tmp', 'license-batch-screenshots');
  await mkdir(dir, { recursive: true });
  await report.page.screenshot({ path: join(dir, name), fullPage: true });
}

/** Status tiles as shown: the number above each status name. */
async function tiles(report: OpenedReport): Promise<Record<string, number>> {
  const shown = (await report.page.evaluate(
    `[...document.querySelectorAll('.tile')].map((t) => [t.querySelector('.status').innerText, t.querySelector('.count').innerText])`,
  )) as [string, string][];
  return Object.fromEntries(shown.map(([status, count]) => [status, Number(count.replace(/,/g, ''))]));
}

function countStatuses(rows: Record<string, string>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.status!] = (counts[row.status!] ?? 0) + 1;
  return counts;
}

describe('the report in a browser', () => {
  it("a migration's dry run: counts, licenses and reasons on screen, no chart, nothing fetched", async () => {
    const tenant = await loadTenantFile(samplePath('tenant.json'));
    await withSimulator({ tenant }, async ({ url, cli, dir }) => {
      const input = await dir.write('migration.csv', await readFile(samplePath('migration.csv')));
      const out = dir.file('migration.results.csv');
      const { code, stderr } = await cli(['run', input, '--graph-url', url, '--out', out, '--dry-run', '--max-rate', 'off'], { env });
      expect(code, stderr).toBe(1);
      const reportPath = dir.file('migration.results.html');
      expect(stderr).toContain(`report: ${reportPath}`);

      const report = await openReport(await browser(), reportPath);
      const text = await report.text();
      expect(text).toContain('Nothing was changed.');
      expect(text).toContain('72f988bf-0000-4000-8000-000000000000');
      const counts = countStatuses(await readResults(out));
      const shown = await tiles(report);
      for (const status of ['planned', 'skipped', 'failed', 'invalid']) expect(shown[status], status).toBe(counts[status] ?? 0);
      expect(counts.planned).toBeGreaterThan(10);
      expect(text).toContain('license comes from a group');
      expect(text).toContain('Fix: remove the user from the licensing group');
      expect(text).toMatch(/SPE_E3[\s\S]*Free after the plan|Free after the plan[\s\S]*SPE_E3/);
      expect(await report.page.$$('svg.chart')).toHaveLength(0);
      expect(report.requests).toEqual([]);
      await screenshot(report, 'report-dry-run.png');
      await report.page.close();
    });
  });

  it('a run throttled by Graph: the chart drawn with its 429s, a hostile value shown as text and never run', async () => {
    const users = 25;
    const rows = [
      ['UserPrincipalName', 'SkuId', 'Ticket'],
      ...Array.from({ length: users }, (_, i) => [upn(i + 1), i % 3 === 0 ? 'EMS' : 'ENTERPRISEPACK', `CHG-${1000 + i}`]),
      ['not-a-user', 'ENTERPRISEPACK', HOSTILE],
      ['ghost@contoso.example', 'ENTERPRISEPACK', 'CHG-2000'],
    ];
    // A tenant that throttles below Graph's published quota and does not warn first: the run finds the rate with 429s.
    const behaviour = { latencyMs: 20, writeBucket: { capacity: 3, refillPerSecond: 10 }, limitPercentageHeader: false };
    await withSimulator({ tenant: testTenant({ users }), behaviour }, async ({ url, cli, dir, sim }) => {
      const input = await dir.write('onboarding.csv', csv(rows));
      const { code, stderr } = await cli(['run', input, '--graph-url', url], { env });
      expect(code, stderr).toBe(1);
      expect(sim.stats.throttled, 'the simulator throttled the run').toBeGreaterThan(0);

      const report = await openReport(await browser(), dir.file('onboarding.results.html'));
      const text = await report.text();
      const counts = countStatuses(await readResults(dir.file('onboarding.results.csv')));
      expect(await tiles(report)).toMatchObject({ succeeded: counts.succeeded, failed: counts.failed, invalid: counts.invalid });
      expect(counts.succeeded).toBe(users);
      expect(text).toContain('Finished with problems.');
      expect(text).toContain('user not found');
      expect(text).toContain('user missing or not a UPN or id');
      expect(text).toContain(HOSTILE);
      expect(report.dialogs).toEqual([]);
      expect(await report.page.$$('script')).toHaveLength(0);

      const chart = await report.page.$('svg.chart');
      expect(chart).not.toBeNull();
      const box = (await chart!.boundingBox())!;
      expect(box.width).toBeGreaterThan(600);
      expect(box.height).toBeGreaterThan(150);
      expect((await report.page.$$('svg.chart rect.writes')).length).toBeGreaterThan(2);
      expect((await report.page.$$('svg.chart rect.throttled')).length).toBeGreaterThan(0);
      expect(text).toMatch(new RegExp(`\\b${sim.stats.throttled} answered 429`));
      expect(report.requests).toEqual([]);
      await screenshot(report, 'report-throttled-run.png');
      await report.page.close();
    });
  });
});
