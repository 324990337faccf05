import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

/**
 * One row of Microsoft's "Product names and service plan identifiers for licensing" table: one
 * service plan of one SKU. The table is a dated snapshot that lags new products; it supplies
 * display names, never the last word on ids or plans (the tenant's `subscribedSkus` has that).
 */
export interface ReferenceRow {
  /** `Product_Display_Name`, e.g. "Office 365 E3". */
  readonly productDisplayName: string;
  /** `String_Id`: the skuPartNumber, e.g. ENTERPRISEPACK. */
  readonly skuPartNumber: string;
  /** `GUID`: the skuId. */
  readonly skuId: string;
  readonly servicePlanName: string;
  readonly servicePlanId: string;
}

/**
 * The table shipped in the package's `data/` folder. This file compiles to `dist/input/`, and is
 * run from `src/input/` by the tests: the package root is two folders up either way.
 */
export const REFERENCE_TABLE_PATH = fileURLToPath(new URL('../../data/product-names-and-service-plan-identifiers.csv', import.meta.url));

const cache = new Map<string, Promise<ReferenceRow[]>>();

/**
 * Reads the reference table (about 5,500 rows, read once per process and path). Rows missing a
 * SKU id or part number are left out; values are trimmed, as a few in the published table carry
 * stray spaces.
 */
export function loadReferenceTable(path: string = REFERENCE_TABLE_PATH): Promise<ReferenceRow[]> {
  let loading = cache.get(path);
  if (loading === undefined) {
    loading = readTable(path);
    cache.set(path, loading);
    loading.catch(() => cache.delete(path));
  }
  return loading;
}

async function readTable(path: string): Promise<ReferenceRow[]> {
  const records = parse(await readFile(path), { bom: true, columns: true, skip_empty_lines: true, relax_column_count: true }) as Record<string, string | undefined>[];
  const rows: ReferenceRow[] = [];
  for (const record of records) {
    const row: ReferenceRow = {
      productDisplayName: (record.Product_Display_Name ?? '').trim(),
      skuPartNumber: (record.String_Id ?? '').trim(),
      skuId: (record.GUID ?? '').trim().toLowerCase(),
      servicePlanName: (record.Service_Plan_Name ?? '').trim(),
      servicePlanId: (record.Service_Plan_Id ?? '').trim().toLowerCase(),
    };
    if (row.skuId !== '' && row.skuPartNumber !== '') rows.push(row);
  }
  return rows;
}
