/**
 * A counter of work in progress that the reader waits on, so that reading the file never runs far
 * ahead of sending: memory holds a window of rows, not the file.
 */
export class Backpressure {
  readonly limit: number;
  #outstanding = 0;
  #waiters: (() => void)[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Resolves once fewer than `limit` items are outstanding. */
  async room(): Promise<void> {
    while (this.#outstanding >= this.limit) await this.#change();
  }

  /** Resolves once nothing is outstanding. */
  async drained(): Promise<void> {
    while (this.#outstanding > 0) await this.#change();
  }

  begin(): void {
    this.#outstanding++;
  }

  end(): void {
    this.#outstanding--;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  get outstanding(): number {
    return this.#outstanding;
  }

  #change(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
