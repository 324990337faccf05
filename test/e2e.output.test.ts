import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.js';
import type { SimulatorBehaviour } from '../src/simulator/behaviour.js';
import type { TenantSpec } from '../src/simulator/tenant-spec.js';
import { packageVersion } from '../src/version.js';
import { csv, readResults, runCli, spawnCli, tempDir } from './helpers/cli.js';
import { SKU, testTenant, upn, userId } from './helpers/tenant.js';

/** What an admin and a scheduler see of a run (issue 8): plain lines, JSON events, the summary, help. */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(tenant: TenantSpec, behaviour: Partial<SimulatorBehaviour> = {}): Promise<RunningSimulator> {
  const sim = await startSimulator({ tenant, behaviour });
  cleanups.push(() => sim.close());
  return sim;
}

/** Three users lack a usage location, one does not exist; the rest succeed. */
function mixedTenant(): TenantSpec {
  return testTenant({
    users: 10,
    extraUsers: [1, 2, 3].map((i) => ({ id: userId(100 + i), userPrincipalName: `noloc${i}@contoso.example`, usageLocation: null })),
  });
}

const MIXED = csv([
  ['UserPrincipalName', 'SkuId', 'Ticket'],
  [upn(1), SKU.E3, 'T1'],
  ['noloc1@contoso.example', SKU.E3, 'T2'],
  [upn(2), SKU.E3, 'T3'],
  ['noloc2@contoso.example', SKU.E3, 'T4'],
  ['ghost@contoso.example', SKU.E3, 'T5'],
  [upn(3), 'NOT_A_SKU_WE_HAVE', 'T6'],
  ['noloc3@contoso.example', SKU.E3, 'T7'],
  [upn(4), SKU.EMS, 'T8'],
]);

async function runMixed(args: string[], env: NodeJS.ProcessEnv = {}, behaviour: Partial<SimulatorBehaviour> = { latencyMs: 30 }) {
  const sim = await simulator(mixedTenant(), behaviour);
  const dir = await tempDir();
  cleanups.push(() => dir.dispose());
  const input = await dir.write('onboarding.csv', MIXED);
  const result = await runCli(['run', input, '--graph-url', sim.url, '--concurrency', '1', ...args], { env: { GRAPH_ACCESS_TOKEN: 't', ...env } });
  return { ...result, input, out: dir.file('onboarding.results.csv'), sim };
}

describe('run --log json: one JSON object per line on standard error, event by event', () => {
  it('start, progress, row-failed for each failed or invalid row, summary; stdout stays empty', async () => {
    const { code, stdout, stderr, out, input } = await runMixed(['--log', 'json'], { LICENSE_BATCH_PROGRESS_SECONDS: '0.1' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ event: 'start', input, results: out, dryRun: false, resume: false });
    expect(events.at(-1)!.event).toBe('summary');
    expect(new Set(events.map((e) => e.event))).toEqual(new Set(['start', 'progress', 'row-failed', 'summary']));
    for (const e of events) expect(typeof e.time).toBe('string');

    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ total: 8, writes: expect.any(Number), throttled: 0, pausedSeconds: 0 });
    const done = progress.map((e) => e.done as number);
    expect(done).toEqual([...done].sort((a, b) => a - b));

    // Exactly the rows that failed or were invalid, with the results file's own values.
    const results = await readResults(out);
    const bad = results.filter((r) => r.status === 'failed' || r.status === 'invalid');
    const failedEvents = events.filter((e) => e.event === 'row-failed').sort((a, b) => (a.row as number) - (b.row as number));
    expect(failedEvents.map((e) => ({ row: e.row, line: e.line, status: e.status, errorCode: e.errorCode, message: e.message }))).toEqual(
      bad.map((r) => ({ row: Number(r.row), line: Number(r.row) + 1, status: r.status, errorCode: r.errorCode, message: r.message })),
    );
    expect(failedEvents.map((e) => e.row)).toEqual([2, 4, 5, 6, 7]);

    expect(events.at(-1)).toMatchObject({
      event: 'summary',
      rows: 8,
      statuses: { succeeded: 3, failed: 4, invalid: 1 },
      results: out,
      exitCode: 1,
      retryCommand: expect.stringContaining('--resume'),
    });
    const reasons = events.at(-1)!.reasons as { key: string; count: number; exampleRow: number; fix: string }[];
    expect(reasons[0]).toMatchObject({ key: 'usage-location', count: 3, exampleRow: 2, fix: expect.stringContaining('--usage-location') });
    expect(reasons.map((r) => r.key).sort()).toEqual(['unknown-sku', 'usage-location', 'user-not-found']);
  });

  it('a throttled event each time the count of 429 answers rises', async () => {
    const sim = await simulator(testTenant({ users: 30 }), { writeBucket: { capacity: 2, refillPerSecond: 20 } });
    const dir = await tempDir();
    cleanups.push(() => dir.dispose());
    const input = await dir.write('in.csv', csv([['upn', 'sku'], ...Array.from({ length: 12 }, (_, i) => [upn(i + 1), SKU.E3])]));
    const { code, stderr } = await runCli(['run', input, '--graph-url', sim.url, '--max-rate', 'off', '--log', 'json'], { env: { GRAPH_ACCESS_TOKEN: 't' } });
    expect(code).toBe(0);
    const events = stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const throttled = events.filter((e) => e.event === 'throttled');
    expect(sim.stats.throttled).toBeGreaterThan(0);
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.reduce((sum, e) => sum + (e.responses as number), 0)).toBe(sim.stats.throttled);
    expect(throttled.at(-1)!.throttled).toBe(sim.stats.throttled);
    expect(events.at(-1)).toMatchObject({ event: 'summary', throttled: sim.stats.throttled });
  });

  it('a usage error is a JSON error object too, and nothing else', async () => {
    const result = await runCli(['run', 'in.csv', '--log', 'json', '--concurrency', 'lots']);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'error', code: 'USAGE', exitCode: 2, message: expect.stringContaining('--concurrency') });
  });

  it('--quiet keeps row failures, errors and the summary only', async () => {
    const { stderr } = await runMixed(['--log', 'json', '--quiet'], { LICENSE_BATCH_PROGRESS_SECONDS: '0.1' });
    const kinds = new Set(stderr.trimEnd().split('\n').map((line) => (JSON.parse(line) as { event: string }).event));
    expect(kinds).toEqual(new Set(['row-failed', 'summary']));
  });
});

describe('run, plain lines (standard error not a terminal)', () => {
  it('timestamped start and progress lines, then the summary with reasons, fixes, example rows and the retry command', async () => {
    const { code, stderr, out, input } = await runMixed([], { LICENSE_BATCH_PROGRESS_SECONDS: '0.1' });
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z license-batch: running .*onboarding\.csv, results to .*onboarding\.results\.csv$/);
    const progress = lines.filter((l) => / license-batch: \d+\/8 rows \(/.test(l));
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) {
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z license-batch: \d+\/8 rows \(\d+ succeeded, \d+ failed, \d+ skipped\), [\d.]+ writes\/s, throttled [\d.]+ s/);
    }
    expect(stderr).not.toMatch(/\u001b\[/); // no spinner escapes in a log
    const summary = lines.slice(lines.findIndex((l) => l.startsWith('license-batch: 8 rows in')));
    expect(summary[0]).toMatch(/^license-batch: 8 rows in [\d.]+ s: succeeded 3, failed 4, invalid 1$/);
    expect(summary[1]).toBe('license-batch: most frequent errors:');
    expect(summary[2]).toBe(
      "license-batch:   usage location missing: 3 rows (e.g. row 2): add a UsageLocation column or pass --usage-location US (the users' country)",
    );
    expect(summary.slice(3, 5).sort()).toEqual([
      expect.stringMatching(/^license-batch: {3}SKU not in the tenant: 1 row \(e\.g\. row 6\): check the SKU/),
      expect.stringMatching(/^license-batch: {3}user not found: 1 row \(e\.g\. row 5\): check the UPN/),
    ]);
    expect(stderr).toMatch(/\d+ writes \([\d.]+\/s\), \d+ retries, 0 throttled, 0\.0 s paused by Retry-After/);
    expect(stderr).toContain(`license-batch: results: ${out}`);
    expect(lines.at(-1)).toBe(
      `license-batch: fix the failed and invalid rows in the input, then retry only the rows that did not succeed: ` +
        `license-batch run ${input} --out ${out} --resume --concurrency 1 --graph-url ${(/--graph-url (\S+)/.exec(lines.at(-1)!) ?? [])[1]}`,
    );
  });

  it('the retry command it prints retries only what did not succeed', async () => {
    const { lines, sim, input, out } = await (async () => {
      const r = await runMixed([]);
      return { ...r, lines: r.stderr.trimEnd().split('\n') };
    })();
    const command = /retry only the rows that did not succeed: license-batch (.*)$/.exec(lines.at(-1)!)![1]!.split(' ');
    expect(command.slice(0, 2)).toEqual(['run', input]);
    const writesBefore = sim.stats.operations.assignLicense;
    const again = await runCli(command, { env: { GRAPH_ACCESS_TOKEN: 't' } });
    expect(again.code).toBe(1);
    // Only the five rows that did not succeed were tried again; the file still holds all eight.
    expect(sim.stats.operations.assignLicense - writesBefore).toBeLessThanOrEqual(4);
    expect((await readResults(out)).map((r) => r.Ticket)).toEqual(['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8']);
  });

  it('--quiet prints the summary only', async () => {
    const { stderr } = await runMixed(['--quiet'], { LICENSE_BATCH_PROGRESS_SECONDS: '0.1' });
    expect(stderr.split('\n')[0]).toMatch(/^license-batch: 8 rows in /);
    expect(stderr).not.toMatch(/rows \(\d+ succeeded/);
  });

  it('a dry run ends with the command that applies the plan', async () => {
    const { code, stderr, input, out } = await runMixed(['--dry-run']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/planned \d+/);
    expect(stderr).toContain(`to apply this plan: license-batch run ${input} --out ${out} --concurrency 1 --graph-url`);
    expect(stderr).not.toMatch(/apply this plan: .*--dry-run/);
  });
});

describe('help for each command', () => {
  it.each([
    { command: 'run', says: [/--disabled-plans/, /--undo-out/, /--resume/, /--sheet NAME/, /Examples:\n(  license-batch run .*\n){3}/, /Exit codes: 0 .*1 .*\n2 .*130/] },
    { command: 'validate', says: [/license-batch validate <input\.csv\|input\.xlsx\|->/, /--sheet NAME/, /Examples:\n  license-batch validate/, /Exit codes: 0 clean; 1/] },
    { command: 'skus', says: [/seats used and free/, /--managed-identity/, /Examples:\n  license-batch skus/] },
    { command: 'export', says: [/--sku X/, /Examples:\n  license-batch export/, /Exit codes/] },
    { command: 'simulate', says: [/NOT Microsoft Graph/, /--port N/, /Examples:/] },
    { command: 'demo', says: [/dry run first/, /Examples:/] },
  ])('$command --help and help $command print its own options, examples and exit codes', async ({ command, says }) => {
    const viaFlag = await runCli([command, '--help']);
    const viaHelp = await runCli(['help', command]);
    expect(viaFlag.code).toBe(0);
    expect(viaHelp.code).toBe(0);
    expect(viaFlag.stdout).toBe(viaHelp.stdout);
    expect(viaFlag.stdout.startsWith(`license-batch ${command}`)).toBe(true);
    for (const pattern of says) expect(viaFlag.stdout).toMatch(pattern);
  });

  it('help of a command that does not exist is a usage error', async () => {
    const result = await runCli(['help', 'frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/No command "frobnicate"/);
  });

  it('--version prints the version', async () => {
    const result = await spawnCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${packageVersion()}\n`);
  });
});
