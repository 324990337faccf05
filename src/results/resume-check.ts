import { access } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { RunError } from '../errors.js';
import type { Delimiter } from '../input/delimiter.js';
import { placeOf } from '../input/place.js';
import { openInput } from '../input/read-records.js';
import { unescapeFormula } from '../input/record-values.js';
import { OUTCOME_COLUMNS } from '../model.js';
import { RowSet } from './resume.js';

/** Outcomes `--resume` keeps (and therefore checks): the row's change is in place. */
const KEPT = new Set(['succeeded', 'skipped']);

/**
 * The results file `--resume` reads: `<out>.previous` when a resume was cut short after moving the
 * earlier file aside (that copy is the complete one), else `<out>` itself, else none.
 */
export async function previousResultsPath(out: string): Promise<string | undefined> {
  for (const path of [`${out}.previous`, out]) {
    if (await exists(path)) return path;
  }
  return undefined;
}

/**
 * Refuses a `--resume` whose results file was not written for this input (SPEC §4), before anything
 * is sent and without touching the file: its columns must be this input's, it may keep no row past
 * the input's last, and every row it keeps (succeeded or skipped) must hold, in the input columns,
 * the values of the input's row of the same number. Failed and other rows may differ: fixing them
 * in the input is the point of resuming. Values compare trimmed, as rows are read. Memory is 4 bytes
 * per input row (a hash), not the rows.
 *
 * @param rowsInInput the input's data rows, as the whole-file check counted them.
 * @throws {RunError} `USAGE` (exit 2) naming the row, line (a workbook's sheet and row), column and both values.
 */
export async function checkResumable(
  previous: string,
  input: string,
  rowsInInput: number,
  options: { delimiter?: Delimiter | undefined; sheet?: string | undefined } = {},
): Promise<void> {
  const opened = await openInput(input, { delimiter: options.delimiter, sheet: options.sheet });
  const inputColumns = opened.header.names;
  try {
    const kept = await keptRowHashes(previous, inputColumns, rowsInInput);
    if (kept.size === 0) return;
    for await (const record of opened.records) {
      if (!kept.rows.has(record.row) || hashValues(record.values) === kept.hashes[record.row]) continue;
      const theirs = await keptRow(previous, record.row, inputColumns.length);
      const column = Math.max(
        0,
        inputColumns.findIndex((_, i) => (theirs.cells[i] ?? '').trim() !== (record.values[i] ?? '').trim()),
      );
      throw mismatch(
        previous,
        `its row ${record.row} (${theirs.status}) has ${inputColumns[column]} ${JSON.stringify(theirs.cells[column] ?? '')}, ` +
          `but the input's row ${record.row} (${placeOf(record.line, opened.header.sheet)}) has ${JSON.stringify(record.values[column] ?? '')}`,
      );
    }
  } finally {
    await opened.close();
  }
}

function mismatch(previous: string, detail: string): RunError {
  return new RunError(
    'USAGE',
    `--resume: ${previous} was not written for this input (another sheet, or rows reordered): ${detail}. ` +
      'Rows that succeeded or were skipped must stay as they are; only the other rows may be edited before resuming. ' +
      'The results file is left as it was; use --out to start a new one.',
  );
}

interface KeptRows {
  readonly rows: RowSet;
  /** By row number: the hash of the row's input cells as read back (formula escapes undone). */
  readonly hashes: Uint32Array;
  readonly size: number;
}

/** Reads the results file once: its header must be this input's, and each kept row's cells are hashed. */
async function keptRowHashes(previous: string, inputColumns: readonly string[], rowsInInput: number): Promise<KeptRows> {
  const expected = [...inputColumns, ...OUTCOME_COLUMNS];
  const rows = new RowSet(rowsInInput);
  const hashes = new Uint32Array(rowsInInput + 1);
  let header = true;
  for await (const record of readCsv(previous)) {
    if (header) {
      header = false;
      if (record.length !== expected.length || record.some((name, i) => name !== expected[i])) {
        throw new RunError(
          'USAGE',
          `--resume: ${previous} was not written for this input: its columns are ${record.join(', ')}; ` +
            `this input's results would have ${expected.join(', ')}. The results file is left as it was; use --out to choose another results file.`,
        );
      }
      continue;
    }
    const row = Number(record[inputColumns.length]);
    const status = record[inputColumns.length + 1] ?? '';
    if (!Number.isInteger(row) || row < 1 || !KEPT.has(status) || rows.has(row)) continue;
    if (row > rowsInInput) throw mismatch(previous, `its row ${row} ${status}, but the input has ${rowsInInput} row(s)`);
    rows.add(row);
    hashes[row] = hashValues(record.slice(0, inputColumns.length).map(unescapeFormula));
  }
  return { rows, hashes, size: rows.size };
}

/** One kept row's input cells and status, read again to name what differs (only on refusal). */
async function keptRow(previous: string, row: number, inputCount: number): Promise<{ cells: string[]; status: string }> {
  for await (const record of readCsv(previous)) {
    if (Number(record[inputCount]) === row && KEPT.has(record[inputCount + 1] ?? '')) {
      return { cells: record.slice(0, inputCount).map(unescapeFormula), status: record[inputCount + 1]! };
    }
  }
  return { cells: [], status: 'kept' };
}

async function* readCsv(path: string): AsyncGenerator<string[]> {
  const parser = createReadStream(path).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
  for await (const record of parser) yield record as string[];
}

/** FNV-1a over the trimmed values, each followed by a separator that no cell ends with. */
export function hashValues(values: readonly string[]): number {
  let hash = 0x811c9dc5;
  for (const value of values) {
    const text = value.trim();
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    hash ^= 0xffff;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
