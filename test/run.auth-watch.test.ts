import { describe, expect, it } from 'vitest';
import { AuthWatch } from '../src/run/auth-watch.js';

describe('AuthWatch', () => {
  it.each([
    { name: 'a first 401 stops', seen: [['assignLicense', 401]], stops: true },
    { name: 'a first 403 on assignLicense stops', seen: [['assignLicense', 403]], stops: true },
    { name: 'a 403 on reads before any read succeeded stops', seen: [['read', 403]], stops: true },
    { name: 'a 403 on assignLicense after one succeeded fails only that row', seen: [['assignLicense', 200], ['assignLicense', 403]], stops: false },
    { name: 'a 403 on the usage-location PATCH alone never stops', seen: [['usageLocation', 403], ['usageLocation', 403]], stops: false },
    { name: 'a 401 after successes stops (the token is no longer accepted)', seen: [['assignLicense', 200], ['assignLicense', 401]], stops: true },
    { name: 'other failures do not stop', seen: [['assignLicense', 400], ['assignLicense', 404]], stops: false },
  ] as const)('$name', ({ seen, stops }) => {
    const watch = new AuthWatch();
    for (const [kind, status] of seen) watch.observe(kind, status);
    expect(watch.stopError !== undefined).toBe(stops);
    if (stops) {
      expect(watch.stopError!.exitCode).toBe(2);
      expect(watch.stopError!.message).toContain('LicenseAssignment.ReadWrite.All');
    }
  });
});
