import { describe, expect, it } from 'vitest';
import type { Exchange, GraphRequest } from '../src/graph/graph-client.js';
import type { SendResult } from '../src/graph/send-with-retry.js';
import type { ResolvedRow } from '../src/model.js';
import { planUnit, type PlanOptions, type UserKnowledge } from '../src/plan/plan-unit.js';
import { SeatLedger } from '../src/plan/seat-ledger.js';
import type { SkuDirectory } from '../src/plan/sku-facts.js';
import { executeUnit, type UnitContext } from '../src/run/execute-unit.js';
import type { RequestKind } from '../src/run/auth-watch.js';
import { userLicensesOf } from '../src/tenant/user-licenses.js';
import { E3, EMS, resolvedRow } from './helpers/rows.js';

type Reply = Partial<SendResult> & { status?: number; message?: string; body?: unknown };

const skus: SkuDirectory = (id) =>
  id === E3 ? { skuId: E3, partNumber: 'ENTERPRISEPACK', planNames: new Map() } : id === EMS ? { skuId: EMS, partNumber: 'EMS', planNames: new Map() } : undefined;

/** A unit context whose sends (and reads of the user) are answered from a script, in order, recording what was sent. */
function scripted(replies: Reply[], extra: Partial<UnitContext> = {}) {
  const sent: { request: GraphRequest; kind: RequestKind }[] = [];
  const answer = (request: GraphRequest, kind: RequestKind): SendResult => {
    sent.push({ request, kind });
    const reply = replies.shift();
    if (!reply) throw new Error(`unexpected ${request.method} ${request.path}`);
    const status = reply.status ?? 200;
    const final: Exchange = reply.final ?? {
      kind: 'response',
      status,
      headers: {},
      body: reply.body,
      requestId: `req-${sent.length}`,
      ...(status >= 400 ? { errorCode: 'Request_BadRequest', errorMessage: reply.message ?? 'Bad request.' } : {}),
    };
    return { final, attempts: reply.attempts ?? 1, lostResponse: reply.lostResponse ?? false, interrupted: reply.interrupted ?? false };
  };
  const ctx: UnitContext = {
    now: () => new Date('2026-11-28T12:00:00Z'),
    stopReason: () => 'not sent: the run was interrupted',
    sleep: () => Promise.resolve(),
    skus,
    ...extra,
    send: async (request, kind) => answer(request, kind),
    readUser: async (key) => {
      const { final } = answer({ method: 'GET', path: `/users/${encodeURIComponent(key)}` }, 'read');
      return final.kind === 'response' && final.status === 200 ? { kind: 'found', user: userLicensesOf(final.body) } : { kind: 'not-found' };
    },
  };
  return { ctx, sent };
}

function unit(...rows: Parameters<typeof resolvedRow>[]): ResolvedRow[] {
  return rows.map((r) => resolvedRow(...r));
}

/** Plans the rows (blind, as with --no-read, unless `knowledge` says otherwise) and executes the plan. */
async function execute(rows: ResolvedRow[], ctx: UnitContext, knowledge: UserKnowledge = { kind: 'unread' }, options: Partial<PlanOptions> = {}) {
  const plan = planUnit(rows[0]!.user, rows, knowledge, { skus, ledger: new SeatLedger(), options: { disabledPlans: 'replace', ...options } });
  return (await executeUnit(plan, rows, ctx)).outcomes;
}

const NOT_HELD = 'User does not have a corresponding license.';
const NO_LOCATION = 'License assignment cannot be done for user with invalid usage location.';

describe('executeUnit', () => {
  it('sends one body for the unit and reports every row succeeded with the request id', async () => {
    const { ctx, sent } = scripted([{ status: 200 }]);
    const outcomes = await execute(unit([1, 'a@x.com'], [2, 'a@x.com', { action: 'remove', skuId: EMS }]), ctx);
    expect(sent.map((s) => [s.request.method, s.request.path, s.request.body])).toEqual([
      ['POST', '/users/a%40x.com/assignLicense', { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [EMS] }],
    ]);
    expect(outcomes.map((o) => [o.status, o.httpStatus, o.requestId, o.message])).toEqual([
      ['succeeded', 200, 'req-1', 'added ENTERPRISEPACK'],
      ['succeeded', 200, 'req-1', 'removed EMS'],
    ]);
  });

  it.each([
    {
      name: 'any 400 after a lost response, the add in place with the same plans',
      row: { disabledPlans: ['p1'] },
      first: { status: 400, message: 'Something else.', lostResponse: true, attempts: 2 },
      read: { licenseAssignmentStates: [{ skuId: E3, disabledPlans: ['p1'], assignedByGroup: null }] },
      settled: true,
    },
    {
      name: 'a 400 after a lost response, the add not in place',
      row: {},
      first: { status: 400, message: 'Something else.', lostResponse: true, attempts: 2 },
      read: { licenseAssignmentStates: [] },
      settled: false,
    },
  ])('settles an ambiguous failure by reading the user: $name', async ({ row, first, read, settled }) => {
    // A read that does not show the change is tried again after short waits: the directory lags its writes.
    const { ctx, sent } = scripted([first, ...Array.from({ length: settled ? 1 : 4 }, () => ({ status: 200, body: read }))]);
    const [outcome] = await execute(unit([1, 'a@x.com', row]), ctx);
    expect(sent.map((s) => s.kind)).toEqual(['assignLicense', ...Array.from({ length: settled ? 1 : 4 }, () => 'read')]);
    expect(outcome!.status).toBe(settled ? 'succeeded' : 'failed');
    if (settled) expect(outcome!.message).toMatch(/confirmed by reading the user/);
    expect(outcome!.attempts).toBe(2);
  });

  it('takes "not held" on a retry as the remove in place, without reading: a write\'s answer outranks a lagging read', async () => {
    const { ctx, sent } = scripted([{ status: 400, message: NOT_HELD, attempts: 2, lostResponse: true }]);
    const [outcome] = await execute(unit([1, 'a@x.com', { action: 'remove' }]), ctx);
    expect(sent.map((s) => s.kind)).toEqual(['assignLicense']);
    expect(outcome).toMatchObject({ status: 'succeeded', httpStatus: 400, attempts: 2 });
    expect(outcome!.message).toBe('removed ENTERPRISEPACK (on a retry Graph answered that the user does not have the license: the remove is in place)');
  });

  it('does not take "not held" on a retry of a body of two removes for both: it names neither, so each is tried on its own', async () => {
    const bothHeld = { status: 200, body: { licenseAssignmentStates: [{ skuId: E3, disabledPlans: [], assignedByGroup: null }] } };
    const { ctx, sent } = scripted([{ status: 400, message: NOT_HELD, attempts: 2 }, bothHeld, bothHeld, bothHeld, bothHeld, { status: 200 }, { status: 400, message: NOT_HELD }]);
    const outcomes = await execute(unit([1, 'a@x.com', { action: 'remove' }], [2, 'a@x.com', { action: 'remove', skuId: EMS }]), ctx);
    expect(sent.map((s) => [s.kind, s.request.body])).toEqual([
      ['assignLicense', { addLicenses: [], removeLicenses: [E3, EMS] }],
      ...Array.from({ length: 4 }, () => ['read', undefined]),
      ['assignLicense', { addLicenses: [], removeLicenses: [E3] }],
      ['assignLicense', { addLicenses: [], removeLicenses: [EMS] }],
    ]);
    expect(outcomes.map((o) => [o.status, o.httpStatus, o.attempts])).toEqual([
      ['succeeded', 200, 3],
      ['succeeded', 400, 3],
    ]);
  });

  it('in a body of an add and a remove refused as not held on a retry, reads only for the add, and falls back to each change alone when the read lags', async () => {
    const notYet = { status: 200, body: { licenseAssignmentStates: [{ skuId: EMS, disabledPlans: [], assignedByGroup: null }] } };
    const { ctx, sent } = scripted([{ status: 400, message: NOT_HELD, attempts: 2, lostResponse: true }, notYet, notYet, notYet, notYet, { status: 200 }, { status: 400, message: NOT_HELD }]);
    const outcomes = await execute(unit([1, 'a@x.com'], [2, 'a@x.com', { action: 'remove', skuId: EMS }]), ctx);
    expect(sent.map((s) => s.kind)).toEqual(['assignLicense', 'read', 'read', 'read', 'read', 'assignLicense', 'assignLicense']);
    expect(outcomes.map((o) => [o.status, o.attempts])).toEqual([
      ['succeeded', 3],
      ['succeeded', 3],
    ]);
    expect(outcomes[1]!.message).toMatch(/the remove is in place\)$/);
  });

  it('takes "not held" on a first attempt as the answer, without reading', async () => {
    const { ctx, sent } = scripted([{ status: 400, message: NOT_HELD }]);
    const [outcome] = await execute(unit([1, 'a@x.com', { action: 'remove' }]), ctx);
    expect(sent).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 'failed', httpStatus: 400, errorCode: 'Request_BadRequest', message: NOT_HELD });
  });

  it('tries each change of a rejected body once on its own', async () => {
    const { ctx, sent } = scripted([{ status: 400, message: 'bad SKU' }, { status: 200 }, { status: 400, message: 'bad SKU' }]);
    const outcomes = await execute(unit([1, 'a@x.com'], [2, 'a@x.com', { skuId: EMS }]), ctx);
    expect(sent.map((s) => s.request.body)).toEqual([
      { addLicenses: [{ skuId: E3, disabledPlans: [] }, { skuId: EMS, disabledPlans: [] }], removeLicenses: [] },
      { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] },
      { addLicenses: [{ skuId: EMS, disabledPlans: [] }], removeLicenses: [] },
    ]);
    expect(outcomes.map((o) => [o.status, o.attempts])).toEqual([
      ['succeeded', 2],
      ['failed', 2],
    ]);
  });

  it('sets the row\'s usage location first, and fails every row with the reason when that is refused', async () => {
    const { ctx, sent } = scripted([{ status: 403, message: 'Insufficient privileges to complete the operation.' }]);
    const outcomes = await execute(unit([1, 'a@x.com', { usageLocation: 'DE' }], [2, 'a@x.com', { skuId: EMS }]), ctx);
    expect(sent.map((s) => [s.request.method, s.request.body])).toEqual([['PATCH', { usageLocation: 'DE' }]]);
    expect(outcomes.every((o) => o.status === 'failed' && o.httpStatus === 403)).toBe(true);
    expect(outcomes[0]!.message).toMatch(/usage location DE was not set: .*User\.ReadWrite\.All/);
  });

  it('with --usage-location, gives the user the default when Graph refuses for lack of one, and tries again', async () => {
    const { ctx, sent } = scripted([{ status: 400, message: NO_LOCATION }, { status: 204 }, { status: 200 }], { defaultUsageLocation: 'NL' });
    const [outcome] = await execute(unit([1, 'a@x.com']), ctx);
    expect(sent.map((s) => [s.kind, s.request.body])).toEqual([
      ['assignLicense', { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] }],
      ['usageLocation', { usageLocation: 'NL' }],
      ['assignLicense', { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] }],
    ]);
    expect(outcome).toMatchObject({ status: 'succeeded', attempts: 3, message: 'set usage location NL (--usage-location); added ENTERPRISEPACK' });
  });

  it('leaves rows not attempted when the run stopped before their request was sent', async () => {
    const { ctx } = scripted([{ attempts: 0, interrupted: true, final: { kind: 'network', code: 'ABORTED', message: 'not sent' } }]);
    const [outcome] = await execute(unit([1, 'a@x.com']), ctx);
    expect(outcome).toMatchObject({ status: 'not-attempted', attempts: 0, message: 'not sent: the run was interrupted' });
  });

  it('says how many attempts a request had when Graph never answered', async () => {
    const { ctx } = scripted([{ attempts: 7, lostResponse: true, final: { kind: 'network', code: 'ECONNRESET', message: 'socket hang up' } }]);
    const [outcome] = await execute(unit([1, 'a@x.com']), ctx);
    expect(outcome).toMatchObject({ status: 'failed', errorCode: 'ECONNRESET', attempts: 7 });
    expect(outcome!.message).toMatch(/no answer from Microsoft Graph after 7 attempts/);
    expect(outcome!.httpStatus).toBeUndefined();
  });
});

describe('executeUnit after a read', () => {
  it('takes "not held" for a remove the read said was held as the remove done: the write outranks the read', async () => {
    const { ctx, sent } = scripted([{ status: 400, message: NOT_HELD }]);
    const held = { kind: 'read' as const, user: userLicensesOf({ usageLocation: 'US', licenseAssignmentStates: [{ skuId: E3, disabledPlans: [], assignedByGroup: null }] }) };
    const [outcome] = await execute(unit([1, 'a@x.com', { action: 'remove' }]), ctx, held);
    expect(sent).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 'succeeded', message: 'removed ENTERPRISEPACK (it was already gone when the remove arrived)' });
  });
});
