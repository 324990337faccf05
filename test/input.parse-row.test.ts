import { describe, expect, it } from 'vitest';
import type { LicenseRow } from '../src/model.js';
import { interpretHeader } from '../src/input/header.js';
import { formatProblem, parseRow } from '../src/input/parse-row.js';

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const SWAY = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97';
const USER_ID = '00000000-0000-4000-8000-0000000000aa';

const header = interpretHeader(['UserPrincipalName', 'SkuId', 'DisabledPlans', 'EnabledPlans', 'Action', 'UsageLocation', 'Note'], 1);
const COLUMNS = ['user', 'sku', 'disabled', 'enabled', 'action', 'location'] as const;
type Cells = Partial<Record<(typeof COLUMNS)[number], string>>;

function parse(cells: Cells, onHeader = header) {
  const values = COLUMNS.map((column) => cells[column] ?? '');
  return parseRow({ row: 4, line: 5, values: [...values, 'note'] }, onHeader);
}

function row(cells: Cells): LicenseRow {
  const result = parse(cells);
  if (!result.ok) throw new Error(`expected a valid row, got ${result.problem.message}`);
  return result.row;
}

describe('parseRow: valid rows', () => {
  it('reads a plain add', () => {
    expect(row({ user: 'Alice@Contoso.com', sku: E3 })).toEqual({
      row: 4,
      line: 5,
      user: 'Alice@Contoso.com',
      userKey: 'alice@contoso.com',
      action: 'add',
      sku: { kind: 'id', id: E3 },
    });
  });

  it.each([
    { name: 'a guest UPN', user: 'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com', expected: 'bob_fabrikam.com#EXT#@contoso.onmicrosoft.com' },
    { name: 'an object id, lower-cased', user: USER_ID.toUpperCase(), expected: USER_ID },
    { name: 'an object id in braces', user: `{${USER_ID}}`, expected: USER_ID },
    { name: 'a UPN with spaces around it', user: '  carol@contoso.com\u00a0', expected: 'carol@contoso.com' },
  ])('reads $name as the user', ({ user, expected }) => {
    const parsed = row({ user, sku: E3 });
    expect(parsed.user).toBe(expected);
    expect(parsed.userKey).toBe(expected.toLowerCase());
  });

  it.each([
    { sku: E3.toUpperCase(), ref: { kind: 'id', id: E3 } },
    { sku: 'ENTERPRISEPACK', ref: { kind: 'name', name: 'ENTERPRISEPACK' } },
    { sku: ' Office 365 E3 ', ref: { kind: 'name', name: 'Office 365 E3' } },
    { sku: 'Microsoft 365 Business Standard EEA (no Teams)', ref: { kind: 'name', name: 'Microsoft 365 Business Standard EEA (no Teams)' } },
    { sku: 'O365_w/o_Teams_Bundle_E3', ref: { kind: 'name', name: 'O365_w/o_Teams_Bundle_E3' } },
  ])('reads SKU $sku', ({ sku, ref }) => {
    expect(row({ user: 'a@x.com', sku }).sku).toEqual(ref);
  });

  it.each([
    ['', 'add'],
    ['add', 'add'],
    ['Assign', 'add'],
    ['REMOVE', 'remove'],
    ['unassign', 'remove'],
  ] as const)('reads action %j as %s', (action, expected) => {
    expect(row({ user: 'a@x.com', sku: E3, action }).action).toBe(expected);
  });

  it.each([
    { cells: { disabled: 'SWAY' }, plans: { mode: 'disabled', refs: [{ kind: 'name', name: 'SWAY' }] } },
    {
      cells: { disabled: `SWAY; TEAMS1,${SWAY.toUpperCase()} | FORMS_PLAN_E3\tYAMMER_ENTERPRISE\nMCOSTANDARD` },
      plans: {
        mode: 'disabled',
        refs: [
          { kind: 'name', name: 'SWAY' },
          { kind: 'name', name: 'TEAMS1' },
          { kind: 'id', id: SWAY },
          { kind: 'name', name: 'FORMS_PLAN_E3' },
          { kind: 'name', name: 'YAMMER_ENTERPRISE' },
          { kind: 'name', name: 'MCOSTANDARD' },
        ],
      },
    },
    { cells: { enabled: 'EXCHANGE_S_ENTERPRISE;exchange_s_enterprise' }, plans: { mode: 'enabled', refs: [{ kind: 'name', name: 'EXCHANGE_S_ENTERPRISE' }] } },
    { cells: { disabled: ' ; ,' }, plans: undefined },
  ])('reads plans $cells', ({ cells, plans }) => {
    expect(row({ user: 'a@x.com', sku: E3, ...cells }).plans).toEqual(plans);
  });

  it('reads a usage location in any case, stored upper-case', () => {
    expect(row({ user: 'a@x.com', sku: E3, location: 'de' }).usageLocation).toBe('DE');
    expect(row({ user: 'a@x.com', sku: E3 })).not.toHaveProperty('usageLocation');
  });

  it('reads a file without the optional columns', () => {
    const minimal = interpretHeader(['upn', 'sku']);
    const result = parseRow({ row: 1, line: 2, values: ['a@x.com', E3] }, minimal);
    expect(result).toEqual({ ok: true, row: { row: 1, line: 2, user: 'a@x.com', userKey: 'a@x.com', action: 'add', sku: { kind: 'id', id: E3 } } });
  });
});

describe('parseRow: problems', () => {
  it.each([
    { code: 'EmptyUser', cells: { user: ' ', sku: E3 }, message: 'UserPrincipalName is empty' },
    { code: 'InvalidUser', cells: { user: 'alice', sku: E3 }, message: 'UserPrincipalName "alice" is neither' },
    { code: 'InvalidUser', cells: { user: 'alice smith@x.com', sku: E3 }, message: 'UserPrincipalName "alice smith@x.com"' },
    { code: 'InvalidUser', cells: { user: 'a@b@x.com', sku: E3 }, message: '"a@b@x.com"' },
    { code: 'InvalidUser', cells: { user: '@x.com', sku: E3 }, message: '"@x.com"' },
    { code: 'EmptySku', cells: { user: 'a@x.com' }, message: 'SkuId is empty' },
    { code: 'InvalidSku', cells: { user: 'a@x.com', sku: '6fd2c87f-b296' }, message: 'SkuId "6fd2c87f-b296" is neither a SKU GUID nor a SKU name' },
    { code: 'InvalidSku', cells: { user: 'a@x.com', sku: `${E3}0` }, message: `SkuId "${E3}0"` },
    { code: 'InvalidSku', cells: { user: 'a@x.com', sku: 'Office\n365' }, message: 'SkuId "Office\\n365"' },
    { code: 'UnknownAction', cells: { user: 'a@x.com', sku: E3, action: 'delete' }, message: 'Action "delete" is not an action' },
    { code: 'PlansBothColumns', cells: { user: 'a@x.com', sku: E3, disabled: 'SWAY', enabled: 'TEAMS1' }, message: 'DisabledPlans "SWAY" and EnabledPlans "TEAMS1" are both filled' },
    { code: 'PlansOnRemove', cells: { user: 'a@x.com', sku: E3, action: 'remove', disabled: 'SWAY' }, message: 'DisabledPlans "SWAY" is given on a remove row' },
    { code: 'PlansOnRemove', cells: { user: 'a@x.com', sku: E3, action: 'unassign', enabled: 'SWAY' }, message: 'EnabledPlans "SWAY" is given on a remove row' },
    { code: 'InvalidPlan', cells: { user: 'a@x.com', sku: E3, disabled: 'SWAY;TEAMS!' }, message: 'DisabledPlans "TEAMS!" is neither a service plan GUID nor a service plan name' },
    { code: 'InvalidPlan', cells: { user: 'a@x.com', sku: E3, enabled: 'a23b959c-7ce8' }, message: 'EnabledPlans "a23b959c-7ce8"' },
    { code: 'InvalidUsageLocation', cells: { user: 'a@x.com', sku: E3, location: 'ZZ' }, message: 'UsageLocation "ZZ" is not a two-letter country code' },
    { code: 'InvalidUsageLocation', cells: { user: 'a@x.com', sku: E3, location: 'UK' }, message: 'UsageLocation "UK"' },
    { code: 'InvalidUsageLocation', cells: { user: 'a@x.com', sku: E3, location: 'USA' }, message: 'UsageLocation "USA"' },
  ])('$code: $message', ({ code, cells, message }) => {
    const result = parse(cells);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.errorCode).toBe(code);
    expect(result.problem.message).toContain(message);
  });

  it('names the columns as the header spells them', () => {
    const spelled = interpretHeader(['E-Mail', 'license', 'op', 'Country']);
    const problem = (values: string[]) => {
      const result = parseRow({ row: 1, line: 2, values }, spelled);
      return result.ok ? undefined : result.problem.message;
    };
    expect(problem(['nobody', E3, '', ''])).toMatch(/^E-Mail "nobody"/);
    expect(problem(['a@x.com', '', '', ''])).toMatch(/^license is empty/);
    expect(problem(['a@x.com', E3, 'drop', ''])).toMatch(/^op "drop"/);
    expect(problem(['a@x.com', E3, '', 'XX'])).toMatch(/^Country "XX"/);
  });
});

describe('formatProblem', () => {
  it('names the row and the line', () => {
    expect(formatProblem(12, 13, { errorCode: 'EmptySku', message: 'SkuId is empty' })).toBe('row 12 (line 13): SkuId is empty');
  });
});
