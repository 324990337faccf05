import type { InputRecord, LicenseRow, LocatedProblem, RowProblem } from '../model.js';
import type { Delimiter } from './delimiter.js';
import { findConflicts } from './find-conflicts.js';
import type { Header } from './header.js';
import { parseRow } from './parse-row.js';
import { openInput } from './read-records.js';
import type { SkuCatalog } from './sku-catalog.js';
import { UserPartitions, type UserPartitionsOptions } from './user-partitions.js';

export interface ScanOptions extends UserPartitionsOptions {
  readonly delimiter?: Delimiter | undefined;
  /** `--sheet`: the worksheet of a workbook. */
  readonly sheet?: string | undefined;
  /** Called once the header is read, before any row. */
  readonly onHeader?: (header: Header) => void;
  /** Called for each row that fails the offline checks, in file order. */
  readonly onInvalidRow?: (record: InputRecord, problem: RowProblem) => void;
  /**
   * Rows of one user that one request carries at the most, for the `requests` estimate.
   * @default 20
   */
  readonly maxRowsPerRequest?: number;
}

/** What the whole-file check learnt. Holds temporary files until {@link ScanResult.dispose}. */
export interface ScanResult {
  readonly header: Header;
  /** Data rows in the file (blank lines not counted). */
  readonly rows: number;
  /** Rows that failed the offline checks (reported through `onInvalidRow`). */
  readonly invalidRows: number;
  /**
   * True when resolving needs the tenant's SKUs: a SKU or plan is given by name, or a row lists
   * EnabledPlans (the plans to turn off are the SKU's others, which only the tenant knows).
   */
  readonly namesUsed: boolean;
  /**
   * assignLicense requests the valid rows make when adjacent rows of one user share a request
   * (at most `maxRowsPerRequest` each): an estimate, as conflicts and resolution may still
   * invalidate rows.
   */
  readonly requests: number;
  /** The valid rows, by user, for {@link findProblems}. */
  readonly partitions: UserPartitions;
  dispose(): Promise<void>;
}

/**
 * The pass over the whole file that runs before any write (SPEC §1): every record is read and
 * checked offline, and the valid rows are kept by user, spilling to temporary files past a
 * threshold, so that memory is bounded by a partition, not by the file.
 *
 * @throws {RunError} for structural problems, so that nothing is sent; temporary files are removed.
 */
export async function scanFile(path: string, options: ScanOptions = {}): Promise<ScanResult> {
  const maxRowsPerRequest = options.maxRowsPerRequest ?? 20;
  const input = await openInput(path, { delimiter: options.delimiter, sheet: options.sheet });
  options.onHeader?.(input.header);
  const partitions = new UserPartitions(options);
  let rows = 0;
  let invalidRows = 0;
  let namesUsed = false;
  let requests = 0;
  let requestUser: string | undefined;
  let requestRows = 0;
  try {
    for await (const record of input.records) {
      rows++;
      const parsed = parseRow(record, input.header);
      if (!parsed.ok) {
        invalidRows++;
        options.onInvalidRow?.(record, parsed.problem);
        continue;
      }
      const row = parsed.row;
      if (!namesUsed) namesUsed = needsTenant(row);
      if (row.userKey !== requestUser || requestRows === maxRowsPerRequest) {
        requests++;
        requestUser = row.userKey;
        requestRows = 0;
      }
      requestRows++;
      const writing = partitions.add(row);
      if (writing) await writing;
    }
  } catch (error) {
    await partitions.dispose();
    throw error;
  }
  return { header: input.header, rows, invalidRows, namesUsed, requests, partitions, dispose: () => partitions.dispose() };
}

/**
 * The rows of a scanned file that are invalid beyond the offline checks: names the catalog cannot
 * resolve (online: SKUs the tenant does not have, plans not in the row's SKU, ambiguous names) and
 * rows that contradict each other for one user. Returns only those rows, by row number. A row with
 * a resolution problem takes no part in conflicts: it is not sent either way.
 */
export async function findProblems(scan: ScanResult, catalog: SkuCatalog): Promise<Map<number, LocatedProblem>> {
  const problems = new Map<number, LocatedProblem>();
  // Offline nothing can fail resolution, so only users with several rows (conflicts) matter.
  for await (const partition of scan.partitions.partitions({ repeatedUsersOnly: !catalog.isOnline })) {
    let resolved: LicenseRow[] = partition;
    if (catalog.isOnline) {
      resolved = [];
      for (const row of partition) {
        const problem = catalog.problemOf(row);
        if (problem === undefined) resolved.push(row);
        else problems.set(row.row, { ...problem, line: row.line });
      }
    }
    for (const [row, problem] of findConflicts(resolved, catalog.conflictKeys)) problems.set(row, problem);
  }
  return problems;
}

function needsTenant(row: LicenseRow): boolean {
  return row.sku.kind === 'name' || row.plans?.mode === 'enabled' || (row.plans?.refs.some((ref) => ref.kind === 'name') ?? false);
}
