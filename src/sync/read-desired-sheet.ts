import { parseRow } from '../input/parse-row.js';
import { openInput } from '../input/read-records.js';
import type { ScanResult } from '../input/scan-file.js';
import { findProblems } from '../input/scan-file.js';
import type { SkuCatalog } from '../input/sku-catalog.js';
import { asGuid } from '../input/values.js';
import type { Delimiter } from '../input/delimiter.js';
import { DesiredState } from './desired-state.js';

/** A row of the desired sheet that is invalid, as sync reports it. */
export interface DesiredProblem {
  readonly row: number;
  readonly line: number;
  /** The worksheet, when the desired sheet is a workbook (`line` is then Excel's row number). */
  readonly sheet?: string;
  readonly errorCode: string;
  readonly message: string;
}

/** The problems kept for the report; the rest are counted. */
const PROBLEMS_KEPT = 1000;

export interface DesiredSheet {
  readonly state: DesiredState;
  /** Invalid rows, the first {@link PROBLEMS_KEPT}. */
  readonly problems: readonly DesiredProblem[];
  readonly invalidRows: number;
}

/**
 * Reads the desired sheet, already scanned (structure checked), a second time: rows are checked
 * as run checks them (offline checks, names against the tenant, contradictions), valid rows become
 * the {@link DesiredState}, and an invalid row leaves its user alone for its SKU (when the SKU can be
 * told). Memory holds the state's keys, not the rows.
 */
export async function readDesiredSheet(path: string, scan: ScanResult, catalog: SkuCatalog, options: { delimiter?: Delimiter | undefined; sheet?: string | undefined }): Promise<DesiredSheet> {
  const found = await findProblems(scan, catalog);
  const state = new DesiredState();
  const problems: DesiredProblem[] = [];
  let invalidRows = 0;
  const input = await openInput(path, { delimiter: options.delimiter, sheet: options.sheet });
  const sheet = input.header.sheet === undefined ? {} : { sheet: input.header.sheet };
  try {
    for await (const record of input.records) {
      const parsed = parseRow(record, input.header);
      const problem = !parsed.ok ? parsed.problem : found.get(record.row);
      const resolved = parsed.ok && problem === undefined ? catalog.resolveRow(parsed.row) : undefined;
      if (resolved?.ok) {
        state.add(resolved.row);
        continue;
      }
      invalidRows++;
      const why = problem ?? (resolved && !resolved.ok ? resolved.problem : undefined)!;
      if (problems.length < PROBLEMS_KEPT) problems.push({ row: record.row, line: record.line, ...sheet, errorCode: why.errorCode, message: why.message });
      if (parsed.ok) {
        // The SKU, when the tenant knows it: that user is left alone for it.
        const skuId = catalog.canonicalSkuKey(parsed.row.sku);
        if (asGuid(skuId) !== undefined) state.leave(parsed.row.userKey, parsed.row.user, skuId);
      }
    }
  } finally {
    await input.close();
  }
  return { state, problems, invalidRows };
}
