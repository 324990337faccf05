import type { ResolvedRow } from '../model.js';

/**
 * What a row changes, in words: "added ENTERPRISEPACK with 2 plans disabled" once done,
 * "would add ENTERPRISEPACK with 2 plans disabled" in a dry run.
 */
export function describeChange(row: ResolvedRow, tense: 'done' | 'planned'): string {
  const verb =
    row.action === 'add' ? (tense === 'done' ? 'added' : 'would add') : tense === 'done' ? 'removed' : 'would remove';
  const plans = row.action === 'add' && row.disabledPlans.length > 0 ? ` with ${plural(row.disabledPlans.length, 'plan')} disabled` : '';
  const location = row.usageLocation
    ? `${tense === 'done' ? 'usage location set to' : 'would set usage location to'} ${row.usageLocation}; `
    : '';
  return `${location}${verb} ${row.skuLabel}${plans}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
