import { reasonFor, type Reason } from '../cli/reasons.js';
import type { RowOutcome } from '../model.js';

/** A failed or invalid row as the report lists it: where it is in the sheet, what it held, what went wrong. */
export interface ListedRow {
  readonly row: number;
  readonly line: number;
  /** The worksheet, when the input is a workbook (`line` is then Excel's row number). */
  readonly sheet?: string;
  readonly status: 'failed' | 'invalid';
  readonly errorCode?: string;
  readonly message: string;
  /** The row's input values, in header order, each cut to {@link MAX_VALUE_LENGTH}; at most {@link MAX_COLUMNS} of them. */
  readonly values: readonly string[];
}

/** The rows that failed for one reason (src/cli/reasons.ts): how many, and the first of them. */
export interface FailureGroup extends Reason {
  readonly count: number;
  /** The rows with the lowest row numbers, in row order; `count - rows.length` more are not listed. */
  readonly rows: readonly ListedRow[];
}

/** Values longer than this are cut (a report is read, not searched: the results file has them whole). */
export const MAX_VALUE_LENGTH = 120;
/** Columns kept per listed row; a sheet with more columns shows these first ones. */
export const MAX_COLUMNS = 12;

interface Group extends Reason {
  count: number;
  rows: ListedRow[];
}

/**
 * Failed and invalid rows grouped by reason as they complete, in bounded memory: a count per
 * reason and the first `rowsPerReason` rows of each (by row number, whatever order rows finish
 * in), never the whole results. Pure.
 */
export class FailureGroups {
  readonly #rowsPerReason: number;
  readonly #byKey = new Map<string, Group>();

  constructor(rowsPerReason = 10) {
    this.#rowsPerReason = rowsPerReason;
  }

  /** Counts the row under its reason when it failed or was invalid; other outcomes are ignored. */
  add(outcome: RowOutcome, line: number, values: readonly string[], sheet?: string): void {
    if (outcome.status !== 'failed' && outcome.status !== 'invalid') return;
    const reason = reasonFor(outcome);
    let group = this.#byKey.get(reason.key);
    if (!group) {
      group = { key: reason.key, reason: reason.reason, fix: reason.fix, count: 0, rows: [] };
      this.#byKey.set(reason.key, group);
    }
    group.count++;
    const rows = group.rows;
    if (rows.length >= this.#rowsPerReason && rows[rows.length - 1]!.row < outcome.row) return;
    const listed: ListedRow = {
      row: outcome.row,
      line,
      ...(sheet !== undefined ? { sheet } : {}),
      status: outcome.status,
      ...(outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}),
      message: cut(outcome.message, MAX_VALUE_LENGTH * 4),
      values: values.slice(0, MAX_COLUMNS).map((value) => cut(value, MAX_VALUE_LENGTH)),
    };
    const at = rows.findIndex((r) => r.row > outcome.row);
    rows.splice(at === -1 ? rows.length : at, 0, listed);
    if (rows.length > this.#rowsPerReason) rows.pop();
  }

  /** The groups, the most rows first; ties by their first row. */
  groups(): FailureGroup[] {
    return [...this.#byKey.values()]
      .map((g) => ({ ...g, rows: [...g.rows] }))
      .sort((a, b) => b.count - a.count || (a.rows[0]?.row ?? 0) - (b.rows[0]?.row ?? 0));
  }
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
