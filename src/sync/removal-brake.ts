import type { SyncSkuCounts } from './sync-counts.js';

/** `--max-removes`: a number of removes, or a share of the scoped SKUs' direct holders. */
export type MaxRemoves = { readonly kind: 'count'; readonly count: number } | { readonly kind: 'percent'; readonly percent: number };

/** The default brake: a tenth of the direct holders... */
export const DEFAULT_MAX_REMOVES: MaxRemoves = { kind: 'percent', percent: 10 };
/** ...but never fewer than this many removes, so that a small tenant's ordinary leavers pass. */
export const DEFAULT_MIN_REMOVES = 10;

/** What the brake decided: the removes allowed, and, when there are more, why sync stops. */
export interface BrakeVerdict {
  readonly allowed: number;
  readonly removes: number;
  /** The message that stops sync, when the removes are over the limit. */
  readonly stop?: string;
}

/**
 * The brake against a broken, partial or stale sheet (SPEC §8): removes of all scoped SKUs together
 * against `--max-removes` (default 10% of their direct holders, never fewer than 10). Pure.
 */
export function checkRemovals(counts: readonly SyncSkuCounts[], option: MaxRemoves | undefined, changesPath: string): BrakeVerdict {
  const holders = counts.reduce((sum, sku) => sum + sku.directHolders, 0);
  const removes = counts.reduce((sum, sku) => sum + sku.removes, 0);
  const limit = option ?? DEFAULT_MAX_REMOVES;
  const share = limit.kind === 'percent' ? Math.floor((holders * limit.percent) / 100 + 1e-9) : limit.count;
  const allowed = option === undefined ? Math.max(DEFAULT_MIN_REMOVES, share) : share;
  if (removes <= allowed) return { allowed, removes };
  const why =
    option === undefined
      ? `the default of 10% of ${holders} direct holder(s), at least ${DEFAULT_MIN_REMOVES}`
      : limit.kind === 'percent'
        ? `--max-removes ${limit.percent}% of ${holders} direct holder(s)`
        : `--max-removes ${limit.count}`;
  const perSku = counts
    .map((sku) => `${sku.label} ${sku.removes} remove(s) of ${sku.directHolders} direct holder(s)`)
    .join(', ');
  const percent = holders === 0 ? 100 : Math.min(100, Math.ceil((removes * 100) / holders));
  return {
    allowed,
    removes,
    stop:
      `sync stopped before any write: ${removes} remove(s) is more than the ${allowed} allowed (${why}): ${perSku}. ` +
      `A cut-short or stale sheet looks like this. Review the change sheet ${changesPath}; if these removes are intended, ` +
      `run sync again with --max-removes ${removes} (or --max-removes ${percent}%)`,
  };
}
