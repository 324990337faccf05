import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workbookParts, writeWorkbook, writeZip } from '../src/bench/write-workbook.js';
import { RunError } from '../src/errors.js';
import type { InputRecord } from '../src/model.js';
import { openInput } from '../src/input/read-records.js';
import { SharedStrings } from '../src/input/workbook/shared-strings.js';
import { readSharedStrings, readWorkbookInfo } from '../src/input/workbook/workbook-parts.js';
import { ZipArchive } from '../src/input/workbook/zip-archive.js';
import { testWorkbook, writeTestWorkbook, type TestRow } from './helpers/workbook.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-workbook-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileNumber = 0;
const path = (extension = 'xlsx') => join(dir, `input-${++fileNumber}.${extension}`);

async function records(file: string, options: { sheet?: string } = {}): Promise<{ names: readonly string[]; sheet: string | undefined; line: number; rows: InputRecord[] }> {
  const input = await openInput(file, options);
  const rows: InputRecord[] = [];
  for await (const record of input.records) rows.push(record);
  return { names: input.header.names, sheet: input.header.sheet, line: input.header.line, rows };
}

async function failure(file: string, options: { sheet?: string } = {}): Promise<RunError> {
  try {
    await records(file, options);
  } catch (error) {
    if (error instanceof RunError) return error;
    throw error;
  }
  throw new Error(`${file} was read without an error`);
}

const HEADER: TestRow = [1, ['UserPrincipalName', 'SkuId', 'EmployeeId', 'Start', 'Cost', 'Active', 'Note']];

describe('openInput: a workbook, cell by cell as Excel shows it', () => {
  it('reads shared strings, numbers through their formats, dates, booleans, errors, formulas and inline strings', async () => {
    const file = await writeTestWorkbook(path(), {
      Users: [
        HEADER,
        [2, ['a@contoso.example', 'ENTERPRISEPACK', '0042', { n: 45306, format: 14 }, { n: 1234.5, format: '0.00' }, true, { error: '#N/A', f: 'VLOOKUP(A2,X!A:B,2,0)' }]],
        [3, ['b@contoso.example', 'ENTERPRISEPACK', { n: 7, format: '0000' }, { n: 45307, format: 'yyyy-mm-dd' }, { n: 0.25, format: 10 }, false, { str: 'b-ENTERPRISEPACK', f: 'A3&"-"&B3' }]],
        [4, ['c@contoso.example', 'ENTERPRISEPACK', 123456, { n: 45308.5, format: 22 }, 0.1, null, { inline: 'inline text' }]],
      ],
    });
    const { names, rows, sheet, line } = await records(file);
    expect(names).toEqual(['UserPrincipalName', 'SkuId', 'EmployeeId', 'Start', 'Cost', 'Active', 'Note']);
    expect([sheet, line]).toEqual(['Users', 1]);
    expect(rows.map((r) => r.values)).toEqual([
      ['a@contoso.example', 'ENTERPRISEPACK', '0042', '1/15/2024', '1234.50', 'TRUE', '#N/A'],
      ['b@contoso.example', 'ENTERPRISEPACK', '0007', '2024-01-16', '25.00%', 'FALSE', 'b-ENTERPRISEPACK'],
      ['c@contoso.example', 'ENTERPRISEPACK', '123456', '1/17/2024 12:00', '0.1', '', 'inline text'],
    ]);
  });

  it("counts rows as Excel numbers them: blank rows and rows Excel left out are skipped, the first non-blank row is the header", async () => {
    const file = await writeTestWorkbook(path(), {
      Users: [
        [3, [null, null]],
        [4, ['upn', 'sku']],
        [6, ['a@contoso.example', 'E3']],
        [7, ['  ', null]],
        [9, ['b@contoso.example', 'E3']],
      ],
    });
    const { rows, line } = await records(file);
    expect(line).toBe(4);
    expect(rows.map((r) => [r.row, r.line, ...r.values])).toEqual([
      [1, 6, 'a@contoso.example', 'E3'],
      [2, 9, 'b@contoso.example', 'E3'],
    ]);
  });

  it('places cells by their reference, so that cells Excel left out read as empty', async () => {
    const file = join(dir, 'gaps.xlsx');
    await writeWorkbook(file, {
      sheets: [
        {
          name: 'Sheet1',
          rows: [
            { r: 1, cells: [{ t: 'inlineStr', text: 'upn' }, { t: 'inlineStr', text: 'sku' }, { t: 'inlineStr', text: 'Note' }] },
            { r: 2, cells: [{ t: 'inlineStr', text: 'a@contoso.example' }, { col: 'C', t: 'inlineStr', text: 'no SKU' }] },
            { r: 3, cells: [{ col: 'B', t: 'inlineStr', text: 'E3' }] },
          ],
        },
      ],
    });
    expect((await records(file)).rows.map((r) => r.values)).toEqual([
      ['a@contoso.example', '', 'no SKU'],
      ['', 'E3', ''],
    ]);
  });

  it('joins rich text runs, leaves out phonetic runs, and decodes _xHHHH_ escapes', async () => {
    const file = join(dir, 'rich.xlsx');
    const rows = ['<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>', '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2" t="s"><v>5</v></c></row>'];
    await writeWorkbook(file, {
      sheets: [{ name: 'Sheet1', rows }],
      sharedStrings: {
        count: 6,
        items:
          '<si><t>upn</t></si><si><t>sku</t></si><si><t>Note</t></si>' +
          '<si><r><rPr><b/></rPr><t>a@</t></r><r><t xml:space="preserve">contoso.example</t></r></si>' +
          '<si><t>E3</t><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>' +
          '<si><t>line one_x000D_&#10;line two &amp; _x005F_x000D_</t></si>',
      },
    });
    expect((await records(file)).rows[0]!.values).toEqual(['a@contoso.example', 'E3', 'line one\r\nline two & _x000D_']);
  });

  it('reads inline strings the same way: runs joined, phonetic runs left out', async () => {
    const file = join(dir, 'inline-rich.xlsx');
    const cell = (ref: string, inner: string) => `<c r="${ref}" t="inlineStr"><is>${inner}</is></c>`;
    await writeWorkbook(file, {
      sheets: [
        {
          name: 'Sheet1',
          rows: `<row r="1">${cell('A1', '<t>upn</t>')}${cell('B1', '<t>sku</t>')}</row><row r="2">${cell('A2', '<r><t>a@</t></r><r><t>contoso.example</t></r>')}${cell('B2', '<t>E3</t><rPh sb="0" eb="1"><t>PHONETIC</t></rPh>')}</row>`,
        },
      ],
    });
    expect((await records(file)).rows[0]!.values).toEqual(['a@contoso.example', 'E3']);
  });

  it('reads parts written with a namespace prefix (x:row, x:c), as the Open XML SDK writes them', async () => {
    const file = join(dir, 'prefixed.xlsx');
    const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
    const rels = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
    await writeZip(file, [
      { name: '_rels/.rels', text: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="${rels}/officeDocument" Target="/xl/workbook.xml"/></Relationships>` },
      { name: 'xl/workbook.xml', text: `<x:workbook xmlns:x="${main}" xmlns:r="${rels}"><x:sheets><x:sheet name="Data" sheetId="1" r:id="R9"/></x:sheets></x:workbook>` },
      { name: 'xl/_rels/workbook.xml.rels', text: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="R9" Type="${rels}/worksheet" Target="/xl/worksheets/data.xml"/></Relationships>` },
      {
        name: 'xl/worksheets/data.xml',
        text: `<x:worksheet xmlns:x="${main}"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>upn</x:t></x:is></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>sku</x:t></x:is></x:c></x:row><x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>a@contoso.example</x:t></x:is></x:c><x:c r="B2" t="inlineStr"><x:is><x:t>E3</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>`,
      },
    ]);
    const { rows, sheet } = await records(file);
    expect(sheet).toBe('Data');
    expect(rows.map((r) => r.values)).toEqual([['a@contoso.example', 'E3']]);
  });

  it('reads a 1904 workbook\'s dates from 1904', async () => {
    const file = await writeTestWorkbook(path(), { Sheet1: [[1, ['upn', 'sku', 'Start']], [2, ['a@contoso.example', 'E3', { n: 43844, format: 14 }]]] }, { date1904: true });
    expect((await records(file)).rows[0]!.values[2]).toBe('1/15/2024');
  });

  it("drops a results file's outcome columns and undoes its formula escape, as for CSV", async () => {
    const outcome = ['row', 'status', 'httpStatus', 'errorCode', 'message', 'attempts', 'requestId', 'completedAt'];
    const file = await writeTestWorkbook(path(), {
      Results: [
        [1, ['upn', 'sku', 'Note', ...outcome]],
        [2, ['a@contoso.example', 'E3', "'=HYPERLINK(1)", 1, 'succeeded']],
      ],
    });
    const { names, rows } = await records(file);
    expect(names).toEqual(['upn', 'sku', 'Note']);
    expect(rows[0]!.values).toEqual(['a@contoso.example', 'E3', '=HYPERLINK(1)']);
  });
});

describe('openInput: which sheet', () => {
  const sheets: Record<string, TestRow[]> = {
    Notes: [[1, ['Read me first']]],
    Joiners: [
      [1, ['upn', 'sku']],
      [2, ['joiner@contoso.example', 'E3']],
    ],
    Leavers: [
      [1, ['upn', 'sku', 'action']],
      [2, ['leaver@contoso.example', 'E3', 'remove']],
    ],
  };

  it('reads the first worksheet, or the one --sheet names (its case need not match)', async () => {
    const file = await writeTestWorkbook(path(), sheets);
    expect((await failure(file)).message).toMatch(/sheet "Notes" row 1: the header has no UserPrincipalName column .*; it has columns "Read me first"/);
    expect((await records(file, { sheet: 'Leavers' })).rows[0]!.values).toEqual(['leaver@contoso.example', 'E3', 'remove']);
    expect((await records(file, { sheet: 'joiners' })).rows[0]!.values).toEqual(['joiner@contoso.example', 'E3']);
  });

  it('skips a hidden sheet for the first one, as the admin sees the tabs; --sheet still reads it', async () => {
    const file = await writeTestWorkbook(path(), { Lists: [[1, ['SKU names']]], ...sheets }, { hidden: ['Lists', 'Notes'] });
    expect((await records(file)).sheet).toBe('Joiners');
    const error = await failure(file, { sheet: 'Lists' });
    expect(error.message).toMatch(/sheet "Lists" row 1: the header has no UserPrincipalName column/);
    expect((await failure(file, { sheet: 'Movers' })).message).toMatch(/its worksheets are "Lists" \(hidden\), "Notes" \(hidden\), "Joiners", "Leavers"/);
  });

  it('refuses a sheet the workbook does not have, listing those it has', async () => {
    const file = await writeTestWorkbook(path(), sheets);
    const error = await failure(file, { sheet: 'Movers' });
    expect(error.code).toBe('USAGE');
    expect(error.message).toMatch(/--sheet "Movers": .* has no such worksheet; its worksheets are "Notes", "Joiners", "Leavers"/);
  });

  it('refuses --sheet for a CSV file', async () => {
    const file = path('csv');
    await writeFile(file, 'upn,sku\na@contoso.example,E3\n');
    expect((await failure(file, { sheet: 'Users' })).message).toMatch(/--sheet "Users" is for an Excel workbook \(\.xlsx\), but .* is read as a CSV file/);
  });
});

describe('openInput: a workbook that cannot be read stops with exit 2 and says why', () => {
  const valid: Record<string, TestRow[]> = { Users: [[1, ['upn', 'sku']], [2, ['a@contoso.example', 'E3']]] };

  it('a CSV file renamed .xlsx', async () => {
    const file = path();
    await writeFile(file, 'upn,sku\na@contoso.example,E3\n');
    const error = await failure(file);
    expect([error.code, error.exitCode]).toEqual(['INPUT_UNREADABLE', 2]);
    expect(error.message).toMatch(/cannot read .*\.xlsx as an Excel workbook: it is named \.xlsx but it holds text \(a CSV file renamed\?\)/);
  });

  it('an empty file named .xlsx', async () => {
    const file = path();
    await writeFile(file, '');
    expect((await failure(file)).message).toMatch(/it is named \.xlsx but it is empty/);
  });

  it('a workbook cut short', async () => {
    const file = await writeTestWorkbook(path(), valid);
    const { size } = await import('node:fs/promises').then((fs) => fs.stat(file));
    await truncate(file, Math.floor(size * 0.7));
    const error = await failure(file);
    expect([error.code, error.exitCode]).toEqual(['INPUT_UNREADABLE', 2]);
    expect(error.message).toMatch(/cannot read .* as an Excel workbook: it is not a complete workbook .*cut short/);
  });

  it('a password-protected workbook (an OLE compound file), whatever its name', async () => {
    for (const extension of ['xlsx', 'csv']) {
      const file = path(extension);
      await writeFile(file, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]));
      const error = await failure(file);
      expect([error.code, error.exitCode]).toEqual(['INPUT_UNREADABLE', 2]);
      expect(error.message).toMatch(/password-protected \(encrypted\) workbook or an Excel 97-2003 \.xls file; .*without a password/);
    }
  });

  it('a zip archive that holds no workbook', async () => {
    const file = path();
    await writeZip(file, [{ name: 'word/document.xml', text: '<w:document/>' }]);
    expect((await failure(file)).message).toMatch(/it is a zip archive, but not an Excel workbook/);
  });

  it('a workbook read from a file of any name, told by its content (standard input is spilled to input.csv)', async () => {
    const file = await writeTestWorkbook(path('csv'), valid);
    expect((await records(file)).rows[0]!.values).toEqual(['a@contoso.example', 'E3']);
  });

  it('a sheet whose header lacks a required column, naming the sheet, the row and the columns it has', async () => {
    const file = await writeTestWorkbook(path(), { Users: [[2, ['upn', 'Licence', 'Note']], [3, ['a@contoso.example', 'E3', 'x']]] });
    const error = await failure(file);
    expect([error.code, error.line]).toEqual(['INPUT_STRUCTURE', 2]);
    expect(error.message).toBe(
      'sheet "Users" row 2: the header has no SkuId column (also accepted: sku, skupartnumber, license, product); it has columns "upn", "Licence", "Note"',
    );
  });

  it('a header pasted whole into column A', async () => {
    const file = await writeTestWorkbook(path(), { Users: [[1, ['upn;sku']], [2, ['a@contoso.example;E3']]] });
    expect((await failure(file)).message).toMatch(/the whole header is in column A: was a CSV file pasted or opened without splitting it into columns\?/);
  });

  it('an empty sheet', async () => {
    const file = await writeTestWorkbook(path(), { Empty: [[1, [null]]] });
    expect((await failure(file)).message).toMatch(/sheet "Empty" of .* is empty; its first non-blank row must be the header/);
  });

  it('a value right of the header, naming the sheet, the row and the column', async () => {
    const file = await writeTestWorkbook(path(), { Users: [[1, ['upn', 'sku']], [2, ['a@contoso.example', 'E3']], [5, ['b@contoso.example', 'E3', null, 'stray']]] });
    const error = await failure(file);
    expect([error.code, error.line]).toEqual(['INPUT_STRUCTURE', 5]);
    expect(error.message).toBe('sheet "Users" row 5 has a value in column D ("stray") but the header has 2 column(s), A to B; give the column a header or clear it');
  });

  it("a sheet whose data ends before the size the archive's directory gives it", async () => {
    const file = await writeTestWorkbook(path(), valid);
    const bytes = await readFile(file);
    const name = Buffer.from('xl/worksheets/sheet1.xml');
    // The central directory's record of the sheet: signature, then the name at offset 46.
    let at = -1;
    for (let i = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); i !== -1; i = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), i + 4)) {
      if (bytes.subarray(i + 46, i + 46 + name.length).equals(name)) at = i;
    }
    expect(at).toBeGreaterThan(0);
    bytes.writeUInt32LE(bytes.readUInt32LE(at + 24) + 1000, at + 24);
    await writeFile(file, bytes);
    const error = await failure(file);
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect(error.message).toMatch(/cannot read sheet "Users" of .*: xl\/worksheets\/sheet1\.xml is cut short \(\d+ of \d+ bytes\)/);
  });

  it('a styles part larger than anything Excel writes, without reading it whole', async () => {
    const file = path();
    const spec = testWorkbook(valid);
    const parts = workbookParts(spec).map((part) =>
      part.name === 'xl/styles.xml'
        ? {
            name: part.name,
            text: (function* () {
              yield '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">';
              for (let i = 0; i < 65; i++) yield ' '.repeat(2 ** 20);
              yield '</styleSheet>';
            })(),
          }
        : part,
    );
    await writeZip(file, parts);
    const error = await failure(file);
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect(error.message).toMatch(/xl\/styles\.xml is larger than 64 MiB, far more than Excel writes/);
  });

  it('a cell that refers to a shared string the table does not have', async () => {
    const file = await writeTestWorkbook(path(), { Users: [[1, ['upn', 'sku']], [2, ['a@contoso.example', { raw: { t: 's', v: '99' } }]]] });
    const error = await failure(file);
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect(error.message).toMatch(/cannot read sheet "Users" of .*: cell B2 refers to shared string 99, which the workbook does not have/);
  });

  it('a sheet whose XML is broken', async () => {
    const file = path();
    await writeWorkbook(file, { sheets: [{ name: 'Users', rows: '<row r="1"><c r="A1" t="inlineStr"><is><t>upn</t></is></c><c r="B1" t="inlineStr"><is><t>sku</t></is></c></row><row r="2"><c r="A2"' }] });
    const error = await failure(file);
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect(error.message).toMatch(/cannot read sheet "Users" of /);
  });
});

describe('readSharedStrings', () => {
  it('stops at its limit rather than take the memory a hostile table asks for', async () => {
    const file = path();
    await writeWorkbook(file, { sheets: [{ name: 'S', rows: [] }], sharedStrings: Array.from({ length: 3000 }, (_, i) => `${i}`.padEnd(1000, 'x')) });
    const zip = await ZipArchive.open(file);
    try {
      const info = await readWorkbookInfo(zip);
      expect((await readSharedStrings(zip, info?.sharedStringsPath, 4 * 2 ** 20)).size).toBe(3000);
      await expect(readSharedStrings(zip, info?.sharedStringsPath, 2 ** 20)).rejects.toThrow(/holds more than 1 MiB of text/);
    } finally {
      zip.close();
    }
  });
});

describe('SharedStrings', () => {
  it('gives back every string it holds, across its blocks, and nothing past its end', () => {
    const strings = new SharedStrings();
    const texts = Array.from({ length: 40_000 }, (_, i) => (i % 1000 === 0 ? 'é'.repeat(20_000) : `user${i}@contoso.example ✓`));
    for (const text of texts) strings.add(text);
    expect(strings.size).toBe(texts.length);
    for (const i of [0, 1, 999, 1000, 1001, 25_000, 39_999]) expect(strings.get(i)).toBe(texts[i]);
    expect(strings.get(40_000)).toBeUndefined();
    expect(strings.get(-1)).toBeUndefined();
    expect(strings.get(Number.NaN)).toBeUndefined();
  });
});

describe('openInput: a workbook, memory', () => {
  it('streams 200,000 rows of inline strings without the heap growing with the sheet', async () => {
    const rows = 200_000;
    const file = path();
    function* sheetRows() {
      yield '<row r="1"><c r="A1" t="inlineStr"><is><t>UserPrincipalName</t></is></c><c r="B1" t="inlineStr"><is><t>SkuId</t></is></c><c r="C1" t="inlineStr"><is><t>Note</t></is></c></row>';
      for (let i = 0; i < rows; i++) {
        const r = i + 2;
        yield `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>user${i}@contoso.example</t></is></c><c r="B${r}" t="inlineStr"><is><t>6fd2c87f-b296-42f0-b197-1e91e994b900</t></is></c><c r="C${r}"><v>${i}</v></c></row>`;
      }
    }
    await writeWorkbook(file, { sheets: [{ name: 'Big', rows: sheetRows() }] });
    const sheetBytes = rows * 190;

    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const base = process.memoryUsage().heapUsed;
    const input = await openInput(file);
    let count = 0;
    let retained = 0;
    for await (const record of input.records) {
      if (record.row !== ++count || record.line !== count + 1) throw new Error(`row ${record.row} (line ${record.line}) came as record ${count}`);
      if (count % 50_000 === 0) {
        gc();
        retained = Math.max(retained, process.memoryUsage().heapUsed - base);
      }
    }
    expect(count).toBe(rows);
    // Holding the rows would retain more than the sheet's XML (about 38 MB); a stream retains a chunk and its rows.
    expect(retained).toBeLessThan(sheetBytes / 8);
    expect((await readFile(file)).length).toBeLessThan(sheetBytes);
  });
});
