import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../src/simulator/index.js';
import type { SimulatorBehaviour } from '../src/simulator/behaviour.js';
import type { TenantSpec } from '../src/simulator/tenant-spec.js';
import { csv, readResults, runCli, tempDir } from './helpers/cli.js';
import { findSecrets } from './helpers/secrets.js';
import { GROUP, PLAN, SKU, testTenant, upn, userId } from './helpers/tenant.js';
import { startHarness, TEST_TOKEN, type SimulatorHarness } from './helpers/with-simulator.js';

const TOKEN = { GRAPH_ACCESS_TOKEN: TEST_TOKEN };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const harnesses = new WeakMap<RunningSimulator, SimulatorHarness>();

/** A simulator in the shared harness (helpers/with-simulator.ts): closed, and scanned for secrets, after each test. */
async function simulator(tenant: TenantSpec, behaviour: Partial<SimulatorBehaviour> = {}): Promise<RunningSimulator> {
  const harness = await startHarness({ tenant, behaviour });
  cleanups.push(() => harness.close());
  harnesses.set(harness.sim, harness);
  return harness.sim;
}

/** Runs the CLI against `sim` the way every end-to-end test does: through its harness. */
function cliOf(sim: RunningSimulator): SimulatorHarness['cli'] {
  return harnesses.get(sim)!.cli;
}

async function workspace() {
  const dir = await tempDir();
  cleanups.push(() => dir.dispose());
  return dir;
}

/** Runs `license-batch run` on `content` against `sim`, returning the CLI result and the results rows. */
async function run(sim: RunningSimulator, content: string | Buffer, args: string[] = [], env: NodeJS.ProcessEnv = TOKEN) {
  const dir = await harnesses.get(sim)!.workspace();
  const input = await dir.write('licenses.csv', content);
  const result = await cliOf(sim)(['run', input, '--graph-url', sim.url, ...args], { env });
  const out = dir.file('licenses.results.csv');
  const rows = result.code === 2 && !result.stderr.includes('results:') ? [] : await readResults(out);
  return { ...result, rows, out, dir };
}

function directSkus(sim: RunningSimulator, key: string): Record<string, string[]> {
  const user = sim.user(key)!;
  return Object.fromEntries(user.directLicenses.map((l) => [l.skuId, [...l.disabledPlans].sort()]));
}

describe('run: a 1,000-row file with each user spread over rows far apart', () => {
  it('leaves the tenant as the file asks, one request in flight per user, rows in order', async () => {
    const users = 250;
    const tenant = testTenant({ users });
    // Users 1..50 start with E3, so that their rows can remove it.
    const spec: TenantSpec = {
      ...tenant,
      users: tenant.users.map((u, i) => (i < 50 ? { ...u, usageLocation: null, assignedLicenses: [{ skuId: SKU.E3, disabledPlans: [] }] } : u)),
    };
    const sim = await simulator(spec, { latencyMs: 2 });

    const lines: string[][] = [['UserPrincipalName', 'SkuId', 'DisabledPlans', 'Action', 'UsageLocation', 'Ticket']];
    const occurrences = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const n = ((i * 7) % users) + 1; // each user comes back every 250 rows
      const k = occurrences.get(n) ?? 0;
      occurrences.set(n, k + 1);
      const holder = n <= 50;
      if (k === 0) lines.push([upn(n), holder ? 'ENTERPRISEPACK' : SKU.E3, holder ? '' : 'SWAY', holder ? 'remove' : 'add', 'DE', `T-${i}`]);
      else if (k === 1) lines.push([upn(n), 'EMS', '', '', holder ? 'DE' : '', `T-${i}`]);
      else lines.push([upn(n), 'Enterprise Mobility + Security E3', '', 'assign', '', `T-${i}`]);
    }
    // Not a test of pacing: --max-rate off, so that 1,000 writes do not take 50 s at Graph's 20 a second.
    const { code, rows, stderr } = await run(sim, csv(lines), ['--concurrency', '16', '--max-rate', 'off']);

    expect(stderr).not.toContain('internal error');
    expect(code).toBe(0);
    expect(rows).toHaveLength(1000);
    expect(rows.map((r) => Number(r.row))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(rows.map((r) => r.Ticket)).toEqual(Array.from({ length: 1000 }, (_, i) => `T-${i}`));
    expect(rows.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(sim.stats.maxInFlightPerUser).toBe(1);

    for (let n = 1; n <= users; n++) {
      const want = n <= 50 ? { [SKU.EMS]: [] } : { [SKU.E3]: [PLAN.SWAY], [SKU.EMS]: [] };
      expect(directSkus(sim, upn(n)), upn(n)).toEqual(want);
      expect(sim.user(upn(n))!.usageLocation).toBe('DE');
    }
  });

  it('sends one assignLicense call per user when the user\'s rows are adjacent', async () => {
    const sim = await simulator(testTenant({ users: 200 }));
    const lines: string[][] = [['upn', 'sku', 'disabled plans']];
    for (let n = 1; n <= 200; n++) {
      lines.push([upn(n), 'ENTERPRISEPACK', 'SWAY;TEAMS1']);
      lines.push([upn(n), SKU.EMS, '']);
      lines.push([upn(n).toUpperCase(), 'ENTERPRISEPACK', 'TEAMS1 SWAY']);
    }
    const { code, rows } = await run(sim, csv(lines), ['--max-rate', 'off']);
    expect(code).toBe(0);
    expect(rows.every((r) => r.status === 'succeeded' && r.attempts === '1')).toBe(true);
    expect(sim.stats.operations.assignLicense).toBe(200);
    expect([...sim.stats.assignLicenseByUser.values()].every((n) => n === 1)).toBe(true);
    expect(directSkus(sim, upn(7))).toEqual({ [SKU.E3]: [PLAN.TEAMS1, PLAN.SWAY].sort(), [SKU.EMS]: [] });
  });
});

describe('run: Graph errors', () => {
  // --no-read sends every row, so that Graph's own answers reach the results (a read would fail most of these rows without a write).
  it('with --no-read, puts each Graph error in its row, leaves the other rows alone, and exits 1', async () => {
    const tenant = testTenant({
      users: 4,
      extraUsers: [
        { id: userId(100), userPrincipalName: 'nolocation@contoso.example', usageLocation: null },
        { id: userId(101), userPrincipalName: 'grouped@contoso.example', usageLocation: 'US', groupLicenses: [{ skuId: SKU.EMS, groupId: GROUP }] },
      ],
    });
    const sim = await simulator(tenant);
    const unknownSku = '00000000-1111-2222-3333-444444444444';
    const { code, rows } = await run(
      sim,
      csv([
        ['UserPrincipalName', 'SkuId', 'DisabledPlans', 'Action'],
        [upn(1), SKU.E3, '', 'add'],
        ['ghost@contoso.example', SKU.E3, '', 'add'],
        ['nolocation@contoso.example', SKU.E3, '', 'add'],
        [upn(2), SKU.EXCHANGESTANDARD, '', 'add'],
        [upn(3), unknownSku, '', 'add'],
        [upn(4), SKU.EMS, PLAN.SWAY, 'add'],
        [upn(2), SKU.E3, '', 'remove'],
        ['grouped@contoso.example', SKU.EMS, '', 'remove'],
        [upn(3), SKU.EMS, '', 'add'],
      ]),
      ['--no-read'],
    );
    expect(code).toBe(1);
    const byRow = Object.fromEntries(rows.map((r) => [r.row, r]));
    const expectFailure = (row: number, httpStatus: string, errorCode: string, message: RegExp) => {
      expect(byRow[row], `row ${row}`).toMatchObject({ status: 'failed', httpStatus, errorCode });
      expect(byRow[row]!.message, `row ${row}`).toMatch(message);
      expect(byRow[row]!.requestId, `row ${row}`).toMatch(/^[0-9a-f-]{36}$/);
    };
    expect(byRow[1]).toMatchObject({ status: 'succeeded', httpStatus: '200' });
    expectFailure(2, '404', 'Request_ResourceNotFound', /does not exist/);
    expectFailure(3, '400', 'Request_BadRequest', /usage location/i);
    expectFailure(4, '400', 'Request_BadRequest', /does not have any available licenses/);
    expectFailure(5, '400', 'Request_BadRequest', /does not correspond to a valid company License/);
    expectFailure(6, '400', 'Request_BadRequest', new RegExp(PLAN.SWAY));
    expectFailure(7, '400', 'Request_BadRequest', /does not have a corresponding license/);
    expectFailure(8, '400', 'Request_BadRequest', /inherited from a group/);
    // Row 9 is a good change for a user whose other row (5) failed: it still applies.
    expect(byRow[9]).toMatchObject({ status: 'succeeded' });
    expect(directSkus(sim, upn(3))).toEqual({ [SKU.EMS]: [] });
    expect(directSkus(sim, upn(1))).toEqual({ [SKU.E3]: [] });
  });

  it('retries a rejected grouped body change by change, so one bad row does not fail its neighbours', async () => {
    const sim = await simulator(testTenant({ users: 2 }));
    const { code, rows } = await run(
      sim,
      csv([
        ['upn', 'sku'],
        [upn(1), SKU.E3],
        [upn(1), SKU.EXCHANGESTANDARD],
        [upn(1), SKU.EMS],
      ]),
      ['--no-read'],
    );
    expect(code).toBe(1);
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(rows.map((r) => r.attempts)).toEqual(['2', '2', '2']);
    expect(directSkus(sim, upn(1))).toEqual({ [SKU.E3]: [], [SKU.EMS]: [] });
  });
});

describe('run: usage location', () => {
  it('with --usage-location, gives users that have none the default when a license needs it, and leaves the others alone', async () => {
    const tenant = testTenant({ users: 2, extraUsers: [{ id: userId(300), userPrincipalName: 'new@contoso.example', usageLocation: null }] });
    const sim = await simulator(tenant);
    const lines = csv([['upn', 'sku'], ['new@contoso.example', SKU.E3], [upn(1), SKU.E3]]);
    const { code, rows } = await run(sim, lines, ['--usage-location', 'de']);
    expect(code).toBe(0);
    // The read knows the user has none: the PATCH goes first, and the license is not refused.
    expect(rows[0]).toMatchObject({ status: 'succeeded', message: 'added ENTERPRISEPACK (Office 365 E3); set usage location DE (--usage-location)', attempts: '2' });
    expect(sim.user('new@contoso.example')!.usageLocation).toBe('DE');
    expect(sim.user(upn(1))!.usageLocation).toBe('US');
    expect(sim.stats.operations.patchUser).toBe(1);
  });

  it('without it, a user with no usage location fails without a write, saying what to do', async () => {
    const tenant = testTenant({ users: 0, extraUsers: [{ id: userId(300), userPrincipalName: 'new@contoso.example', usageLocation: null }] });
    const sim = await simulator(tenant);
    const { code, rows } = await run(sim, csv([['upn', 'sku'], ['new@contoso.example', SKU.E3]]));
    expect(code).toBe(1);
    expect(rows[0]).toMatchObject({ status: 'failed', httpStatus: '', errorCode: 'NoUsageLocation', attempts: '0' });
    expect(rows[0]!.message).toMatch(/usage location.*--usage-location/);
    expect(sim.stats.operations.assignLicense).toBe(0);
  });

  it('with --no-read, a user with no usage location fails with Graph\'s reason, and --usage-location mends it after the refusal', async () => {
    const tenant = testTenant({ users: 0, extraUsers: [{ id: userId(300), userPrincipalName: 'new@contoso.example', usageLocation: null }] });
    const sim = await simulator(tenant);
    const plain = await run(sim, csv([['upn', 'sku'], ['new@contoso.example', SKU.E3]]), ['--no-read']);
    expect(plain.rows[0]).toMatchObject({ status: 'failed', httpStatus: '400' });
    expect(plain.rows[0]!.message).toMatch(/usage location/);
    const mended = await run(sim, csv([['upn', 'sku'], ['new@contoso.example', SKU.E3]]), ['--no-read', '--usage-location', 'FR']);
    expect(mended.rows[0]).toMatchObject({ status: 'succeeded', message: 'set usage location FR (--usage-location); added ENTERPRISEPACK (Office 365 E3)', attempts: '3' });
  });
});

describe('run: structure and validity', () => {
  it('sends nothing and exits 2 naming line 900 when a quote is left open there', async () => {
    const sim = await simulator(testTenant({ users: 10 }));
    const lines = ['UserPrincipalName,SkuId'];
    for (let i = 2; i <= 1000; i++) lines.push(i === 900 ? `"${upn(1)},${SKU.E3}` : `${upn((i % 10) + 1)},${SKU.E3}`);
    const { code, stderr } = await run(sim, lines.join('\n') + '\n');
    expect(code).toBe(2);
    expect(stderr).toMatch(/line 900/);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(sim.stats.requests).toBe(0);
  });

  it.each([
    { name: 'a missing required column', content: 'upn,Action\na@x.com,add\n', says: /SkuId/ },
    { name: 'a row with more fields than the header', content: `upn,sku\n${upn(1)},${SKU.E3}\n${upn(2)},${SKU.E3},extra\n`, says: /line 3/ },
  ])('sends nothing and exits 2 for $name', async ({ content, says }) => {
    const sim = await simulator(testTenant({ users: 10 }));
    const { code, stderr } = await run(sim, content);
    expect(code).toBe(2);
    expect(stderr).toMatch(says);
    expect(sim.stats.requests).toBe(0);
  });

  it('marks invalid rows with the column and value, sends nothing for them, and goes on', async () => {
    const sim = await simulator(testTenant({ users: 5 }));
    const { code, rows } = await run(
      sim,
      csv([
        ['UserPrincipalName', 'SkuId', 'Action', 'UsageLocation'],
        [upn(1), SKU.E3, 'add', ''],
        ['', SKU.E3, 'add', ''],
        [upn(2), SKU.E3, 'frobnicate', ''],
        [upn(3), SKU.E3, 'add', 'XX'],
        [upn(4), 'NOT_A_SKU_HERE', 'add', ''],
      ]),
    );
    expect(code).toBe(1);
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'invalid', 'invalid', 'invalid', 'invalid']);
    expect(rows[2]!.message).toMatch(/^row 3 \(line 4\): .*Action.*"frobnicate"/);
    expect(rows[3]!.message).toContain('XX');
    expect(rows[4]!.message).toContain('NOT_A_SKU_HERE');
    expect(rows.slice(1).every((r) => r.httpStatus === '' && r.attempts === '0' && r.errorCode !== '')).toBe(true);
    expect(sim.stats.operations.assignLicense).toBe(1);
    expect(sim.user(upn(3))!.usageLocation).toBe('US');
  });

  it('with --strict, sends no write at all when any row is invalid', async () => {
    const sim = await simulator(testTenant({ users: 5 }));
    const { code, rows } = await run(sim, csv([['upn', 'sku', 'action'], [upn(1), SKU.E3, 'add'], [upn(2), SKU.E3, 'explode']]), ['--strict']);
    expect(code).toBe(1);
    expect(rows.map((r) => r.status)).toEqual(['not-attempted', 'invalid']);
    expect(sim.stats.operations.assignLicense + sim.stats.operations.patchUser).toBe(0);
  });

  it('marks rows that contradict each other for one user, wherever they are', async () => {
    const sim = await simulator(testTenant({ users: 5 }));
    const { code, rows } = await run(
      sim,
      csv([
        ['upn', 'sku', 'action', 'usagelocation'],
        [upn(1), SKU.E3, 'add', ''],
        [upn(2), SKU.EMS, 'add', 'DE'],
        [upn(3), SKU.EMS, 'add', ''],
        [upn(1), SKU.E3, 'remove', ''],
        [upn(2), SKU.E3, 'add', 'FR'],
      ]),
    );
    expect(code).toBe(1);
    expect(rows.map((r) => r.status)).toEqual(['invalid', 'invalid', 'succeeded', 'invalid', 'invalid']);
    expect(rows[0]!.message).toMatch(/row 4/);
    expect(rows[3]!.message).toMatch(/row 1/);
    expect(sim.stats.operations.assignLicense).toBe(1);
  });
});

describe('run: input formats', () => {
  const plain = csv([
    ['UserPrincipalName', 'SkuId', 'DisabledPlans', 'Note'],
    [upn(1), 'ENTERPRISEPACK', '"SWAY,TEAMS1"', '"first; with ""quotes"""'],
    [upn(2), 'Office 365 E3', '', '"two\nlines"'],
    [upn(3), SKU.EMS, '', 'plain'],
  ]);

  async function outcome(content: string | Buffer) {
    const sim = await simulator(testTenant({ users: 3 }));
    const { code, rows } = await run(sim, content);
    return { code, rows: rows.map(({ completedAt, requestId, ...rest }) => rest), e3: directSkus(sim, upn(1)), two: directSkus(sim, upn(2)) };
  }

  it('reads a semicolon-delimited file with a BOM, CRLF and alias headers like the plain one', async () => {
    const european =
      '\uFEFF' +
      csv(
        [
          ['User Principal Name', 'sku_part_number', 'Disabled-Plans', 'Note'],
          [upn(1), 'ENTERPRISEPACK', 'SWAY,TEAMS1', '"first; with ""quotes"""'],
          [upn(2), 'Office 365 E3', '', '"two\r\nlines"'],
          [upn(3), SKU.EMS, '', 'plain'],
        ],
        ';',
        '\r\n',
      );
    const a = await outcome(plain);
    const b = await outcome(european);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.e3).toEqual(a.e3);
    expect(b.two).toEqual(a.two);
    expect(a.e3).toEqual({ [SKU.E3]: [PLAN.SWAY, PLAN.TEAMS1].sort() });
    // A quoted value keeps its own line break, CRLF in the European file.
    expect(b.rows.map((r) => [r.status, r.message, r.Note!.replace('\r\n', '\n')])).toEqual(a.rows.map((r) => [r.status, r.message, r.Note]));
    expect(a.rows[0]!.Note).toBe('first; with "quotes"');
  });

  it.each([
    { name: 'UTF-16 LE', encode: (s: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]) },
    { name: 'UTF-16 BE', encode: (s: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]) },
  ])('reads $name with BOM (Excel "Unicode text") like the plain file', async ({ encode }) => {
    const tabbed = plain.replaceAll(',', '\t').replace('"SWAY\tTEAMS1"', 'SWAY,TEAMS1');
    const a = await outcome(plain);
    const b = await outcome(encode(tabbed));
    expect(b.code).toBe(0);
    expect(b.e3).toEqual(a.e3);
    expect(b.rows.map((r) => [r.status, r.Note])).toEqual(a.rows.map((r) => [r.status, r.Note]));
  });

  it('accepts its own results file as input', async () => {
    const sim = await simulator(testTenant({ users: 3 }));
    const first = await run(sim, csv([['upn', 'sku', 'Note'], [upn(1), SKU.E3, '=SUM(A1)'], [upn(2), 'bogus sku!', '-x']]));
    expect(first.code).toBe(1);
    const again = await cliOf(sim)(['run', first.out, '--graph-url', sim.url, '--out', first.dir.file('again.csv')], { env: TOKEN });
    expect(again.code).toBe(1);
    const rows = await readResults(first.dir.file('again.csv'));
    expect(Object.keys(rows[0]!)).toEqual(['upn', 'sku', 'Note', 'row', 'status', 'httpStatus', 'errorCode', 'message', 'attempts', 'requestId', 'completedAt']);
    // The first run applied row 1: the second finds it in place.
    expect(rows.map((r) => [r.status, r.Note])).toEqual([
      ['skipped', `'=SUM(A1)`],
      ['invalid', `'-x`],
    ]);
  });

  it('reads the input from standard input with -', async () => {
    const sim = await simulator(testTenant({ users: 2 }));
    const dir = await harnesses.get(sim)!.workspace();
    const out = dir.file('stdin.results.csv');
    const result = await cliOf(sim)(['run', '-', '--graph-url', sim.url, '--out', out], { env: TOKEN, stdin: csv([['upn', 'sku'], [upn(1), SKU.E3]]) });
    expect(result.code).toBe(0);
    expect((await readResults(out)).map((r) => r.status)).toEqual(['succeeded']);
  });

  it('encodes guest, quote, plus, non-ASCII and $ user names as one path segment', async () => {
    const odd = ['x_y.com#EXT#@contoso.onmicrosoft.com', "o'brien@contoso.example", 'a+b@contoso.example', 'josé@contoso.example', '$admin@contoso.example'];
    const sim = await simulator(
      testTenant({ users: 0, extraUsers: odd.map((u, i) => ({ id: userId(500 + i), userPrincipalName: u, usageLocation: 'US' })) }),
    );
    const { code, rows } = await run(sim, csv([['upn', 'sku'], ...odd.map((u) => [u, SKU.E3])]));
    expect(rows.map((r) => r.status)).toEqual(odd.map(() => 'succeeded'));
    expect(code).toBe(0);
    for (const u of odd) expect(directSkus(sim, u)).toEqual({ [SKU.E3]: [] });
  });
});

describe('run: throttling and faults', () => {
  it('pauses the whole run for Retry-After and still applies every row', async () => {
    // A bucket that even a client slowed by a busy machine (16 in flight, no pacing) overruns: at a
    // refill of 50 a second, a loaded machine's client could stay under it and never be throttled.
    const sim = await simulator(testTenant({ users: 60 }), { writeBucket: { capacity: 10, refillPerSecond: 20 } });
    const lines = [['upn', 'sku'], ...Array.from({ length: 60 }, (_, i) => [upn(i + 1), SKU.E3])];
    const { code, rows, stderr } = await run(sim, csv(lines), ['--max-rate', 'off', '--concurrency', '16']);
    expect(code).toBe(0);
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
    expect(sim.stats.throttled).toBeGreaterThan(0);
    expect(sim.stats.requestsDuringRetryAfter).toBe(0);
    expect(rows.some((r) => Number(r.attempts) > 1)).toBe(true);
    expect(stderr).toMatch(/throttled/);
  });

  it('loses no row to a 429 storm with --max-rate off and --max-retries 2: a 429 is "later", not "no"', async () => {
    const sim = await simulator(testTenant({ users: 300 }), { writeBucket: { capacity: 10, refillPerSecond: 100 } });
    const lines = [['upn', 'sku'], ...Array.from({ length: 300 }, (_, i) => [upn(i + 1), SKU.E3])];
    const { code, rows } = await run(sim, csv(lines), ['--max-rate', 'off', '--batch-size', '20', '--max-retries', '2']);
    expect(rows.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(code).toBe(0);
    expect(sim.stats.throttled).toBeGreaterThan(300);
    expect(rows.some((r) => Number(r.attempts) > 3)).toBe(true);
    expect(sim.stats.requestsDuringRetryAfter).toBe(0);
  });

  it('rides out 10% 503s and 5% dropped connections: every row succeeds, some after several attempts', async () => {
    const users = 300;
    const tenant = testTenant({ users });
    const spec: TenantSpec = { ...tenant, users: tenant.users.map((u, i) => (i % 2 === 0 ? { ...u, assignedLicenses: [{ skuId: SKU.EMS }] } : u)) };
    const sim = await simulator(spec, { faults: { error503: 0.1, dropBeforeApply: 0.025, dropAfterApply: 0.025 }, seed: 42 });
    const lines = [['upn', 'sku', 'action'], ...Array.from({ length: users }, (_, i) => (i % 2 === 0 ? [upn(i + 1), SKU.EMS, 'remove'] : [upn(i + 1), SKU.E3, 'add']))];
    const { code, rows } = await run(sim, csv(lines), ['--max-retries', '8']);
    expect(sim.stats.faults.error503).toBeGreaterThan(0);
    expect(sim.stats.faults.dropAfterApply).toBeGreaterThan(0);
    expect(rows.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(code).toBe(0);
    expect(rows.some((r) => Number(r.attempts) > 1)).toBe(true);
    for (let n = 1; n <= users; n++) expect(directSkus(sim, upn(n))).toEqual(n % 2 === 1 ? {} : { [SKU.E3]: [] });
  });
});

describe('run: output', () => {
  it('with --log json, ends with one JSON summary object on standard error', async () => {
    const sim = await simulator(testTenant({ users: 3 }));
    const { code, stderr, out } = await run(sim, csv([['upn', 'sku'], [upn(1), SKU.E3], [upn(2), 'NOPE_SKU']]), ['--log', 'json']);
    expect(code).toBe(1);
    const last = JSON.parse(stderr.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ event: 'summary', rows: 2, statuses: { succeeded: 1, invalid: 1 }, writes: 1, results: out, exitCode: 1 });
  });

  it('prints a summary with counts per status, frequent errors and the results path', async () => {
    const sim = await simulator(testTenant({ users: 3 }));
    const { stderr, out } = await run(sim, csv([['upn', 'sku'], [upn(1), SKU.E3], ['ghost@contoso.example', SKU.E3]]), ['--quiet']);
    expect(stderr).toMatch(/2 rows in .*succeeded 1, failed 1/);
    expect(stderr).toMatch(/most frequent errors:\n.*user not found: 1 row \(e\.g\. row 2\): check the UPN/);
    expect(stderr).toContain(`results: ${out}`);
  });

  it('with --dry-run, plans every change and sends no write', async () => {
    const sim = await simulator(testTenant({ users: 3 }));
    const { code, rows } = await run(sim, csv([['upn', 'sku', 'disabledplans'], [upn(1), 'ENTERPRISEPACK', 'SWAY'], [upn(2), SKU.EMS, '']]), ['--dry-run']);
    expect(code).toBe(0);
    expect(rows.map((r) => [r.status, r.message])).toEqual([
      ['planned', 'add ENTERPRISEPACK (Office 365 E3) with SWAY disabled'],
      ['planned', 'add EMS (Enterprise Mobility + Security E3)'],
    ]);
    expect(sim.stats.operations.assignLicense + sim.stats.operations.patchUser).toBe(0);
  });
});

describe('run: JSON $batch (--batch-size)', () => {
  it('carries up to 20 users\' changes per request, one request in flight per user, every row applied', async () => {
    const sim = await simulator(testTenant({ users: 400 }), { latencyMs: 5 });
    const lines = [['upn', 'sku'], ...Array.from({ length: 400 }, (_, i) => [upn(i + 1), i % 2 ? SKU.E3 : 'EMS'])];
    const { code, rows } = await run(sim, csv(lines), ['--batch-size', '20', '--max-rate', 'off']);
    expect(code).toBe(0);
    expect(rows.every((r) => r.status === 'succeeded' && r.httpStatus === '200')).toBe(true);
    expect(sim.stats.operations.assignLicense).toBe(400);
    expect(sim.stats.operations.batch).toBeGreaterThanOrEqual(20);
    expect(sim.stats.requests).toBeLessThan(60);
    expect(sim.stats.maxInFlightPerUser).toBe(1);
    expect(directSkus(sim, upn(2))).toEqual({ [SKU.E3]: [] });
  });

  it('judges each member on its own: faults, throttled members and Graph errors', async () => {
    const tenant = testTenant({ users: 300 });
    const sim = await simulator(tenant, {
      faults: { error503: 0.08, dropBeforeApply: 0.01, dropAfterApply: 0.01 },
      writeBucket: { capacity: 60, refillPerSecond: 200 },
      seed: 9,
    });
    const lines = [['upn', 'sku'], ...Array.from({ length: 300 }, (_, i) => [i === 7 ? 'ghost@contoso.example' : upn(i + 1), SKU.E3])];
    const { code, rows } = await run(sim, csv(lines), ['--batch-size', '10', '--max-rate', 'off', '--max-retries', '10', '--no-read']);
    expect(code).toBe(1);
    expect(rows[7]).toMatchObject({ status: 'failed', httpStatus: '404', errorCode: 'Request_ResourceNotFound' });
    expect(rows.filter((r) => r.status !== 'succeeded').map((r) => r.row)).toEqual(['8']);
    expect(sim.stats.throttled + sim.stats.faults.error503).toBeGreaterThan(0);
    expect(sim.stats.requestsDuringRetryAfter).toBe(0);
    for (let n = 1; n <= 300; n++) if (n !== 8) expect(directSkus(sim, upn(n))).toEqual({ [SKU.E3]: [] });
  });
});

describe('run: refusing to start', () => {
  it('refuses plain http to a host that is not loopback, before any request', async () => {
    const dir = await workspace();
    const input = await dir.write('in.csv', csv([['upn', 'sku'], [upn(1), SKU.E3]]));
    const result = await runCli(['run', input, '--graph-url', 'http://graph.example.com'], { env: TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/http:\/\/graph\.example\.com/);
  });

  it('stops with exit 2 when Graph cannot be reached at all, instead of failing row after row', async () => {
    const dir = await workspace();
    const input = await dir.write('in.csv', csv([['upn', 'sku'], ...Array.from({ length: 50 }, (_, i) => [upn(i + 1), SKU.E3])]));
    const closed = await simulator(testTenant({ users: 1 }));
    const url = closed.url;
    await closed.close();
    const result = await cliOf(closed)(['run', input, '--graph-url', url, '--max-retries', '1'], { env: TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Could not reach Microsoft Graph \(ECONNREFUSED/);
    const rows = await readResults(dir.file('in.results.csv'));
    expect(rows).toHaveLength(50);
    expect(rows.filter((r) => r.status === 'not-attempted').length).toBeGreaterThanOrEqual(42);
  });

  it('stops with exit 2, sending no write, when the results file cannot be created', async () => {
    const sim = await simulator(testTenant({ users: 2 }));
    const dir = await harnesses.get(sim)!.workspace();
    const input = await dir.write('in.csv', csv([['upn', 'sku'], [upn(1), SKU.E3]]));
    const result = await cliOf(sim)(['run', input, '--graph-url', sim.url, '--out', dir.file('missing-folder/out.csv')], { env: TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Could not create the results file .*missing-folder\/out\.csv/);
    expect(sim.stats.operations.assignLicense).toBe(0);
  });

  it('needs credentials', async () => {
    const sim = await simulator(testTenant({ users: 1 }));
    const { code, stderr } = await run(sim, csv([['upn', 'sku'], [upn(1), SKU.E3]]), [], {});
    expect(code).toBe(2);
    expect(stderr).toMatch(/GRAPH_ACCESS_TOKEN/);
    expect(sim.stats.requests).toBe(0);
  });

  it.each([
    { name: 'an unknown token (401)', token: 'stolen-token-0042', roles: [] as string[], names: /\(401\) to read the tenant's subscriptions.*: check the sign-in.*permission LicenseAssignment\.Read\.All/ },
    { name: 'a token without the permission to write (403)', token: 'reader-token-0042', roles: ['User.Read.All', 'LicenseAssignment.Read.All'], names: /Assigning licenses needs the Microsoft Graph application permission LicenseAssignment\.ReadWrite\.All/ },
  ])('stops with exit 2 and names the permission for $name, instead of failing row after row', async ({ token, roles, names }) => {
    const tenant = testTenant({ users: 100, auth: { tokens: { 'reader-token-0042': roles, good: ['LicenseAssignment.ReadWrite.All'] } } });
    const sim = await simulator(tenant);
    const lines = [['upn', 'sku'], ...Array.from({ length: 100 }, (_, i) => [upn(i + 1), SKU.E3])];
    const { code, stdout, stderr, rows, dir } = await run(sim, csv(lines), [], { GRAPH_ACCESS_TOKEN: token });
    expect(code).toBe(2);
    expect(stderr).toMatch(names);
    // The token the run was given, in its output and in every file it wrote.
    expect(await findSecrets([token], { outputs: [stdout, stderr], paths: [dir.path] })).toEqual([]);
    // The SKUs and the users are read first; then the first writes, 8 in flight, meet the refusal, and no more follow.
    expect(sim.stats.operations.assignLicense).toBeLessThanOrEqual(8);
    expect(sim.stats.requests).toBeLessThanOrEqual(12);
    expect(rows).toHaveLength(100);
    expect(rows.filter((r) => r.status === 'not-attempted').length).toBeGreaterThanOrEqual(92);
  });
});
