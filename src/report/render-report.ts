import { Html, html } from './html.js';
import type { ReportData } from './report-data.js';
import { failures, footer, headline, licenses, runFacts, statusCounts, syncSection, traffic } from './sections.js';

/**
 * The page's only style, inline: no font, image or sheet is fetched, so the file reads the same
 * offline, in a mail client's attachment viewer, and on paper.
 */
const STYLE = `
:root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --line: #d9dee3; --paper: #fff; --wash: #f4f6f8;
  --good: #1e7b45; --warn: #9a5b00; --bad: #b42318; --blue: #2563eb; --red: #dc2626; --amber: #f59e0b; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--wash); color: var(--ink); font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 28px 32px; background: var(--paper); }
h1 { font-size: 26px; margin: 0 0 6px; word-break: break-all; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 4px; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-size: 12px; }
.verdict { margin: 8px 0; padding: 10px 14px; border-left: 5px solid; border-radius: 3px; font-size: 15px; }
.verdict.good { border-color: var(--good); background: #e8f5ed; }
.verdict.warn { border-color: var(--warn); background: #fdf3e1; }
.verdict.bad { border-color: var(--bad); background: #fdecea; }
.note, .more, .muted, footer { color: var(--muted); }
.note, .more { font-size: 13px; }
.good-note { color: var(--good); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; word-break: break-all; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; }
.tile { flex: 1 1 150px; border: 1px solid var(--line); border-top: 4px solid var(--muted); border-radius: 4px; padding: 8px 12px; }
.tile .count { display: block; font-size: 28px; font-weight: 600; }
.tile .status { display: block; font-weight: 600; }
.tile .means { display: block; color: var(--muted); font-size: 12px; }
.tile.succeeded { border-top-color: var(--good); } .tile.planned { border-top-color: var(--blue); }
.tile.failed, .tile.invalid { border-top-color: var(--bad); } .tile.not-attempted { border-top-color: var(--warn); }
.tile.zero { opacity: .55; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
thead th { background: var(--wash); font-size: 12px; color: var(--muted); font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.skus th[scope=row] { font-weight: 600; }
.id { display: block; font-weight: normal; color: var(--muted); font-size: 11px; font-family: ui-monospace, Menlo, Consolas, monospace; }
.delta.down { color: var(--warn); } .delta.up { color: var(--good); }
.reason { margin-bottom: 18px; page-break-inside: avoid; }
.reason h3 .count { font-weight: normal; color: var(--muted); margin-left: 6px; }
.fix { margin: 2px 0 8px; }
table.rows { font-size: 12px; table-layout: auto; }
table.rows td { overflow-wrap: break-word; }
.scroll { overflow-x: auto; }
table.rows td.message { min-width: 16em; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; background: var(--wash); padding: 0 3px; border-radius: 2px; word-break: break-all; }
figure { margin: 8px 0; }
svg.chart { display: block; width: 100%; height: auto; font: 11px sans-serif; }
svg .writes { fill: var(--blue); } svg .throttled { fill: var(--red); } svg .paused { fill: var(--amber); }
svg .grid { stroke: var(--line); } svg .axis { stroke: var(--muted); } svg .tick, svg .lane { fill: var(--muted); }
figcaption { font-size: 12px; color: var(--muted); }
.key { display: inline-block; width: 11px; height: 11px; margin: 0 4px 0 12px; vertical-align: -1px; border-radius: 2px; }
.key.writes { background: var(--blue); } .key.throttled { background: var(--red); } .key.paused { background: var(--amber); opacity: .6; }
footer { margin-top: 32px; padding-top: 8px; border-top: 1px solid var(--line); font-size: 12px; }
@page { margin: 14mm; }
@media print {
  body { background: #fff; font-size: 11pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  h2 { page-break-after: avoid; }
  section.traffic, .tiles, table.skus { page-break-inside: avoid; }
}
`;

/**
 * The HTML report of one run (SPEC §4 "Report"): one self-contained page, without any script, that a
 * project team or a change board reads instead of the results file. Every value from the sheet or
 * from Graph is escaped. Pure: data in, the page's text out.
 */
export function renderReport(data: ReportData): string {
  const { run } = data;
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="license-batch ${run.toolVersion}">
<title>${run.dryRun ? 'Dry run' : 'Run'} of ${run.input}: license-batch report</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<main>
${headline(data)}
${runFacts(run)}
${statusCounts(data)}
${licenses(data.skus, run.dryRun)}
${data.sync ? syncSection(data.sync) : ''}
${failures(data.failures, data.columns, run.resultsPath)}
${traffic(data.traffic, data.timeline, run)}
${footer(run)}
</main>
</body>
</html>
`;
  return page.toString();
}
