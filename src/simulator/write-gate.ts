import type { SimulatorBehaviour } from './behaviour.js';
import { seededRandom, type Random } from './random.js';
import { TokenBucket, type Clock } from './throttle.js';

export type FaultKind = 'error503' | 'dropBeforeApply' | 'dropAfterApply';

/** What happens to one write: throttled, or let through (perhaps into a fault). */
export type Admission =
  | { readonly kind: 'throttled'; readonly retryAfterSeconds: number; readonly usedShare: number }
  | { readonly kind: 'admitted'; readonly fault: FaultKind | undefined; readonly usedShare: number | undefined };

/**
 * The door every write passes: the token bucket first, then one draw of the seeded PRNG that
 * decides its fault. One draw per admitted write, so a client that sends writes in the same order
 * meets the same faults for the same seed.
 */
export class WriteGate {
  readonly #now: Clock;
  #behaviour: SimulatorBehaviour;
  #bucket: TokenBucket | undefined;
  #random: Random;

  constructor(behaviour: SimulatorBehaviour, now: Clock = () => performance.now()) {
    this.#now = now;
    this.#behaviour = behaviour;
    this.#bucket = behaviour.writeBucket && new TokenBucket(behaviour.writeBucket, now);
    this.#random = seededRandom(behaviour.seed);
  }

  /** Takes new settings: a changed bucket starts full, a changed seed restarts the fault sequence. */
  configure(next: SimulatorBehaviour): void {
    const previous = this.#behaviour;
    this.#behaviour = next;
    if (next.writeBucket !== previous.writeBucket) this.#bucket = next.writeBucket && new TokenBucket(next.writeBucket, this.#now);
    if (next.seed !== previous.seed) this.#random = seededRandom(next.seed);
  }

  admit(): Admission {
    const take = this.#bucket?.take();
    if (take !== undefined && !take.ok) return { kind: 'throttled', retryAfterSeconds: take.retryAfterSeconds, usedShare: take.usedShare };
    const { error503, dropBeforeApply, dropAfterApply } = this.#behaviour.faults;
    const draw = this.#random();
    const fault: FaultKind | undefined =
      draw < error503
        ? 'error503'
        : draw < error503 + dropBeforeApply
          ? 'dropBeforeApply'
          : draw < error503 + dropBeforeApply + dropAfterApply
            ? 'dropAfterApply'
            : undefined;
    return { kind: 'admitted', fault, usedShare: take?.usedShare };
  }
}
