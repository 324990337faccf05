/** What sync found and decided for one SKU of its scope (SPEC §8): the summary's, the report's and the `sync` event's counts. */
export interface SyncSkuCounts {
  readonly skuId: string;
  /** The part number, as the change sheet names the SKU. */
  readonly label: string;
  /** Users listed holding the SKU directly (some may hold it through a group too). */
  readonly directHolders: number;
  /** Users holding it only through a group and left as they are ("held through a group, not changed"). */
  readonly groupOnly: number;
  readonly removes: number;
  readonly adds: number;
  /** Direct assignments kept with other plans (or whose user's usage location the sheet changes). */
  readonly planChanges: number;
}

/** Sync's counts, handed to the run that applies the change sheet. */
export interface SyncCounts {
  readonly changesPath: string;
  readonly skus: readonly SyncSkuCounts[];
}
