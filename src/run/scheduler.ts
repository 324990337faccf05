import PQueue from 'p-queue';
import { MAX_ROWS_PER_UNIT, type WorkUnit } from './work-unit.js';

/** A unit as the scheduler tracks it. */
export interface Scheduled {
  readonly unit: WorkUnit;
  /** Settles when the previous unit of the same user has finished; undefined when there was none. */
  readonly previous: Promise<void> | undefined;
  /** Rows may join until the unit is planned. */
  planned: boolean;
}

interface Lane {
  last: Scheduled;
  tail: Promise<void>;
}

export interface SchedulerOptions {
  /** Units admitted and not yet finished, at the most. */
  readonly windowSize: number;
  /**
   * Units sending at once: a number fixes it; a queue is sized by its owner, who may change its
   * concurrency while the run goes (`--concurrency auto`).
   */
  readonly slots: number | PQueue;
}

/**
 * The one scheduler of a run's work: it owns
 * - the window (a p-queue): units admitted and not yet finished, so that reading the file never runs
 *   far ahead of sending and memory holds a window of rows, not the file;
 * - each user's order: a unit runs only after the user's previous unit has finished, so a user never
 *   has two requests in flight and the user's rows apply in file order; rows that arrive while the
 *   user's latest unit is not yet planned join it, so that rows pending together become one body;
 * - waits across users: an add that takes the seat a remove frees waits until the seat ledger says
 *   that remove settled ({@link seatSettled});
 * - the send slots (a p-queue): how many units send at once.
 * Waiting never holds a slot, and a unit only waits for units admitted before it (the window starts
 * them in order), so nothing deadlocks.
 */
export class Scheduler {
  readonly #window: PQueue;
  readonly #slots: PQueue;
  readonly #lanes = new Map<string, Lane>();
  /** Adds waiting for a seat, by row, once either side (the add, or its remove settling) got there. */
  readonly #seats = new Map<number, { settled: Promise<boolean>; settle: (freed: boolean) => void }>();

  constructor(options: SchedulerOptions) {
    this.#window = new PQueue({ concurrency: options.windowSize });
    this.#slots = typeof options.slots === 'number' ? new PQueue({ concurrency: options.slots }) : options.slots;
  }

  /**
   * Admits a unit, and returns once the window has started it; `run` runs for it then. Returns false
   * when the unit's rows joined the user's waiting unit instead (nothing new to run).
   */
  async admit(unit: WorkUnit, run: (scheduled: Scheduled) => Promise<void>): Promise<boolean> {
    if (this.#joinWaiting(unit)) return false;
    const scheduled: Scheduled = { unit, previous: this.#lanes.get(unit.userKey)?.tail, planned: false };
    // A predecessor that failed must not strand the user's later units: they run all the same.
    const tail = this.#window.add(() => run(scheduled)).then(
      () => this.#finish(unit.userKey, lane),
      () => this.#finish(unit.userKey, lane),
    );
    const lane: Lane = { last: scheduled, tail };
    this.#lanes.set(unit.userKey, lane);
    // Reading the file waits while a unit waits for room in the window.
    await this.#window.onSizeLessThan(1);
    return true;
  }

  /** Resolves once every admitted unit has finished. */
  drained(): Promise<void> {
    return this.#window.onIdle();
  }

  /**
   * The add in `addRow` waits for the remove whose seat the ledger gave it: resolves with whether
   * that remove freed the seat (see {@link seatSettled}).
   */
  seatSettled(addRow: number): Promise<boolean> {
    return this.#seatOf(addRow).settled;
  }

  /**
   * The remove that an add waits for settled (the ledger names the add): `freed` when it completed.
   * The add may not be waiting yet; it learns the answer when it asks.
   */
  settleSeat(addRow: number, freed: boolean): void {
    this.#seatOf(addRow).settle(freed);
  }

  /** Runs `send` in one of the slots, waiting for one to be free. */
  inSlot<T>(send: () => Promise<T>): Promise<T> {
    return this.#slots.add(send);
  }

  /** One record per waiting add, made by whichever side comes first, dropped once both have been. */
  #seatOf(addRow: number) {
    let seat = this.#seats.get(addRow);
    if (seat !== undefined) {
      this.#seats.delete(addRow);
      return seat;
    }
    let settle!: (freed: boolean) => void;
    const settled = new Promise<boolean>((resolve) => (settle = resolve));
    seat = { settled, settle };
    this.#seats.set(addRow, seat);
    return seat;
  }

  /** Adds the unit's rows to the user's latest unit when that one is not yet planned and has room. */
  #joinWaiting(unit: WorkUnit): boolean {
    const waiting = this.#lanes.get(unit.userKey)?.last;
    if (!waiting || waiting.planned || waiting.unit.rows.length + unit.rows.length > MAX_ROWS_PER_UNIT) return false;
    waiting.unit.rows.push(...unit.rows);
    return true;
  }

  #finish(userKey: string, lane: Lane): void {
    if (this.#lanes.get(userKey) === lane) this.#lanes.delete(userKey);
  }
}
