import { createReadStream } from 'node:fs';
import { mkdtemp, rename, rm, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, basename } from 'node:path';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { UTF8_BOM } from './results-file.js';

/** Rows sorted in memory at once; larger files are sorted in runs of this size and merged. */
const DEFAULT_CHUNK_ROWS = 20_000;

/** Cells are rewritten exactly as read: they were escaped against formulas when first written. */
const VERBATIM = { eof: true } as const;

type Record = string[];

/**
 * Rewrites a results file in input order (by its `row` column), replacing it atomically.
 * Memory holds at most `chunkRows` records: a larger file is sorted in runs that are spilled to
 * temporary files and merged, so that a million-row run ends with a bounded footprint.
 */
export async function sortResultsFile(path: string, options: { chunkRows?: number } = {}): Promise<void> {
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const records = readRecords(path);
  const first = await records.next();
  if (first.done) return;
  const header = first.value;
  const rowIndex = header.indexOf('row', header.length - 8);
  if (rowIndex < 0) throw new Error(`${path} has no row column`);
  const rowOf = (record: Record) => Number(record[rowIndex]);
  const byRow = (a: Record, b: Record) => rowOf(a) - rowOf(b);

  const spillDir = await mkdtemp(join(tmpdir(), 'license-batch-sort-'));
  const runs: string[] = [];
  try {
    let chunk: Record[] = [];
    const spill = async () => {
      chunk.sort(byRow);
      const runPath = join(spillDir, `run-${runs.length}.csv`);
      await writeFile(runPath, stringify(chunk, VERBATIM));
      runs.push(runPath);
      chunk = [];
    };
    for await (const record of records) {
      chunk.push(record);
      if (chunk.length >= chunkRows) await spill();
    }

    const target = join(dirname(path), `.${basename(path)}.sorting`);
    const out = await open(target, 'w');
    try {
      await out.write(UTF8_BOM + stringify([header], VERBATIM));
      if (runs.length === 0) {
        chunk.sort(byRow);
        await writeInBatches(out, chunk);
      } else {
        if (chunk.length > 0) await spill();
        await writeInBatches(out, mergeRuns(runs, rowOf));
      }
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(target, path);
  } finally {
    await rm(spillDir, { recursive: true, force: true });
  }
}

type FileHandle = import('node:fs/promises').FileHandle;

async function writeInBatches(out: FileHandle, records: Iterable<Record> | AsyncIterable<Record>): Promise<void> {
  let batch: Record[] = [];
  for await (const record of records) {
    batch.push(record);
    if (batch.length === 1000) {
      await out.write(stringify(batch, VERBATIM));
      batch = [];
    }
  }
  if (batch.length > 0) await out.write(stringify(batch, VERBATIM));
}

/** k-way merge of sorted runs; k is small (rows / chunkRows), so a linear scan for the minimum is enough. */
async function* mergeRuns(runs: string[], rowOf: (record: Record) => number): AsyncGenerator<Record> {
  const readers = runs.map((run) => readRecords(run));
  const heads: (Record | undefined)[] = await Promise.all(readers.map(async (r) => (await r.next()).value));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head !== undefined && (best < 0 || rowOf(head) < rowOf(heads[best]!))) best = i;
    }
    if (best < 0) return;
    yield heads[best]!;
    heads[best] = (await readers[best]!.next()).value;
  }
}

async function* readRecords(path: string): AsyncGenerator<Record> {
  const parser = createReadStream(path).pipe(parse({ bom: true, relax_column_count: true }));
  for await (const record of parser) yield record as Record;
}
