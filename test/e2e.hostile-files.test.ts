import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { csv, readResults } from './helpers/cli.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { withSimulator } from './helpers/with-simulator.js';

/**
 * Files as they arrive from other systems and other hands (issue 7 item 7), each through `run`
 * against the simulator: a broken structure stops the run before anything is sent, with exit 2 and
 * the line named; a bad row is that row's outcome, with its row and value named.
 */
const TEN_MB = 10 * 1024 * 1024;
const rows = (...users: string[]) => users.map((user) => [user, 'ENTERPRISEPACK']);

describe('hostile files that stop the run before anything is sent (exit 2, the line named)', () => {
  it.each([
    { name: 'an empty file', content: '', message: /line 1: .*licenses\.csv is empty; its first line must be the header/ },
    { name: 'only blank lines', content: '\n\r\n  \n', message: /line 1: .* is empty/ },
    { name: 'duplicate header names', content: csv([['upn', 'sku', 'UPN'], [upn(1), 'ENTERPRISEPACK', upn(2)]]), message: /line 1: the header has two UserPrincipalName columns, "upn" \(column 1\) and "UPN" \(column 3\)/ },
    { name: 'no required column', content: csv([['Display Name', 'sku'], ['Ann', 'ENTERPRISEPACK']]), message: /line 1: the header has no UserPrincipalName column .*it has columns "Display Name", "sku"/ },
    { name: 'invalid UTF-8', content: Buffer.concat([Buffer.from(csv([['upn', 'sku'], ...rows(upn(1))])), Buffer.from([0x62, 0xff, 0xfe, 0x40, 0x78, 0x2c, 0x45, 0x0a])]), message: /line 3 holds bytes that are not valid UTF-8/ },
    { name: 'a 10 MB field', content: csv([['upn', 'sku', 'Note'], [upn(1), 'ENTERPRISEPACK', 'n'], [upn(2), 'ENTERPRISEPACK', 'x'.repeat(TEN_MB)]]), message: /line 3: the record that starts here is longer than 1 MiB/ },
    { name: 'a 10 MB quoted field', content: csv([['upn', 'sku', 'Note'], [upn(1), 'ENTERPRISEPACK', `"${'x'.repeat(TEN_MB)}"`]]), message: /line 2: a quoted field opened here is not closed within 1 MiB/ },
    { name: 'a quote never closed', content: csv([['upn', 'sku', 'Note'], [upn(1), 'ENTERPRISEPACK', '"open'], [upn(2), 'ENTERPRISEPACK', 'x']]), message: /line 2: a quoted field opened here is never closed/ },
    { name: 'a row with more fields than the header', content: csv([['upn', 'sku'], ...rows(upn(1)), [upn(2), 'ENTERPRISEPACK', 'extra']]), message: /line 3 has 3 fields but the header has 2/ },
  ])('$name', ({ content, message }) =>
    withSimulator({ tenant: testTenant({ users: 2 }) }, async ({ sim, dir, cli, url }) => {
      const input = await dir.write('licenses.csv', content);
      const result = await cli(['run', input, '--graph-url', url]);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.code).toBe(2);
      expect(sim.stats.requests).toBe(0);
      expect(existsSync(dir.file('licenses.results.csv'))).toBe(false);
    }),
  );
});

describe('hostile files that are read, row by row', () => {
  it('a header only: nothing to do, exit 0, a results file with the header', () =>
    withSimulator({ tenant: testTenant({ users: 1 }) }, async ({ sim, dir, cli, url }) => {
      const input = await dir.write('licenses.csv', 'upn,sku\r\n');
      const result = await cli(['run', input, '--graph-url', url]);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/0 rows in .*nothing to do/);
      expect(await readResults(dir.file('licenses.results.csv'))).toEqual([]);
      expect(sim.stats.operations.assignLicense).toBe(0);
    }));

  it('trailing delimiters and blank lines: rows count data records only, and messages name the line', () =>
    withSimulator({ tenant: testTenant({ users: 2 }) }, async ({ sim, dir, cli, url }) => {
      const input = await dir.write('licenses.csv', `upn,sku,\n\n${upn(1)},${SKU.E3},,\n\n\n,${SKU.E3},\n${upn(2)},${SKU.E3};\n`.replace(';', ','));
      const result = await cli(['run', input, '--graph-url', url]);
      expect(result.code).toBe(1);
      const results = await readResults(dir.file('licenses.results.csv'));
      expect(results.map((r) => [r.row, r.status])).toEqual([['1', 'succeeded'], ['2', 'invalid'], ['3', 'succeeded']]);
      expect(results[1]!.message).toMatch(/^row 2 \(line 6\): upn is empty/);
      expect(sim.stats.operations.assignLicense).toBe(2);
    }));

  it('NUL bytes in a user: that row is invalid, naming the row and the value; the others go on', () =>
    withSimulator({ tenant: testTenant({ users: 2 }) }, async ({ sim, dir, cli, url }) => {
      const input = await dir.write('licenses.csv', csv([['upn', 'sku'], [upn(1), SKU.E3], [`user\0${upn(2)}`, SKU.E3], [upn(2), SKU.E3]]));
      const result = await cli(['run', input, '--graph-url', url]);
      expect(result.code).toBe(1);
      const results = await readResults(dir.file('licenses.results.csv'));
      expect(results.map((r) => r.status)).toEqual(['succeeded', 'invalid', 'succeeded']);
      expect(results[1]!.message).toContain('upn "user\\u0000user00002@contoso.example" is neither a user object id');
      expect(sim.stats.operations.assignLicense).toBe(2);
    }));

  it.each([
    { name: 'UTF-16 LE without BOM', encode: (text: string) => Buffer.from(text, 'utf16le') },
    { name: 'UTF-16 BE without BOM', encode: (text: string) => Buffer.from(text, 'utf16le').swap16() },
  ])('$name is read as UTF-16', ({ encode }) =>
    withSimulator({ tenant: testTenant({ users: 2 }) }, async ({ sim, dir, cli, url }) => {
      const input = await dir.write('licenses.csv', encode(csv([['upn', 'sku', 'Name'], [upn(1), SKU.E3, 'Zoë'], [upn(2), 'ENTERPRISEPACK', 'Łukasz']])));
      const result = await cli(['run', input, '--graph-url', url]);
      expect(result.code).toBe(0);
      expect((await readResults(dir.file('licenses.results.csv'))).map((r) => r.Name)).toEqual(['Zoë', 'Łukasz']);
      expect(sim.user(upn(2))!.directLicenses.map((l) => l.skuId)).toEqual([SKU.E3]);
    }),
  );

  it('a GUID in braces is the GUID, for users and SKUs', () =>
    withSimulator({ tenant: testTenant({ users: 1 }) }, async ({ sim, dir, cli, url }) => {
      const id = sim.user(upn(1))!.id;
      const input = await dir.write('licenses.csv', csv([['upn', 'sku'], [`{${id.toUpperCase()}}`, `{${SKU.E3}}`]]));
      const result = await cli(['run', input, '--graph-url', url]);
      expect(result.code).toBe(0);
      expect(sim.user(upn(1))!.directLicenses.map((l) => l.skuId)).toEqual([SKU.E3]);
    }));

  it('UPNs with spaces around them are trimmed, and the results message says so', () =>
    withSimulator({ tenant: testTenant({ users: 2 }) }, async ({ sim, dir, cli, url }) => {
      const input = await dir.write('licenses.csv', csv([['upn', 'sku'], [`  ${upn(1)}`, SKU.E3], [`${upn(2)}\t`, 'ENTERPRISEPACK '], [upn(1), 'EMS']]));
      const result = await cli(['run', input, '--graph-url', url]);
      expect(result.code).toBe(0);
      const results = await readResults(dir.file('licenses.results.csv'));
      expect(results[0]!.message).toMatch(/^added ENTERPRISEPACK.*; upn "  user00001@contoso\.example" was read as "user00001@contoso\.example" \(spaces around it trimmed\)$/);
      expect(results[1]!.message).toContain('upn "user00002@contoso.example\\t" was read as "user00002@contoso.example"; sku "ENTERPRISEPACK " was read as "ENTERPRISEPACK"');
      expect(results[2]!.message).not.toContain('trimmed');
      expect(sim.user(upn(2))!.directLicenses.map((l) => l.skuId)).toEqual([SKU.E3]);
    }));

  it('100,000 identical rows: one outcome each, in order, in bounded time; the first unit plans the change, the rest find it in place', () =>
    withSimulator({ tenant: testTenant({ users: 1 }) }, async ({ sim, dir, cli, url }) => {
      const input = await dir.write('licenses.csv', `upn,sku\n${`${upn(1)},ENTERPRISEPACK\n`.repeat(100_000)}`);
      const result = await cli(['run', input, '--graph-url', url, '--dry-run']);
      expect(result.code).toBe(0);
      const results = await readResults(dir.file('licenses.results.csv'));
      expect(results).toHaveLength(100_000);
      expect(results.every((r, i) => r.row === String(i + 1))).toBe(true);
      // One unit carries up to 20 rows of a user; the user's later units plan against what it will have done.
      expect(results.filter((r) => r.status === 'planned')).toHaveLength(20);
      expect(results.slice(20).every((r) => r.status === 'skipped')).toBe(true);
      expect(sim.stats.operations.assignLicense).toBe(0);
    }), 60_000);
});
