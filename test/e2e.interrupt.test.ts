import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../src/simulator/index.js';
import { csv, readResults } from './helpers/cli.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { until } from './helpers/until.js';
import { startHarness } from './helpers/with-simulator.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const ROWS = 300;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts a slow run as a child process; resolves its exit code once it ends. */
async function startSlowRun() {
  const harness = await startHarness({ tenant: testTenant({ users: ROWS }), behaviour: { latencyMs: 100 } });
  cleanups.push(() => harness.close());
  const { sim, dir } = harness;
  const input = await dir.write('in.csv', csv([['upn', 'sku'], ...Array.from({ length: ROWS }, (_, i) => [upn(i + 1), SKU.E3])]));
  const child = spawn(process.execPath, [CLI, 'run', input, '--graph-url', sim.url, '--concurrency', '4'], {
    env: { PATH: process.env.PATH, ...harness.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { sim, cli: harness.cli, child, exit, input, out: dir.file('in.results.csv'), stderr: () => stderr };
}

function applied(sim: RunningSimulator, n: number): boolean {
  return sim.user(upn(n))!.directLicenses.some((l) => l.skuId === SKU.E3);
}

describe('interrupting a run', () => {
  it('on Ctrl-C lets requests in flight finish, marks the rest not-attempted, writes every row once and exits 130', async () => {
    const run = await startSlowRun();
    await until(() => run.sim.stats.operations.assignLicense >= 12, 'a dozen writes');
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    expect(code).toBe(130);
    expect(run.stderr()).toMatch(/stopping/);

    const rows = await readResults(run.out);
    expect(rows.map((r) => Number(r.row))).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    const succeeded = rows.filter((r) => r.status === 'succeeded');
    const unsent = rows.filter((r) => r.status === 'not-attempted');
    expect(succeeded.length).toBeGreaterThanOrEqual(12);
    expect(succeeded.length + unsent.length).toBe(ROWS);
    expect(unsent.length).toBeGreaterThan(ROWS / 2);
    for (const r of rows) expect(applied(run.sim, Number(r.row)), `row ${r.row} ${r.status}`).toBe(r.status === 'succeeded');
  });

  it('after a hard kill, the results file holds only outcomes that were confirmed, each complete', async () => {
    const run = await startSlowRun();
    await until(() => run.sim.stats.operations.assignLicense >= 12, 'a dozen writes');
    run.child.kill('SIGKILL');
    const { signal } = await run.exit;
    expect(signal).toBe('SIGKILL');

    const records = parse(await readFile(run.out, 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
    expect(records.length).toBeGreaterThanOrEqual(4);
    for (const r of records) {
      expect(r.status).toBe('succeeded');
      expect(applied(run.sim, Number(r.row))).toBe(true);
      expect(r.completedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    }

    // --resume finishes the job: every row once, in order, and confirmed rows are not sent again.
    run.sim.setBehaviour({ latencyMs: 0 });
    const writesBefore = run.sim.stats.operations.assignLicense;
    const resumed = await run.cli(['run', run.input, '--graph-url', run.sim.url, '--resume']);
    expect(resumed.code).toBe(0);
    const rows = await readResults(run.out);
    expect(rows.map((r) => Number(r.row))).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
    expect(run.sim.stats.operations.assignLicense - writesBefore).toBe(ROWS - records.length);
    for (let n = 1; n <= ROWS; n++) expect(applied(run.sim, n)).toBe(true);
  });
});
