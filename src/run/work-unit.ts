import type { ResolvedRow } from '../model.js';

/**
 * Rows of one user that are planned and sent together, as one assignLicense body. Rows of the user
 * may still join a unit until it is planned; after that, later rows of the user wait for it.
 */
export interface WorkUnit {
  readonly userKey: string;
  /** The user as the first row wrote it: the key used in the request path. */
  readonly user: string;
  readonly rows: ResolvedRow[];
}

/** Rows per unit at the most: a body stays small, and one user's long run of rows splits. */
export const MAX_ROWS_PER_UNIT = 20;

export function newUnit(row: ResolvedRow): WorkUnit {
  return { userKey: row.userKey, user: row.user, rows: [row] };
}

/**
 * Groups a stream of rows into units of adjacent rows of the same user (case-insensitive), in
 * file order. Rows of a user that are far apart form separate units; the scheduler keeps them
 * in order.
 */
export async function* groupAdjacent(rows: AsyncIterable<ResolvedRow>): AsyncGenerator<WorkUnit> {
  let current: WorkUnit | undefined;
  for await (const row of rows) {
    if (current && current.userKey === row.userKey && current.rows.length < MAX_ROWS_PER_UNIT) {
      current.rows.push(row);
      continue;
    }
    if (current) yield current;
    current = newUnit(row);
  }
  if (current) yield current;
}
