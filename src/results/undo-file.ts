import { closeSync, createReadStream, existsSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { AppendOnlyFile } from './append-only-file.js';
import { rename, rm } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { UTF8_BOM } from './results-file.js';

/** The undo file's columns: this tool's input format, so that it can be run as it is (SPEC §4). */
export const UNDO_COLUMNS = ['UserPrincipalName', 'SkuId', 'DisabledPlans', 'Action'] as const;

/** One row of the undo file, in words an input file takes: SKUs by part number, plans by name. */
export interface UndoCells {
  readonly user: string;
  readonly sku: string;
  readonly disabledPlans: readonly string[];
  readonly action: 'add' | 'remove';
}

/** Plain values: the undo file is input for this tool, not a spreadsheet to open (SPEC §4). */
const PLAIN = { eof: true } as const;

/**
 * The undo file while a run goes: each change Graph confirmed appends the rows that restore the
 * state before it, with a synchronous write, so that a crash keeps every confirmed change's undo.
 * At the end {@link UndoFile.finish} puts every remove before every add, so that running it frees
 * seats before it takes them. `--resume` opens the file of the earlier run and extends it.
 */
export class UndoFile {
  readonly path: string;
  readonly #file: AppendOnlyFile;
  readonly #leftOut = new Map<string, number>();

  private constructor(file: AppendOnlyFile) {
    this.path = file.path;
    this.#file = file;
  }

  /** Creates the file, or with `extend` appends to the one an earlier run left. */
  static open(path: string, options: { extend: boolean }): UndoFile {
    const extending = options.extend && existsSync(path);
    const file = new UndoFile(AppendOnlyFile.open(path, 'undo file', extending ? 'append' : 'create'));
    if (!extending) file.#file.write(UTF8_BOM + stringify([[...UNDO_COLUMNS]], PLAIN));
    return file;
  }

  append(rows: readonly UndoCells[]): void {
    this.#file.write(stringify(rows.map(cellsOf), PLAIN));
  }

  /** Rows appended before a change that surely did not happen: {@link putRemovesFirst} leaves one out for each. */
  leaveOut(rows: readonly UndoCells[]): void {
    for (const row of rows) {
      const key = keyOf(cellsOf(row));
      this.#leftOut.set(key, (this.#leftOut.get(key) ?? 0) + 1);
    }
  }

  get leftOut(): ReadonlyMap<string, number> {
    return this.#leftOut;
  }

  close(): void {
    this.#file.close();
  }
}

function cellsOf(row: UndoCells): string[] {
  return [row.user, row.sku, row.disabledPlans.join(';'), row.action];
}

function keyOf(cells: readonly string[]): string {
  return cells.join('\t');
}

/**
 * Rewrites an undo file with its removes first, then its adds, each in the order written, replacing
 * it atomically: the file stays valid input if the run is killed meanwhile. Streams the file twice.
 * `leaveOut` counts rows (by their cells) to drop: the undo of changes that did not happen.
 */
export async function putRemovesFirst(path: string, leaveOut: ReadonlyMap<string, number> = new Map()): Promise<void> {
  const dropping = new Map(leaveOut);
  const temp = `${path}.reordering`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, UTF8_BOM + stringify([[...UNDO_COLUMNS]], PLAIN));
    for (const action of ['remove', 'add']) {
      let header = true;
      for await (const record of createReadStream(path).pipe(parse({ bom: true, relax_column_count: true })) as AsyncIterable<string[]>) {
        if (header) {
          header = false;
          continue;
        }
        if (record[3] !== action) continue;
        const key = keyOf(record);
        const drop = dropping.get(key) ?? 0;
        if (drop > 0) dropping.set(key, drop - 1);
        else writeSync(fd, stringify([record], PLAIN));
      }
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    await rm(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  await rename(temp, path);
}

/** `licenses.results.csv` -> `licenses.results.undo.csv` (SPEC §4: the results path without its extension). */
export function defaultUndoPath(resultsPath: string): string {
  return resultsPath.replace(/\.[^./\\]*$/, '') + '.undo.csv';
}
