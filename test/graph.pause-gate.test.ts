import { describe, expect, it } from 'vitest';
import { PauseGate, systemClock } from '../src/graph/pause-gate.js';
import { ManualClock, settle } from './helpers/graph.js';

/** Starts `gate.wait()` and reports whether it has resolved. */
function waiting(gate: PauseGate, signal?: AbortSignal): { readonly done: boolean } {
  const state = { done: false };
  void gate.wait(signal).then(() => (state.done = true));
  return state;
}

describe('PauseGate', () => {
  it('lets requests through at once when not paused', async () => {
    const clock = new ManualClock();
    const gate = new PauseGate(clock);
    expect(gate.isPaused).toBe(false);
    const w = waiting(gate);
    await settle();
    expect(w.done).toBe(true);
    expect(gate.pausedMs).toBe(0);
  });

  it('holds every waiter until the pause has passed, not a millisecond less', async () => {
    const clock = new ManualClock();
    const gate = new PauseGate(clock);
    const start = clock.now();
    gate.pauseUntil(start + 1000);
    expect(gate.isPaused).toBe(true);
    const a = waiting(gate);
    const b = waiting(gate);
    await clock.advance(999);
    expect([a.done, b.done, gate.isPaused]).toEqual([false, false, true]);
    await clock.advance(1);
    expect([a.done, b.done, gate.isPaused]).toEqual([true, true, false]);
    expect(gate.pausedMs).toBe(1000);
  });

  it('keeps waiters waiting when the pause is extended meanwhile', async () => {
    const clock = new ManualClock();
    const gate = new PauseGate(clock);
    const start = clock.now();
    gate.pauseUntil(start + 1000);
    const w = waiting(gate);
    await clock.advance(500);
    gate.pauseUntil(start + 2000);
    await clock.advance(500);
    expect(w.done).toBe(false);
    await clock.advance(999);
    expect(w.done).toBe(false);
    await clock.advance(1);
    expect(w.done).toBe(true);
    expect(gate.pausedMs).toBe(2000);
  });

  it('never shortens a pause', () => {
    const clock = new ManualClock();
    const gate = new PauseGate(clock);
    gate.pauseUntil(clock.now() + 5000);
    gate.pauseUntil(clock.now() + 1000);
    expect(gate.pausedUntil).toBe(clock.now() + 5000);
    gate.pauseUntil(clock.now() - 1000);
    expect(gate.pausedUntil).toBe(clock.now() + 5000);
  });

  it('counts overlapping pauses once, separate ones each, and only the part already passed', async () => {
    const clock = new ManualClock();
    const gate = new PauseGate(clock);
    const start = clock.now();
    gate.pauseUntil(start + 1000);
    await clock.advance(400);
    expect(gate.pausedMs).toBe(400);
    gate.pauseUntil(start + 1500); // overlaps the first: 1500 in all
    await clock.advance(2600); // t = 3000, idle since 1500
    expect(gate.pausedMs).toBe(1500);
    gate.pauseUntil(start + 3000 + 2000);
    await clock.advance(2000);
    expect(gate.pausedMs).toBe(3500);
    gate.pauseUntil(clock.now()); // a zero-length pause is no pause
    expect(gate.pausedMs).toBe(3500);
    expect(gate.isPaused).toBe(false);
  });

  it('lets a waiter go early when its signal aborts', async () => {
    const clock = new ManualClock();
    const gate = new PauseGate(clock);
    gate.pauseUntil(clock.now() + 60_000);
    const abort = new AbortController();
    const w = waiting(gate, abort.signal);
    await settle();
    expect(w.done).toBe(false);
    abort.abort();
    await settle();
    expect(w.done).toBe(true);
    expect(clock.sleeping).toBe(0);
    expect(gate.isPaused).toBe(true);
  });

  it('systemClock: an aborted sleep ends at once and leaves no timer behind', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const sleeping = systemClock.sleep(60_000, abort.signal);
    abort.abort();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1000);
    await systemClock.sleep(10, abort.signal); // already aborted: resolves at once
  });
});
