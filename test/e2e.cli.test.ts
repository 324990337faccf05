import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { readResults, spawnCli, tempDir } from './helpers/cli.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('the installed command', () => {
  it('prints help and exits 0', async () => {
    const result = await spawnCli(['help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/license-batch run <input\.csv/);
  });

  it.each([
    { args: ['frobnicate'], says: /Unknown command "frobnicate"/ },
    { args: ['run', 'x.csv', '--concurrency', 'lots'], says: /--concurrency.*"lots"/ },
    { args: ['run'], says: /needs <input\.csv>/ },
  ])('exits 2 with a usage message for $args', async ({ args, says }) => {
    const result = await spawnCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(says);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs the demo end to end against the built-in simulator', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.dispose());
    const result = await spawnCli(['demo'], { cwd: dir.path });
    expect(result.stderr).toMatch(/NOT Microsoft Graph/);
    expect(result.code).toBe(0);
    const out = dir.file('license-batch-demo.results.csv');
    expect(result.stderr).toContain(out);
    const rows = await readResults(out);
    const input = (await readFile(new URL('../samples/licenses.csv', import.meta.url), 'utf8')).trim().split('\n').length - 1;
    expect(rows).toHaveLength(input);
    expect(rows.filter((r) => r.status === 'succeeded').length).toBeGreaterThan(input / 2);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['succeeded', 'failed', 'invalid']));
  });
});
