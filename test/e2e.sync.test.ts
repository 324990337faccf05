import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserSpec } from '../src/simulator/index.js';
import { csv, readResults } from './helpers/cli.js';
import { startRewritingProxy, type RewritingProxy } from './helpers/rewriting-proxy.js';
import { GROUP, PLAN, SKU, testTenant, upn, userId } from './helpers/tenant.js';
import { until } from './helpers/until.js';
import { startHarness, type OpenHarness } from './helpers/with-simulator.js';

let harness: OpenHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const HEADER = ['UserPrincipalName', 'SkuId', 'DisabledPlans'];
const CHANGE_COLUMNS = 'UserPrincipalName,SkuId,DisabledPlans,Action,UsageLocation,Reason';

/** Users 1..direct hold E3 directly, the next `group` through a group, the next `none` nothing. */
function e3Users(direct: number, group: number, none: number): UserSpec[] {
  const users: UserSpec[] = [];
  for (let n = 1; n <= direct + group + none; n++) {
    const spec: UserSpec = { id: userId(n), userPrincipalName: upn(n), usageLocation: 'US' };
    if (n <= direct) users.push({ ...spec, assignedLicenses: [{ skuId: SKU.E3 }] });
    else if (n <= direct + group) users.push({ ...spec, groupLicenses: [{ skuId: SKU.E3, groupId: GROUP }] });
    else users.push(spec);
  }
  return users;
}

async function start(users: UserSpec[], options: { seats?: number; latencyMs?: number } = {}): Promise<OpenHarness> {
  const tenant = testTenant({ users: 0, extraUsers: users, ...(options.seats !== undefined ? { seats: options.seats } : {}) });
  harness = await startHarness({ tenant, ...(options.latencyMs !== undefined ? { behaviour: { latencyMs: options.latencyMs } } : {}) });
  return harness;
}

const sync = (args: string[]) => harness!.cli(['sync', ...args, '--graph-url', harness!.url, '--max-rate', 'off']);

async function changeSheet(path: string): Promise<Record<string, string>[]> {
  const raw = await readFile(path, 'utf8');
  expect(raw.startsWith(`\uFEFF${CHANGE_COLUMNS}\r\n`) || raw.startsWith(`\uFEFF${CHANGE_COLUMNS}\n`)).toBe(true);
  return parse(raw, { bom: true, columns: true }) as Record<string, string>[];
}

/** Direct E3 assignments in the simulator: UPN -> disabled plans, sorted. */
function directE3(h: OpenHarness, count: number): Map<string, string> {
  const held = new Map<string, string>();
  for (let n = 1; n <= count; n++) {
    const license = h.sim.user(upn(n))!.directLicenses.find((l) => l.skuId === SKU.E3);
    if (license) held.set(upn(n), [...license.disabledPlans].sort().join(' '));
  }
  return held;
}

describe('sync', () => {
  it('40 direct holders, 5 through a group, 10 without: a sheet of 30 (one with other plans) and 5 joiners gives 16 changes, removes first; undo restores', async () => {
    const h = await start(e3Users(40, 5, 10));
    const rows = [HEADER];
    for (let n = 1; n <= 30; n++) rows.push([upn(n), 'ENTERPRISEPACK', n === 1 ? 'TEAMS1' : '']);
    for (let n = 46; n <= 50; n++) rows.push([upn(n), 'ENTERPRISEPACK', '']);
    const desired = await h.dir.write('desired.csv', csv(rows));
    const before = directE3(h, 55);

    const result = await sync([desired]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    const changes = await changeSheet(h.dir.file('desired.changes.csv'));
    expect(changes).toHaveLength(16);
    expect(changes.slice(0, 10).map((c) => [c.Action, c.Reason])).toEqual(Array(10).fill(['remove', 'not in the desired sheet']));
    expect(changes.slice(0, 10).map((c) => c.UserPrincipalName).sort()).toEqual(Array.from({ length: 10 }, (_, i) => upn(31 + i)));
    expect(changes[10]).toMatchObject({ UserPrincipalName: upn(1), SkuId: 'ENTERPRISEPACK', DisabledPlans: 'TEAMS1', Action: 'add', Reason: 'plans differ: all plans on -> disabled TEAMS1' });
    expect(changes.slice(11).map((c) => [c.UserPrincipalName, c.Action, c.Reason])).toEqual(Array.from({ length: 5 }, (_, i) => [upn(46 + i), 'add', 'not assigned yet']));

    // The tenant is as the sheet says; the group holders are untouched.
    const after = directE3(h, 55);
    expect([...after.keys()].sort()).toEqual([...Array.from({ length: 30 }, (_, i) => upn(i + 1)), ...Array.from({ length: 5 }, (_, i) => upn(46 + i))].sort());
    expect(after.get(upn(1))).toBe(PLAN.TEAMS1);
    for (let n = 41; n <= 45; n++) expect(h.sim.user(upn(n))!.groupLicenses.map((l) => l.skuId)).toEqual([SKU.E3]);
    expect(h.sim.stats.operations.assignLicense).toBe(16);

    const results = await readResults(h.dir.file('desired.changes.results.csv'));
    expect(results.map((r) => r.status)).toEqual(Array(16).fill('succeeded'));
    expect(results[0]!.Reason).toBe('not in the desired sheet');
    // The report of the change sheet's run is sync's, with its counts.
    const report = await readFile(h.dir.file('desired.changes.results.html'), 'utf8');
    expect(report).toContain('license-batch sync');
    expect(report).toContain('ENTERPRISEPACK');
    expect(result.stderr).toMatch(/sync ENTERPRISEPACK: 40 direct holder\(s\) read, 10 remove\(s\), 1 plan change\(s\), 5 add\(s\), 5 held through a group, not changed/);

    // Its undo file restores the tenant.
    const undo = await harness!.cli(['run', h.dir.file('desired.changes.results.undo.csv'), '--graph-url', h.url, '--max-rate', 'off']);
    expect(undo.code).toBe(0);
    expect(directE3(h, 55)).toEqual(before);
  });

  it('a second sync right after sends no write and writes a header-only change sheet, exit 0', async () => {
    const h = await start(e3Users(12, 2, 3));
    const rows = [HEADER, ...Array.from({ length: 10 }, (_, i) => [upn(i + 1), 'ENTERPRISEPACK', '']), [upn(16), 'ENTERPRISEPACK', 'SWAY']];
    const desired = await h.dir.write('nightly.csv', csv(rows));
    expect((await sync([desired])).code).toBe(0);
    const writes = h.sim.stats.operations.assignLicense;
    expect(writes).toBe(3);

    const again = await sync([desired]);
    expect(again.code).toBe(0);
    expect(h.sim.stats.operations.assignLicense).toBe(writes);
    expect(await changeSheet(h.dir.file('nightly.changes.csv'))).toEqual([]);
    expect(await readResults(h.dir.file('nightly.changes.results.csv'))).toEqual([]);
  });

  it('matches users by object id or UPN in any case, however the sheet names them', async () => {
    const h = await start(e3Users(3, 0, 0));
    const desired = await h.dir.write('ids.csv', csv([HEADER, [userId(1).toUpperCase(), 'ENTERPRISEPACK', ''], [upn(2).toUpperCase(), 'enterprisepack', ''], [upn(3), SKU.E3, '']]));
    const result = await sync([desired]);
    expect(result.code).toBe(0);
    expect(await changeSheet(h.dir.file('ids.changes.csv'))).toEqual([]);
    expect(h.sim.stats.operations.assignLicense).toBe(0);
  });

  it('reads the desired sheet from standard input when --changes says where the change sheet goes', async () => {
    const h = await start(e3Users(2, 0, 1));
    const sheet = csv([HEADER, [upn(1), 'ENTERPRISEPACK', ''], [upn(3), 'ENTERPRISEPACK', '']]);
    const refused = await harness!.cli(['sync', '-', '--graph-url', h.url], { stdin: sheet });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/needs --changes F/);
    const changes = h.dir.file('stdin.changes.csv');
    const result = await harness!.cli(['sync', '-', '--changes', changes, '--graph-url', h.url, '--max-rate', 'off'], { stdin: sheet });
    expect(result.code).toBe(0);
    expect((await changeSheet(changes)).map((c) => `${c.Action} ${c.UserPrincipalName}`)).toEqual([`remove ${upn(2)}`, `add ${upn(3)}`]);
    expect((await readResults(h.dir.file('stdin.changes.results.csv'))).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  describe('brakes', () => {
    async function hundredAndSixty(): Promise<{ h: OpenHarness; desired: string }> {
      const h = await start(e3Users(100, 0, 0));
      const desired = await h.dir.write('cut-short.csv', csv([HEADER, ...Array.from({ length: 60 }, (_, i) => [upn(i + 1), 'ENTERPRISEPACK', ''])]));
      return { h, desired };
    }

    it('100 holders and a sheet of 60: exit 2 before any write, the change sheet holds the 40 removes, the message names --max-removes', async () => {
      const { h, desired } = await hundredAndSixty();
      const result = await sync([desired]);
      expect(result.code).toBe(2);
      expect(h.sim.stats.operations.assignLicense).toBe(0);
      const changes = await changeSheet(h.dir.file('cut-short.changes.csv'));
      expect(changes).toHaveLength(40);
      expect(changes.every((c) => c.Action === 'remove')).toBe(true);
      expect(result.stderr).toMatch(/40 remove\(s\) is more than the 10 allowed/);
      expect(result.stderr).toMatch(/ENTERPRISEPACK 40 remove\(s\) of 100 direct holder\(s\)/);
      expect(result.stderr).toMatch(/--max-removes 40 \(or --max-removes 40%\)/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });

    it('--log json: the sync event with the counts, then the error, and nothing but JSON', async () => {
      const { desired } = await hundredAndSixty();
      const result = await sync([desired, '--log', 'json']);
      expect(result.code).toBe(2);
      const events = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events.map((e) => e.event)).toEqual(['sync', 'error']);
      expect(events[0]).toMatchObject({ removes: 40, skus: [{ label: 'ENTERPRISEPACK', directHolders: 100, removes: 40 }] });
      expect(events[1]).toMatchObject({ code: 'TOO_MANY_REMOVES', exitCode: 2, message: expect.stringMatching(/--max-removes 40/) });
    });

    it('a dry run meets the same brakes: exit 2, after the change sheet, the planned results and the report', async () => {
      const { h, desired } = await hundredAndSixty();
      const result = await sync([desired, '--dry-run']);
      expect(result.code).toBe(2);
      expect(h.sim.stats.operations.assignLicense).toBe(0);
      expect(await changeSheet(h.dir.file('cut-short.changes.csv'))).toHaveLength(40);
      const rows = await readResults(h.dir.file('cut-short.changes.results.csv'));
      expect(rows.map((r) => r.status)).toEqual(Array(40).fill('planned'));
      expect(await readFile(h.dir.file('cut-short.changes.results.html'), 'utf8')).toMatch(/dry run/i);
      expect(result.stderr).toMatch(/--max-removes 40 \(or --max-removes 40%\)/);
    });

    it.each([['40'], ['50%']])('with --max-removes %s it applies them', async (limit) => {
      const { h, desired } = await hundredAndSixty();
      const result = await sync([desired, '--max-removes', limit]);
      expect(result.code).toBe(0);
      expect(h.sim.stats.operations.assignLicense).toBe(40);
      expect(directE3(h, 100).size).toBe(60);
    });

    it.each([[[]], [['--max-removes', '100%']], [['--max-removes', '1000']]])('a header-only desired sheet: exit 2 with %j', async (extra) => {
      const h = await start(e3Users(5, 0, 0));
      const desired = await h.dir.write('empty.csv', csv([HEADER]));
      const result = await sync([desired, '--sku', 'ENTERPRISEPACK', ...extra]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/has no data row/);
      expect(h.sim.stats.operations.assignLicense).toBe(0);
      expect(directE3(h, 5).size).toBe(5);
    });

    it('a --sku that no row names loses every direct holder, and those removes count', async () => {
      const h = await start([...e3Users(3, 0, 0), ...Array.from({ length: 12 }, (_, i) => ({ id: userId(100 + i), userPrincipalName: upn(100 + i), usageLocation: 'US', assignedLicenses: [{ skuId: SKU.EMS }] }))]);
      const desired = await h.dir.write('e3.csv', csv([HEADER, ...Array.from({ length: 3 }, (_, i) => [upn(i + 1), 'ENTERPRISEPACK', ''])]));
      const stopped = await sync([desired, '--sku', 'EMS']);
      expect(stopped.code).toBe(2);
      expect(stopped.stderr).toMatch(/EMS 12 remove\(s\) of 12 direct holder\(s\)/);
      expect(h.sim.stats.operations.assignLicense).toBe(0);
    });
  });

  it('2,500 holders over three pages, 3 leavers: 3 writes', async () => {
    const h = await start(e3Users(2500, 0, 0));
    const desired = await h.dir.write('big.csv', csv([HEADER, ...Array.from({ length: 2497 }, (_, i) => [upn(i + 1), 'ENTERPRISEPACK', ''])]));
    const result = await sync([desired]);
    expect(result.code).toBe(0);
    expect(h.sim.stats.operations.assignLicense).toBe(3);
    const changes = await changeSheet(h.dir.file('big.changes.csv'));
    expect(changes.map((c) => c.UserPrincipalName)).toEqual([upn(2498), upn(2499), upn(2500)]);
    // Three pages of holders (999, 999, 502); the run reads only the three users it changes.
    expect(h.sim.stats.operations.listUsers).toBeGreaterThanOrEqual(3);
  });

  it('0 free seats, 5 leavers and 5 joiners: the leavers\' seats go to the joiners, all 10 succeed', async () => {
    const h = await start(e3Users(20, 0, 5), { seats: 20 });
    const rows = [HEADER, ...Array.from({ length: 15 }, (_, i) => [upn(i + 1), 'ENTERPRISEPACK', '']), ...Array.from({ length: 5 }, (_, i) => [upn(21 + i), 'ENTERPRISEPACK', ''])];
    const desired = await h.dir.write('moves.csv', csv(rows));
    const result = await sync([desired]);
    expect(result.code).toBe(0);
    const results = await readResults(h.dir.file('moves.changes.results.csv'));
    expect(results.map((r) => `${r.Action}:${r.status}`)).toEqual([...Array(5).fill('remove:succeeded'), ...Array(5).fill('add:succeeded')]);
    expect(directE3(h, 25).size).toBe(20);
  });

  it('export, delete 2 rows, change 1 plan, sync: exactly those 3 changes', async () => {
    const users = e3Users(8, 2, 0).map((u, i) => (i < 4 ? { ...u, assignedLicenses: [{ skuId: SKU.E3, disabledPlans: [PLAN.SWAY] }, { skuId: SKU.EMS }] } : u));
    const h = await start(users);
    const exported = h.dir.file('tenant.csv');
    expect((await harness!.cli(['export', '--graph-url', h.url, '--out', exported])).code).toBe(0);
    const lines = (await readFile(exported, 'utf8')).split(/\r?\n/).filter((l) => l !== '');
    expect(lines).toHaveLength(1 + 8 + 4);
    const kept = lines.filter((l) => !l.startsWith(`${upn(5)},`) && !l.startsWith(`${upn(2)},EMS`));
    const edited = kept.map((l) => (l.startsWith(`${upn(3)},ENTERPRISEPACK`) ? `${upn(3)},ENTERPRISEPACK,SWAY;TEAMS1,add` : l));
    await writeFile(exported, `${edited.join('\n')}\n`);

    const result = await sync([exported]);
    expect(result.code).toBe(0);
    const changes = await changeSheet(h.dir.file('tenant.changes.csv'));
    expect(changes.map((c) => [c.UserPrincipalName, c.SkuId, c.Action, c.DisabledPlans, c.Reason])).toEqual([
      [upn(5), 'ENTERPRISEPACK', 'remove', '', 'not in the desired sheet'],
      [upn(2), 'EMS', 'remove', '', 'not in the desired sheet'],
      [upn(3), 'ENTERPRISEPACK', 'add', 'SWAY;TEAMS1', 'plans differ: disabled SWAY -> disabled SWAY, TEAMS1'],
    ]);
    expect(h.sim.stats.operations.assignLicense).toBe(3);
  });

  it('--dry-run writes the change sheet and a dry-run results file, and sends no write', async () => {
    const h = await start(e3Users(3, 0, 2));
    const desired = await h.dir.write('plan.csv', csv([HEADER, [upn(1), 'ENTERPRISEPACK', ''], [upn(4), 'ENTERPRISEPACK', '']]));
    const result = await sync([desired, '--dry-run', '--changes', h.dir.file('review.csv'), '--out', h.dir.file('review.results.csv')]);
    expect(result.code).toBe(0);
    expect((await changeSheet(h.dir.file('review.csv'))).map((c) => c.Action)).toEqual(['remove', 'remove', 'add']);
    expect((await readResults(h.dir.file('review.results.csv'))).map((r) => r.status)).toEqual(['planned', 'planned', 'planned']);
    expect(h.sim.stats.operations.assignLicense).toBe(0);
  });

  it('--log json: one sync event with the counts before the run\'s start, and nothing but JSON', async () => {
    const h = await start(e3Users(4, 1, 1));
    const desired = await h.dir.write('json.csv', csv([HEADER, [upn(1), 'ENTERPRISEPACK', ''], [upn(2), 'ENTERPRISEPACK', ''], [upn(3), 'ENTERPRISEPACK', ''], [upn(6), 'ENTERPRISEPACK', '']]));
    const result = await sync([desired, '--log', 'json']);
    expect(result.code).toBe(0);
    const events = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((e) => e.event).filter((e) => e === 'sync' || e === 'start' || e === 'summary')).toEqual(['sync', 'start', 'summary']);
    expect(events.find((e) => e.event === 'sync')).toMatchObject({
      changes: h.dir.file('json.changes.csv'),
      skus: [{ skuId: SKU.E3, label: 'ENTERPRISEPACK', directHolders: 4, groupOnly: 1, removes: 1, adds: 1, planChanges: 0 }],
    });
  });

  it('an invalid row leaves its user alone for its SKU, and the sync ends with exit 1', async () => {
    const h = await start(e3Users(3, 0, 0));
    const desired = await h.dir.write('typo.csv', csv([HEADER, [upn(1), 'ENTERPRISEPACK', ''], [upn(2), 'ENTERPRISEPACK', 'NOT_A_PLAN'], [upn(3), 'ENTERPRISEPACK', '']]));
    const result = await sync([desired]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/row 2 \(line 3\): DisabledPlans "NOT_A_PLAN" is not a service plan of ENTERPRISEPACK/);
    expect(await changeSheet(h.dir.file('typo.changes.csv'))).toEqual([]);
    expect(directE3(h, 3).size).toBe(3);
  });

  it('a row that fails: exit 1, and the summary prints the run --resume command that finishes the change sheet', async () => {
    const h = await start(e3Users(2, 0, 0));
    const desired = await h.dir.write('hr.csv', csv([HEADER, [upn(1), 'ENTERPRISEPACK', ''], [upn(2), 'ENTERPRISEPACK', ''], ['ghost@contoso.example', 'ENTERPRISEPACK', '']]));
    const result = await sync([desired]);
    expect(result.code).toBe(1);
    const changes = h.dir.file('hr.changes.csv');
    const results = h.dir.file('hr.changes.results.csv');
    expect(result.stderr).toContain(`license-batch run ${changes} --out ${results} --resume`);
    expect((await readResults(results)).map((r) => r.status)).toEqual(['failed']);
  });

  it('an interrupted sync exits 130, and the run --resume command its summary prints finishes it', async () => {
    const h = await start(e3Users(0, 0, 60), { latencyMs: 50 });
    const desired = await h.dir.write('long.csv', csv([HEADER, ...Array.from({ length: 60 }, (_, i) => [upn(i + 1), 'ENTERPRISEPACK', ''])]));
    const controller = new AbortController();
    const running = harness!.cli(['sync', desired, '--graph-url', h.url, '--max-rate', 'off', '--concurrency', '2'], { signal: controller.signal });
    await until(() => h.sim.stats.operations.assignLicense >= 5, 'five writes');
    controller.abort();
    const result = await running;
    expect(result.code).toBe(130);
    const command = /license-batch run (\S+) --out (\S+) --resume.*$/m.exec(result.stderr);
    expect(command?.[1]).toBe(h.dir.file('long.changes.csv'));
    expect(command?.[2]).toBe(h.dir.file('long.changes.results.csv'));
    expect(directE3(h, 60).size).toBeLessThan(60);

    const resumed = await harness!.cli(command![0].replace(/^license-batch /, '').split(' '));
    expect(resumed.code).toBe(0);
    expect(directE3(h, 60).size).toBe(60);
  });

  it.each([
    { what: 'a holder without an assignedLicenses list', edit: (u: any) => ({ ...u, assignedLicenses: undefined }) },
    { what: 'a holder whose licenseAssignmentStates is not a list', edit: (u: any) => ({ ...u, licenseAssignmentStates: 'E3' }) },
  ])('stops before any write, exit 2, when Graph lists $what (relative next links followed)', async ({ edit }) => {
    const h = await start(e3Users(1200, 0, 0));
    let proxy: RewritingProxy | undefined;
    try {
      proxy = await startRewritingProxy(h.url, ({ method, path, status, body }) => {
        if (method !== 'GET' || !path.includes('assignedLicenses%2Fany') || status !== 200) return undefined;
        const page = JSON.parse(body);
        // Graph's next link as a path relative to the root, and the second page's last user mangled.
        const next = page['@odata.nextLink'] === undefined ? undefined : new URL(page['@odata.nextLink']);
        if (next) page['@odata.nextLink'] = next.pathname.replace(/^\/v1\.0/, '') + next.search;
        else page.value[page.value.length - 1] = edit(page.value[page.value.length - 1]);
        return { body: JSON.stringify(page) };
      });
      const desired = await h.dir.write('mangled.csv', csv([HEADER, ...Array.from({ length: 1200 }, (_, i) => [upn(i + 1), 'ENTERPRISEPACK', ''])]));
      const result = await harness!.cli(['sync', desired, '--graph-url', proxy.url, '--max-rate', 'off']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/listed a holder of ENTERPRISEPACK whose licenses cannot be read/);
      expect(h.sim.stats.operations.assignLicense).toBe(0);
      expect(h.sim.stats.operations.listUsers).toBe(2);
    } finally {
      await proxy?.close();
    }
  });

  it.each([
    [['--resume'], /sync takes no --resume/],
    [['--no-read'], /sync takes no --no-read/],
    [['--disabled-plans', 'merge'], /sync takes no --disabled-plans/],
    [['--max-removes', 'lots'], /Invalid option --max-removes/],
    [['--sku', 'NOPE'], /--sku "NOPE" is not a SKU this tenant has/],
    [['--changes', 'SELF'], /--changes .* is the desired sheet itself/],
    [['--out', 'SELF'], /--out .* is the desired sheet itself/],
  ])('refuses %j with exit 2', async (extra, message) => {
    const h = await start(e3Users(1, 0, 0));
    const desired = await h.dir.write('d.csv', csv([HEADER, [upn(1), 'ENTERPRISEPACK', '']]));
    const result = await sync([desired, ...extra.map((arg) => (arg === 'SELF' ? desired : arg))]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(await readFile(desired, 'utf8')).toBe(csv([HEADER, [upn(1), 'ENTERPRISEPACK', '']]));
  });
});
