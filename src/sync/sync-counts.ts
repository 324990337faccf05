export interface SyncSkuCounts { readonly skuId: string; readonly label: string; readonly directHolders: number;
  readonly groupOnly: number; readonly removes: number; readonly adds: number; readonly planChanges: number; }
export interface SyncCounts { readonly changesPath: string; readonly skus: readonly SyncSkuCounts[]; }
