import { formatProblem } from '../input/parse-row.js';
import type { RowOutcome, RowProblem } from '../model.js';
import type { RowDecision } from '../plan/plan-unit.js';

/** Outcomes of rows that sent nothing: no HTTP status, no attempts. */

/** The message names the row and line as well as the column and value, as `validate` prints it. */
export function invalidOutcome(row: number, line: number, problem: RowProblem, at: Date, sheet?: string): RowOutcome {
  return { row, status: 'invalid', errorCode: problem.errorCode, message: formatProblem(row, line, problem, sheet), attempts: 0, completedAt: at.toISOString() };
}

export function notAttemptedOutcome(row: number, message: string, at: Date): RowOutcome {
  return { row, status: 'not-attempted', message, attempts: 0, completedAt: at.toISOString() };
}

export function plannedOutcome(row: number, message: string, at: Date): RowOutcome {
  return { row, status: 'planned', message, attempts: 0, completedAt: at.toISOString() };
}

/** The outcome the plan decided without a write (skipped, or failed here); undefined for a row to send. */
export function decidedOutcome(row: number, decision: RowDecision, at: Date): RowOutcome | undefined {
  const completedAt = at.toISOString();
  if (decision.kind === 'skip') return { row, status: 'skipped', message: decision.message, attempts: 0, completedAt };
  if (decision.kind === 'fail') return { row, status: 'failed', errorCode: decision.errorCode, message: decision.message, attempts: 0, completedAt };
  return undefined;
}
