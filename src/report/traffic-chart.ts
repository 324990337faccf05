import { formatDuration } from '../cli/summary.js';
import { html, type Html } from './html.js';
import { regroup, type TimelineView } from './timeline.js';

/** Bars at the most: more would be thinner than a printed line. */
const MAX_BARS = 120;
/** A bar covers at least a second (unless the run is shorter than ten): rates over less are noise. */
const MIN_BAR_MS = 1000;

const WIDTH = 900;
const HEIGHT = 262;
const LEFT = 56;
const RIGHT = 12;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;
const WRITES_TOP = 12;
const WRITES_HEIGHT = 150;
const THROTTLE_TOP = 190;
const THROTTLE_HEIGHT = 40;
const AXIS_Y = THROTTLE_TOP + THROTTLE_HEIGHT;

/**
 * Writes per second and throttling over the run, as an inline SVG drawn here (no script, no
 * library, nothing fetched): writes per second as blue bars; below them, the 429 answers per bar
 * in red; behind both, an amber band as dark as the share of the bar's time the run stood paused by
 * a Retry-After. Pure.
 */
export function trafficChart(timeline: TimelineView): Html {
  const view = regroup(timeline, MAX_BARS, MIN_BAR_MS);
  // The x axis is the run's time: the last bar ends where the run did, however much of its bucket that is.
  const spanMs = Math.max(view.spanMs, 1);
  const xOf = (ms: number) => LEFT + (Math.min(ms, spanMs) / spanMs) * PLOT_WIDTH;
  const seconds = (i: number) => Math.max(view.bucketMs / 4, Math.min(view.bucketMs, spanMs - i * view.bucketMs)) / 1000;
  const rates = view.buckets.map((b, i) => b.writes / seconds(i));
  const rateTop = niceCeiling(Math.max(1, ...rates));
  const throttleTop = Math.max(1, ...view.buckets.map((b) => b.throttled));
  const throttled = view.buckets.reduce((sum, b) => sum + b.throttled, 0);

  const bars = view.buckets.map((b, i) => {
    const x = xOf(i * view.bucketMs);
    const barWidth = Math.max(xOf((i + 1) * view.bucketMs) - x, 0.5);
    const from = (i * view.bucketMs) / 1000;
    const to = Math.min(((i + 1) * view.bucketMs) / 1000, Math.max(view.spanMs / 1000, from));
    const label =
      `${formatDuration(from)} to ${formatDuration(to)}: ${rates[i]!.toFixed(1)} writes/s` +
      (b.throttled > 0 ? `, ${b.throttled} throttled (429)` : '') +
      (b.pausedMs > 0 ? `, paused ${formatDuration(b.pausedMs / 1000)}` : '');
    const paused = Math.min(1, b.pausedMs / (seconds(i) * 1000));
    const writesHeight = (rates[i]! / rateTop) * WRITES_HEIGHT;
    const throttleHeight = (b.throttled / throttleTop) * THROTTLE_HEIGHT;
    const inner = Math.max(barWidth - gap(barWidth), 0.5);
    return html`<g class="bar"><title>${label}</title>${
      paused > 0 ? html`<rect class="paused" x="${fixed(x)}" y="${WRITES_TOP}" width="${fixed(barWidth)}" height="${AXIS_Y - WRITES_TOP}" fill-opacity="${fixed(0.12 + 0.38 * paused)}"/>` : ''
    }${
      writesHeight > 0 ? html`<rect class="writes" x="${fixed(x)}" y="${fixed(WRITES_TOP + WRITES_HEIGHT - writesHeight)}" width="${fixed(inner)}" height="${fixed(writesHeight)}"/>` : ''
    }${
      throttleHeight > 0 ? html`<rect class="throttled" x="${fixed(x)}" y="${fixed(AXIS_Y - throttleHeight)}" width="${fixed(inner)}" height="${fixed(throttleHeight)}"/>` : ''
    }</g>`;
  });

  const gridlines = [0, rateTop / 2, rateTop].map((value) => {
    const y = WRITES_TOP + WRITES_HEIGHT - (value / rateTop) * WRITES_HEIGHT;
    return html`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${fixed(y)}" y2="${fixed(y)}"/><text class="tick" x="${LEFT - 6}" y="${fixed(y + 4)}" text-anchor="end">${formatRate(value)}/s</text>`;
  });
  // Ticks whose labels would repeat (a run of a second) are left out.
  const shares = [0, 0.25, 0.5, 0.75, 1].filter((share, i, all) => i === 0 || formatDuration((share * spanMs) / 1000) !== formatDuration((all[i - 1]! * spanMs) / 1000));
  const timeTicks = shares.map((share) => {
    const x = LEFT + share * PLOT_WIDTH;
    const anchor = share === 0 ? 'start' : share === 1 ? 'end' : 'middle';
    return html`<line class="axis" x1="${fixed(x)}" x2="${fixed(x)}" y1="${AXIS_Y}" y2="${AXIS_Y + 4}"/><text class="tick" x="${fixed(x)}" y="${AXIS_Y + 17}" text-anchor="${anchor}">${formatDuration((share * spanMs) / 1000)}</text>`;
  });

  return html`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT + 8}" width="${WIDTH}" height="${HEIGHT + 8}" role="img" aria-labelledby="chart-title">
<title id="chart-title">Writes per second and throttling over the run, in bars of ${formatDuration(view.bucketMs / 1000)}</title>
${gridlines}
<text class="lane" x="${LEFT - 6}" y="${THROTTLE_TOP + 10}" text-anchor="end">429s</text>
${
    throttled === 0
      ? html`<text class="tick" x="${LEFT + 8}" y="${THROTTLE_TOP + 24}">none: Graph did not throttle this run</text>`
      : html`<text class="tick" x="${LEFT - 6}" y="${THROTTLE_TOP + 24}" text-anchor="end">max ${throttleTop}</text>`
  }
<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${THROTTLE_TOP}" y2="${THROTTLE_TOP}"/>
${bars}
<line class="axis" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${AXIS_Y}" y2="${AXIS_Y}"/>
${timeTicks}
</svg>`;
}

/** 1, 2, 5 x 10^k at or above `n`: round numbers for the axis. */
function niceCeiling(n: number): number {
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

function gap(barWidth: number): number {
  return barWidth > 4 ? 1 : 0;
}

function fixed(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function formatRate(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
