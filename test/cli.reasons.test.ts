import { describe, expect, it } from 'vitest';
import { formatReason, ReasonTally, reasonFor } from '../src/cli/reasons.js';
import { forbiddenRowMessage } from '../src/run/auth-watch.js';

/** Graph's own wording (as the simulator answers, from Graph's docs and observed answers) and this tool's codes. */
const CASES: { code?: string; message: string; key: string; fix: RegExp }[] = [
  { code: 'Request_BadRequest', message: 'License assignment cannot be done for user with invalid usage location.', key: 'usage-location', fix: /UsageLocation column or pass --usage-location/ },
  { code: 'Request_BadRequest', message: 'Subscription with SKU 6fd2c87f-b296-42f0-b197-1e91e994b900 does not have any available licenses.', key: 'no-seats', fix: /seats/ },
  { code: 'Request_BadRequest', message: 'User license is inherited from a group membership and it cannot be removed directly from the user.', key: 'group-inherited', fix: /licensing group/ },
  { code: 'Request_BadRequest', message: 'License assignment failed because service plans efb87545-963c-4e0d-99df-69c6916d9eb0,9aaf7827-d63c-4b61-89c3-182f06f82e5c are mutually exclusive.', key: 'exclusive-plans', fix: /remove the conflicting license first/ },
  { code: 'Request_BadRequest', message: 'License assignment failed because service plan 41781fb2 depends on the service plan(s) 8a256a2b.', key: 'dependent-plans', fix: /depends on/ },
  { code: 'Request_BadRequest', message: 'License 00000000-1111-2222-3333-444444444444 does not correspond to a valid company License.', key: 'unknown-sku', fix: /license-batch skus/ },
  { code: 'Request_BadRequest', message: 'Service plan a23b959c does not belong to license efccb6f7 and cannot be disabled for it.', key: 'plan-not-in-sku', fix: /license-batch skus/ },
  { code: 'Request_BadRequest', message: 'User does not have a corresponding license.', key: 'not-held', fix: /already gone/ },
  { code: 'Request_BadRequest', message: "Invalid value specified for property 'usageLocation' of resource 'User'.", key: 'bad-usage-location', fix: /two-letter/ },
  { code: 'Request_ResourceNotFound', message: "Resource 'ghost@contoso.example' does not exist or one of its queried reference-property objects are not present.", key: 'user-not-found', fix: /UPN/ },
  { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.', key: 'permission', fix: /LicenseAssignment\.ReadWrite\.All and User\.Read\.All \(User\.ReadWrite\.All instead .* usage locations\).*License Administrator/ },
  // A row refused while the run goes on: the message the run writes says which request it was.
  { code: 'Authorization_RequestDenied', message: forbiddenRowMessage('assignLicense', 'Insufficient privileges to complete the operation.'), key: 'permission', fix: /LicenseAssignment\.ReadWrite\.All and User\.Read\.All/ },
  { code: 'Authorization_RequestDenied', message: `usage location GB was not set: ${forbiddenRowMessage('usageLocation', 'Insufficient privileges to complete the operation.')}`, key: 'permission-usage-location', fix: /^grant the application permission User\.ReadWrite\.All .*clear the UsageLocation column/ },
  { code: 'MutuallyExclusiveViolation', message: 'the direct assignment is in state Error (MutuallyExclusiveViolation)', key: 'exclusive-plans', fix: /conflicting/ },
  { code: 'Request_BadRequest', message: 'the direct assignment of EMS is in state Error (DependencyViolation): the plan it needs is missing', key: 'dependent-plans', fix: /depends on/ },
  { code: 'TooManyRequests', message: 'Too many requests.', key: 'throttled', fix: /--resume/ },
  { code: 'serviceNotAvailable', message: 'The service is temporarily unavailable. Please retry later.', key: 'transient', fix: /--resume/ },
  { code: 'ECONNRESET', message: 'socket hang up', key: 'transient', fix: /--resume/ },
  // The tool's own codes.
  { code: 'UserNotFound', message: 'no user ghost@contoso.example in the tenant', key: 'user-not-found', fix: /UPN/ },
  { code: 'InheritedFromGroup', message: 'EMS comes from group X', key: 'group-inherited', fix: /licensing group/ },
  { code: 'NoSeats', message: 'no free seat of ENTERPRISEPACK left', key: 'no-seats', fix: /seats/ },
  { code: 'SeatsRanOut', message: 'another admin took the seats', key: 'seats-ran-out', fix: /license-batch skus/ },
  { code: 'SkuNotAssignable', message: 'ENTERPRISEPACK is Suspended', key: 'sku-not-assignable', fix: /renew/ },
  { code: 'SeatMoveFailed', message: 'waited for row 3, which failed', key: 'seat-move-failed', fix: /remove row/ },
  { code: 'NoUsageLocation', message: 'the user has no usage location, which a license needs', key: 'usage-location', fix: /--usage-location/ },
  { code: 'Request_BadRequest', message: 'Subscription with SKU x does not have any available licenses. The seat check had counted a free seat of X for this row: seats ran out during the run (another admin or app took them).', key: 'seats-ran-out', fix: /free or buy seats/ },
  { code: 'UnknownSku', message: 'row 4 (line 5): SkuId "Office 365 E9" is not a SKU of this tenant', key: 'unknown-sku', fix: /license-batch skus/ },
  { code: 'AmbiguousSku', message: 'matches two', key: 'ambiguous-sku', fix: /part number/ },
  { code: 'PlanNotInSku', message: 'SWAY is not a plan of EMS', key: 'plan-not-in-sku', fix: /license-batch skus/ },
  { code: 'InvalidPlan', message: 'x', key: 'plan-not-in-sku', fix: /license-batch skus/ },
  { code: 'InvalidUsageLocation', message: 'UsageLocation "XX"', key: 'bad-usage-location', fix: /two-letter/ },
  { code: 'ConflictingRows', message: 'add and remove', key: 'conflicting-rows', fix: /keep one/ },
  { code: 'EmptyUser', message: 'empty', key: 'bad-user', fix: /UserPrincipalName/ },
  { code: 'InvalidSku', message: 'x', key: 'bad-sku', fix: /SKU GUID/ },
  { code: 'UnknownAction', message: 'x', key: 'bad-action', fix: /add or remove/ },
  { code: 'PlansOnRemove', message: 'x', key: 'plans-on-remove', fix: /remove rows/ },
];

describe('reasons: Graph codes and messages, and the tool\'s codes, to a reason and a fix', () => {
  it.each(CASES)('$code "$message" -> $key', ({ code, message, key, fix }) => {
    const reason = reasonFor({ ...(code ? { errorCode: code } : {}), message });
    expect(reason.key).toBe(key);
    expect(reason.fix).toMatch(fix);
    expect(reason.reason).not.toBe(code);
  });

  it('matches the code and the message: a 400 about something else is not a usage-location problem', () => {
    const reason = reasonFor({ errorCode: 'Request_BadRequest', message: 'Something new went wrong. Please check.' });
    expect(reason.key).toBe('code:Request_BadRequest');
    expect(reason.fix).toContain('Something new went wrong.');
  });

  it('an unknown code is its own reason, pointing at the message', () => {
    expect(reasonFor({ errorCode: 'Weird_Thing', message: 'Odd.' })).toEqual({ key: 'code:Weird_Thing', reason: 'Weird_Thing', fix: 'read the message column of the results file (Odd.)' });
  });
});

describe('ReasonTally', () => {
  it('counts rows per reason, most frequent first, with the first row as the example', () => {
    const tally = new ReasonTally();
    const usage = { errorCode: 'Request_BadRequest', message: 'License assignment cannot be done for user with invalid usage location.' };
    tally.add(40, usage);
    tally.add(12, usage);
    tally.add(3, { errorCode: 'UserNotFound', message: 'no such user' });
    tally.add(50, usage);
    const top = tally.top(5);
    expect(top.map((r) => [r.key, r.count, r.exampleRow])).toEqual([
      ['usage-location', 3, 12],
      ['user-not-found', 1, 3],
    ]);
    expect(formatReason(top[0]!)).toBe(
      "usage location missing: 3 rows (e.g. row 12): add a UsageLocation column or pass --usage-location US (the users' country)",
    );
    expect(formatReason(top[1]!)).toMatch(/^user not found: 1 row \(e\.g\. row 3\): /);
  });
});
