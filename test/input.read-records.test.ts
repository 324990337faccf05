import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunError } from '../src/errors.js';
import type { InputRecord } from '../src/model.js';
import type { Delimiter } from '../src/input/delimiter.js';
import { findOpenQuote } from '../src/input/open-quote.js';
import { parseRow } from '../src/input/parse-row.js';
import { openInput } from '../src/input/read-records.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-input-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileNumber = 0;
async function write(content: string | Uint8Array): Promise<string> {
  const path = join(dir, `input-${++fileNumber}.csv`);
  await writeFile(path, content);
  return path;
}

async function read(content: string | Uint8Array, delimiter?: Delimiter) {
  const input = await openInput(await write(content), { delimiter });
  const records: InputRecord[] = [];
  for await (const record of input.records) records.push(record);
  return { header: input.header, records };
}

async function structureError(content: string | Uint8Array): Promise<RunError> {
  const error = await read(content).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunError);
  return error as RunError;
}

const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const utf16be = (text: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);

describe('openInput: encodings and line endings', () => {
  const text = 'upn\tsku\tNote\r\na@x.com\tE3\tgrüße 😀\r\n';
  it.each([
    { name: 'UTF-8', bytes: Buffer.from(text) },
    { name: 'UTF-8 with BOM', bytes: Buffer.from(`\uFEFF${text}`) },
    { name: 'UTF-16 LE with BOM', bytes: utf16le(text) },
    { name: 'UTF-16 BE with BOM', bytes: utf16be(text) },
    { name: 'UTF-16 LE without BOM', bytes: Buffer.from(text, 'utf16le') },
  ])('reads $name', async ({ bytes }) => {
    const { header, records } = await read(bytes);
    expect(header.names).toEqual(['upn', 'sku', 'Note']);
    expect(header.delimiter).toBe('\t');
    expect(records).toEqual([{ row: 1, line: 2, values: ['a@x.com', 'E3', 'grüße 😀'] }]);
  });

  it('decodes characters split across read chunks', async () => {
    // 64 KiB read chunks: put multi-byte characters on every boundary candidate.
    const rows = Array.from({ length: 3000 }, (_, i) => `u${i}@x.com,E3,ü€😀${'é'.repeat(i % 7)}`);
    const { records } = await read(`upn,sku,Note\n${rows.join('\n')}\n`);
    expect(records).toHaveLength(3000);
    expect(records.every((r, i) => r.values[2] === `ü€😀${'é'.repeat(i % 7)}`)).toBe(true);
  });

  it.each([
    { name: 'LF', eol: '\n' },
    { name: 'CRLF', eol: '\r\n' },
    { name: 'CR', eol: '\r' },
  ])('reads $name line endings with the same values and lines', async ({ eol }) => {
    const { records } = await read(['upn,sku', 'a@x.com,E3', 'b@x.com,EMS', ''].join(eol));
    expect(records).toEqual([
      { row: 1, line: 2, values: ['a@x.com', 'E3'] },
      { row: 2, line: 3, values: ['b@x.com', 'EMS'] },
    ]);
  });

  it('reads a file whose line endings are mixed', async () => {
    const { records } = await read('upn,sku\r\na@x.com,E3\nb@x.com,EMS\r\nc@x.com,E5');
    expect(records.map((r) => [r.line, r.values[1]])).toEqual([
      [2, 'E3'],
      [3, 'EMS'],
      [4, 'E5'],
    ]);
  });

  it('refuses bytes that are not UTF-8, naming their line', async () => {
    const latin1 = Buffer.from('upn;sku;Name\na@x.com;E3;Anna\nb@x.com;E3;M\xfcller\n', 'latin1');
    const error = await structureError(latin1);
    expect(error.code).toBe('INPUT_STRUCTURE');
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/^line 3 .*not valid UTF-8.*CSV UTF-8/);
  });
});

describe('openInput: delimiters, quotes and lines', () => {
  it.each([
    { name: 'comma', text: 'upn,sku\na@x.com,E3\n', delimiter: ',' },
    { name: 'semicolon', text: 'upn;sku\na@x.com;E3\n', delimiter: ';' },
    { name: 'tab', text: 'upn\tsku\na@x.com\tE3\n', delimiter: '\t' },
    { name: 'semicolon with a quoted comma in the header', text: '"Name, first";upn;sku\nx;a@x.com;E3\n', delimiter: ';' },
    { name: 'after blank lines', text: '\n\r\n  \nupn;sku\na@x.com;E3\n', delimiter: ';' },
  ])('detects $name', async ({ text, delimiter }) => {
    const { header, records } = await read(text);
    expect(header.delimiter).toBe(delimiter);
    expect(records[0]!.values.slice(-2)).toEqual(['a@x.com', 'E3']);
  });

  it('uses the delimiter given instead of detecting one', async () => {
    const text = 'upn;sku;Note,with,commas\na@x.com;E3;x,y,z\n';
    await expect(read(text)).rejects.toThrow(/no UserPrincipalName column/);
    const { header, records } = await read(text, ';');
    expect(header.names).toEqual(['upn', 'sku', 'Note,with,commas']);
    expect(records[0]!.values).toEqual(['a@x.com', 'E3', 'x,y,z']);
  });

  it('reads quoted fields with delimiters, quotes and line breaks, and counts lines after them', async () => {
    const text = [
      'upn,sku,Note',
      'a@x.com,E3,"one, ""two"""',
      'b@x.com,E3,"three',
      'lines\r',
      'here"',
      'c@x.com,E3,plain',
      '',
    ].join('\n');
    const { records } = await read(text);
    expect(records).toEqual([
      { row: 1, line: 2, values: ['a@x.com', 'E3', 'one, "two"'] },
      { row: 2, line: 3, values: ['b@x.com', 'E3', 'three\nlines\r\nhere'] },
      { row: 3, line: 6, values: ['c@x.com', 'E3', 'plain'] },
    ]);
  });

  it('skips blank and all-empty lines without counting them as rows, and keeps line numbers', async () => {
    const text = 'upn;sku;Note\n\na@x.com;E3;x\n;;\n   \n ; ;\nb@x.com;E3;y\n\n';
    const { records } = await read(text);
    expect(records).toEqual([
      { row: 1, line: 3, values: ['a@x.com', 'E3', 'x'] },
      { row: 2, line: 7, values: ['b@x.com', 'E3', 'y'] },
    ]);
  });

  it('pads short rows and ignores empty fields past the last column', async () => {
    const { records } = await read('upn,sku,Note\na@x.com,E3\nb@x.com,E3,n,,\n');
    expect(records.map((r) => r.values)).toEqual([
      ['a@x.com', 'E3', ''],
      ['b@x.com', 'E3', 'n'],
    ]);
  });

  it('reads a quote inside an unquoted field as a plain character', async () => {
    const { records } = await read('upn,sku,Note\na@x.com,E3,a 5" screen\n');
    expect(records[0]!.values[2]).toBe('a 5" screen');
  });
});

describe('openInput: a European Excel export', () => {
  it('reads alias headers, semicolons, a quoted line break and an all-empty row', async () => {
    const input = await openInput(fixture('input-european.csv'));
    const rows = [];
    for await (const record of input.records) {
      const parsed = parseRow(record, input.header);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) rows.push({ ...parsed.row, note: record.values[5] });
    }
    expect(input.header.delimiter).toBe(';');
    expect(input.header.columns).toEqual({ user: 0, sku: 1, disabledPlans: 2, action: 3, usageLocation: 4 });
    expect(rows.map((r) => [r.row, r.line, r.userKey, r.action, r.usageLocation, r.plans?.refs.length, r.note])).toEqual([
      [1, 2, 'user00001@contoso.example', 'add', 'DE', 2, 'first; with "quotes"'],
      [2, 3, 'user00002@contoso.example', 'add', 'FR', undefined, 'two\nlines'],
      [3, 7, 'user00003@contoso.example', 'remove', undefined, undefined, 'plain'],
    ]);
  });
});

describe('openInput: a results file as input', () => {
  it('drops the outcome columns and removes the formula escapes', async () => {
    const input = await openInput(fixture('input-results.csv'));
    const records: InputRecord[] = [];
    for await (const record of input.records) records.push(record);
    expect(input.header.names).toEqual(['upn', 'sku', 'Note']);
    expect(input.header.keptCount).toBe(3);
    expect(input.header.fieldCount).toBe(11);
    expect(records.map((r) => r.values)).toEqual([
      ['user00001@contoso.example', '6fd2c87f-b296-42f0-b197-1e91e994b900', '=SUM(A1)'],
      ['user00002@contoso.example', 'bogus sku!', '-x'],
    ]);
  });

  it.each([
    ["'=1+1", '=1+1'],
    ["'+1", '+1'],
    ["'-1", '-1'],
    ["'@SUM", '@SUM'],
    ["'\tx", '\tx'],
    ["'x", "'x"],
    ["'", "'"],
    ["''=x", "''=x"],
  ])('reads %j as %j', async (cell, value) => {
    const { records } = await read(`upn,sku,Note\na@x.com,E3,"${cell}"\n`);
    expect(records[0]!.values[2]).toBe(value);
  });
});

describe('openInput: structural problems', () => {
  it('names line 900 when a quote opened there is never closed, in a 1,000-line file', async () => {
    const lines = ['UserPrincipalName,SkuId'];
    for (let line = 2; line <= 1000; line++) lines.push(line === 900 ? `"u${line}@x.com,E3` : `u${line}@x.com,E3`);
    const error = await structureError(lines.join('\n') + '\n');
    expect(error.code).toBe('INPUT_STRUCTURE');
    expect(error.line).toBe(900);
    expect(error.message).toBe('line 900: a quoted field opened here is never closed');
  });

  it('names the opening line after multi-line fields and CRLF inside quotes', async () => {
    const text = 'upn,sku,Note\r\na@x.com,E3,"x\r\ny\r\nz"\r\nb@x.com,E3,ok\r\nc@x.com,E3,"open\r\nd@x.com,E3,x\r\n';
    const error = await structureError(text);
    expect(error.line).toBe(6);
  });

  it('names the line of an open quote in a later field of a multi-line record', async () => {
    const error = await structureError('upn,sku,Note,More\na@x.com,E3,"two\nlines","open\nb@x.com,E3,x,y\n');
    expect(error.line).toBe(3);
  });

  it('stops at a field past 1 MiB without holding the rest of the file', async () => {
    const filler = 'u@x.com,E3\n'.repeat(120_000); // about 1.3 MB after the open quote
    const error = await structureError(`upn,sku\na@x.com,E3\n"b@x.com,E3\n${filler}`);
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/^line 3: a quoted field opened here is not closed within 1 MiB/);
  });

  it('names the line and the counts when a row has more fields than the header', async () => {
    const lines = ['upn,sku,Action,Note'];
    for (let line = 2; line <= 11; line++) lines.push(`u${line}@x.com,E3,add,n`);
    lines.push('u12@x.com,E3,add,n,extra');
    const error = await structureError(lines.join('\n'));
    expect(error.code).toBe('INPUT_STRUCTURE');
    expect(error.line).toBe(12);
    expect(error.message).toBe('line 12 has 5 fields but the header has 4');
  });

  it('names the header line and the accepted names when a required column is missing', async () => {
    const error = await structureError('\nupn,Action\na@x.com,add\n');
    expect(error.code).toBe('INPUT_STRUCTURE');
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/^line 2: .*SkuId.*sku, skupartnumber, license, product/);
  });

  it.each([
    { name: 'empty', content: '' },
    { name: 'blank', content: '\n\r\n  \n' },
  ])('refuses an $name file', async ({ content }) => {
    const error = await structureError(content);
    expect(error.code).toBe('INPUT_STRUCTURE');
    expect(error.message).toMatch(/empty/);
  });
});

describe('findOpenQuote', () => {
  async function* charByChar(text: string) {
    for (const ch of text) yield ch;
  }
  it.each([
    { name: 'an open quote', text: 'a,b\n"c,d\ne,f\n', fromLine: 1, found: { line: 2, kind: 'unclosed' } },
    { name: 'escaped quotes and CRLF inside a closed field first', text: 'a,"x""y\r\nz"\r\nb,"open\r\n', fromLine: 1, found: { line: 3, kind: 'unclosed' } },
    { name: 'a quote in the middle of a field', text: 'a,b"c\nd,e\n', fromLine: 1, found: undefined },
    { name: 'a quote that closes at the very end', text: 'a,"b\nc"', fromLine: 1, found: undefined },
    { name: 'lines before fromLine', text: '"x\n"y\n"z,\n', fromLine: 3, found: { line: 3, kind: 'unclosed' } },
    { name: 'a field longer than the limit', text: `a,"${'x'.repeat(50)}"\n`, fromLine: 1, found: { line: 1, kind: 'too-long' } },
  ] as const)('finds $name', async ({ text, fromLine, found }) => {
    const options = { fromLine, delimiter: ',', maxFieldLength: 40 };
    expect(await findOpenQuote([text], options)).toEqual(found);
    expect(await findOpenQuote(charByChar(text), options)).toEqual(found);
  });
});

describe('openInput: unreadable files', () => {
  it.each([
    { name: 'a missing file', path: async () => join(dir, 'missing', 'licenses.csv'), says: /no such file/ },
    { name: 'a folder', path: async () => dir, says: /folder/ },
    ...(process.getuid?.() === 0
      ? []
      : [
          {
            name: 'a file without read permission',
            path: async () => {
              const path = await write('upn,sku\n');
              await chmod(path, 0o000);
              return path;
            },
            says: /permission denied/,
          },
        ]),
  ])('refuses $name, naming the path', async ({ path, says }) => {
    const file = await path();
    const error = await openInput(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('INPUT_UNREADABLE');
    expect((error as RunError).message).toContain(file);
    expect((error as RunError).message).toMatch(says);
  });
});

/** A full garbage collection, so that heapUsed measures what is retained rather than garbage. */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Writes a file of `rows` rows and returns its size; the text is garbage once this returns. */
async function writeLargeFile(path: string, rows: number): Promise<number> {
  const lines = ['UserPrincipalName,SkuId,DisabledPlans,Action,UsageLocation,Note'];
  for (let i = 0; i < rows; i++) lines.push(`user${i}@contoso.example,6fd2c87f-b296-42f0-b197-1e91e994b900,SWAY,add,US,"note ${i}"`);
  const content = lines.join('\n');
  await writeFile(path, content);
  return content.length;
}

describe('openInput: memory', () => {
  it('streams 200,000 rows without the heap growing with the file', async () => {
    const rows = 200_000;
    const path = join(dir, 'large.csv');
    const fileBytes = await writeLargeFile(path, rows);

    const gc = collectGarbage();
    gc();
    const base = process.memoryUsage().heapUsed;
    const input = await openInput(path);
    let count = 0;
    let retained = 0;
    for await (const record of input.records) {
      if (record.row !== ++count) throw new Error(`row ${record.row} came as record ${count}`);
      if (count % 50_000 === 0) {
        gc();
        retained = Math.max(retained, process.memoryUsage().heapUsed - base);
      }
    }
    expect(count).toBe(rows);
    // Holding the rows would retain more than the file's size (19 MB here); a stream retains a few
    // 64 KiB chunks and the parser's state.
    expect(retained).toBeLessThan(fileBytes / 8);
  });
});
