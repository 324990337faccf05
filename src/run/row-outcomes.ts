import type { RowOutcome, RowProblem } from '../model.js';

/** Outcomes of rows that sent nothing: no HTTP status, no attempts. */

export function invalidOutcome(row: number, problem: RowProblem, at: Date): RowOutcome {
  return { row, status: 'invalid', errorCode: problem.errorCode, message: problem.message, attempts: 0, completedAt: at.toISOString() };
}

export function notAttemptedOutcome(row: number, message: string, at: Date): RowOutcome {
  return { row, status: 'not-attempted', message, attempts: 0, completedAt: at.toISOString() };
}

export function plannedOutcome(row: number, message: string, at: Date): RowOutcome {
  return { row, status: 'planned', message, attempts: 0, completedAt: at.toISOString() };
}
