/**
 * Where an add's seat comes from: a seat free now, the seat a remove planned earlier in the file
 * frees once it completes, or none left.
 */
export type SeatClaim =
  | { readonly kind: 'free' }
  | { readonly kind: 'after-remove'; readonly removeRow: number }
  | { readonly kind: 'none'; readonly freeAtStart: number };

interface SkuSeats {
  readonly freeAtStart: number;
  free: number;
  /** Removes planned, not yet settled, whose seat no add has claimed yet, in plan order. */
  readonly unclaimed: number[];
  /** Removes planned, not yet settled, whose seat an add waits for: remove row -> add row. */
  readonly claimed: Map<number, number>;
}

/**
 * The seats of each SKU as a run plans and spends them (SPEC §2 step 3), in plan order: adds
 * take free seats first, then the seats of removes planned before them (those adds wait for the
 * remove to complete), and past that there is no seat. The ledger is the one record of which add
 * waits for which remove: when a remove settles, it names the add that waited, and the scheduler
 * lets that add go on. Pure bookkeeping: no I/O, no time.
 * A SKU the ledger was not told about (no seat check, as with `--no-read`) always has a seat.
 */
export class SeatLedger {
  readonly #skus = new Map<string, SkuSeats>();

  /** @param freeSeats free seats per SKU id (lower case) when the run starts */
  constructor(freeSeats: Iterable<readonly [string, number]> = []) {
    for (const [skuId, free] of freeSeats) this.#skus.set(skuId, { freeAtStart: free, free, unclaimed: [], claimed: new Map() });
  }

  /** Takes a seat of `skuId` for the add in row `addRow`. */
  take(skuId: string, addRow: number): SeatClaim {
    const seats = this.#skus.get(skuId);
    if (seats === undefined) return { kind: 'free' };
    if (seats.free > 0) {
      seats.free--;
      return { kind: 'free' };
    }
    const removeRow = seats.unclaimed.shift();
    if (removeRow === undefined) return { kind: 'none', freeAtStart: seats.freeAtStart };
    seats.claimed.set(removeRow, addRow);
    return { kind: 'after-remove', removeRow };
  }

  /** An add that took a seat was not applied after all: the seat is free again. */
  giveBack(skuId: string): void {
    const seats = this.#skus.get(skuId);
    if (seats) seats.free++;
  }

  /** A remove of `skuId` in row `removeRow` that frees a seat once it completes. */
  planRemove(skuId: string, removeRow: number): void {
    this.#skus.get(skuId)?.unclaimed.push(removeRow);
  }

  /**
   * The remove in `removeRow` completed (`freed`) or failed. A freed seat goes to the add that
   * waits for it, or becomes free; returns the add row that waited, if one did.
   */
  settleRemove(skuId: string, removeRow: number, freed: boolean): number | undefined {
    const seats = this.#skus.get(skuId);
    if (seats === undefined) return undefined;
    const waiting = seats.claimed.get(removeRow);
    if (waiting !== undefined) {
      seats.claimed.delete(removeRow);
      return waiting;
    }
    const at = seats.unclaimed.indexOf(removeRow);
    if (at !== -1) seats.unclaimed.splice(at, 1);
    if (freed) seats.free++;
    return undefined;
  }

  /** Free seats of each SKU the ledger knows: at the start, and now. */
  report(): { skuId: string; freeBefore: number; freeAfter: number }[] {
    return [...this.#skus].map(([skuId, seats]) => ({ skuId, freeBefore: seats.freeAtStart, freeAfter: seats.free }));
  }
}
