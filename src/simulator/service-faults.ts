import type { SimulatorBehaviour } from './behaviour.js';
import { mixSeed, seededRandom, type Random } from './random.js';

/** Faults of a write beyond the write gate's (503 and dropped connections). */
export type ServiceFaultKind = 'conflict409' | 'timeoutBeforeApply' | 'timeoutAfterApply' | 'latencySpike';

const KINDS: readonly ServiceFaultKind[] = ['conflict409', 'timeoutBeforeApply', 'timeoutAfterApply', 'latencySpike'];

/**
 * The second fault draw of a write, made only when the write gate drew none. Each probability is
 * divided by the share the gate left, so that over all writes each fault keeps the probability the
 * behaviour gives it. Its own stream of the seed, so that adding these faults does not change which
 * writes meet the gate's.
 */
export class ServiceFaults {
  #behaviour: SimulatorBehaviour;
  #random: Random;

  constructor(behaviour: SimulatorBehaviour) {
    this.#behaviour = behaviour;
    this.#random = seededRandom(mixSeed(behaviour.seed, 409));
  }

  /** Takes new settings; a changed seed restarts the sequence. */
  configure(next: SimulatorBehaviour): void {
    if (next.seed !== this.#behaviour.seed) this.#random = seededRandom(mixSeed(next.seed, 409));
    this.#behaviour = next;
  }

  /** The fault of a write the gate let through without one, or undefined. */
  draw(): ServiceFaultKind | undefined {
    const f = this.#behaviour.faults;
    const total = KINDS.reduce((sum, kind) => sum + (f[kind] ?? 0), 0);
    if (total === 0) return undefined; // no draw, so the sequence only moves when these faults are on
    const left = 1 - f.error503 - f.dropBeforeApply - f.dropAfterApply;
    if (left <= 0) return undefined;
    let draw = this.#random() * left;
    for (const kind of KINDS) {
      draw -= f[kind] ?? 0;
      if (draw < 0) return kind;
    }
    return undefined;
  }

  /** How long a latency spike holds the answer. */
  get spikeMs(): number {
    return this.#behaviour.faults.latencySpikeMs ?? 2000;
  }
}
