import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunError } from '../src/errors.js';
import type { RowOutcome } from '../src/model.js';
import { ResultsFile } from '../src/results/results-file.js';
import { checkResumable, previousResultsPath } from '../src/results/resume-check.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-resume-check-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const COLUMNS = ['upn', 'sku', 'Note'];
const INPUT = [
  ['a@x.com', 'E3', '=SUM(A1)'],
  ['b@x.com', 'E3', '-minus'],
  ['c@x.com', 'E3', 'plain'],
];

function outcome(row: number, status: RowOutcome['status']): RowOutcome {
  return { row, status, message: '', attempts: 1, completedAt: '2026-12-01T00:00:00.000Z' };
}

/** A results file as a run writes it (formula escapes and all), rows in the order given. */
async function results(rows: [values: string[], row: number, status: RowOutcome['status']][]): Promise<string> {
  const path = join(dir, 'in.results.csv');
  const file = ResultsFile.create(path, COLUMNS);
  for (const [values, row, status] of rows) file.append(values, outcome(row, status));
  file.close();
  return path;
}

async function input(rows: string[][]): Promise<string> {
  const path = join(dir, 'in.csv');
  await writeFile(path, [COLUMNS, ...rows].map((r) => r.join(',')).join('\n') + '\n');
  return path;
}

describe('checkResumable', () => {
  it('accepts kept rows that match, whatever their order in the file, formula escapes and spaces aside', async () => {
    const previous = await results([
      [INPUT[2]!, 3, 'skipped'],
      [INPUT[0]!, 1, 'succeeded'],
      [INPUT[1]!, 2, 'succeeded'],
    ]);
    const edited = [[' a@x.com ', 'E3', '=SUM(A1)'], INPUT[1]!, INPUT[2]!];
    await expect(checkResumable(previous, await input(edited), 3)).resolves.toBeUndefined();
  });

  it('accepts any edit of a row that did not succeed', async () => {
    const previous = await results([
      [INPUT[0]!, 1, 'succeeded'],
      [INPUT[1]!, 2, 'failed'],
      [INPUT[2]!, 3, 'invalid'],
    ]);
    await expect(checkResumable(previous, await input([INPUT[0]!, ['b2@x.com', 'EMS', 'fixed'], ['c2@x.com', 'E5', '']]), 3)).resolves.toBeUndefined();
  });

  it.each([
    { name: 'a kept row whose note was edited', rows: [INPUT[0]!, INPUT[1]!, ['c@x.com', 'E3', 'edited']], message: /its row 3 \(skipped\) has Note "plain", but the input's row 3 \(line 4\) has "edited"/ },
    { name: 'rows swapped', rows: [INPUT[1]!, INPUT[0]!, INPUT[2]!], message: /its row 1 \(succeeded\) has upn "a@x\.com", but the input's row 1 \(line 2\) has "b@x\.com"/ },
    { name: 'fewer rows than it keeps', rows: [INPUT[0]!, INPUT[1]!], count: 2, message: /its row 3 skipped, but the input has 2 row\(s\)/ },
  ])('refuses $name, naming the row, line, column and both values', async ({ rows, message, count }) => {
    const previous = await results([
      [INPUT[0]!, 1, 'succeeded'],
      [INPUT[1]!, 2, 'failed'],
      [INPUT[2]!, 3, 'skipped'],
    ]);
    const error = await checkResumable(previous, await input(rows), count ?? 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect(error).toMatchObject({ code: 'USAGE', exitCode: 2 });
    expect((error as Error).message).toMatch(message);
  });

  it('reads the copy a cut-short resume left aside before the results file itself', async () => {
    const out = join(dir, 'x.results.csv');
    expect(await previousResultsPath(out)).toBeUndefined();
    await writeFile(out, '');
    expect(await previousResultsPath(out)).toBe(out);
    await writeFile(`${out}.previous`, '');
    expect(await previousResultsPath(out)).toBe(`${out}.previous`);
  });
});
