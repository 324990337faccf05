import { writeFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { RunError } from '../errors.js';
import type { SkuDirectory } from '../plan/sku-facts.js';
import { RESULTS_CSV_OPTIONS, UTF8_BOM } from '../results/results-file.js';
import type { ChangeRow } from './sync-diff.js';

/** The change sheet's columns (SPEC §8): run's input format, plus why each row is there. */
export const CHANGE_SHEET_COLUMNS = ['UserPrincipalName', 'SkuId', 'DisabledPlans', 'Action', 'UsageLocation', 'Reason'] as const;

/** One change row as the change sheet spells it: the SKU by part number, plans by name (an id where the tenant names none). */
export function changeSheetCells(change: ChangeRow, skus: SkuDirectory): string[] {
  const facts = skus(change.skuId);
  const plans = change.disabledPlans.map((id) => facts?.planNames.get(id) ?? id).sort();
  return [change.user, facts?.partNumber ?? change.skuId, plans.join(';'), change.action, change.usageLocation ?? '', change.reason];
}

/**
 * Writes the change sheet: UTF-8 with a BOM, comma-delimited, formula-escaped like the run's files
 * (run's reader removes the escape again). The header alone when nothing drifted.
 * @throws {RunError} `RESULTS_UNWRITABLE`.
 */
export async function writeChangeSheet(path: string, changes: readonly ChangeRow[], skus: SkuDirectory): Promise<void> {
  const text = UTF8_BOM + stringify([[...CHANGE_SHEET_COLUMNS], ...changes.map((change) => changeSheetCells(change, skus))], RESULTS_CSV_OPTIONS);
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new RunError('RESULTS_UNWRITABLE', `Could not write the change sheet ${path}: ${(error as Error).message}`);
  }
}

/** `desired.csv` (or `.xlsx`, `.txt`, `.tsv`) -> `desired.changes.csv`, next to it. */
export function defaultChangesPath(desired: string): string {
  return desired.replace(/\.(csv|txt|tsv|xlsx)$/i, '') + '.changes.csv';
}
