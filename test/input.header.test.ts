import { describe, expect, it } from 'vitest';
import { RunError } from '../src/errors.js';
import { OUTCOME_COLUMNS, type Column } from '../src/model.js';
import { detectDelimiter, parseDelimiterOption } from '../src/input/delimiter.js';
import { interpretHeader } from '../src/input/header.js';

describe('interpretHeader: column names', () => {
  const aliases: [Column, string[]][] = [
    ['user', ['UserPrincipalName', 'upn', 'user', 'userid', 'id', 'objectid', 'mail', 'email']],
    ['sku', ['SkuId', 'sku', 'skupartnumber', 'license', 'product']],
    ['disabledPlans', ['DisabledPlans', 'disabled', 'disabledplans', 'disabledserviceplans']],
    ['enabledPlans', ['EnabledPlans', 'enabled', 'enabledplans']],
    ['action', ['Action', 'operation', 'op']],
    ['usageLocation', ['UsageLocation', 'country', 'location']],
  ];
  const cases = aliases.flatMap(([column, names]) => names.map((name) => ({ column, name })));

  it.each(cases)('reads $name as the $column column', ({ column, name }) => {
    // The required columns by other names, so that each alias is what is being found.
    const names = ['Note', column === 'user' ? name : 'upn', column === 'sku' ? name : 'sku', ...(column !== 'user' && column !== 'sku' ? [name] : [])];
    const header = interpretHeader(names);
    expect(header.columns[column]).toBe(names.indexOf(name));
  });

  it.each([
    ['User Principal Name', 'user'],
    ['user_principal_name', 'user'],
    ['USER-ID', 'user'],
    ['E-Mail', 'user'],
    ['sku_id', 'sku'],
    ['SKU-ID', 'sku'],
    ['Sku Part Number', 'sku'],
    ['Disabled Service Plans', 'disabledPlans'],
    ['usage_location', 'usageLocation'],
    ['  Action ', 'action'],
  ] as const)('normalises %j to the %s column', (name, column) => {
    const names = column === 'user' ? [name, 'SkuId'] : column === 'sku' ? ['UserPrincipalName', name] : ['upn', 'sku', name];
    const header = interpretHeader(names);
    expect(header.names[header.columns[column]!]).toBe(name);
  });

  it.each([
    { names: ['mail', 'UPN', 'SkuId'], column: 'user', chosen: 'UPN' },
    { names: ['email', 'mail', 'SkuId'], column: 'user', chosen: 'mail' },
    { names: ['id', 'objectid', 'UserPrincipalName', 'sku'], column: 'user', chosen: 'UserPrincipalName' },
    { names: ['upn', 'product', 'license', 'SKU ID'], column: 'sku', chosen: 'SKU ID' },
    { names: ['upn', 'product', 'SkuPartNumber'], column: 'sku', chosen: 'SkuPartNumber' },
    { names: ['upn', 'sku', 'location', 'Country'], column: 'usageLocation', chosen: 'Country' },
  ] as const)('prefers $chosen among $names', ({ names, column, chosen }) => {
    const header = interpretHeader(names);
    expect(header.columns[column]).toBe((names as readonly string[]).indexOf(chosen));
  });

  it.each([
    { names: ['upn', 'Action'], missing: 'SkuId', accepted: 'sku, skupartnumber, license, product' },
    { names: ['Display Name', 'sku'], missing: 'UserPrincipalName', accepted: 'upn, user, userid, id, objectid, mail, email' },
  ])('refuses a header without $missing, naming the names it accepts and line 1', ({ names, missing, accepted }) => {
    let error: unknown;
    try {
      interpretHeader(names);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunError);
    expect(error).toMatchObject({ code: 'INPUT_STRUCTURE', line: 1, exitCode: 2 });
    expect((error as RunError).message).toContain(`line 1: the header has no ${missing} column (also accepted: ${accepted})`);
  });

  it.each([
    { names: ['upn', 'sku', 'upn'], message: 'line 1: the header has two UserPrincipalName columns, "upn" (column 1) and "upn" (column 3)' },
    { names: ['User', 'SKU', 'Note', 'Sku'], message: 'line 1: the header has two SkuId columns, "SKU" (column 2) and "Sku" (column 4)' },
    { names: ['upn', 'sku', 'Action', 'action'], message: 'line 1: the header has two Action columns' },
  ])('refuses two columns of one name that a license column would be read from: $names', ({ names, message }) => {
    expect(() => interpretHeader(names)).toThrow(message);
  });

  it('carries two columns of one name through when no license column is read from them', () => {
    expect(interpretHeader(['upn', 'sku', 'Note', 'note', 'upn mail']).names).toEqual(['upn', 'sku', 'Note', 'note', 'upn mail']);
  });

  it('hints at the delimiter when the whole header is one column', () => {
    expect(() => interpretHeader(['upn;sku;Note'], 1, ',')).toThrow(/is the delimiter right\? this one is ","/);
  });
});

describe('interpretHeader: a results file', () => {
  it('drops the outcome columns when they are the trailing run', () => {
    const header = interpretHeader(['upn', 'sku', 'Note', ...OUTCOME_COLUMNS]);
    expect(header).toMatchObject({ names: ['upn', 'sku', 'Note'], keptCount: 3, fieldCount: 11, columns: { user: 0, sku: 1 } });
  });

  it.each([
    { name: 'not trailing', names: ['upn', ...OUTCOME_COLUMNS, 'sku'] },
    { name: 'incomplete', names: ['upn', 'sku', ...OUTCOME_COLUMNS.slice(1)] },
    { name: 'reordered', names: ['upn', 'sku', ...OUTCOME_COLUMNS.slice(1), 'row'] },
  ])('keeps outcome-like columns that are $name', ({ names }) => {
    const header = interpretHeader(names);
    expect(header.names).toEqual(names);
    expect(header.keptCount).toBe(names.length);
  });
});

describe('detectDelimiter', () => {
  it.each([
    ['upn,sku,Note', ','],
    ['upn;sku;Note', ';'],
    ['upn\tsku\tNote', '\t'],
    ['"Last, First";upn;sku', ';'],
    ['"a;b;c;d",upn,sku', ','],
    ['"Tab\there\tand\there"\tupn;sku;x', ';'],
    ['"say ""a,b,c"""\tupn\tsku', '\t'],
    ['upn', ','],
    ['upn;sku,Note,More\nx;y;z;w;v', ','],
    ['upn,sku;Note', ','],
  ])('reads %j as %j', (line, delimiter) => {
    expect(detectDelimiter(line)).toBe(delimiter);
  });
});

describe('parseDelimiterOption', () => {
  it.each([
    [',', ','],
    [';', ';'],
    ['tab', '\t'],
    ['TAB', '\t'],
    ['\t', '\t'],
  ])('reads %j', (value, delimiter) => {
    expect(parseDelimiterOption(value)).toBe(delimiter);
  });

  it.each(['|', 'comma', ''])('refuses %j, naming the option and the value', (value) => {
    expect(() => parseDelimiterOption(value)).toThrow(new RegExp(`--delimiter: expect .*got ${JSON.stringify(value)}`));
  });
});
