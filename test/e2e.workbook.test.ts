import { existsSync } from 'node:fs';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { testWorkbook, writeTestWorkbook, type TestCell, type TestRow } from './helpers/workbook.js';
import { writeWorkbook } from '../src/bench/write-workbook.js';
import { csv, readResults } from './helpers/cli.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { withSimulator, type SimulatorHarness } from './helpers/with-simulator.js';

/**
 * Issue 13's workbook "done when", end to end against the simulator: a migration sheet as Excel
 * saves it is validated, run and resumed like the same content saved as CSV, cells as Excel shows
 * them, messages naming the sheet and Excel's row; and a workbook that cannot be read stops the run
 * before anything is sent.
 */

const HEADER = ['UserPrincipalName', 'SkuId', 'Action', 'EmployeeId', 'Start', 'Cost', 'Active', 'Note'];
const DATA_ROWS = 30;
/** Data rows 10 and 20 are invalid: an action nobody knows, and no SKU. */
const INVALID = new Map([
  [10, /Action/],
  [20, /SkuId is empty/],
]);
/** The header sits on Excel's row 2 (row 1 left empty); a blank row (with a styled, empty cell) follows data row 15. */
const excelRow = (i: number) => (i <= 15 ? i + 2 : i + 3);

/** Days since 1899-12-30: Excel's serial number of a date (1900 date system, past February 1900). */
const serial = (y: number, m: number, d: number) => (Date.UTC(y, m - 1, d) - Date.UTC(1899, 11, 30)) / 86_400_000;

interface MigrationRow {
  /** As Excel stores each cell. */
  readonly stored: TestCell[];
  /** As Excel shows each cell: what the same sheet saved as CSV holds. */
  readonly shown: string[];
}

/** Data row i (1-based): a text employee number on row 1, numbers with formats, dates, booleans, an error and formula results. */
function migrationRow(i: number, user = upn(i)): MigrationRow {
  const sku = i % 2 === 0 ? 'ENTERPRISEPACK' : SKU.E3;
  const action = i === 10 ? 'upgrade' : 'add';
  const start = new Date(Date.UTC(2024, 0, 14 + i));
  const note: [TestCell, string] =
    i === 3 ? [{ error: '#N/A', f: 'VLOOKUP(A5,HR!A:B,2,FALSE)' }, '#N/A'] : i === 4 ? [{ str: `${user} ok`, f: 'A6&" ok"' }, `${user} ok`] : i === 5 ? [{ inline: 'inline note' }, 'inline note'] : [`T-${i}`, `T-${i}`];
  return {
    stored: [
      user,
      i === 20 ? null : sku,
      action,
      i === 1 ? '0042' : { n: 1000 + i, format: '000000' },
      { n: serial(2024, 1, 14 + i), format: i % 3 === 0 ? 'yyyy-mm-dd' : 14 },
      { n: 1000 + i / 4, format: '#,##0.00' },
      i % 2 === 0,
      note[0],
    ],
    shown: [
      user,
      i === 20 ? '' : sku,
      action,
      i === 1 ? '0042' : String(1000 + i).padStart(6, '0'),
      i % 3 === 0 ? start.toISOString().slice(0, 10) : `${start.getUTCMonth() + 1}/${start.getUTCDate()}/${start.getUTCFullYear()}`,
      (1000 + i / 4).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
      i % 2 === 0 ? 'TRUE' : 'FALSE',
      note[1],
    ],
  };
}

function migrationRows(user: (i: number) => string = upn): MigrationRow[] {
  return Array.from({ length: DATA_ROWS }, (_, k) => migrationRow(k + 1, user(k + 1)));
}

function migrationSheet(rows: MigrationRow[]): TestRow[] {
  const sheet: TestRow[] = [[2, HEADER]];
  rows.forEach((row, k) => {
    if (k === 15) sheet.push([excelRow(15) + 1, [null, null, { raw: { s: 0 } }]]);
    sheet.push([excelRow(k + 1), row.stored]);
  });
  return sheet;
}

/** The same content as Excel's "Save As CSV UTF-8" writes it (quoted where a value has a comma), the blank row kept. */
function migrationCsv(rows: MigrationRow[]): string {
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const lines = [HEADER.join(',')];
  rows.forEach((row, k) => {
    if (k === 15) lines.push(',,,,,,,');
    lines.push(row.shown.map(quote).join(','));
  });
  return `${lines.join('\r\n')}\r\n`;
}

const tenant = () => testTenant({ users: DATA_ROWS });

describe('a migration workbook, end to end', () => {
  it('validate: exit 1, naming the two invalid rows by sheet and Excel row', () =>
    withSimulator({ tenant: tenant() }, async ({ dir, cli, sim }) => {
      const input = await writeTestWorkbook(dir.file('migration.xlsx'), { Users: migrationSheet(migrationRows()) });
      const result = await cli(['validate', input]);
      expect(result.code).toBe(1);
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      for (const [k, [i, message]] of [...INVALID].entries()) {
        expect(lines[k]).toMatch(new RegExp(`^row ${i} \\(sheet "Users" row ${excelRow(i)}\\): `));
        expect(lines[k]).toMatch(message);
      }
      expect(result.stderr).toMatch(/migration\.xlsx \(sheet "Users"\): 30 rows, 28 valid, 2 invalid/);
      expect(sim.stats.requests).toBe(0);
    }));

  it('run: the same statuses row for row as the same content saved as CSV, carried columns as Excel shows them', async () => {
    const rows = migrationRows();
    const viaCsv = await withSimulator({ tenant: tenant() }, async ({ dir, cli, url }) => {
      const input = await dir.write('migration.csv', migrationCsv(rows));
      const result = await cli(['run', input, '--graph-url', url, '--max-rate', 'off']);
      expect(result.code).toBe(1);
      return readResults(dir.file('migration.results.csv'));
    });
    await withSimulator({ tenant: tenant() }, async ({ dir, cli, url, sim }) => {
      const input = await writeTestWorkbook(dir.file('migration.xlsx'), { Users: migrationSheet(rows) });
      const result = await cli(['run', input, '--graph-url', url, '--max-rate', 'off']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/results: .*migration\.results\.csv/);
      const viaWorkbook = await readResults(dir.file('migration.results.csv'));

      expect(viaWorkbook.map((r) => [r.row, r.status, r.errorCode])).toEqual(viaCsv.map((r) => [r.row, r.status, r.errorCode]));
      expect(viaWorkbook.filter((r) => r.status === 'succeeded')).toHaveLength(28);
      expect(sim.stats.operations.assignLicense).toBe(28);
      // Every input column, as Excel shows it, and as the CSV of the same sheet holds it.
      expect(viaWorkbook.map((r) => HEADER.map((name) => r[name]))).toEqual(rows.map((row) => row.shown));
      expect(viaWorkbook.map((r) => HEADER.map((name) => r[name]))).toEqual(viaCsv.map((r) => HEADER.map((name) => r[name])));
      expect(viaWorkbook[0]).toMatchObject({ EmployeeId: '0042', Start: '1/15/2024', Cost: '1,000.25', Active: 'FALSE', Note: 'T-1' });
      expect(viaWorkbook[2]).toMatchObject({ EmployeeId: '001003', Start: '2024-01-17', Note: '#N/A' });
      // Invalid rows name the sheet and Excel's row where the CSV's name the line.
      expect(viaWorkbook[9]!.message).toMatch(/^row 10 \(sheet "Users" row 12\): /);
      expect(viaCsv[9]!.message).toMatch(/^row 10 \(line 11\): /);
      expect(viaWorkbook[19]!.message).toMatch(/^row 20 \(sheet "Users" row 23\): SkuId is empty/);
      // The run's report lists the invalid rows, each with its sheet and row.
      const report = await readFile(dir.file('migration.results.html'), 'utf8');
      expect(report).toMatch(/title="sheet (&quot;|&#34;)Users(&quot;|&#34;) row 12">10</);
      expect(report).toMatch(/<dt>Input<\/dt><dd>[^<]*migration\.xlsx, sheet (&quot;|&#34;)Users(&quot;|&#34;)<\/dd>/);
    });
  });

  it('--log json: row-failed events carry the sheet beside Excel\'s row number as their line', () =>
    withSimulator({ tenant: tenant() }, async ({ dir, cli, url }) => {
      const input = await writeTestWorkbook(dir.file('migration.xlsx'), { Users: migrationSheet(migrationRows()) });
      const result = await cli(['run', input, '--graph-url', url, '--max-rate', 'off', '--dry-run', '--log', 'json']);
      expect(result.code).toBe(1);
      const failed = result.stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((event) => event.event === 'row-failed');
      expect(failed.map((event) => [event.row, event.line, event.sheet, event.status])).toEqual([
        [10, 12, 'Users', 'invalid'],
        [20, 23, 'Users', 'invalid'],
      ]);
    }));

  it('--sheet picks a sheet; the first sheet, without the required columns, stops the run with exit 2 and no request', () =>
    withSimulator({ tenant: tenant() }, async ({ dir, cli, url, sim }) => {
      const input = await writeTestWorkbook(dir.file('migration.xlsx'), {
        'Read me': [[1, ['Migration wave 3']], [2, ['Run this on Friday']]],
        Users: migrationSheet(migrationRows()),
      });
      const first = await cli(['run', input, '--graph-url', url, '--max-rate', 'off']);
      expect(first.code).toBe(2);
      expect(first.stderr).toMatch(/sheet "Read me" row 1: the header has no UserPrincipalName column .*; it has columns "Migration wave 3"/);
      expect(first.stderr).not.toMatch(/\n\s+at /);
      expect(sim.stats.requests).toBe(0);
      expect(existsSync(dir.file('migration.results.csv'))).toBe(false);

      const picked = await cli(['run', input, '--graph-url', url, '--max-rate', 'off', '--sheet', 'Users', '--dry-run']);
      expect(picked.code).toBe(1);
      const results = await readResults(dir.file('migration.results.csv'));
      expect(results.map((r) => r.status).filter((s) => s === 'planned')).toHaveLength(28);
      expect(sim.stats.operations.assignLicense).toBe(0);

      const unknown = await cli(['validate', input, '--sheet', 'Leavers']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/--sheet "Leavers": .* has no such worksheet; its worksheets are "Read me", "Users"/);
    }));

  it.each([
    {
      name: 'a truncated workbook',
      make: async (file: string) => {
        await writeTestWorkbook(file, { Users: migrationSheet(migrationRows()) });
        await truncate(file, Math.floor((await stat(file)).size / 2));
      },
      message: /cannot read .*migration\.xlsx as an Excel workbook: it is not a complete workbook .*cut short while copying or saving/,
    },
    {
      name: 'a CSV file renamed .xlsx',
      make: (file: string) => writeFile(file, migrationCsv(migrationRows())),
      message: /cannot read .*migration\.xlsx as an Excel workbook: it is named \.xlsx but it holds text \(a CSV file renamed\?\)/,
    },
    {
      name: 'a password-protected workbook',
      make: (file: string) => writeFile(file, Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(4096)])),
      message: /password-protected \(encrypted\) workbook or an Excel 97-2003 \.xls file/,
    },
  ])('$name: exit 2 with a clear message and no request, for run and validate', ({ make, message }) =>
    withSimulator({ tenant: tenant() }, async ({ dir, cli, url, sim }) => {
      const input = dir.file('migration.xlsx');
      await make(input);
      for (const args of [['run', input, '--graph-url', url, '--max-rate', 'off'], ['validate', input]]) {
        const result = await cli(args);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      expect(sim.stats.requests).toBe(0);
      expect(existsSync(dir.file('migration.results.csv'))).toBe(false);
    }),
  );

  it('standard input: a workbook piped in is told by its content', () =>
    withSimulator({ tenant: tenant() }, async ({ dir, cli }) => {
      const file = await writeTestWorkbook(dir.file('migration.xlsx'), { Users: migrationSheet(migrationRows()) });
      const result = await cli(['validate', '-'], { stdin: await readFile(file) });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^row 10 \(sheet "Users" row 12\): /m);
    }));
});

describe('run --resume with a workbook', () => {
  /** Rows 3 and 6 name users the tenant does not have, so that the first run leaves rows to resume. */
  const ghosts = (i: number) => (i === 3 || i === 6 ? `ghost${i}@contoso.example` : upn(i));

  async function firstRun({ dir, cli, url }: SimulatorHarness) {
    const input = await writeTestWorkbook(dir.file('migration.xlsx'), { Users: migrationSheet(migrationRows(ghosts)) });
    const first = await cli(['run', input, '--graph-url', url, '--max-rate', 'off']);
    expect(first.code).toBe(1);
    const results = await readResults(dir.file('migration.results.csv'));
    expect(results.filter((r) => r.status === 'failed').map((r) => r.row)).toEqual(['3', '6']);
    return { input, out: dir.file('migration.results.csv'), results };
  }

  it('keeps the rows that succeeded and sends only the fixed ones, each row once, in order', () =>
    withSimulator({ tenant: tenant() }, async (h) => {
      const { input, out, results: before } = await firstRun(h);
      const writes = h.sim.stats.operations.assignLicense;
      // The admin fixes the two users in Excel and saves.
      await writeTestWorkbook(input, { Users: migrationSheet(migrationRows()) });
      const second = await h.cli(['run', input, '--graph-url', h.url, '--max-rate', 'off', '--resume']);
      expect(second.code).toBe(1); // the two invalid rows stay invalid
      expect(h.sim.stats.operations.assignLicense - writes).toBe(2);
      const after = await readResults(out);
      expect(after.map((r) => r.row)).toEqual(Array.from({ length: DATA_ROWS }, (_, k) => String(k + 1)));
      expect(after.filter((r) => r.status === 'succeeded')).toHaveLength(28);
      expect(after[0]!.requestId).toBe(before[0]!.requestId);
      expect(after[0]!.EmployeeId).toBe('0042');
    }));

  it("refuses a workbook whose rows were reordered, naming the sheet and Excel's row, before anything is sent", () =>
    withSimulator({ tenant: tenant() }, async (h) => {
      const { input, out } = await firstRun(h);
      const before = await readFile(out);
      const requests = h.sim.stats.requests;
      const rows = migrationRows(ghosts);
      [rows[0], rows[1]] = [rows[1]!, rows[0]!];
      await writeTestWorkbook(input, { Users: migrationSheet(rows) });
      const result = await h.cli(['run', input, '--graph-url', h.url, '--max-rate', 'off', '--resume']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/its row 1 \(succeeded\) has UserPrincipalName "user00001@contoso\.example", but the input's row 1 \(sheet "Users" row 3\) has "user00002@contoso\.example"/);
      expect(h.sim.stats.requests).toBe(requests);
      expect(await readFile(out)).toEqual(before);
    }));

  it('a results file, saved from Excel as a workbook, is a valid input again', () =>
    withSimulator({ tenant: tenant() }, async ({ dir, cli, url, sim }) => {
      const input = await dir.write('wave.csv', csv([['upn', 'sku', 'Ticket'], [upn(1), SKU.E3, '=1+1'], [upn(2), 'ENTERPRISEPACK', 'T2']]));
      expect((await cli(['run', input, '--graph-url', url, '--max-rate', 'off'])).code).toBe(0);
      const results = await readResults(dir.file('wave.results.csv'));
      const columns = Object.keys(results[0]!);
      const workbook = dir.file('wave-results.xlsx');
      await writeWorkbook(workbook, testWorkbook({ Results: [[1, columns], ...results.map((r, k): TestRow => [k + 2, columns.map((c) => r[c]!)])] }));
      const writes = sim.stats.operations.assignLicense;
      const again = await cli(['run', workbook, '--graph-url', url, '--max-rate', 'off']);
      expect(again.code).toBe(0);
      const rerun = await readResults(dir.file('wave-results.results.csv'));
      expect(rerun.map((r) => [r.upn, r.Ticket, r.status])).toEqual([
        [upn(1), "'=1+1", 'skipped'],
        [upn(2), 'T2', 'skipped'],
      ]);
      expect(sim.stats.operations.assignLicense).toBe(writes);
    }));
});

describe('sync with a workbook as the desired sheet', () => {
  it("reads the sheet --sheet names, runs the change sheet (CSV) without it, and names invalid rows by sheet and row", () =>
    withSimulator(
      {
        tenant: testTenant({
          users: 0,
          extraUsers: Array.from({ length: 8 }, (_, i) => ({
            id: `00000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`,
            userPrincipalName: upn(i + 1),
            usageLocation: 'US',
            // Users 1 to 6 hold E3 directly; 7 and 8 hold nothing.
            ...(i < 6 ? { assignedLicenses: [{ skuId: SKU.E3 }] } : {}),
          })),
        }),
      },
      async ({ dir, cli, url, sim }) => {
        // The sheet keeps users 1 to 5 and adds 7 and 8: user 6 loses E3. Row 4 (Excel row 6) is invalid.
        const rows: TestRow[] = [
          [3, ['UserPrincipalName', 'SkuId', 'EmployeeId']],
          ...[1, 2, 3].map((n, k): TestRow => [4 + k, [upn(n), 'ENTERPRISEPACK', { n, format: '0000' }]]),
          [7, [upn(4), 'NOSUCHSKU', '0004']],
          [8, [upn(4), 'ENTERPRISEPACK', '0004']],
          [9, [upn(5), 'ENTERPRISEPACK', '0005']],
          [10, [upn(7), SKU.E3, '0007']],
          [11, [upn(8), 'Office 365 E3', '0008']],
        ];
        const desired = await writeTestWorkbook(dir.file('desired.xlsx'), { Cover: [[1, ['Licences, wave 3']]], Desired: rows });
        const result = await cli(['sync', desired, '--sheet', 'Desired', '--graph-url', url, '--max-rate', 'off']);
        expect(result.stderr).not.toMatch(/internal error/);
        expect(result.stderr).toMatch(/row 4 \(sheet "Desired" row 7\): .*NOSUCHSKU/);
        expect(result.code).toBe(1); // the invalid row was not applied
        const changes = await readFile(dir.file('desired.changes.csv'), 'utf8');
        expect(changes).toMatch(new RegExp(`${upn(6).replace('.', '\\.')},ENTERPRISEPACK,,remove`));
        expect(sim.stats.operations.assignLicense).toBe(3);
        const results = await readResults(dir.file('desired.changes.results.csv'));
        expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
        expect(result.stderr).not.toMatch(/--sheet/);
      },
    ));
});
