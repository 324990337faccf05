import type { UserLicenses } from '../tenant/user-licenses.js';

/** What the run knows of a user it has planned: as it is now, and as it was before this run changed it. */
export interface KnownUser {
  readonly current: UserLicenses;
  readonly original: UserLicenses;
}

/**
 * The users this run planned recently, newest last, at most `limit`: a user who comes back later in
 * the file is planned against what the run itself wrote, not against a read that the directory's
 * replication may not have caught up with yet, and the undo rows keep pointing at the state before the run.
 */
export class RecentUsers {
  readonly #limit: number;
  readonly #users = new Map<string, KnownUser>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  get(userKey: string): KnownUser | undefined {
    return this.#users.get(userKey);
  }

  set(userKey: string, known: KnownUser): void {
    this.#users.delete(userKey);
    this.#users.set(userKey, known);
    if (this.#users.size > this.#limit) this.#users.delete(this.#users.keys().next().value!);
  }

  /** The user's state is uncertain (a write failed or went unanswered): the next unit reads it again. */
  forget(userKey: string): void {
    this.#users.delete(userKey);
  }
}
