import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { RunError } from '../errors.js';
import { OUTCOME_COLUMNS, type Status } from '../model.js';
import type { ResultsFile } from './results-file.js';

/** Outcomes `--resume` keeps: the row's change is in place and is not sent again. */
const FINISHED: ReadonlySet<string> = new Set<Status>(['succeeded', 'skipped']);

/** Row numbers as a bitset: a million rows take 125 KB. */
export class RowSet {
  #bits: Uint8Array;
  #size = 0;

  constructor(maxRow: number) {
    this.#bits = new Uint8Array((maxRow >> 3) + 1);
  }

  add(row: number): void {
    if (this.has(row)) return;
    this.#bits[row >> 3]! |= 1 << (row & 7);
    this.#size++;
  }

  has(row: number): boolean {
    return row >= 0 && row >> 3 < this.#bits.length && (this.#bits[row >> 3]! & (1 << (row & 7))) !== 0;
  }

  get size(): number {
    return this.#size;
  }
}

export interface CarriedOver {
  readonly rows: RowSet;
  /** How many kept rows had each status. */
  readonly byStatus: ReadonlyMap<Status, number>;
}

/**
 * `--resume` (SPEC §4): copies the rows of an earlier results file that succeeded or were skipped
 * into the new results file as they are, and returns their row numbers so that they are not sent
 * again. Other rows (failed, invalid, not attempted, or missing after a hard kill) are processed
 * anew. The earlier file must have been written for an input with the same columns.
 */
export async function carryOverFinishedRows(
  previousPath: string,
  into: ResultsFile,
  inputColumns: readonly string[],
  rowsInInput: number,
): Promise<CarriedOver> {
  const rows = new RowSet(rowsInInput);
  const byStatus = new Map<Status, number>();
  const parser = createReadStream(previousPath).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
  let rowIndex = -1;
  let statusIndex = -1;
  for await (const record of parser as AsyncIterable<string[]>) {
    if (rowIndex < 0) {
      const expected = [...inputColumns, ...OUTCOME_COLUMNS];
      if (record.length !== expected.length || record.some((name, i) => name !== expected[i])) {
        throw new RunError(
          'USAGE',
          `--resume: ${previousPath} was not written for this input: its columns are ${record.join(', ')}; ` +
            `this input's results would have ${expected.join(', ')}. Use --out to choose another results file.`,
        );
      }
      rowIndex = inputColumns.length;
      statusIndex = rowIndex + 1;
      continue;
    }
    const row = Number(record[rowIndex]);
    const status = record[statusIndex] as Status;
    if (!Number.isInteger(row) || row < 1 || row > rowsInInput || rows.has(row) || !FINISHED.has(status)) continue;
    into.appendCells(record, row);
    rows.add(row);
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }
  return { rows, byStatus };
}
