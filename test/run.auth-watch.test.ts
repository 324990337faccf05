import { describe, expect, it } from 'vitest';
import { PERMISSION_NEEDS, type RequestKind } from '../src/graph/permissions.js';
import { AuthWatch, forbiddenRowMessage } from '../src/run/auth-watch.js';
import { ROLES_FOR } from '../src/simulator/auth.js';

describe('AuthWatch', () => {
  it.each([
    { name: 'a first 401 stops', seen: [['assignLicense', 401]], stops: 'LicenseAssignment.ReadWrite.All' },
    { name: 'a first 403 on assignLicense stops', seen: [['assignLicense', 403]], stops: 'LicenseAssignment.ReadWrite.All' },
    { name: 'a 403 on reads before any read succeeded stops, naming the read permission', seen: [['read', 403]], stops: 'User.Read.All' },
    { name: 'a 403 on a listing names the read permission', seen: [['skus', 200], ['list', 403]], stops: 'User.Read.All' },
    { name: 'a 403 on subscribedSkus names LicenseAssignment.Read.All', seen: [['skus', 403]], stops: 'LicenseAssignment.Read.All' },
    { name: 'reads that worked do not vouch for writes', seen: [['skus', 200], ['read', 200], ['assignLicense', 403]], stops: 'LicenseAssignment.ReadWrite.All' },
    { name: 'a 403 on assignLicense after one succeeded fails only that row', seen: [['assignLicense', 200], ['assignLicense', 403]], stops: undefined },
    { name: 'a 403 on the usage-location PATCH alone never stops', seen: [['usageLocation', 403], ['usageLocation', 403]], stops: undefined },
    { name: 'a 401 after successes stops (the token is no longer accepted)', seen: [['assignLicense', 200], ['assignLicense', 401]], stops: 'LicenseAssignment.ReadWrite.All' },
    { name: 'other failures do not stop', seen: [['assignLicense', 400], ['assignLicense', 404]], stops: undefined },
  ] as const)('$name', ({ seen, stops }) => {
    const watch = new AuthWatch();
    for (const [kind, status] of seen) watch.observe(kind, status);
    expect(watch.stopError?.exitCode).toBe(stops === undefined ? undefined : 2);
    if (stops === undefined) return;
    const message = watch.stopError!.message;
    // The permission of the refused kind, and not the others' (a generic list would send an admin the wrong way).
    expect(message).toContain(`permission ${stops} (`);
    expect(message).toContain('License Administrator or User Administrator role');
  });

  it.each<[RequestKind, string]>([
    ['read', "Microsoft Graph refused to read users for lack of permission (403). Reading users needs the Microsoft Graph application permission User.Read.All (or User.ReadWrite.All or Directory.Read.All), with admin consent; with --device-code, the signed-in admin needs the License Administrator or User Administrator role."],
    ['usageLocation', "Insufficient privileges to complete the operation. Permission denied: Setting users' usage location needs the Microsoft Graph application permission User.ReadWrite.All (or Directory.ReadWrite.All), with admin consent; with --device-code, the signed-in admin needs the License Administrator or User Administrator role."],
  ])('says it in words (%s)', (kind, text) => {
    const watch = new AuthWatch();
    const stop = watch.observe(kind, 403);
    expect(stop?.message ?? forbiddenRowMessage(kind, 'Insufficient privileges to complete the operation.')).toBe(text);
  });
});

describe('the permissions the tool names', () => {
  // The simulator holds Graph's lists (src/simulator/auth.ts); the tool must never advise a permission Graph would refuse.
  const SIMULATOR_KIND = { read: 'getUser', list: 'listUsers', skus: 'subscribedSkus', assignLicense: 'assignLicense', usageLocation: 'patchUser' } as const;
  it.each(Object.keys(SIMULATOR_KIND) as RequestKind[])('%s: every permission named is one Graph accepts for it', (kind) => {
    const need = PERMISSION_NEEDS[kind];
    for (const permission of [need.permission, ...need.orHigher]) expect(ROLES_FOR[SIMULATOR_KIND[kind]]).toContain(permission);
    expect(ROLES_FOR[SIMULATOR_KIND[kind]][0]).toBe(need.permission);
  });
});
