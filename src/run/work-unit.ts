import type { ResolvedRow } from '../model.js';

/**
 * Rows of one user that travel together as one assignLicense body. Rows may still join a unit
 * until it starts; after that, later rows of the user wait for it to finish.
 */
export interface WorkUnit {
  readonly userKey: string;
  /** The user as the first row wrote it: the key used in the request path. */
  readonly user: string;
  readonly rows: ResolvedRow[];
  started: boolean;
}

/** Rows per unit at the most: a body stays small, and one user's long run of rows splits. */
export const MAX_ROWS_PER_UNIT = 20;

export function newUnit(row: ResolvedRow): WorkUnit {
  return { userKey: row.userKey, user: row.user, rows: [row], started: false };
}

/** True when `count` more rows of `userKey` may join `unit`: same user, not yet started, room left. */
export function canJoin(unit: WorkUnit, userKey: string, count = 1): boolean {
  return !unit.started && unit.userKey === userKey && unit.rows.length + count <= MAX_ROWS_PER_UNIT;
}

/**
 * Groups a stream of rows into units of adjacent rows of the same user (case-insensitive), in
 * file order. Rows of a user that are far apart form separate units; the scheduler keeps them
 * in order.
 */
export async function* groupAdjacent(rows: AsyncIterable<ResolvedRow>): AsyncGenerator<WorkUnit> {
  let current: WorkUnit | undefined;
  for await (const row of rows) {
    if (current && canJoin(current, row.userKey)) {
      current.rows.push(row);
      continue;
    }
    if (current) yield current;
    current = newUnit(row);
  }
  if (current) yield current;
}
