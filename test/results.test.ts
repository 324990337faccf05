import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RowOutcome } from '../src/model.js';
import { ResultsFile } from '../src/results/results-file.js';
import { sortResultsFile } from '../src/results/sort-results.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-results-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function outcome(row: number, overrides: Partial<RowOutcome> = {}): RowOutcome {
  return { row, status: 'succeeded', httpStatus: 200, message: 'added ENTERPRISEPACK', attempts: 1, requestId: `req-${row}`, completedAt: '2026-11-28T12:00:00.000Z', ...overrides };
}

async function readResults(path: string): Promise<{ raw: string; records: string[][] }> {
  const raw = await readFile(path, 'utf8');
  return { raw, records: parse(raw, { bom: true }) as string[][] };
}

describe('ResultsFile', () => {
  it('writes a BOM, the input columns then the outcome columns, and escapes formulas', async () => {
    const path = join(dir, 'out.csv');
    const file = ResultsFile.create(path, ['UPN', 'Sku', 'Note']);
    file.append(['a@x.com', 'E3', '=HYPERLINK("x")'], outcome(1));
    file.append(['b@x.com', 'E3', 'line one\nline, two'], outcome(2, { status: 'failed', httpStatus: 400, errorCode: 'Request_BadRequest', message: '-bad' }));
    file.close();
    const { raw, records } = await readResults(path);
    expect(raw.startsWith('\uFEFF')).toBe(true);
    expect(records[0]).toEqual(['UPN', 'Sku', 'Note', 'row', 'status', 'httpStatus', 'errorCode', 'message', 'attempts', 'requestId', 'completedAt']);
    expect(records[1]).toEqual(['a@x.com', 'E3', `'=HYPERLINK("x")`, '1', 'succeeded', '200', '', 'added ENTERPRISEPACK', '1', 'req-1', '2026-11-28T12:00:00.000Z']);
    expect(records[2]!.slice(2, 8)).toEqual(['line one\nline, two', '2', 'failed', '400', 'Request_BadRequest', `'-bad`]);
    expect(file.isInInputOrder).toBe(true);
  });

  it('knows when rows were appended out of input order', () => {
    const file = ResultsFile.create(join(dir, 'out.csv'), ['UPN']);
    file.append(['a'], outcome(2));
    file.append(['b'], outcome(1));
    file.close();
    expect(file.isInInputOrder).toBe(false);
  });
});

describe('sortResultsFile', () => {
  it.each([
    { name: 'in memory', chunkRows: 1000 },
    { name: 'in spilled runs merged', chunkRows: 3 },
  ])('puts rows in input order ($name), keeping every cell as written', async ({ chunkRows }) => {
    const path = join(dir, 'out.csv');
    const order = [7, 3, 10, 1, 2, 9, 4, 8, 6, 5];
    const file = ResultsFile.create(path, ['UPN', 'Note']);
    for (const row of order) file.append([`u${row}@x.com`, row === 4 ? '=1+1' : `multi\nline ${row}`], outcome(row));
    file.close();

    await sortResultsFile(path, { chunkRows });

    const { raw, records } = await readResults(path);
    expect(raw.startsWith('\uFEFF')).toBe(true);
    expect(records[0]![0]).toBe('UPN');
    expect(records.slice(1).map((r) => r[2])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(records[4]![1]).toBe(`'=1+1`);
    expect(records[1]![1]).toBe('multi\nline 1');
    expect((await readdir(dir)).sort()).toEqual(['out.csv']);
  });
});
