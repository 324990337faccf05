import { planNames, skuName, type SkuDirectory } from '../plan/sku-facts.js';
import { assignmentTrouble, type UserLicenses } from '../tenant/user-licenses.js';
import type { DesiredState, DesiredUser, Wish } from './desired-state.js';
import type { SyncSkuCounts } from './sync-counts.js';

/** One row of the change sheet: a change that brings one user's SKU to what the sheet says. */
export interface ChangeRow {
  /** The user: the UPN the tenant lists (or the id), or, for users the tenant does not list, as the sheet writes them. */
  readonly user: string;
  readonly skuId: string;
  readonly action: 'add' | 'remove';
  /** For an add: the complete set of disabled plans (ids). */
  readonly disabledPlans: readonly string[];
  /** The sheet's usage location for the user, on adds and plan changes that carry one. */
  readonly usageLocation?: string;
  /** Why, in words: "not in the desired sheet", "not assigned yet", "plans differ: ... -> ...". */
  readonly reason: string;
}

export const REASON_NOT_IN_SHEET = 'not in the desired sheet';
export const REASON_REMOVE_ROW = 'the desired sheet removes it';
export const REASON_NOT_ASSIGNED = 'not assigned yet';

/** What the diff found: the change rows in the order they are to run, and the counts per SKU of the scope. */
export interface SyncPlan {
  /** Removes first, then plan changes, then adds (so that leavers' seats go to joiners). */
  readonly changes: readonly ChangeRow[];
  readonly counts: readonly SyncSkuCounts[];
}

interface Tally {
  directHolders: number;
  groupOnly: number;
  removes: number;
  adds: number;
  planChanges: number;
}

/**
 * The difference between the desired sheet and the tenant (SPEC §8), holder by holder: feed it the
 * holders of each scoped SKU as the listing pages them ({@link holder}), then {@link finish}. It keeps
 * the change rows, not the holders, so memory grows with the sheet's keys and the changes, not with
 * the tenant's pages. Pure: no I/O.
 *
 * For each scoped SKU: a direct holder without an add row loses the direct assignment; a direct holder
 * whose plans differ gets them; a user with an add row who is not listed (or holds it only through a
 * group) gets it; a user who holds it only through a group and has no add row is left and counted; a
 * user with an invalid row for the SKU is left alone.
 */
export class SyncDiff {
  readonly #desired: DesiredState;
  readonly #skus: SkuDirectory;
  readonly #scope: readonly string[];
  readonly #tallies = new Map<string, Tally>();
  readonly #removes: ChangeRow[] = [];
  readonly #planChanges: ChangeRow[] = [];
  readonly #adds: ChangeRow[] = [];
  /** (user, SKU) wishes met by a holder, so that {@link finish} adds only to users not listed. */
  readonly #seen = new WeakSet<Wish>();
  /** Users whose usage location a change row already carries. */
  readonly #located = new WeakSet<DesiredUser>();

  /** `scope`: SKU ids (lower case), the sheet's and `--sku`'s, in the order they are listed and reported. */
  constructor(desired: DesiredState, scope: readonly string[], skus: SkuDirectory) {
    this.#desired = desired;
    this.#skus = skus;
    this.#scope = scope;
    for (const skuId of scope) this.#tallies.set(skuId, { directHolders: 0, groupOnly: 0, removes: 0, adds: 0, planChanges: 0 });
  }

  /** One user the listing of `skuId`'s holders returned. */
  holder(skuId: string, user: UserLicenses): void {
    const tally = this.#tallies.get(skuId);
    if (tally === undefined) throw new Error(`SKU ${skuId} is not in the scope`);
    const name = user.userPrincipalName ?? user.id ?? '';
    const matches = [user.id === undefined ? undefined : this.#desired.user(user.id), user.userPrincipalName === undefined ? undefined : this.#desired.user(user.userPrincipalName)].filter(
      (d): d is DesiredUser => d !== undefined,
    );
    const wishes = matches.flatMap((desired) => desired.wishes.filter((wish) => wish.skuId === skuId));
    for (const wish of wishes) this.#seen.add(wish);
    const wish = wishes.find((w) => w.kind === 'leave') ?? wishes.find((w) => w.kind === 'add') ?? wishes[0];
    const desired = matches[0];
    const held = user.direct.get(skuId);
    if (held !== undefined) tally.directHolders++;

    if (wish?.kind === 'leave') return;
    if (wish?.kind !== 'add') {
      if (held === undefined) {
        tally.groupOnly++;
        return;
      }
      tally.removes++;
      this.#removes.push({ user: name, skuId, action: 'remove', disabledPlans: [], reason: wish?.kind === 'remove' ? REASON_REMOVE_ROW : REASON_NOT_IN_SHEET });
      return;
    }
    const location = desired?.usageLocation;
    const carry = location === undefined ? {} : { usageLocation: location };
    if (held === undefined) {
      // Held through a group only: the sheet wants it directly too.
      tally.adds++;
      this.#adds.push({ user: name, skuId, action: 'add', disabledPlans: wish.disabledPlans, ...carry, reason: REASON_NOT_ASSIGNED });
      return;
    }
    const trouble = assignmentTrouble(held);
    const samePlans = sameSet(held.disabledPlans, wish.disabledPlans);
    let reason: string | undefined;
    if (trouble !== undefined) reason = `not in place: ${trouble}`;
    else if (!samePlans) reason = `plans differ: ${this.#plansInWords(skuId, held.disabledPlans)} -> ${this.#plansInWords(skuId, wish.disabledPlans)}`;
    else if (location !== undefined && location !== user.usageLocation && desired !== undefined && !this.#located.has(desired)) {
      reason = `usage location differs: ${user.usageLocation ?? 'none'} -> ${location}`;
    }
    if (reason === undefined) return;
    if (desired !== undefined && location !== undefined) this.#located.add(desired);
    tally.planChanges++;
    this.#planChanges.push({ user: name, skuId, action: 'add', disabledPlans: wish.disabledPlans, ...carry, reason });
  }

  /** The change rows and counts, once every scoped SKU's holders were fed: adds for the users the listings did not return. */
  finish(): SyncPlan {
    const joiners: ChangeRow[] = [];
    for (const desired of this.#desired.users()) {
      for (const wish of desired.wishes) {
        if (wish.kind !== 'add' || this.#seen.has(wish)) continue;
        const tally = this.#tallies.get(wish.skuId);
        if (tally === undefined) continue;
        tally.adds++;
        const carry = desired.usageLocation === undefined ? {} : { usageLocation: desired.usageLocation };
        joiners.push({ user: desired.user, skuId: wish.skuId, action: 'add', disabledPlans: wish.disabledPlans, ...carry, reason: REASON_NOT_ASSIGNED });
      }
    }
    const counts = this.#scope.map((skuId) => ({ skuId, label: skuName(this.#skus(skuId), skuId), ...this.#tallies.get(skuId)! }));
    return { changes: [...this.#removes, ...this.#planChanges, ...this.#adds, ...joiners], counts };
  }

  #plansInWords(skuId: string, ids: readonly string[]): string {
    return ids.length === 0 ? 'all plans on' : `disabled ${planNames(this.#skus(skuId), ids).join(', ')}`;
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}
