import { stringify } from 'csv-stringify/sync';
import { AppendOnlyFile } from './append-only-file.js';
import { OUTCOME_COLUMNS, type RowOutcome } from '../model.js';

/** Excel opens a comma-separated file as UTF-8 only when it starts with a BOM. */
export const UTF8_BOM = '\uFEFF';

/**
 * Options every results-shaped CSV is written with: comma-delimited, and cells that start with
 * `= + - @` prefixed with `'`, so that a spreadsheet never runs a value as a formula.
 */
export const RESULTS_CSV_OPTIONS = { escape_formulas: true, eof: true } as const;

/** The outcome columns of one row, as the results file spells them. */
export function outcomeCells(outcome: RowOutcome): string[] {
  return [
    String(outcome.row),
    outcome.status,
    outcome.httpStatus === undefined ? '' : String(outcome.httpStatus),
    outcome.errorCode ?? '',
    outcome.message,
    String(outcome.attempts),
    outcome.requestId ?? '',
    outcome.completedAt,
  ];
}

/**
 * The results file while a run is going: every outcome is appended the moment it is known, with a
 * synchronous write, so that a crash or a hard kill loses only the rows still in flight. Rows land in
 * completion order; {@link sortResultsFile} puts them in input order when the run ends.
 */
export class ResultsFile {
  readonly path: string;
  readonly #file: AppendOnlyFile;
  #note: ((values: readonly string[]) => string | undefined) | undefined;
  #lastRow = 0;
  #inOrder = true;

  private constructor(file: AppendOnlyFile) {
    this.path = file.path;
    this.#file = file;
  }

  /**
   * Creates (or truncates) the file and writes the BOM and the header. `note` gives, from a row's
   * input values, what its message should add about how they were read (such as trimmed spaces).
   */
  static create(path: string, inputColumns: readonly string[], options: { note?: (values: readonly string[]) => string | undefined } = {}): ResultsFile {
    const file = new ResultsFile(AppendOnlyFile.open(path, 'results file', 'create'));
    file.#note = options.note;
    file.#write(UTF8_BOM + stringify([[...inputColumns, ...OUTCOME_COLUMNS]], RESULTS_CSV_OPTIONS));
    return file;
  }

  /** Appends one row: the input values as read, then its outcome. */
  append(values: readonly string[], outcome: RowOutcome): void {
    const note = this.#note?.(values);
    const noted = note === undefined ? outcome : { ...outcome, message: outcome.message === '' ? note : `${outcome.message}; ${note}` };
    this.appendCells([...values, ...outcomeCells(noted)], outcome.row);
  }

  /**
   * Appends a row whose cells are already results cells (a row kept by `--resume`). Escaping is
   * idempotent: a cell escaped before starts with `'`, which is not escaped again.
   */
  appendCells(cells: readonly string[], row: number): void {
    this.#write(stringify([cells], RESULTS_CSV_OPTIONS));
    if (row !== this.#lastRow + 1) this.#inOrder = false;
    this.#lastRow = row;
  }

  /** True while every row so far was appended in input order with no gap: no reordering needed. */
  get isInInputOrder(): boolean {
    return this.#inOrder;
  }

  close(): void {
    this.#file.close();
  }

  #write(text: string): void {
    this.#file.write(text);
  }
}
