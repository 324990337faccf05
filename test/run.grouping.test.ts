import { describe, expect, it } from 'vitest';
import { assignLicenseBody, distinctChanges, requestedUsageLocation } from '../src/run/request-body.js';
import { UserLanes } from '../src/run/user-lanes.js';
import { groupAdjacent, MAX_ROWS_PER_UNIT, newUnit, type WorkUnit } from '../src/run/work-unit.js';
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

describe('assignLicenseBody', () => {
  it('always carries both keys', () => {
    expect(assignLicenseBody([resolvedRow(1, 'a@x')])).toEqual({ addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
    expect(assignLicenseBody([resolvedRow(1, 'a@x', { action: 'remove' })])).toEqual({ addLicenses: [], removeLicenses: [E3] });
  });

  it('combines adds and removes of one user and sends a repeated SKU once', () => {
    const body = assignLicenseBody([
      resolvedRow(1, 'a@x', { disabledPlans: ['p1'] }),
      resolvedRow(2, 'a@x', { action: 'remove', skuId: EMS }),
      resolvedRow(3, 'a@x', { disabledPlans: ['p1'] }),
    ]);
    expect(body).toEqual({ addLicenses: [{ skuId: E3, disabledPlans: ['p1'] }], removeLicenses: [EMS] });
  });

  it('counts distinct changes and finds the usage location', () => {
    const rows = [resolvedRow(1, 'a@x'), resolvedRow(2, 'a@x', { usageLocation: 'DE' }), resolvedRow(3, 'a@x')];
    expect(distinctChanges(rows)).toBe(1);
    expect(distinctChanges([...rows, resolvedRow(4, 'a@x', { skuId: EMS })])).toBe(2);
    expect(requestedUsageLocation(rows)).toBe('DE');
    expect(requestedUsageLocation([resolvedRow(1, 'a@x')])).toBeUndefined();
  });
});

describe('UserLanes', () => {
  /** A start function whose units finish only when the test says so. */
  function controlled() {
    const log: string[] = [];
    const finishers = new Map<number, () => void>();
    const start = (unit: WorkUnit) => {
      unit.started = true;
      const first = unit.rows[0]!.row;
      log.push(`start ${unit.rows.map((r) => r.row).join('+')}`);
      return new Promise<void>((resolve) => finishers.set(first, () => { log.push(`end ${first}`); resolve(); }));
    };
    return { log, start, finish: (row: number) => finishers.get(row)!() };
  }

  it('starts a user\'s next unit only after the previous one finished', async () => {
    const lanes = new UserLanes();
    const { log, start, finish } = controlled();
    lanes.submit(newUnit(resolvedRow(1, 'a@x')), start);
    await flush();
    lanes.submit(newUnit(resolvedRow(5, 'a@x')), start);
    lanes.submit(newUnit(resolvedRow(2, 'b@x')), start);
    await flush();
    expect(log).toEqual(['start 1', 'start 2']);
    finish(1);
    await flush();
    expect(log).toEqual(['start 1', 'start 2', 'end 1', 'start 5']);
    finish(5);
    finish(2);
    await flush();
    expect(lanes.size).toBe(0);
  });

  it('starts a user\'s next unit even when the previous one failed', async () => {
    const lanes = new UserLanes();
    const started: number[] = [];
    let failFirst: (error: Error) => void = () => {};
    lanes.submit(newUnit(resolvedRow(1, 'a@x')), (unit) => {
      unit.started = true;
      started.push(1);
      return new Promise<void>((_, reject) => (failFirst = reject));
    });
    await flush();
    lanes.submit(newUnit(resolvedRow(2, 'a@x')), async (unit) => {
      unit.started = true;
      started.push(2);
    });
    failFirst(new Error('disk full'));
    await flush();
    expect(started).toEqual([1, 2]);
  });

  it('merges rows of a user into that user\'s unit that has not started', async () => {
    const lanes = new UserLanes();
    const { log, start, finish } = controlled();
    expect(lanes.submit(newUnit(resolvedRow(1, 'a@x')), start)).toBe(true);
    await flush();
    expect(lanes.submit(newUnit(resolvedRow(4, 'a@x')), start)).toBe(true);
    expect(lanes.submit(newUnit(resolvedRow(9, 'A@X')), start)).toBe(false);
    finish(1);
    await flush();
    expect(log).toEqual(['start 1', 'end 1', 'start 4+9']);
    finish(4);
    await flush();
  });
});

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
