import { describe, expect, it } from 'vitest';
import type { RowOutcome } from '../src/model.js';
import { FailureGroups } from '../src/report/failure-groups.js';
import { escapeHtml, html } from '../src/report/html.js';
import { renderReport } from '../src/report/render-report.js';
import type { ReportData } from '../src/report/report-data.js';
import { tenantName } from '../src/report/tenant-name.js';
import { Timeline } from '../src/report/timeline.js';
import { defaultReportPath } from '../src/report/write-report.js';
import type { SyncCounts } from '../src/sync/sync-counts.js';

/** The renderer and its parts, pure: data in, HTML out (issue 13 item 3). */

const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(2)>',
  "' onmouseover='alert(3)",
  '</style><script>alert(4)</script>',
  '<svg onload=alert(5)>',
  '&lt;already&gt; escaped',
];

function failed(row: number, errorCode: string, message: string, status: 'failed' | 'invalid' = 'failed'): RowOutcome {
  return { row, status, errorCode, message, attempts: 1, completedAt: '2026-12-04T10:00:00.000Z' };
}

function data(patch: Partial<ReportData> = {}, run: Partial<ReportData['run']> = {}): ReportData {
  return {
    run: {
      input: 'migration.csv',
      resultsPath: '/data/migration.results.csv',
      undoPath: '/data/migration.results.undo.csv',
      tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      graphRoot: 'https://graph.microsoft.com/v1.0',
      startedAt: Date.UTC(2026, 11, 4, 10, 0, 0),
      endedAt: Date.UTC(2026, 11, 4, 10, 2, 30),
      dryRun: false,
      resumed: false,
      exitCode: 1,
      toolVersion: '0.1.0',
      ...run,
    },
    rowsTotal: 1200,
    byStatus: { succeeded: 1100, failed: 60, invalid: 12, skipped: 28, planned: 0, 'not-attempted': 0 },
    skus: [{ skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965', label: 'SPE_E3', seats: { before: 1500, after: 400 }, adds: 1100, removes: 0 }],
    failures: [],
    columns: ['UserPrincipalName', 'SkuId', 'Ticket'],
    traffic: { writes: 1130, retries: 40, throttled: 17, pausedMs: 12_000 },
    timeline: steadyTimeline(150, 8),
    ...patch,
  };
}

/** A run of `seconds` at `rate` writes a second, sampled every 100 ms, throttled once a minute. */
function steadyTimeline(seconds: number, rate: number) {
  const start = Date.UTC(2026, 11, 4, 10, 0, 0);
  const timeline = new Timeline(start);
  let writes = 0;
  let throttled = 0;
  let pausedMs = 0;
  for (let t = 100; t <= seconds * 1000; t += 100) {
    writes += rate / 10;
    if (t % 60_000 === 0) {
      throttled += 3;
      pausedMs += 2000;
    }
    timeline.record(start + t, { writes, throttled, pausedMs });
  }
  return timeline.view();
}

function groupsOf(outcomes: [RowOutcome, string[]][], rowsPerReason = 10) {
  const groups = new FailureGroups(rowsPerReason);
  for (const [outcome, values] of outcomes) groups.add(outcome, outcome.row + 1, values);
  return groups.groups();
}

describe('escaping', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['a & b', 'a &amp; b'],
    ['"quoted" \'single\'', '&quot;quoted&quot; &#39;single&#39;'],
    ['&lt;', '&amp;lt;'],
    ['plain text, 0042', 'plain text, 0042'],
  ])('escapeHtml(%j) is %j', (text, escaped) => {
    expect(escapeHtml(text)).toBe(escaped);
  });

  it('templates escape every value, keep fragments made by templates, and drop empty ones', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"x"'}">${inner}${['<', html`<br>`]}${undefined}${false}${1234567}</p>`.toString()).toBe(
      '<p title="&quot;x&quot;"><b>&lt;i&gt;</b>&lt;<br>1,234,567</p>',
    );
  });

  it('hostile values from the sheet, Graph and the run show as text wherever they land', () => {
    const hostile = HOSTILE.join(' ');
    const sync: SyncCounts = { changesPath: `/data/${hostile}.changes.csv`, skus: [{ skuId: hostile, label: hostile, directHolders: 3, groupOnly: 1, removes: 1, adds: 1, planChanges: 0 }] };
    const page = renderReport(
      data(
        {
          columns: ['UserPrincipalName', hostile],
          skus: [{ skuId: hostile, label: hostile, adds: 1, removes: 0 }],
          failures: groupsOf([
            [failed(1, hostile, hostile), [hostile, hostile]],
            [failed(2, 'NoSeats', hostile), ['user@contoso.example', hostile]],
          ]),
          sync,
        },
        { input: hostile, resultsPath: hostile, undoPath: hostile, tenant: hostile, graphRoot: hostile, stopReason: hostile, exitCode: 2 },
      ),
    );
    expect(page).not.toMatch(/<script|<img|<svg onload/i);
    // No tag of the page carries an event handler: the values' `onerror=` stays text between tags.
    expect(page).not.toMatch(/<[^>]*\son\w+\s*=/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&amp;lt;already&amp;gt; escaped');
    // The only elements are the page's own: a value never opens or closes one.
    const tags = new Set([...page.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase()));
    expect([...tags].filter((tag) => !ALLOWED_TAGS.has(tag))).toEqual([]);
  });
});

const ALLOWED_TAGS = new Set(
  'html head meta title style body main header p h1 h2 h3 strong span section dl dt dd div table thead tbody tr th td article code figure figcaption footer svg g rect line text'.split(' '),
);

describe('the page', () => {
  it('is one self-contained file: no script, and nothing it would fetch', () => {
    const page = renderReport(data({ failures: groupsOf([[failed(3, 'UserNotFound', 'user x was not found'), ['x', 'E3', 'T1']]]) }));
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).not.toMatch(/<script|<link|<img|<iframe|<object|@import|url\(|\bsrc\s*=|\bhref\s*=/i);
    expect(page).toContain('<style>');
  });

  it('says what the run was: input, tenant, Graph, times, files, version', () => {
    const page = renderReport(data());
    for (const text of ['migration.csv', '72f988bf-86f1-41af-91ab-2d7cd011db47', 'https://graph.microsoft.com/v1.0', '2026-12-04 10:00:00 UTC', '2026-12-04 10:02:30 UTC', '2 min 30 s', '/data/migration.results.csv', '/data/migration.results.undo.csv', 'license-batch 0.1.0']) {
      expect(page).toContain(text);
    }
  });

  it.each([
    [{ exitCode: 0, dryRun: false }, { failed: 0, invalid: 0 }, 'Finished.'],
    [{ exitCode: 1, dryRun: false }, {}, 'Finished with problems.'],
    [{ exitCode: 1, dryRun: true }, {}, 'Nothing was changed.'],
    [{ exitCode: 2, dryRun: false, stopReason: 'Graph refused the token' }, {}, 'Stopped early.'],
    [{ exitCode: 130, dryRun: false }, {}, 'Interrupted.'],
  ])('the verdict of %j', (run, statuses, verdict) => {
    const base = data({}, run);
    expect(renderReport({ ...base, byStatus: { ...base.byStatus, ...statuses } })).toContain(verdict);
  });

  it('counts rows per status, and seats before and after with the adds and removes per SKU', () => {
    const page = renderReport(data({ skus: [{ skuId: 'id-1', label: 'ENTERPRISEPACK', seats: { before: 25, after: 34 }, adds: 2, removes: 11 }] }));
    expect(page).toMatch(/<span class="count">1,100<\/span><span class="status">succeeded<\/span>/);
    expect(page).toMatch(/<span class="count">60<\/span><span class="status">failed<\/span>/);
    expect(page).toMatch(/ENTERPRISEPACK<span class="id">id-1<\/span><\/th><td class="num">11<\/td><td class="num">2<\/td><td class="num">25<\/td><td class="num">34 <span class="delta up">\(\+9\)<\/span>/);
  });

  it('a dry run has no chart, and names its seats as planned', () => {
    const page = renderReport(data({ byStatus: { succeeded: 0, failed: 0, invalid: 0, skipped: 2, planned: 9, 'not-attempted': 0 } }, { dryRun: true }));
    expect(page).not.toContain('<svg');
    expect(page).not.toContain('Writes and throttling');
    expect(page).toContain('Free after the plan');
    expect(page).toMatch(/<span class="count">9<\/span><span class="status">planned<\/span>/);
  });

  it('a run that wrote draws writes per second, its 429s and its pauses', () => {
    const page = renderReport(data());
    expect(page).toContain('<svg class="chart"');
    expect(page.match(/<rect class="writes"/g)!.length).toBeGreaterThan(50);
    expect(page.match(/<rect class="throttled"/g)).toHaveLength(2);
    expect(page.match(/<rect class="paused"/g)).toHaveLength(2);
    expect(page).toContain('1,130</strong> writes in 2 min 30 s: 7.5 per second on average, 8.0 in the busiest second');
    expect(page).toContain('<strong>17</strong> answered 429');
  });

  it('a run that sent no write says so instead of drawing an empty chart', () => {
    const { timeline: _, ...noTimeline } = data({ traffic: { writes: 0, retries: 0, throttled: 0, pausedMs: 0 } });
    const page = renderReport(noTimeline);
    expect(page).not.toContain('<svg');
    expect(page).toContain('No write was sent');
  });

  it('the sync section only for a sync: holders, removes, adds, plan changes, group-held, the change sheet', () => {
    expect(renderReport(data())).not.toContain('Sync:');
    const sync: SyncCounts = {
      changesPath: '/data/desired.changes.csv',
      skus: [{ skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965', label: 'SPE_E3', directHolders: 50_000, groupOnly: 120, removes: 30, adds: 15, planChanges: 5 }],
    };
    const page = renderReport(data({ sync }));
    expect(page).toContain('Sync: the tenant brought to the sheet');
    expect(page).toMatch(/SPE_E3<span class="id">05e9a617-0261-4cee-bb44-138d3ef5d965<\/span><\/th><td class="num">50,000<\/td><td class="num">30<\/td><td class="num">15<\/td><td class="num">5<\/td><td class="num">120<\/td>/);
    expect(page).toContain('<code>/data/desired.changes.csv</code>');
  });

  it('failures grouped by reason with the fix, the first rows, and how many more', () => {
    const outcomes: [RowOutcome, string[]][] = [];
    for (let row = 40; row >= 1; row--) outcomes.push([failed(row, 'NoUsageLocation', `user${row} has no usage location`), [`user${row}@contoso.example`, 'E3', `T${row}`]]);
    outcomes.push([failed(50, 'UserNotFound', 'user ghost was not found'), ['ghost@contoso.example', 'E3', 'T50']]);
    const page = renderReport(data({ failures: groupsOf(outcomes, 5) }));
    expect(page).toContain('Rows that need attention: 41, for 2 reasons');
    const usage = page.indexOf('usage location missing');
    const notFound = page.indexOf('user not found');
    expect(usage).toBeGreaterThan(0);
    expect(notFound).toBeGreaterThan(usage);
    expect(page).toContain('<span class="count">40 rows</span>');
    expect(page).toContain('add a UsageLocation column or pass --usage-location US');
    const listed = [...page.slice(usage, notFound).matchAll(/<td class="num" title="line \d+">(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(listed).toEqual([1, 2, 3, 4, 5]);
    expect(page).toContain('and 35 more rows for this reason');
    expect(page).toContain('<td>T1</td>');
    expect(page.slice(notFound)).not.toContain('more row');
  });

  it('no failures: says so', () => {
    expect(renderReport(data())).toContain('None: no row failed or was invalid.');
  });
});

describe('FailureGroups', () => {
  it('counts every failed or invalid row under its reason and keeps the lowest row numbers, in any finishing order', () => {
    const groups = groupsOf(
      [
        [failed(9, 'NoSeats', 'no free seat'), ['a']],
        [failed(3, 'CountViolation', 'CountViolation'), ['b']],
        [{ ...failed(4, '', 'ok'), status: 'succeeded' }, ['c']],
        [failed(7, 'NoSeats', 'no free seat'), ['d']],
        [failed(1, 'NoSeats', 'no free seat'), ['e']],
        [failed(2, 'EmptyUser', 'UserPrincipalName is empty', 'invalid'), ['']],
      ],
      2,
    );
    expect(groups.map((g) => [g.key, g.count, g.rows.map((r) => r.row)])).toEqual([
      ['no-seats', 4, [1, 3]],
      ['bad-user', 1, [2]],
    ]);
    expect(groups[1]!.rows[0]).toMatchObject({ row: 2, line: 3, status: 'invalid', errorCode: 'EmptyUser' });
  });

  it('keeps bounded values: long values cut, at most 12 columns', () => {
    const [group] = groupsOf([[failed(1, 'UserNotFound', 'x'.repeat(5000)), Array.from({ length: 30 }, () => 'v'.repeat(1000))]]);
    expect(group!.rows[0]!.values).toHaveLength(12);
    expect(group!.rows[0]!.values[0]!.length).toBe(120);
    expect(group!.rows[0]!.message.length).toBe(480);
  });
});

describe('Timeline', () => {
  it('sums what the counters grew by into buckets of their time', () => {
    const timeline = new Timeline(1000, { bucketMs: 100 });
    timeline.record(1050, { writes: 2, throttled: 0, pausedMs: 0 });
    timeline.record(1150, { writes: 5, throttled: 1, pausedMs: 40 });
    timeline.record(1420, { writes: 6, throttled: 1, pausedMs: 100 });
    expect(timeline.view()).toEqual({
      startedAt: 1000,
      bucketMs: 100,
      spanMs: 420,
      buckets: [
        { writes: 2, throttled: 0, pausedMs: 0 },
        { writes: 3, throttled: 1, pausedMs: 40 },
        { writes: 0, throttled: 0, pausedMs: 0 },
        { writes: 0, throttled: 0, pausedMs: 0 },
        { writes: 1, throttled: 0, pausedMs: 60 },
      ],
    });
  });

  it.each([10, 1_000, 100_000])('a run of %i s keeps at most maxBuckets, and every write', (seconds) => {
    const timeline = new Timeline(0, { bucketMs: 100, maxBuckets: 50 });
    for (let t = 100; t <= seconds * 1000; t += 100) timeline.record(t, { writes: t / 100, throttled: 0, pausedMs: 0 });
    const view = timeline.view();
    expect(view.buckets.length).toBeLessThanOrEqual(50);
    expect(view.buckets.reduce((sum, b) => sum + b.writes, 0)).toBe(seconds * 10);
    expect(view.bucketMs * view.buckets.length).toBeGreaterThanOrEqual(seconds * 1000);
  });

  it('a clock that goes back files the sample at the last time seen', () => {
    const timeline = new Timeline(0, { bucketMs: 100 });
    timeline.record(500, { writes: 1, throttled: 0, pausedMs: 0 });
    timeline.record(200, { writes: 3, throttled: 0, pausedMs: 0 });
    expect(timeline.view().buckets.at(-1)).toEqual({ writes: 3, throttled: 0, pausedMs: 0 });
  });
});

describe('tenantName', () => {
  const jwt = (claims: object) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
  it.each([
    [{ GRAPH_ACCESS_TOKEN: jwt({ tid: '72f988bf-86f1-41af-91ab-2d7cd011db47', upn: 'admin@x' }) }, '72f988bf-86f1-41af-91ab-2d7cd011db47'],
    [{ GRAPH_ACCESS_TOKEN: jwt({ tid: '<script>' }) }, undefined],
    [{ GRAPH_ACCESS_TOKEN: 'not-a-jwt', AZURE_TENANT_ID: 'contoso.onmicrosoft.com' }, undefined],
    [{ GRAPH_ACCESS_TOKEN: 'a.!!!.b' }, undefined],
    [{ AZURE_TENANT_ID: 'contoso.onmicrosoft.com', AZURE_CLIENT_SECRET: 'secret' }, 'contoso.onmicrosoft.com'],
    [{ AZURE_TENANT_ID: ' 72f988bf-86f1-41af-91ab-2d7cd011db47 ' }, '72f988bf-86f1-41af-91ab-2d7cd011db47'],
    [{}, undefined],
  ])('%j -> %s', (env, tenant) => {
    expect(tenantName(env)).toBe(tenant);
  });
});

describe('defaultReportPath', () => {
  it.each([
    ['licenses.results.csv', 'licenses.results.html'],
    ['/a.b/out', '/a.b/out.html'],
    ['C:\\runs\\x.csv', 'C:\\runs\\x.html'],
  ])('%s -> %s', (results, report) => {
    expect(defaultReportPath(results)).toBe(report);
  });
});
