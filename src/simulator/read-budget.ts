import type { SimulatorBehaviour } from './behaviour.js';
import type { OperationKind } from './routes.js';
import { TokenBucket, type Clock, type TakeResult } from './throttle.js';

/**
 * What a read costs in resource units, the currency of Graph's read budget (3,500 to 8,000 units per
 * 10 s per app and tenant, by tenant size). Graph's own table charges most reads 1 unit and lists
 * of directory objects more; this model keeps that shape: a user or the SKUs, 1; a page of users
 * (a listing or an `id in (...)` filter), 2. Every `$batch` member is charged on its own.
 */
export const READ_COST: Partial<Record<OperationKind, number>> = { getUser: 1, subscribedSkus: 1, listUsers: 2 };

/** The read budget: a token bucket of resource units, apart from the write quota. */
export class ReadBudget {
  readonly #now: Clock;
  #settings: SimulatorBehaviour['readBucket'];
  #bucket: TokenBucket | undefined;

  constructor(behaviour: SimulatorBehaviour, now: Clock = () => performance.now()) {
    this.#now = now;
    this.#settings = behaviour.readBucket;
    this.#bucket = behaviour.readBucket && new TokenBucket(behaviour.readBucket, now);
  }

  /** Takes new settings: a changed bucket starts full. */
  configure(next: SimulatorBehaviour): void {
    if (next.readBucket === this.#settings) return;
    this.#settings = next.readBucket;
    this.#bucket = next.readBucket && new TokenBucket(next.readBucket, this.#now);
  }

  /** `undefined` when reads are not budgeted; else the bucket's answer for this read's cost. */
  admit(kind: OperationKind): TakeResult | undefined {
    return this.#bucket?.take(READ_COST[kind] ?? 1);
  }
}
