import { planNames, skuName, type SkuFacts } from './sku-facts.js';

/** A change in the words an admin signs off: planned ("add ...") or done ("added ..."). */
export type Tense = 'planned' | 'done';

const VERBS = {
  add: { planned: 'add', done: 'added' },
  change: { planned: 'change', done: 'changed' },
  remove: { planned: 'remove', done: 'removed' },
} as const;

/** "with SWAY, YAMMER_ENTERPRISE disabled" or "with all plans enabled". */
export function plansInWords(facts: SkuFacts | undefined, disabled: readonly string[]): string {
  return disabled.length === 0 ? 'with all plans enabled' : `with ${planNames(facts, disabled).join(', ')} disabled`;
}

/** "add ENTERPRISEPACK (Office 365 E3) with SWAY disabled". */
export function addInWords(facts: SkuFacts | undefined, skuId: string, disabled: readonly string[], tense: Tense): string {
  const plans = disabled.length === 0 ? '' : ` ${plansInWords(facts, disabled)}`;
  return `${VERBS.add[tense]} ${skuName(facts, skuId, true)}${plans}`;
}

/** "change ENTERPRISEPACK to SWAY disabled (was: all plans enabled)". */
export function planChangeInWords(facts: SkuFacts | undefined, skuId: string, disabled: readonly string[], was: readonly string[], tense: Tense): string {
  return `${VERBS.change[tense]} ${skuName(facts, skuId, true)} to ${plansInWords(facts, disabled).replace(/^with /, '')} (was: ${plansInWords(facts, was).replace(/^with /, '')})`;
}

export function removeInWords(facts: SkuFacts | undefined, skuId: string, tense: Tense): string {
  return `${VERBS.remove[tense]} ${skuName(facts, skuId, true)}`;
}

export function usageLocationInWords(value: string, fromDefault: boolean): string {
  return `set usage location ${value}${fromDefault ? ' (--usage-location)' : ''}`;
}
