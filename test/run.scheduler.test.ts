import { describe, expect, it } from 'vitest';
import { changesOf, planUnit } from '../src/plan/plan-unit.js';
import { SeatLedger } from '../src/plan/seat-ledger.js';
import { assignLicenseBody } from '../src/run/request-body.js';
import { Scheduler, type Scheduled } from '../src/run/scheduler.js';
import { groupAdjacent, MAX_ROWS_PER_UNIT, newUnit, type WorkUnit } from '../src/run/work-unit.js';
import type { ResolvedRow } from '../src/model.js';
import { E3, EMS, resolvedRow } from './helpers/rows.js';

async function* stream<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

async function collect(units: AsyncIterable<WorkUnit>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const unit of units) out.push(unit.rows.map((r) => r.row));
  return out;
}

describe('groupAdjacent', () => {
  it.each([
    { name: 'one user, adjacent rows', users: ['a@x', 'a@x', 'a@x'], want: [[1, 2, 3]] },
    { name: 'case-insensitive user', users: ['A@x', 'a@X'], want: [[1, 2]] },
    { name: 'alternating users stay apart', users: ['a@x', 'b@x', 'a@x'], want: [[1], [2], [3]] },
    { name: 'runs of two users', users: ['a@x', 'a@x', 'b@x', 'b@x'], want: [[1, 2], [3, 4]] },
    { name: 'no rows', users: [], want: [] },
  ])('$name', async ({ users, want }) => {
    const rows = users.map((u, i) => resolvedRow(i + 1, u));
    expect(await collect(groupAdjacent(stream(rows)))).toEqual(want);
  });

  it('splits a long run of one user at the unit size', async () => {
    const rows = Array.from({ length: MAX_ROWS_PER_UNIT + 3 }, (_, i) => resolvedRow(i + 1, 'a@x'));
    const units = await collect(groupAdjacent(stream(rows)));
    expect(units.map((u) => u.length)).toEqual([MAX_ROWS_PER_UNIT, 3]);
  });
});

/** The body of rows planned blind (--no-read): every row becomes a change. */
function bodyOf(rows: ResolvedRow[]) {
  const plan = planUnit(rows[0]!.user, rows, { kind: 'unread' }, { skus: () => undefined, ledger: new SeatLedger(), options: { disabledPlans: 'replace' } });
  return assignLicenseBody(plan.changes);
}

describe('assignLicenseBody', () => {
  it('always carries both keys', () => {
    expect(bodyOf([resolvedRow(1, 'a@x')])).toEqual({ addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
    expect(bodyOf([resolvedRow(1, 'a@x', { action: 'remove' })])).toEqual({ addLicenses: [], removeLicenses: [E3] });
  });

  it('combines adds and removes of one user and sends a repeated SKU once', () => {
    const body = bodyOf([
      resolvedRow(1, 'a@x', { disabledPlans: ['p1'] }),
      resolvedRow(2, 'a@x', { action: 'remove', skuId: EMS }),
      resolvedRow(3, 'a@x', { disabledPlans: ['p1'] }),
    ]);
    expect(body).toEqual({ addLicenses: [{ skuId: E3, disabledPlans: ['p1'] }], removeLicenses: [EMS] });
  });

  it('groups rows by the change they ask for', () => {
    const rows = [resolvedRow(1, 'a@x'), resolvedRow(2, 'a@x', { usageLocation: 'DE' }), resolvedRow(3, 'a@x')];
    expect(changesOf(rows).map((c) => c.map((r) => r.row))).toEqual([[1, 2, 3]]);
    expect(changesOf([...rows, resolvedRow(4, 'a@x', { skuId: EMS })]).length).toBe(2);
  });
});

describe('Scheduler', () => {
  /** A run function whose units finish only when the test says so. */
  function controlled() {
    const log: string[] = [];
    const finishers = new Map<number, () => void>();
    const run = async (scheduled: Scheduled) => {
      await scheduled.previous;
      scheduled.planned = true;
      const first = scheduled.unit.rows[0]!.row;
      log.push(`start ${scheduled.unit.rows.map((r) => r.row).join('+')}`);
      await new Promise<void>((resolve) => finishers.set(first, () => { log.push(`end ${first}`); resolve(); }));
    };
    return { log, run, finish: (row: number) => finishers.get(row)!() };
  }

  it('starts a user\'s next unit only after the previous one finished', async () => {
    const scheduler = new Scheduler({ windowSize: 10, slots: 4 });
    const { log, run, finish } = controlled();
    await scheduler.admit(newUnit(resolvedRow(1, 'a@x')), run);
    await flush();
    await scheduler.admit(newUnit(resolvedRow(5, 'a@x')), run);
    await scheduler.admit(newUnit(resolvedRow(2, 'b@x')), run);
    await flush();
    expect(log).toEqual(['start 1', 'start 2']);
    finish(1);
    await flush();
    expect(log).toEqual(['start 1', 'start 2', 'end 1', 'start 5']);
    finish(5);
    finish(2);
    await scheduler.drained();
  });

  it('starts a user\'s next unit even when the previous one failed', async () => {
    const scheduler = new Scheduler({ windowSize: 10, slots: 4 });
    const started: number[] = [];
    let failFirst: (error: Error) => void = () => {};
    await scheduler.admit(newUnit(resolvedRow(1, 'a@x')), (scheduled) => {
      scheduled.planned = true;
      started.push(1);
      return new Promise<void>((_, reject) => (failFirst = reject));
    });
    await scheduler.admit(newUnit(resolvedRow(2, 'a@x')), async (scheduled) => {
      await scheduled.previous;
      started.push(2);
    });
    failFirst(new Error('disk full'));
    await scheduler.drained();
    expect(started).toEqual([1, 2]);
  });

  it('merges rows of a user into that user\'s unit that is not yet planned', async () => {
    const scheduler = new Scheduler({ windowSize: 10, slots: 4 });
    const { log, run, finish } = controlled();
    expect(await scheduler.admit(newUnit(resolvedRow(1, 'a@x')), run)).toBe(true);
    await flush();
    expect(await scheduler.admit(newUnit(resolvedRow(4, 'a@x')), run)).toBe(true);
    expect(await scheduler.admit(newUnit(resolvedRow(9, 'A@X')), run)).toBe(false);
    finish(1);
    await flush();
    expect(log).toEqual(['start 1', 'end 1', 'start 4+9']);
    finish(4);
    await scheduler.drained();
  });

  it('admits no more than the window until units finish', async () => {
    const scheduler = new Scheduler({ windowSize: 2, slots: 1 });
    const { log, run, finish } = controlled();
    await scheduler.admit(newUnit(resolvedRow(1, 'a@x')), run);
    await scheduler.admit(newUnit(resolvedRow(2, 'b@x')), run);
    let third = false;
    const admitting = scheduler.admit(newUnit(resolvedRow(3, 'c@x')), run).then(() => (third = true));
    await flush();
    expect(third).toBe(false);
    finish(1);
    await admitting;
    await flush();
    expect(log).toContain('start 3');
    finish(2);
    finish(3);
    await scheduler.drained();
  });

  it('lets an add wait for the remove that frees its seat, as the ledger pairs them, and tells it whether the seat came free', async () => {
    const ledger = new SeatLedger([[E3, 0]]);
    const scheduler = new Scheduler({ windowSize: 10, slots: 1 });
    ledger.planRemove(E3, 4);
    ledger.planRemove(E3, 5);
    ledger.planRemove(E3, 6);
    expect([ledger.take(E3, 7), ledger.take(E3, 8), ledger.take(E3, 9)]).toEqual([4, 5, 6].map((removeRow) => ({ kind: 'after-remove', removeRow })));
    const settle = (removeRow: number, freed: boolean) => {
      const waitingAdd = ledger.settleRemove(E3, removeRow, freed);
      if (waitingAdd !== undefined) scheduler.settleSeat(waitingAdd, freed);
    };
    // The add in row 9 asks only after its remove settled: it learns the answer all the same.
    settle(6, false);
    const waits = [scheduler.seatSettled(7), scheduler.seatSettled(8), scheduler.seatSettled(9)];
    let answered = 0;
    for (const wait of waits) void wait.then(() => answered++);
    await Promise.resolve();
    expect(answered).toBe(1);
    settle(4, true);
    settle(5, false);
    expect(await Promise.all(waits)).toEqual([true, false, false]);
  });

  it('runs no more than its slots at once', async () => {
    const scheduler = new Scheduler({ windowSize: 10, slots: 2 });
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const jobs = Array.from({ length: 5 }, () =>
      scheduler.inSlot(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
      }),
    );
    for (let i = 0; i < 5; i++) {
      await flush();
      gates.shift()?.();
    }
    await Promise.all(jobs);
    expect(most).toBe(2);
  });
});

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
