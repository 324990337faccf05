import type { ResolvedRow } from '../model.js';

/** What the desired sheet says of one SKU for one user. */
export type Wish =
  /** Holds it directly, with exactly these plans disabled (ids, lower case, sorted). */
  | { readonly skuId: string; readonly kind: 'add'; readonly disabledPlans: readonly string[] }
  /** Does not hold it directly. */
  | { readonly skuId: string; readonly kind: 'remove' }
  /** A row of the sheet for it is invalid: the user is left alone for this SKU. */
  | { readonly skuId: string; readonly kind: 'leave' };

/** One user of the desired sheet: as the sheet first names them, and what it wants per SKU. */
export interface DesiredUser {
  /** As the sheet writes it (a UPN or an object id). */
  readonly user: string;
  /** The UsageLocation the sheet sets for the user, if any. */
  usageLocation?: string;
  readonly wishes: Wish[];
}

/**
 * The desired sheet reduced to its keys (SPEC §7): per user (UPN or object id, lower case), per SKU,
 * what it should be. Whole rows are not kept: memory grows with the sheet's users and SKUs, and
 * identical plan sets are shared. Pure: the command feeds it the rows it reads.
 */
export class DesiredState {
  readonly #users = new Map<string, DesiredUser>();
  readonly #skus: string[] = [];
  readonly #planSets = new Map<string, readonly string[]>();

  /** A valid row of the sheet. Its SKU joins the scope. */
  add(row: ResolvedRow): void {
    const user = this.#user(row.userKey, row.user);
    if (row.usageLocation !== undefined && row.action === 'add') user.usageLocation = row.usageLocation;
    if (!this.#skus.includes(row.skuId)) this.#skus.push(row.skuId);
    if (user.wishes.some((wish) => wish.skuId === row.skuId && wish.kind === 'leave')) return;
    setWish(user, row.action === 'remove' ? { skuId: row.skuId, kind: 'remove' } : { skuId: row.skuId, kind: 'add', disabledPlans: this.#plans(row.disabledPlans) });
  }

  /** A row of the sheet that is invalid: its user is left alone for its SKU, whatever other rows say. */
  leave(userKey: string, user: string, skuId: string): void {
    setWish(this.#user(userKey, user), { skuId, kind: 'leave' });
  }

  /** The user the sheet names by this key (a UPN or an object id, any case). */
  user(key: string): DesiredUser | undefined {
    return this.#users.get(key.toLowerCase());
  }

  /** Every user, in the order the sheet first names them. */
  users(): IterableIterator<DesiredUser> {
    return this.#users.values();
  }

  /** The SKUs the sheet's valid rows name, in the order it first names them. */
  get skuIds(): readonly string[] {
    return this.#skus;
  }

  #user(key: string, user: string): DesiredUser {
    let found = this.#users.get(key);
    if (found === undefined) {
      found = { user, wishes: [] };
      this.#users.set(key, found);
    }
    return found;
  }

  #plans(ids: readonly string[]): readonly string[] {
    const sorted = [...ids].sort();
    const key = sorted.join(' ');
    let shared = this.#planSets.get(key);
    if (shared === undefined) {
      shared = Object.freeze(sorted);
      this.#planSets.set(key, shared);
    }
    return shared;
  }
}

/** One wish per SKU: a later row of the same SKU takes its place (rows that contradict each other are invalid already). */
function setWish(user: DesiredUser, wish: Wish): void {
  const at = user.wishes.findIndex((w) => w.skuId === wish.skuId);
  if (at === -1) user.wishes.push(wish);
  else user.wishes[at] = wish;
}
