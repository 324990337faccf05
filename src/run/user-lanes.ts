import { canJoin, type WorkUnit } from './work-unit.js';

interface Lane {
  last: WorkUnit;
  tail: Promise<void>;
}

/**
 * Keeps each user's work in file order with at most one request in flight per user.
 * A unit starts only after the previous unit of the same user has finished; rows that arrive for a
 * user whose latest unit has not started yet join that unit, so that rows pending together become
 * one body.
 */
export class UserLanes {
  #lanes = new Map<string, Lane>();

  /**
   * Schedules `unit` behind the user's earlier work, calling `start` when its turn comes.
   * @returns false when the unit's rows were merged into a waiting unit (nothing new to start).
   */
  submit(unit: WorkUnit, start: (unit: WorkUnit) => Promise<void>): boolean {
    const lane = this.#lanes.get(unit.userKey);
    if (lane && canJoin(lane.last, unit.userKey, unit.rows.length)) {
      lane.last.rows.push(...unit.rows);
      return false;
    }
    const previous = lane?.tail ?? Promise.resolve();
    // A predecessor that failed must not strand the user's later units: they start all the same.
    const tail = previous.then(
      () => start(unit),
      () => start(unit),
    );
    const next: Lane = { last: unit, tail };
    this.#lanes.set(unit.userKey, next);
    const forget = () => {
      if (this.#lanes.get(unit.userKey) === next) this.#lanes.delete(unit.userKey);
    };
    tail.then(forget, forget);
    return true;
  }

  /** Users with work outstanding. */
  get size(): number {
    return this.#lanes.size;
  }
}
