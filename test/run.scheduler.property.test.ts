import fc from 'fast-check';
import PQueue from 'p-queue';
import { describe, expect, it } from 'vitest';
import { Scheduler, type Scheduled } from '../src/run/scheduler.js';
import { groupAdjacent } from '../src/run/work-unit.js';
import { resolvedRow } from './helpers/rows.js';

/**
 * The scheduler over any stream of rows and any order in which units finish: every row is run
 * exactly once, a user's rows run in file order, a user never has two units running at once, and
 * no more units are admitted than the window holds, nor sent at once than the slots allow, even when
 * their owner resizes the slots while units run (as --concurrency auto does).
 */

const USERS = ['a@x.com', 'A@X.com', 'b@x.com', 'c@x.com', 'd@x.com'];

const scenario = fc.record({
  users: fc.array(fc.integer({ min: 0, max: USERS.length - 1 }), { minLength: 1, maxLength: 80 }),
  windowSize: fc.integer({ min: 1, max: 6 }),
  slots: fc.integer({ min: 1, max: 4 }),
  /** Slots the owner sets (as --concurrency auto does while a run goes) as each unit starts; empty: fixed slots. */
  resizes: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 40 }),
  /** How many turns of the event loop each unit takes to plan and to send: the order units finish in. */
  turns: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 160, maxLength: 160 }),
});

async function* stream<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) {
    yield item;
    await Promise.resolve();
  }
}

const turnsOfEventLoop = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe('Scheduler with groupAdjacent (property)', () => {
  it('runs every row once, each user\'s rows in file order and one unit at a time, within the window', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ users, windowSize, slots, resizes, turns }) => {
        const rows = users.map((u, i) => resolvedRow(i + 1, USERS[u]!));
        const queue = new PQueue({ concurrency: slots });
        const scheduler = new Scheduler({ windowSize, slots: resizes.length === 0 ? slots : queue });
        const sizes = [...resizes];
        let mostSlots = slots;
        let overSlots = 0;
        const delays = [...turns];
        const next = () => delays.shift() ?? 0;
        const ran: number[] = [];
        const ranByUser = new Map<string, number[]>();
        const running = new Map<string, number>();
        const overlaps: string[] = [];
        let admitted = 0;
        let peakAdmitted = 0;
        let peakSending = 0;
        let sending = 0;

        const run = async (scheduled: Scheduled) => {
          admitted++;
          peakAdmitted = Math.max(peakAdmitted, admitted);
          try {
            if (scheduled.previous) await scheduled.previous;
            await turnsOfEventLoop(next()); // the read
            scheduled.planned = true; // from here on no row joins the unit: these are the rows sent
            const numbers = scheduled.unit.rows.map((r) => r.row);
            const key = scheduled.unit.userKey;
            // An assertion here would be swallowed by the scheduler, which runs a user's later units whatever the earlier did.
            if ((running.get(key) ?? 0) > 0) overlaps.push(key);
            running.set(key, 1);
            const size = sizes.shift();
            if (size !== undefined) {
              queue.concurrency = size;
              mostSlots = Math.max(mostSlots, size);
            }
            await scheduler.inSlot(async () => {
              sending++;
              peakSending = Math.max(peakSending, sending);
              // A unit starts only in a free slot, by the slots' number when it starts.
              if (sending > (resizes.length === 0 ? slots : queue.concurrency)) overSlots++;
              await turnsOfEventLoop(next());
              sending--;
            });
            ran.push(...numbers);
            ranByUser.set(key, [...(ranByUser.get(key) ?? []), ...numbers]);
            running.set(key, 0);
          } finally {
            admitted--;
          }
        };

        for await (const unit of groupAdjacent(stream(rows))) await scheduler.admit(unit, run);
        await scheduler.drained();

        expect(overlaps).toEqual([]);
        expect([...ran].sort((a, b) => a - b)).toEqual(rows.map((r) => r.row));
        for (const [key, numbers] of ranByUser) {
          expect(numbers).toEqual(rows.filter((r) => r.userKey === key).map((r) => r.row));
        }
        expect(peakAdmitted).toBeLessThanOrEqual(windowSize);
        expect(peakSending).toBeLessThanOrEqual(mostSlots);
        expect(overSlots).toBe(0);
      }),
      { numRuns: 300, seed: 2026_12_02 },
    );
  });
});
