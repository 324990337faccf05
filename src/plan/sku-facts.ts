/** What planning and its messages need to know of a SKU. */
export interface SkuFacts {
  readonly skuId: string;
  /** The part number, e.g. `ENTERPRISEPACK`; the id when nothing names it. */
  readonly partNumber: string;
  /** The product name, e.g. `Office 365 E3`, when Microsoft's table has it. */
  readonly displayName?: string;
  /** Service plan id (lower case) -> name. */
  readonly planNames: ReadonlyMap<string, string>;
  /** Why the SKU takes no adds (suspended, company-only), when it does not. */
  readonly refusesAdds?: string;
}

export type SkuDirectory = (skuId: string) => SkuFacts | undefined;

/** "ENTERPRISEPACK (Office 365 E3)", or the part number alone. */
export function skuName(facts: SkuFacts | undefined, skuId: string, withDisplayName = false): string {
  if (facts === undefined) return skuId;
  return withDisplayName && facts.displayName && facts.displayName !== facts.partNumber ? `${facts.partNumber} (${facts.displayName})` : facts.partNumber;
}

/** Plan names in a stable order; an id the SKU does not name stays an id. */
export function planNames(facts: SkuFacts | undefined, ids: readonly string[]): string[] {
  return ids.map((id) => facts?.planNames.get(id) ?? id).sort();
}
