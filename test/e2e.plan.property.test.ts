import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/simulator/index.js';
import type { TenantSpec } from '../src/simulator/tenant-spec.js';
import { csv, readResults, runCli, tempDir } from './helpers/cli.js';
import { GROUP, PLAN, SKU, testTenant, upn, userId } from './helpers/tenant.js';

const PLANS: Record<string, string[]> = {
  [SKU.E3]: ['EXCHANGE_S_ENTERPRISE', 'SHAREPOINTENTERPRISE', 'TEAMS1', 'SWAY'],
  [SKU.EMS]: ['AAD_PREMIUM', 'INTUNE_A'],
};
const PLAN_IDS: Record<string, string> = Object.fromEntries(Object.entries(PLAN));
const USERS = 5;

const row = fc.record({
  user: fc.integer({ min: 1, max: USERS + 1 }), // USERS + 1 is not in the directory
  byId: fc.constantFrom(false, false, false, true), // the user named by object id instead of UPN
  sku: fc.constantFrom(SKU.E3, SKU.EMS),
  action: fc.constantFrom('add', 'remove'),
  plans: fc.subarray([0, 1, 2, 3]),
});
const scenario = fc.record({
  rows: fc.array(row, { minLength: 1, maxLength: 25 }),
  held: fc.array(fc.constantFrom('none', 'e3', 'e3-sway', 'ems'), { minLength: USERS, maxLength: USERS }),
  grouped: fc.array(fc.boolean(), { minLength: USERS, maxLength: USERS }),
});

type Direct = Map<string, string[]>;

function tenantOf(held: string[], grouped: boolean[]): TenantSpec {
  const base = testTenant({ users: USERS });
  return {
    ...base,
    users: base.users.map((u, i) => ({
      ...u,
      assignedLicenses:
        held[i] === 'e3' ? [{ skuId: SKU.E3 }] : held[i] === 'e3-sway' ? [{ skuId: SKU.E3, disabledPlans: [PLAN.SWAY] }] : held[i] === 'ems' ? [{ skuId: SKU.EMS }] : [],
      groupLicenses: grouped[i] ? [{ skuId: SKU.EMS, groupId: GROUP }] : [],
    })),
  };
}

type DrawnRow = typeof row extends fc.Arbitrary<infer T> ? T : never;

function namedBothWays(rows: readonly DrawnRow[], user: number): boolean {
  return rows.some((r) => r.user === user && r.byId) && rows.some((r) => r.user === user && !r.byId);
}

/**
 * Rows of a user named both by UPN and by object id ask for the same change of a SKU each time: the
 * input checks see two users there, so they cannot reject rows that contradict each other, whose
 * outcome would then depend on which key's unit the run plans first.
 */
function sameChangeUnderEitherKey(rows: readonly DrawnRow[]): DrawnRow[] {
  const first = new Map<string, DrawnRow>();
  return rows.map((r) => {
    if (!namedBothWays(rows, r.user)) return r;
    const key = `${r.user}:${r.sku}`;
    const change = first.get(key) ?? r;
    first.set(key, change);
    return { ...r, action: change.action, plans: change.plans };
  });
}

describe('run, for any tenant and sheet (property)', () => {
  it('gives every row one outcome, leaves the tenant as the valid rows applied one by one in file order, and a dry run foretells the statuses', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ rows: drawn, held, grouped }) => {
        const rows = sameChangeUnderEitherKey(drawn);
        const sim = await startSimulator({ tenant: tenantOf(held, grouped) });
        const dir = await tempDir();
        try {
          const lines = rows.map((r) => [r.user <= USERS ? (r.byId ? userId(r.user) : upn(r.user)) : 'ghost@contoso.example', r.sku, r.action === 'add' ? r.plans.map((p) => PLANS[r.sku]![p % PLANS[r.sku]!.length]).join(';') : '', r.action]);
          const input = await dir.write('in.csv', csv([['upn', 'sku', 'disabledplans', 'action'], ...lines]));
          const dry = await runCli(['run', input, '--graph-url', sim.url, '--dry-run', '--out', dir.file('dry.csv')], { env: { GRAPH_ACCESS_TOKEN: 't' } });
          const real = await runCli(['run', input, '--graph-url', sim.url, '--out', dir.file('real.csv')], { env: { GRAPH_ACCESS_TOKEN: 't' } });
          expect([dry.code, real.code]).toEqual([expect.any(Number), expect.any(Number)]);
          const dryRows = await readResults(dir.file('dry.csv'));
          const realRows = await readResults(dir.file('real.csv'));

          // Every row exactly once, in input order.
          expect(realRows.map((r) => Number(r.row))).toEqual(rows.map((_, i) => i + 1));
          expect(dryRows.map((r) => (r.status === 'planned' ? 'succeeded' : r.status))).toEqual(realRows.map((r) => r.status));

          // The tenant equals the valid rows applied one by one, in file order.
          const want = new Map<string, Direct>();
          tenantOf(held, grouped).users.forEach((u) => want.set(u.userPrincipalName, new Map((u.assignedLicenses ?? []).map((l) => [l.skuId, [...(l.disabledPlans ?? [])].sort()]))));
          rows.forEach((r, i) => {
            if (realRows[i]!.status === 'invalid' || r.user > USERS) return;
            const user = want.get(upn(r.user))!;
            if (r.action === 'remove') user.delete(r.sku);
            else user.set(r.sku, [...new Set(r.plans.map((p) => PLAN_IDS[PLANS[r.sku]![p % PLANS[r.sku]!.length]!]!))].sort());
          });
          for (const [key, licenses] of want) {
            const got = new Map(sim.user(key)!.directLicenses.map((l) => [l.skuId, [...l.disabledPlans].sort()]));
            expect(got, key).toEqual(licenses);
          }
          // A user named both ways is read once under each key, maybe at once (reads of a single user are
          // counted per user, filters are not): only a sheet that names each user one way pins down the writes.
          if (!rows.some((r) => namedBothWays(rows, r.user))) expect(sim.stats.maxInFlightPerUser).toBeLessThanOrEqual(1);
        } finally {
          await dir.dispose();
          await sim.close();
        }
      }),
      { numRuns: 40, seed: 20261202 },
    );
  }, 120_000);
});

/** A cell as a CSV writer would put it: quoted when it holds the delimiter, a quote or a line break. */
function cell(value: string, delimiter: string): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const ALIASES = {
  user: ['UserPrincipalName', 'upn', 'User Principal Name', 'user_principal_name', 'EMAIL'],
  sku: ['SkuId', 'sku', 'SKU Part Number', 'license', 'Product'],
  plans: ['DisabledPlans', 'disabled', 'Disabled-Service-Plans'],
  action: ['Action', 'op', 'OPERATION'],
  location: ['UsageLocation', 'country', 'Usage Location'],
};

/** Mostly good values in the many ways admins write them, and now and then one that is wrong. */
const messyRow = fc
  .record({
    user: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 1, max: USERS }).map((n) => upn(n)) },
      { weight: 2, arbitrary: fc.integer({ min: 1, max: USERS }).map((n) => ` ${upn(n).toUpperCase()} `) },
      { weight: 1, arbitrary: fc.constantFrom('ghost@contoso.example', '') },
    ),
    sku: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom('ENTERPRISEPACK', 'Office 365 E3', SKU.E3).map((name) => ({ name, id: SKU.E3 })) },
      { weight: 4, arbitrary: fc.constantFrom('ems', `{${SKU.EMS.toUpperCase()}}`).map((name) => ({ name, id: SKU.EMS })) },
      { weight: 1, arbitrary: fc.constant({ name: 'NOT_A_SKU', id: '' }) },
    ),
    plans: fc.oneof({ weight: 9, arbitrary: fc.subarray([0, 1, 2, 3]) }, { weight: 1, arbitrary: fc.constant(['NOT_A_PLAN']) }),
    action: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('', 'add', 'Remove', 'assign', 'unassign') }, { weight: 1, arbitrary: fc.constant('bogus') }),
    location: fc.constantFrom('', '', '', '', 'DE', 'us', 'XX'),
    note: fc.constantFrom('', 'plain', '=1+2', '+cmd', '-5', '@SUM(A1)', 'a, b; c', 'two\nlines', 'say "hi"'),
    blankBefore: fc.constantFrom(false, false, false, true),
  })
  .map((r) => ({
    ...r,
    sku: r.sku.name,
    plans: /remove/i.test(r.action) ? '' : [...r.plans].map((p: number | string) => (typeof p === 'string' ? p : (PLANS[r.sku.id] ?? ['SWAY'])[p % (PLANS[r.sku.id]?.length ?? 1)]!)).join(';'),
  }));

const messySheet = fc.record({
  rows: fc.array(messyRow, { minLength: 1, maxLength: 20 }),
  delimiter: fc.constantFrom(',', ';', '\t'),
  eol: fc.constantFrom('\n', '\r\n'),
  bom: fc.boolean(),
  names: fc.record({
    user: fc.constantFrom(...ALIASES.user),
    sku: fc.constantFrom(...ALIASES.sku),
    plans: fc.constantFrom(...ALIASES.plans),
    action: fc.constantFrom(...ALIASES.action),
    location: fc.constantFrom(...ALIASES.location),
  }),
  held: fc.array(fc.constantFrom('none', 'e3', 'e3-sway', 'ems'), { minLength: USERS, maxLength: USERS }),
});

describe('dry run, for any sheet however it is written (property)', () => {
  it('gives every data row one outcome, in order, and its results file, read as input, plans the same', async () => {
    await fc.assert(
      fc.asyncProperty(messySheet, async ({ rows, delimiter, eol, bom, names, held }) => {
        const sim = await startSimulator({ tenant: tenantOf(held, Array(USERS).fill(false)) });
        const dir = await tempDir();
        try {
          const header = ['Note', names.user, names.sku, names.plans, names.action, names.location];
          const lines = [header.map((h) => cell(h, delimiter)).join(delimiter)];
          for (const r of rows) {
            if (r.blankBefore) lines.push('');
            lines.push([r.note, r.user, r.sku, r.plans, r.action, r.location].map((v) => cell(v, delimiter)).join(delimiter));
          }
          const input = await dir.write('in.csv', (bom ? '\uFEFF' : '') + lines.join(eol) + eol);
          const env = { env: { GRAPH_ACCESS_TOKEN: 't' } };
          const first = await runCli(['run', input, '--graph-url', sim.url, '--dry-run', '--out', dir.file('first.csv')], env);
          expect([0, 1], first.stderr).toContain(first.code);
          const firstRows = await readResults(dir.file('first.csv'));
          expect(firstRows.map((r) => Number(r.row))).toEqual(rows.map((_, i) => i + 1));
          expect(firstRows.every((r) => ['planned', 'skipped', 'invalid', 'failed'].includes(r.status!))).toBe(true);
          // Other columns are carried through, formulas defused.
          expect(firstRows.map((r) => r.Note)).toEqual(rows.map((r) => (/^[=+\-@]/.test(r.note) ? `'${r.note}` : r.note)));

          const again = await runCli(['run', dir.file('first.csv'), '--graph-url', sim.url, '--dry-run', '--out', dir.file('again.csv')], env);
          expect(again.code, again.stderr).toBe(first.code);
          const againRows = await readResults(dir.file('again.csv'));
          // The same plan; an invalid row's message names its line, which moves when blank lines or line breaks are gone.
          const plan = (r: Record<string, string>) => [r.row, r.status, r.errorCode, r.message!.replace(/\(line \d+\)/, '(line _)'), r.Note];
          expect(againRows.map(plan)).toEqual(firstRows.map(plan));
          // The earlier outcome columns were dropped, not carried as input columns.
          const headerOf = async (name: string) => (await readFile(dir.file(name), 'utf8')).split(/\r?\n/, 1)[0];
          expect(await headerOf('again.csv')).toBe(await headerOf('first.csv'));
          expect(sim.stats.operations.assignLicense + sim.stats.operations.patchUser).toBe(0);
        } finally {
          await dir.dispose();
          await sim.close();
        }
      }),
      { numRuns: 40, seed: 20261203 },
    );
  }, 120_000);
});
