import { formatDuration } from '../cli/summary.js';
import { placeOf } from '../input/place.js';
import type { Status } from '../model.js';
import type { SyncCounts } from '../sync/sync-counts.js';
import type { FailureGroup, ListedRow } from './failure-groups.js';
import { html, type Html } from './html.js';
import type { ReportData, RunFacts, SkuLine, TrafficTotals } from './report-data.js';
import { trafficChart } from './traffic-chart.js';
import type { TimelineView } from './timeline.js';

/**
 * The report's sections, each a pure function of the report's data to a fragment of HTML, in the
 * order a change board reads them: what ran and how it ended, the counts, the licenses, what needs
 * attention, then how the run went through Graph's throttling.
 */

/** What each status means, in the words the results file's readers use. */
const STATUS_WORDS: Record<Status, string> = {
  succeeded: 'changed as the sheet asks',
  skipped: 'already in place: nothing to do',
  planned: 'would change (dry run)',
  failed: 'Graph or the tenant refused: see below',
  invalid: 'the row is wrong: not sent',
  'not-attempted': 'not sent: the run stopped first',
};

/** The title, and in one line how the run ended. */
export function headline(data: ReportData): Html {
  const { run, byStatus } = data;
  const problems = byStatus.failed + byStatus.invalid;
  const verdict = verdictOf(data);
  return html`<header>
<p class="kicker">license-batch ${data.sync ? 'sync' : 'run'}${run.dryRun ? ' (dry run)' : ''} report</p>
<h1>${baseName(run.input)}</h1>
<p class="verdict ${verdict.tone}"><strong>${verdict.title}</strong> ${verdict.detail}</p>
${run.dryRun ? html`<p class="note">A dry run reads the tenant and plans; it sends no change. ${problems > 0 ? 'Fix the rows listed below before applying it.' : ''}</p>` : ''}
</header>`;
}

function verdictOf(data: ReportData): { tone: 'good' | 'warn' | 'bad'; title: string; detail: string } {
  const { run, byStatus } = data;
  const problems = byStatus.failed + byStatus.invalid;
  const rows = (n: number) => `${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'}`;
  if (run.exitCode === 2) return { tone: 'bad', title: 'Stopped early.', detail: run.stopReason ?? 'The run could not go on; the rows not reached are not attempted.' };
  if (run.exitCode === 130) return { tone: 'bad', title: 'Interrupted.', detail: `Requests in flight finished; ${rows(byStatus['not-attempted'])} not attempted.` };
  if (run.dryRun) {
    const detail = `${rows(byStatus.planned)} would change, ${rows(byStatus.skipped)} already in place` + (problems > 0 ? `, ${rows(problems)} would not go through.` : '.');
    return { tone: problems > 0 ? 'warn' : 'good', title: 'Nothing was changed.', detail };
  }
  if (problems > 0) return { tone: 'warn', title: 'Finished with problems.', detail: `${rows(problems)} failed or invalid; ${rows(byStatus.succeeded)} changed, ${rows(byStatus.skipped)} already in place.` };
  return { tone: 'good', title: 'Finished.', detail: `${rows(byStatus.succeeded)} changed, ${rows(byStatus.skipped)} already in place; no row failed.` };
}

/** Where and when: input, tenant, Graph, times, the files written. */
export function runFacts(run: RunFacts): Html {
  const kind = run.dryRun ? 'dry run (no change sent)' : run.resumed ? 'run, resumed from an earlier results file' : 'run';
  const rows: [string, Html | string][] = [
    ['Input', run.input],
    ['Tenant', run.tenant ?? 'not named by the sign-in (see the Graph root)'],
    ['Microsoft Graph', run.graphRoot],
    ['Kind', kind],
    ['Started', utc(run.startedAt)],
    ['Finished', html`${utc(run.endedAt)} <span class="muted">(${formatDuration((run.endedAt - run.startedAt) / 1000)})</span>`],
    ['Results file', run.resultsPath],
    ['Undo file', run.undoPath ?? html`<span class="muted">${run.undoNote ?? 'none'}</span>`],
  ];
  return html`<section class="facts"><h2>The run</h2><dl>${rows.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl></section>`;
}

/** Rows per status, as tiles: the numbers a reader looks for first. */
export function statusCounts(data: ReportData): Html {
  const { byStatus, run } = data;
  const shown: Status[] = run.dryRun ? ['planned', 'skipped', 'failed', 'invalid'] : ['succeeded', 'skipped', 'failed', 'invalid'];
  for (const status of ['succeeded', 'planned', 'not-attempted'] as const) if (byStatus[status] > 0 && !shown.includes(status)) shown.push(status);
  const tiles = shown.map(
    (status) =>
      html`<div class="tile ${status}${byStatus[status] === 0 ? ' zero' : ''}"><span class="count">${byStatus[status]}</span><span class="status">${status}</span><span class="means">${STATUS_WORDS[status]}</span></div>`,
  );
  return html`<section class="counts"><h2>Rows: ${data.rowsTotal} in the sheet</h2><div class="tiles">${tiles}</div></section>`;
}

/** Per SKU: free seats before and after, and the adds and removes. */
export function licenses(skus: readonly SkuLine[], dryRun: boolean): Html {
  if (skus.length === 0) return html`<section class="licenses"><h2>Licenses</h2><p class="muted">No row reached a license: nothing to count per SKU.</p></section>`;
  const seatsRead = skus.some((s) => s.seats !== undefined);
  const head = dryRun ? ['Removes planned', 'Adds planned', 'Free seats now', 'Free after the plan'] : ['Removed', 'Added', 'Free seats before', 'Free after'];
  const body = skus.map((s) => {
    const delta = s.seats ? s.seats.after - s.seats.before : undefined;
    return html`<tr><th scope="row">${s.label}<span class="id">${s.skuId}</span></th><td class="num">${s.removes}</td><td class="num">${s.adds}</td><td class="num">${s.seats?.before ?? '–'}</td><td class="num">${s.seats?.after ?? '–'}${
      delta !== undefined && delta !== 0 ? html` <span class="delta ${delta < 0 ? 'down' : 'up'}">(${delta > 0 ? '+' : ''}${delta})</span>` : ''
    }</td></tr>`;
  });
  return html`<section class="licenses"><h2>Licenses</h2>
<table class="skus"><thead><tr><th scope="col">SKU</th>${head.map((h) => html`<th scope="col" class="num">${h}</th>`)}</tr></thead><tbody>${body}</tbody></table>
<p class="note">Adds count the add rows ${dryRun ? 'planned' : 'applied'} (new licenses and plan changes); removes, the remove rows. ${
    seatsRead ? 'Free seats are the enabled units less those consumed (suspended and warning units are not free).' : 'Seats were not read (--no-read).'
  }</p></section>`;
}

/** For a sync: the holders read and what the change sheet does, per SKU (SPEC §8). */
export function syncSection(sync: SyncCounts): Html {
  const body = sync.skus.map(
    (s) =>
      html`<tr><th scope="row">${s.label}<span class="id">${s.skuId}</span></th><td class="num">${s.directHolders}</td><td class="num">${s.removes}</td><td class="num">${s.adds}</td><td class="num">${s.planChanges}</td><td class="num">${s.groupOnly}</td></tr>`,
  );
  return html`<section class="sync"><h2>Sync: the tenant brought to the sheet</h2>
<table class="skus"><thead><tr><th scope="col">SKU</th><th scope="col" class="num">Direct holders read</th><th scope="col" class="num">Removes</th><th scope="col" class="num">Adds</th><th scope="col" class="num">Plan changes</th><th scope="col" class="num">Left: held through a group</th></tr></thead><tbody>${body}</tbody></table>
<p class="note">Change sheet: <code>${sync.changesPath}</code>. It lists each change with its reason; the rows below are its rows.</p></section>`;
}

/** The failed and invalid rows by reason: the fix, the first rows, and how many more. */
export function failures(groups: readonly FailureGroup[], columns: readonly string[], resultsPath: string): Html {
  if (groups.length === 0) return html`<section class="failures"><h2>Rows that need attention</h2><p class="good-note">None: no row failed or was invalid.</p></section>`;
  const total = groups.reduce((sum, g) => sum + g.count, 0);
  return html`<section class="failures"><h2>Rows that need attention: ${total}, for ${groups.length} reason${groups.length === 1 ? '' : 's'}</h2>
${groups.map((g) => failureGroup(g, columns, resultsPath))}</section>`;
}

function failureGroup(group: FailureGroup, columns: readonly string[], resultsPath: string): Html {
  const shownColumns = columns.slice(0, Math.max(0, ...group.rows.map((r) => r.values.length)));
  const more = group.count - group.rows.length;
  return html`<article class="reason">
<h3>${group.reason} <span class="count">${group.count} row${group.count === 1 ? '' : 's'}</span></h3>
<p class="fix"><strong>Fix:</strong> ${group.fix}</p>
<div class="scroll"><table class="rows"><thead><tr><th scope="col" class="num">Row</th>${shownColumns.map((c) => html`<th scope="col">${c}</th>`)}<th scope="col">Message</th></tr></thead>
<tbody>${group.rows.map((r) => listedRow(r, shownColumns.length))}</tbody></table></div>
${more > 0 ? html`<p class="more">and ${more} more row${more === 1 ? '' : 's'} for this reason: see the <code>message</code> column of <code>${baseName(resultsPath)}</code>.</p>` : ''}
</article>`;
}

function listedRow(row: ListedRow, columns: number): Html {
  const cells = Array.from({ length: columns }, (_, i) => row.values[i] ?? '');
  return html`<tr><td class="num" title="${placeOf(row.line, row.sheet)}">${row.row}</td>${cells.map((v) => html`<td>${v}</td>`)}<td class="message">${row.message}</td></tr>`;
}

/** How the run went through Graph: writes per second and throttling, as numbers and a chart. */
export function traffic(totals: TrafficTotals, timeline: TimelineView | undefined, run: RunFacts): Html {
  if (run.dryRun) return html``;
  if (timeline === undefined || totals.writes === 0) {
    return html`<section class="traffic"><h2>Writes and throttling</h2><p class="muted">No write was sent: every row was already in place, invalid, or decided without a write.</p></section>`;
  }
  const seconds = Math.max((run.endedAt - run.startedAt) / 1000, 0.001);
  const peak = peakRate(timeline);
  return html`<section class="traffic"><h2>Writes and throttling</h2>
<p class="totals"><strong>${totals.writes}</strong> writes in ${formatDuration(seconds)}: ${(totals.writes / seconds).toFixed(1)} per second on average${
    peak === undefined ? '' : html`, ${peak.toFixed(1)} in the busiest second`
  };
<strong>${totals.throttled}</strong> answered 429 (throttled); paused <strong>${formatDuration(totals.pausedMs / 1000)}</strong> by Retry-After; ${totals.retries} retries.</p>
<figure>${trafficChart(timeline)}
<figcaption><span class="key writes"></span> writes per second <span class="key throttled"></span> 429 answers <span class="key paused"></span> paused by Retry-After (darker: more of the time)</figcaption></figure>
</section>`;
}

/** Writes in the busiest whole second (buckets of a second or more); undefined for a run of under two seconds. */
function peakRate(timeline: TimelineView): number | undefined {
  if (timeline.spanMs < 2000) return undefined;
  let factor = 1;
  while (timeline.bucketMs * factor < 1000) factor++;
  const seconds = (timeline.bucketMs * factor) / 1000;
  let peak = 0;
  for (let i = 0; i + factor <= timeline.buckets.length && (i + factor) * timeline.bucketMs <= timeline.spanMs; i += factor) {
    const writes = timeline.buckets.slice(i, i + factor).reduce((sum, b) => sum + b.writes, 0);
    peak = Math.max(peak, writes / seconds);
  }
  return peak;
}

export function footer(run: RunFacts): Html {
  return html`<footer>Written by license-batch ${run.toolVersion} at ${utc(run.endedAt)}. The results file <code>${baseName(run.resultsPath)}</code> holds every row's outcome; this report lists the first rows of each problem.</footer>`;
}

/** `2026-12-04 22:13:05 UTC`. */
function utc(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}
