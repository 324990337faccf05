import { describe, expect, it } from 'vitest';
import { progressMode } from '../src/cli/progress.js';

/** Only what progressMode reads of standard error. */
function stream(isTTY: boolean, columns: number | undefined): NodeJS.WriteStream {
  return { isTTY, columns } as unknown as NodeJS.WriteStream;
}

describe('progressMode', () => {
  it.each([
    { what: 'a terminal', log: 'text', quiet: false, tty: true, columns: 120, mode: 'live' },
    { what: 'a pipe or a log file', log: 'text', quiet: false, tty: false, columns: undefined, mode: 'plain' },
    // `script` or a scheduler's pseudo-terminal opened without a size: a redrawn line would never end clearing.
    { what: 'a terminal of no width', log: 'text', quiet: false, tty: true, columns: 0, mode: 'plain' },
    { what: 'a terminal that gives no width', log: 'text', quiet: false, tty: true, columns: undefined, mode: 'plain' },
    { what: '--log json on a terminal', log: 'json', quiet: false, tty: true, columns: 120, mode: 'json' },
    { what: '--quiet on a terminal', log: 'text', quiet: true, tty: true, columns: 120, mode: 'off' },
  ] as const)('$what: $mode', ({ log, quiet, tty, columns, mode }) => {
    expect(progressMode({ log, quiet }, stream(tty, columns))).toBe(mode);
  });
});
