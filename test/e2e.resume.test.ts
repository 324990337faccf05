import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { csv, readResults } from './helpers/cli.js';
import { SKU, testTenant, upn } from './helpers/tenant.js';
import { until } from './helpers/until.js';
import { withSimulator, type SimulatorHarness } from './helpers/with-simulator.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A first run where rows 3 and 6 fail (users that do not exist), so that a resume has rows to send and rows to keep. */
async function firstRunWithFailures({ sim, dir, cli, url }: SimulatorHarness, sku: string = SKU.E3) {
  const rows = (ghosts: boolean) =>
    csv([['upn', 'sku', 'Ticket'], ...[1, 2, 3, 4, 5, 6].map((n) => [ghosts && n % 3 === 0 ? `ghost${n}@contoso.example` : upn(n), sku, `T${n}`])]);
  const input = await dir.write('in.csv', rows(true));
  const first = await cli(['run', input, '--graph-url', url]);
  expect(first.code).toBe(1);
  return { input, out: dir.file('in.results.csv'), fixed: rows(false), writes: sim.stats.operations.assignLicense };
}

describe('run --resume', () => {
  it('keeps rows that succeeded, sends only the others again, and leaves each row once in order', () =>
    withSimulator({ tenant: testTenant({ users: 6 }) }, async (h) => {
      const { input, out, fixed, writes } = await firstRunWithFailures(h);
      const before = await readResults(out);
      expect(before.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'failed', 'succeeded', 'succeeded', 'failed']);

      await h.dir.write('in.csv', fixed); // the admin fixes the two failed rows
      const second = await h.cli(['run', input, '--graph-url', h.url, '--resume']);
      expect(second.code).toBe(0);
      expect(h.sim.stats.operations.assignLicense - writes).toBe(2);
      const after = await readResults(out);
      expect(after.map((r) => [r.row, r.status, r.Ticket])).toEqual([1, 2, 3, 4, 5, 6].map((n) => [String(n), 'succeeded', `T${n}`]));
      expect(after[0]!.requestId).toBe(before[0]!.requestId);
      expect(after[2]!.requestId).not.toBe(before[2]!.requestId);
      expect(second.stderr).toMatch(/succeeded 6/);
    }));

  it('refuses, and leaves the results file as it was, when it was written for other columns', () =>
    withSimulator({ tenant: testTenant({ users: 2 }) }, async ({ sim, dir, cli, url }) => {
      const input = await dir.write('in.csv', csv([['upn', 'sku'], [upn(1), SKU.E3]]));
      const out = await dir.write('in.results.csv', '\uFEFFUserPrincipalName,SkuId,Note,row,status,httpStatus,errorCode,message,attempts,requestId,completedAt\n');
      const before = await readFile(out, 'utf8');
      const result = await cli(['run', input, '--graph-url', url, '--resume']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--resume: .* was not written for this input/);
      expect(await readFile(out, 'utf8')).toBe(before);
      expect(sim.stats.requests).toBe(0);
    }));

  it.each([
    {
      name: "another sheet's results (same columns, other users)",
      edit: (fixed: string) => fixed.replace(upn(2), upn(5)).replace(/T2/, 'T9'),
      message: /row 2 \(succeeded\) has upn "user00002@contoso\.example", but the input's row 2 \(line 3\) has "user00005@contoso\.example"/,
    },
    {
      name: 'rows reordered',
      edit: (fixed: string) => {
        const [header, ...lines] = fixed.trimEnd().split('\n');
        return [header, lines[1], lines[0], ...lines.slice(2)].join('\n') + '\n';
      },
      message: /row 1 \(succeeded\) has upn "user00001@contoso\.example", but the input's row 1 \(line 2\) has "user00002@contoso\.example"/,
    },
    {
      name: 'a kept row past the end of a shorter input',
      edit: (fixed: string) => fixed.trimEnd().split('\n').slice(0, 5).join('\n') + '\n',
      message: /its row 5 succeeded, but the input has 4 row\(s\)/,
    },
  ])('refuses $name with exit 2 before anything is sent, and leaves the results file byte for byte', ({ edit, message }) =>
    // SKUs by name: a run that got past the check would read subscribedSkus first.
    withSimulator({ tenant: testTenant({ users: 6 }) }, async (h) => {
      const { input, out, fixed } = await firstRunWithFailures(h, 'ENTERPRISEPACK');
      const before = await readFile(out);
      const requests = h.sim.stats.requests;
      await h.dir.write('in.csv', edit(fixed));
      const result = await h.cli(['run', input, '--graph-url', h.url, '--resume']);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/left as it was/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.code).toBe(2);
      expect(h.sim.stats.requests).toBe(requests);
      expect((await readFile(out)).equals(before)).toBe(true);
    }));

  it('accepts kept rows whose cells differ only by spaces, and failed rows edited in any way', () =>
    withSimulator({ tenant: testTenant({ users: 6 }) }, async (h) => {
      const { input, out, fixed } = await firstRunWithFailures(h);
      await h.dir.write('in.csv', fixed.replace(`${upn(1)},`, ` ${upn(1)} ,`).replace('T3', 'T3-fixed'));
      const result = await h.cli(['run', input, '--graph-url', h.url, '--resume']);
      expect(result.code).toBe(0);
      expect((await readResults(out)).map((r) => r.Ticket)).toEqual(['T1', 'T2', 'T3-fixed', 'T4', 'T5', 'T6']);
    }));

  it('starts a full run when there is no results file yet', () =>
    withSimulator({ tenant: testTenant({ users: 2 }) }, async ({ dir, cli, url }) => {
      const input = await dir.write('in.csv', csv([['upn', 'sku'], [upn(1), SKU.E3], [upn(2), SKU.E3]]));
      const result = await cli(['run', input, '--graph-url', url, '--resume']);
      expect(result.code).toBe(0);
      expect((await readResults(dir.file('in.results.csv'))).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    }));
});

describe('a hard kill while the results file is put in input order', () => {
  it('still resumes to every row exactly once, sending nothing that was confirmed', () =>
    withSimulator({ tenant: testTenant({ users: 6 }) }, async (h) => {
      const { input, out, fixed, writes } = await firstRunWithFailures(h);
      await h.dir.write('in.csv', fixed);
      // The resume appends rows 3 and 6 after the kept ones, so it must reorder the file at the end.
      // That rewrite goes to a temporary file next to the results: a named pipe there lets the test
      // see the moment the rewrite has begun, and kill the process right then, with no hook in the code.
      const sorting = h.dir.file('.in.results.csv.sorting');
      execFileSync('mkfifo', [sorting]);
      const child = spawn(process.execPath, [CLI, 'run', input, '--graph-url', h.url, '--resume'], { env: { PATH: process.env.PATH, ...h.env }, stdio: 'ignore' });
      const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
      const pipe = createReadStream(sorting);
      await new Promise<void>((resolve, reject) => {
        pipe.once('data', () => resolve());
        pipe.once('error', reject);
        child.once('close', () => reject(new Error('the run ended before it began reordering its results')));
      });
      child.kill('SIGKILL');
      expect(await exit).toBe('SIGKILL');
      pipe.destroy();
      expect(h.sim.stats.operations.assignLicense - writes).toBe(2);

      // What a kill leaves: the complete results file, out of order, and a partial rewrite beside it.
      const left = await readResults(out);
      expect(left.map((r) => Number(r.row)).sort()).toEqual([1, 2, 3, 4, 5, 6]);
      expect(left.map((r) => Number(r.row))).not.toEqual([1, 2, 3, 4, 5, 6]);
      await rm(sorting);
      await writeFile(sorting, '\uFEFFupn,sku,Ticket,row,status\n');

      const resumed = await h.cli(['run', input, '--graph-url', h.url, '--resume', '--max-rate', 'off']);
      expect(resumed.code).toBe(0);
      expect(h.sim.stats.operations.assignLicense - writes).toBe(2);
      const rows = await readResults(out);
      expect(rows.map((r) => [r.row, r.status])).toEqual([1, 2, 3, 4, 5, 6].map((n) => [String(n), 'succeeded']));
    }));
});

describe('hard kills at random points, each followed by --resume', () => {
  it('ends with every row exactly once, in order, and no confirmed row sent again', () =>
    withSimulator({ tenant: testTenant({ users: 600 }), behaviour: { latencyMs: 15 } }, async (h) => {
      const ROWS = 600;
      const input = await h.dir.write('in.csv', csv([['upn', 'sku'], ...Array.from({ length: ROWS }, (_, i) => [upn(i + 1), SKU.E3])]));
      const out = h.dir.file('in.results.csv');
      const kills: number[] = [];
      for (let k = 0; k < 3; k++) {
        // Somewhere in the next stretch of writes: the kill may land in a write, between writes, or
        // while a resume copies the rows it keeps.
        const at = h.sim.stats.operations.assignLicense + 20 + Math.floor(Math.random() * 120);
        kills.push(at);
        const child = spawn(process.execPath, [CLI, 'run', input, '--graph-url', h.url, '--resume', '--concurrency', '8'], { env: { PATH: process.env.PATH, ...h.env }, stdio: 'ignore' });
        const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
        await until(() => h.sim.stats.operations.assignLicense >= at || child.exitCode !== null, `write ${at}`);
        child.kill('SIGKILL');
        await exit;

        // What the kill left: outcomes confirmed before it, each row at most once, each applied.
        const confirmed = await readResults(out);
        const numbers = confirmed.map((r) => Number(r.row));
        expect(new Set(numbers).size, `kills at ${kills.join(', ')}`).toBe(numbers.length);
        for (const r of confirmed) expect(h.sim.user(upn(Number(r.row)))!.directLicenses.length, `row ${r.row}`).toBe(1);
      }

      const confirmedBefore = new Set((await readResults(out)).map((r) => Number(r.row)));
      const writesBefore = new Map([...confirmedBefore].map((n) => [n, h.sim.stats.assignLicenseByUser.get(h.sim.user(upn(n))!.id) ?? 0]));
      const last = await h.cli(['run', input, '--graph-url', h.url, '--resume', '--max-rate', 'off']);
      expect(last.code, `kills at ${kills.join(', ')}`).toBe(0);
      const rows = await readResults(out);
      // Rows applied but not yet recorded at a kill are found in place by the next run's read: skipped.
      expect(rows.map((r) => Number(r.row))).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
      expect(rows.filter((r) => r.status !== 'succeeded' && r.status !== 'skipped')).toEqual([]);
      for (const [n, writes] of writesBefore) expect(h.sim.stats.assignLicenseByUser.get(h.sim.user(upn(n))!.id) ?? 0, `row ${n} sent again`).toBe(writes);
      // A row is sent twice only when a kill cut its answer off: at most the requests in flight per kill.
      expect(h.sim.stats.operations.assignLicense).toBeLessThanOrEqual(ROWS + kills.length * 8);
    }), 90_000);
});
