import { formatProblem } from '../input/parse-row.js';
import type { RowOutcome, RowProblem } from '../model.js';

/** Outcomes of rows that sent nothing: no HTTP status, no attempts. */

/** The message names the row and line as well as the column and value, as `validate` prints it. */
export function invalidOutcome(row: number, line: number, problem: RowProblem, at: Date): RowOutcome {
  return { row, status: 'invalid', errorCode: problem.errorCode, message: formatProblem(row, line, problem), attempts: 0, completedAt: at.toISOString() };
}

export function notAttemptedOutcome(row: number, message: string, at: Date): RowOutcome {
  return { row, status: 'not-attempted', message, attempts: 0, completedAt: at.toISOString() };
}

export function plannedOutcome(row: number, message: string, at: Date): RowOutcome {
  return { row, status: 'planned', message, attempts: 0, completedAt: at.toISOString() };
}
