import { describe, expect, it } from 'vitest';
import { parseFilter, parseSelect } from '../src/simulator/query.js';
import { parseRoute } from '../src/simulator/routes.js';

const route = (method: string, target: string) => {
  const r = parseRoute(method, target);
  return r.ok ? { kind: r.value.kind, ...('key' in r.value ? { key: r.value.key } : {}) } : { status: r.error.status, code: r.error.code };
};

describe('parseRoute', () => {
  it.each([
    ['POST', '/users/a%40b.com/assignLicense', { kind: 'assignLicense', key: 'a@b.com' }],
    ['POST', "/users('o''brien%40b.com')/assignLicense", { kind: 'assignLicense', key: "o'brien@b.com" }],
    ['POST', "/users('x%2Fy%40b.com')/assignLicense", { kind: 'assignLicense', key: 'x/y@b.com' }],
    ['POST', '/users/x_y.com%23EXT%23%40t.onmicrosoft.com/assignLicense', { kind: 'assignLicense', key: 'x_y.com#EXT#@t.onmicrosoft.com' }],
    ['POST', '/users/a+b%40c.com/assignLicense', { kind: 'assignLicense', key: 'a+b@c.com' }],
    ['GET', '/users/z%C3%B6e%40b.com?$select=id', { kind: 'getUser', key: 'zöe@b.com' }],
    ['GET', "/users('%24admin%40b.com')", { kind: 'getUser', key: '$admin@b.com' }],
    ['PATCH', '/Users/abc/', { kind: 'patchUser', key: 'abc' }],
    ['GET', '/users?$filter=x', { kind: 'listUsers' }],
    ['GET', '/subscribedSkus', { kind: 'subscribedSkus' }],
    ['POST', '/%24batch', { kind: 'batch' }],
    ['GET', '/users/a/manager', { status: 400, code: 'BadRequest' }],
    ['POST', "/users('unclosed/assignLicense", { status: 400, code: 'BadRequest' }],
    ['GET', '/users/%E0%A4%A', { status: 400, code: 'BadRequest' }],
    ['PUT', '/users/a', { status: 405, code: 'Request_BadRequest' }],
    ['GET', '/$batch', { status: 405, code: 'Request_BadRequest' }],
  ])('%s %s', (method, target, expected) => {
    expect(route(method, target)).toEqual(expected);
  });
});

describe('parseFilter', () => {
  it.each([
    ["id in ('a','b')", { kind: 'keys', property: 'id', values: ['a', 'b'] }],
    ["  userPrincipalName IN ( 'o''brien@x.com' , 'a,b@x.com' )  ", { kind: 'keys', property: 'userPrincipalName', values: ["o'brien@x.com", 'a,b@x.com'] }],
    ["userPrincipalName eq 'a)b@x.com'", { kind: 'keys', property: 'userPrincipalName', values: ['a)b@x.com'] }],
    ['assignedLicenses/any(x:x/skuId eq 6FD2C87F-B296-42F0-B197-1E91E994B900)', { kind: 'holdsSku', skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900' }],
  ])('reads %s', (text, expected) => {
    expect(parseFilter(text)).toEqual({ ok: true, value: expected });
  });

  it.each(["id in ('a'", "id in ('a' 'b')", "id in ()", "displayName eq 'x'", "id in ('a') or id in ('b')", 'assignedLicenses/any(x:y/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)'])(
    'refuses %s',
    (text) => {
      expect(parseFilter(text)).toMatchObject({ ok: false, error: { status: 400, code: 'Request_UnsupportedQuery' } });
    },
  );

  it('allows 15 values and refuses 16', () => {
    const list = (n: number) => `id in (${Array.from({ length: n }, (_, i) => `'${i}'`).join(',')})`;
    expect(parseFilter(list(15)).ok).toBe(true);
    expect(parseFilter(list(16))).toMatchObject({ ok: false, error: { message: expect.stringContaining('16') } });
  });
});

describe('parseSelect', () => {
  it('matches names in any case, keeps their order, and drops repeats', () => {
    expect(parseSelect('UsageLocation, assignedlicenses,usageLocation')).toEqual({ ok: true, value: ['usageLocation', 'assignedLicenses'] });
  });
});
