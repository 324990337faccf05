import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { readResults, spawnCli, tempDir } from './helpers/cli.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('the installed command', () => {
  it('prints help and exits 0', async () => {
    const result = await spawnCli(['help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/license-batch run <input\.csv/);
  });

  it.each([
    { args: ['frobnicate'], says: /Unknown command "frobnicate"/ },
    { args: ['run', 'x.csv', '--concurrency', 'lots'], says: /--concurrency.*"lots"/ },
    { args: ['run'], says: /needs <input\.csv>/ },
  ])('exits 2 with a usage message for $args', async ({ args, says }) => {
    const result = await spawnCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(says);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs the demo end to end against the built-in simulator: each sample, a dry run then the run', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.dispose());
    const result = await spawnCli(['demo'], { cwd: dir.path });
    expect(result.stderr).toMatch(/NOT Microsoft Graph/);
    expect(result.code).toBe(0);
    const seen = new Set<string>();
    for (const sample of ['migration', 'onboarding', 'nightly']) {
      const lines = (await readFile(new URL(`../samples/${sample}.csv`, import.meta.url), 'utf8')).trim().split(/\r?\n/).length - 1;
      const plan = await readResults(dir.file(`demo-${sample}.dry-run.results.csv`));
      const results = await readResults(dir.file(`demo-${sample}.results.csv`));
      expect(result.stderr).toContain(dir.file(`demo-${sample}.results.csv`));
      // Each sample run's report, its path printed for the admin to open.
      for (const report of [`demo-${sample}.dry-run.results.html`, `demo-${sample}.results.html`]) {
        expect(result.stderr).toContain(`  ${dir.file(report)}`);
        expect(await readFile(dir.file(report), 'utf8')).toContain(`${sample}.csv`);
      }
      expect(plan).toHaveLength(lines);
      expect(results).toHaveLength(lines);
      expect(plan.some((r) => r.status === 'planned')).toBe(true);
      expect(plan.some((r) => r.status === 'succeeded')).toBe(false);
      expect(results.filter((r) => r.status === 'succeeded' || r.status === 'skipped').length).toBeGreaterThan(lines / 2);
      for (const r of results) seen.add(r.status);
    }
    // Rows that fail on purpose, so that the summaries show reasons and fixes.
    expect(seen).toContain('failed');
    expect(seen).toContain('invalid');
    expect(result.stderr).toMatch(/usage location missing: 1 row \(e\.g\. row \d+\): add a UsageLocation column/);
    // The sync part: export, an edited copy (a row deleted, a plan changed, a joiner), the dry run, the run.
    const changes = (name: string) => readFile(dir.file(name), 'utf8').then((text) => text.trim().split(/\r?\n/).slice(1).map((line) => line.split(',')[3]));
    expect(await changes('demo-sync.dry-run.changes.csv')).toEqual(['remove', 'add', 'add']);
    expect(await changes('demo-sync.changes.csv')).toEqual(['remove', 'add', 'add']);
    expect((await readResults(dir.file('demo-sync.dry-run.changes.results.csv'))).map((r) => r.status)).toEqual(['planned', 'planned', 'planned']);
    expect((await readResults(dir.file('demo-sync.changes.results.csv'))).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(result.stderr).not.toMatch(/MaxListenersExceededWarning/);
  });
});

describe('simulate', () => {
  it('serves the sample tenant on loopback, says it is a simulator, and stops on Ctrl-C', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const child = spawn(process.execPath, [fileURLToPath(new URL('../dist/cli.js', import.meta.url)), 'simulate', '--port', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      child.on('close', () => reject(new Error(`simulate ended early: ${stderr}`)));
    });
    expect(stderr).toMatch(/NOT Microsoft Graph/);
    const response = await fetch(`${url}/v1.0/subscribedSkus`, { headers: { authorization: 'Bearer any' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-simulator')).toBe('license-batch');
    const body = (await response.json()) as { value: { skuPartNumber: string }[] };
    expect(body.value.map((s) => s.skuPartNumber)).toContain('ENTERPRISEPACK');
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  });
});

describe('help', () => {
  it('answers --help after a command', async () => {
    const result = await spawnCli(['run', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--max-rate N\|off/);
  });
});
