import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.js';
import { csv, readResults, runCli, tempDir } from './helpers/cli.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';

const TOKEN = { GRAPH_ACCESS_TOKEN: 'test-token' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(users: number) {
  const sim: RunningSimulator = await startSimulator({ tenant: testTenant({ users }) });
  cleanups.push(() => sim.close());
  const dir = await tempDir();
  cleanups.push(() => dir.dispose());
  return { sim, dir };
}

describe('run --resume', () => {
  it('keeps rows that succeeded, sends only the others again, and leaves each row once in order', async () => {
    const { sim, dir } = await setup(6);
    const rows = (ghosts: boolean) =>
      csv([['upn', 'sku', 'Ticket'], ...[1, 2, 3, 4, 5, 6].map((n) => [ghosts && n % 3 === 0 ? `ghost${n}@contoso.example` : upn(n), SKU.E3, `T${n}`])]);
    const input = await dir.write('in.csv', rows(true));
    const first = await runCli(['run', input, '--graph-url', sim.url], { env: TOKEN });
    expect(first.code).toBe(1);
    const before = await readResults(dir.file('in.results.csv'));
    expect(before.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'failed', 'succeeded', 'succeeded', 'failed']);
    const writesBefore = sim.stats.operations.assignLicense;

    await dir.write('in.csv', rows(false)); // the admin fixes the two failed rows
    const second = await runCli(['run', input, '--graph-url', sim.url, '--resume'], { env: TOKEN });
    expect(second.code).toBe(0);
    expect(sim.stats.operations.assignLicense - writesBefore).toBe(2);
    const after = await readResults(dir.file('in.results.csv'));
    expect(after.map((r) => [r.row, r.status, r.Ticket])).toEqual([1, 2, 3, 4, 5, 6].map((n) => [String(n), 'succeeded', `T${n}`]));
    expect(after[0]!.requestId).toBe(before[0]!.requestId);
    expect(after[2]!.requestId).not.toBe(before[2]!.requestId);
    expect(second.stderr).toMatch(/succeeded 6/);
  });

  it('refuses, and leaves the results file as it was, when it was written for other columns', async () => {
    const { sim, dir } = await setup(2);
    const input = await dir.write('in.csv', csv([['upn', 'sku'], [upn(1), SKU.E3]]));
    const out = await dir.write('in.results.csv', '\uFEFFUserPrincipalName,SkuId,Note,row,status,httpStatus,errorCode,message,attempts,requestId,completedAt\n');
    const before = await readFile(out, 'utf8');
    const result = await runCli(['run', input, '--graph-url', sim.url, '--resume'], { env: TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--resume: .* was not written for this input/);
    expect(await readFile(out, 'utf8')).toBe(before);
    expect(sim.stats.requests).toBe(0);
  });

  it('starts a full run when there is no results file yet', async () => {
    const { sim, dir } = await setup(2);
    const input = await dir.write('in.csv', csv([['upn', 'sku'], [upn(1), SKU.E3], [upn(2), SKU.E3]]));
    const result = await runCli(['run', input, '--graph-url', sim.url, '--resume'], { env: TOKEN });
    expect(result.code).toBe(0);
    expect((await readResults(dir.file('in.results.csv'))).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });
});
