import { access, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunError } from '../src/errors.js';
import type { InputRecord, LicenseRow, RowProblem } from '../src/model.js';
import { loadReferenceTable, type ReferenceRow } from '../src/input/reference-table.js';
import { findProblems, scanFile } from '../src/input/scan-file.js';
import { createSkuCatalog } from '../src/input/sku-catalog.js';
import { UserPartitions } from '../src/input/user-partitions.js';

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const EMS = 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e';

let dir: string;
let reference: ReferenceRow[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-scan-test-'));
  reference = await loadReferenceTable();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileNumber = 0;
async function write(content: string): Promise<string> {
  const path = join(dir, `scan-${++fileNumber}.csv`);
  await writeFile(path, content);
  return path;
}

/** A folder of its own for a test's temporary files, to see that they are gone afterwards. */
async function spillFolder(): Promise<string> {
  return mkdtemp(join(dir, 'spill-'));
}

const exists = (path: string) => access(path).then(
  () => true,
  () => false,
);

describe('scanFile', () => {
  it('counts rows, reports invalid ones as they come, and says whether names are used', async () => {
    const path = await write(
      [
        'upn,sku,Action,EnabledPlans',
        `a@x.com,${E3},add,`,
        `a@x.com,${EMS},add,`,
        '',
        `,${E3},add,`,
        `b@x.com,${E3},explode,`,
        `b@x.com,${E3},remove,`,
        `a@x.com,${E3},remove,`,
        '',
      ].join('\n'),
    );
    const invalid: [InputRecord, RowProblem][] = [];
    const scan = await scanFile(path, { onInvalidRow: (record, problem) => invalid.push([record, problem]) });
    try {
      expect(scan).toMatchObject({ rows: 6, invalidRows: 2, namesUsed: false, requests: 3 });
      expect(scan.header.names).toEqual(['upn', 'sku', 'Action', 'EnabledPlans']);
      expect(invalid.map(([record, problem]) => [record.row, record.line, problem.errorCode])).toEqual([
        [3, 5, 'EmptyUser'],
        [4, 6, 'UnknownAction'],
      ]);
    } finally {
      await scan.dispose();
    }
  });

  it.each([
    { name: 'a SKU name', cells: 'Office 365 E3,', used: true },
    { name: 'a plan name', cells: `${E3},SWAY`, used: true },
    { name: 'EnabledPlans, even by GUID', cells: `${E3},,a23b959c-7ce8-4e57-9140-b90eb88a9e97`, used: true },
    { name: 'GUIDs only', cells: `${E3},a23b959c-7ce8-4e57-9140-b90eb88a9e97,`, used: false },
  ])('says namesUsed is $used for $name', async ({ cells, used }) => {
    const scan = await scanFile(await write(`upn,sku,DisabledPlans,EnabledPlans\na@x.com,${cells}\n`));
    await scan.dispose();
    expect(scan.namesUsed).toBe(used);
  });

  it('counts a request per run of one user’s adjacent rows, at most maxRowsPerRequest rows each', async () => {
    const lines = ['upn,sku', ...Array.from({ length: 5 }, () => `a@x.com,${E3}`), `b@x.com,${E3}`, `A@X.com,${EMS}`];
    const scan = await scanFile(await write(lines.join('\n')), { maxRowsPerRequest: 2 });
    await scan.dispose();
    expect(scan.requests).toBe(5);
  });

  it('throws structural problems and leaves no temporary files behind', async () => {
    const tempDir = await spillFolder();
    const lines = ['upn,sku', ...Array.from({ length: 50 }, (_, i) => `u${i}@x.com,${E3}`), `late@x.com,${E3},extra`];
    const error = await scanFile(await write(lines.join('\n')), { spillAfterRows: 10, tempDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect(error).toMatchObject({ code: 'INPUT_STRUCTURE', line: 52 });
    expect(await readdir(tempDir)).toEqual([]);
  });
});

/** A file of many users with contradictions far apart, and invalid rows of every kind in between. */
function largeFile(users: number): string {
  const lines = ['UserPrincipalName,SkuId,DisabledPlans,Action,UsageLocation'];
  for (let i = 0; i < users; i++) lines.push(`user${i}@contoso.example,${i % 3 === 0 ? 'ENTERPRISEPACK' : E3},${i % 5 === 0 ? 'SWAY' : ''},add,${i % 7 === 0 ? 'DE' : ''}`);
  for (let i = 0; i < users; i += 11) lines.push(`USER${i}@contoso.example,Office 365 E3,,remove,`);
  for (let i = 0; i < users; i += 13) lines.push(`user${i}@contoso.example,${E3},,add,FR`);
  for (let i = 0; i < users; i += 17) lines.push(`user${i}@contoso.example,${E3},TEAMS1,add,`);
  for (let i = 0; i < users; i += 19) lines.push(`user${i}@contoso.example,Office 365 E9,,add,`);
  return lines.join('\n');
}

describe('findProblems', () => {
  it('finds the same problems in memory and spilled to many files, and removes the files', async () => {
    const path = await write(largeFile(2000));
    const catalog = createSkuCatalog({
      tenantSkus: [{ skuId: E3, skuPartNumber: 'ENTERPRISEPACK', servicePlans: [{ servicePlanId: 'a23b959c-7ce8-4e57-9140-b90eb88a9e97', servicePlanName: 'SWAY' }, { servicePlanId: '57ff2da0-773e-42df-b2af-ffb7a2317929', servicePlanName: 'TEAMS1' }] }],
      referenceRows: reference,
    });

    const offline = createSkuCatalog({ referenceRows: reference });

    const inMemory = await scanFile(path);
    const expected = await findProblems(inMemory, catalog);
    const expectedOffline = await findProblems(inMemory, offline);
    expect(inMemory.partitions.isSpilled).toBe(false);
    await inMemory.dispose();

    const tempDir = await spillFolder();
    const spilled = await scanFile(path, { spillAfterRows: 100, partitionCount: 7, tempDir });
    expect(spilled.partitions.isSpilled).toBe(true);
    const folder = spilled.partitions.directory!;
    const actual = await findProblems(spilled, catalog);
    expect((await readdir(folder)).length).toBe(7);
    expect(await findProblems(spilled, catalog)).toEqual(actual); // partitions can be read again
    const actualOffline = await findProblems(spilled, offline);
    expect(actualOffline).toEqual(expectedOffline);
    expect(new Set([...actualOffline.values()].map((p) => p.errorCode))).toEqual(new Set(['ConflictingRows']));
    await spilled.dispose();
    expect(await exists(folder)).toBe(false);
    expect(await readdir(tempDir)).toEqual([]);

    expect(actual).toEqual(expected);
    // The file is built so that each rule fires, rows far apart included.
    const codes = new Map<string, number>();
    for (const problem of actual.values()) codes.set(problem.errorCode, (codes.get(problem.errorCode) ?? 0) + 1);
    expect([...codes.keys()].sort()).toEqual(['ConflictingRows', 'UnknownSku']);
    expect(actual.get(1)!.message).toMatch(/^row 1 adds ENTERPRISEPACK that row 2001 removes for the same user/);
    expect(actual.get(2001)).toMatchObject({ line: 2002, message: 'row 2001 removes ENTERPRISEPACK that rows 1, 2183 and 2337 add for the same user' });
    expect(actual.get(2001 + 182 + 154 + 118)).toMatchObject({ errorCode: 'UnknownSku' });
  });

  it('keeps rows that fail resolution out of conflicts', async () => {
    const path = await write(`upn,sku,Action\na@x.com,Office 365 E9,add\na@x.com,Office 365 E9,remove\n`);
    const scan = await scanFile(path);
    const problems = await findProblems(scan, createSkuCatalog({ tenantSkus: [], referenceRows: reference }));
    await scan.dispose();
    expect([...problems.values()].map((p) => p.errorCode)).toEqual(['UnknownSku', 'UnknownSku']);
  });

  it('accepts names it cannot check offline, but still finds conflicts between spellings', async () => {
    const path = await write(`upn,sku,Action\na@x.com,Office 365 E9,add\nb@x.com,Office 365 E3,add\nB@x.com,${E3},remove\n`);
    const scan = await scanFile(path);
    const problems = await findProblems(scan, createSkuCatalog({ referenceRows: reference }));
    await scan.dispose();
    expect([...problems.keys()].sort()).toEqual([2, 3]);
  });
});

describe('UserPartitions', () => {
  const sample: LicenseRow[] = [
    { row: 1, line: 2, user: 'Ann@X.com', userKey: 'ann@x.com', action: 'add', sku: { kind: 'id', id: E3 } },
    {
      row: 2,
      line: 4,
      user: 'b@x.com',
      userKey: 'b@x.com',
      action: 'add',
      sku: { kind: 'name', name: 'Office 365 E3' },
      plans: { mode: 'enabled', refs: [{ kind: 'name', name: 'SWAY' }, { kind: 'id', id: EMS }] },
      usageLocation: 'DE',
    },
    { row: 3, line: 5, user: 'ann@x.com', userKey: 'ann@x.com', action: 'remove', sku: { kind: 'name', name: 'i-look-like-an-id "quoted"\\' } },
    { row: 4, line: 6, user: 'c@x.com', userKey: 'c@x.com', action: 'add', sku: { kind: 'id', id: E3 }, plans: { mode: 'disabled', refs: [{ kind: 'id', id: EMS }] } },
  ];

  it('keeps a user’s rows in one partition and rows unchanged through the files', async () => {
    const parts = new UserPartitions({ spillAfterRows: 1, partitionCount: 3, tempDir: await spillFolder() });
    try {
      for (const row of sample) await parts.add(row);
      expect(parts.size).toBe(4);
      const groups: LicenseRow[][] = [];
      for await (const rows of parts.partitions()) groups.push(rows);
      expect(groups.flat().sort((a, b) => a.row - b.row)).toEqual(sample);
      const ann = groups.filter((rows) => rows.some((row) => row.userKey === 'ann@x.com'));
      expect(ann).toHaveLength(1);
      expect(ann[0]!.filter((row) => row.userKey === 'ann@x.com').map((row) => row.row)).toEqual([1, 3]);
    } finally {
      await parts.dispose();
    }
  });

  it('yields only the rows of users with several rows when asked, from the files', async () => {
    const parts = new UserPartitions({ spillAfterRows: 1, partitionCount: 2, tempDir: await spillFolder() });
    try {
      for (const row of sample) await parts.add(row);
      const rows: LicenseRow[] = [];
      for await (const group of parts.partitions({ repeatedUsersOnly: true })) rows.push(...group);
      expect(rows.map((row) => row.row).sort()).toEqual([1, 3]);
    } finally {
      await parts.dispose();
    }
  });

  it('yields the rows as one group while in memory, and no group when empty', async () => {
    const parts = new UserPartitions();
    const empty: LicenseRow[][] = [];
    for await (const rows of parts.partitions()) empty.push(rows);
    expect(empty).toEqual([]);
    for (const row of sample) await parts.add(row);
    const groups: LicenseRow[][] = [];
    for await (const rows of parts.partitions()) groups.push(rows);
    expect(groups).toEqual([sample]);
    expect(parts.isSpilled).toBe(false);
    await parts.dispose();
  });

  it.each([
    { option: 'spillAfterRows', value: 0 },
    { option: 'partitionCount', value: 1.5 },
  ])('refuses $option $value', ({ option, value }) => {
    expect(() => new UserPartitions({ [option]: value })).toThrow(new RegExp(`Invalid option ${option}: expect a positive integer, got ${value}`));
  });
});
