import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tenant } from '../src/simulator/tenant.js';
import { validateTenantSpec, type TenantSpec } from '../src/simulator/tenant-spec.js';

/** Assignment states, SKU states, company SKUs and plans that depend on or exclude each other, on the pure model. */
const spec = JSON.parse(readFileSync(new URL('./fixtures/sim-tenant-states.json', import.meta.url), 'utf8')) as TenantSpec;

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const EXCHANGESTANDARD = '4b9405b0-7788-4568-add1-99614e613b69';
const VISIO = 'c5928f49-12ba-48f7-ada3-0d743a3601d5';
const PBI = 'f8a1db68-be16-40ed-86d5-cb42ce701560';
const EMS = 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e';
const STORE = '6470687e-a428-4b7a-bef2-8a291ad947c9';
const EXCHANGE_ENT = 'efb87545-963c-4e0d-99df-69c6916d9eb0';
const EXCHANGE_STD = '9aaf7827-d63c-4b61-89c3-182f06f82e5c';
const SHAREPOINT = '5dbe027f-2339-4123-9542-606e4d348a72';
const SHAREPOINTWAC = 'e95bec33-7c88-4a70-8e19-b10bd9d0c014';
const VISIOONLINE = '2bdbaf8f-738f-4ac7-9234-3c3ee2ce7d0f';
const GROUP_STD = '99999999-0000-4000-8000-000000000002';
const GROUP_VISIO = '99999999-0000-4000-8000-000000000003';
const T0 = Date.parse('2026-12-01T10:00:00Z');

/** A tenant on a clock the test moves by hand. */
function tenant(edit?: (s: any) => void) {
  const copy = structuredClone(spec) as any;
  edit?.(copy);
  const clock = { now: T0 };
  return { t: new Tenant(validateTenantSpec(copy), () => clock.now), clock };
}

const body = (add: { skuId: string; disabledPlans?: string[] }[] = [], remove: string[] = []) => ({
  addLicenses: add.map((a) => ({ disabledPlans: [], ...a })),
  removeLicenses: remove,
});
const consumed = (t: Tenant, skuId: string) => t.subscribedSkus().find((s) => s.skuId === skuId)!.consumedUnits;
const message = (outcome: { ok: boolean; error?: { message: string } }) => (outcome.ok ? 'ok' : outcome.error!.message);

describe('assignment states', () => {
  it('lists every assignment in licenseAssignmentStates, and only those in effect in assignedLicenses', () => {
    const { t } = tenant();
    expect(t.view('grouped@contoso.example', ['assignedLicenses', 'licenseAssignmentStates'])).toEqual({
      id: 'b0000000-0000-4000-8000-000000000002',
      assignedLicenses: [
        { skuId: E3, disabledPlans: [] },
        { skuId: VISIO, disabledPlans: [] },
      ],
      licenseAssignmentStates: [
        { assignedByGroup: null, disabledPlans: [], error: 'None', lastUpdatedDateTime: '2026-12-01T10:00:00.000Z', skuId: E3, state: 'Active' },
        {
          assignedByGroup: GROUP_STD,
          disabledPlans: [],
          error: 'MutuallyExclusiveViolation',
          lastUpdatedDateTime: '2026-12-01T10:00:00.000Z',
          skuId: EXCHANGESTANDARD,
          state: 'Error',
        },
        { assignedByGroup: GROUP_VISIO, disabledPlans: [], error: 'Other', lastUpdatedDateTime: '2026-12-01T10:00:00.000Z', skuId: VISIO, state: 'ActiveWithError' },
      ],
    });
  });

  it('shows a direct assignment in Error with its error and time, outside assignedLicenses and without a seat', () => {
    const { t } = tenant();
    expect(t.view('erring@contoso.example', ['assignedLicenses', 'licenseAssignmentStates'])).toEqual({
      id: 'b0000000-0000-4000-8000-000000000001',
      assignedLicenses: [],
      licenseAssignmentStates: [
        { assignedByGroup: null, disabledPlans: [], error: 'CountViolation', lastUpdatedDateTime: '2026-11-30T08:00:00Z', skuId: E3, state: 'Error' },
      ],
    });
    // grouped holds E3 directly; erring's assignment in Error holds none. ActiveWithError holds one.
    expect([consumed(t, E3), consumed(t, EXCHANGESTANDARD), consumed(t, VISIO)]).toEqual([1, 0, 1]);
  });

  it('makes a re-added SKU Active with error None, stamped now, and takes its seat then', () => {
    const { t, clock } = tenant();
    clock.now = T0 + 60_000;
    expect(t.assignLicense('erring@contoso.example', body([{ skuId: E3 }])).ok).toBe(true);
    expect(t.snapshot('erring@contoso.example')!.licenseAssignmentStates).toEqual([
      { assignedByGroup: null, disabledPlans: [], error: 'None', lastUpdatedDateTime: '2026-12-01T10:01:00.000Z', skuId: E3, state: 'Active' },
    ]);
    expect(t.snapshot('erring@contoso.example')!.assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [] }]);
    expect(consumed(t, E3)).toBe(2);
  });

  it('refuses that re-add when no seat is free, as the assignment in Error holds none', () => {
    const { t } = tenant((s) => (s.skus[0].prepaidUnits.enabled = 1));
    expect(message(t.assignLicense('erring@contoso.example', body([{ skuId: E3 }])))).toBe(`Subscription with SKU ${E3} does not have any available licenses.`);
    expect(t.snapshot('erring@contoso.example')!.licenseAssignmentStates[0]!.state).toBe('Error');
  });

  it('removes a direct assignment in Error; a group one stays out of reach', () => {
    const { t } = tenant();
    expect(t.assignLicense('erring@contoso.example', body([], [E3])).ok).toBe(true);
    expect(t.snapshot('erring@contoso.example')!.licenseAssignmentStates).toEqual([]);
    expect(message(t.assignLicense('grouped@contoso.example', body([], [EXCHANGESTANDARD])))).toBe(
      'User license is inherited from a group membership and it cannot be removed directly from the user.',
    );
  });
});

describe('SKU states and company SKUs', () => {
  it('lists capabilityStatus, appliesTo and every kind of unit as subscribedSkus does', () => {
    const { t } = tenant();
    const skus = t.subscribedSkus();
    expect(skus.map((s) => [s.skuPartNumber, s.capabilityStatus, s.appliesTo, s.prepaidUnits])).toEqual([
      ['ENTERPRISEPACK', 'Warning', 'User', { enabled: 4, suspended: 0, warning: 2, lockedOut: 0 }],
      ['EXCHANGESTANDARD', 'Enabled', 'User', { enabled: 10, suspended: 0, warning: 0, lockedOut: 0 }],
      ['VISIOCLIENT', 'Enabled', 'User', { enabled: 10, suspended: 0, warning: 0, lockedOut: 0 }],
      ['POWER_BI_PRO', 'Suspended', 'User', { enabled: 0, suspended: 5, warning: 0, lockedOut: 0 }],
      ['EMS', 'LockedOut', 'User', { enabled: 3, suspended: 0, warning: 0, lockedOut: 3 }],
      ['WINDOWS_STORE', 'Enabled', 'Company', { enabled: 1000000, suspended: 0, warning: 0, lockedOut: 0 }],
    ]);
    expect(skus[5]!.servicePlans).toEqual([
      { servicePlanId: 'a420f25f-a7b3-4ff5-a9d0-5d58f73b537d', servicePlanName: 'WINDOWS_STORE', provisioningStatus: 'Success', appliesTo: 'Company' },
    ]);
  });

  it.each([
    ['a company SKU', STORE, `License ${STORE} cannot be assigned to a user.`],
    ['a suspended SKU', PBI, `Subscription with SKU ${PBI} does not have any available licenses.`],
    ['a locked-out SKU, whatever its enabled count says', EMS, `Subscription with SKU ${EMS} does not have any available licenses.`],
    ['a SKU in Warning with enabled units left', E3, 'ok'],
  ])('answers an add of %s as Graph does', (_name, skuId, expected) => {
    const { t } = tenant();
    expect(message(t.assignLicense('plain@contoso.example', body([{ skuId }])))).toBe(expected);
  });

  it('refuses a deleted SKU too', () => {
    const { t } = tenant((s) => (s.skus[2].capabilityStatus = 'Deleted'));
    expect(message(t.assignLicense('plain@contoso.example', body([{ skuId: VISIO }])))).toBe(`Subscription with SKU ${VISIO} does not have any available licenses.`);
  });
});

describe('plans that depend on or exclude each other', () => {
  it('refuses an add that enables a plan without the plan it depends on, naming both', () => {
    const { t } = tenant();
    expect(message(t.assignLicense('plain@contoso.example', body([{ skuId: E3, disabledPlans: [SHAREPOINT] }])))).toBe(
      `License assignment failed because service plan ${SHAREPOINTWAC} depends on the service plan(s) ${SHAREPOINT}`,
    );
    expect(t.snapshot('plain@contoso.example')!.directLicenses).toEqual([]);
    expect(t.assignLicense('plain@contoso.example', body([{ skuId: E3, disabledPlans: [SHAREPOINT, SHAREPOINTWAC] }])).ok).toBe(true);
  });

  it('counts a dependency met through another SKU, and refuses the remove that would break it', () => {
    const { t } = tenant();
    expect(message(t.assignLicense('plain@contoso.example', body([{ skuId: VISIO }])))).toBe(
      `License assignment failed because service plan ${VISIOONLINE} depends on the service plan(s) ${SHAREPOINT}`,
    );
    expect(t.assignLicense('plain@contoso.example', body([{ skuId: E3 }, { skuId: VISIO }])).ok).toBe(true);
    expect(message(t.assignLicense('plain@contoso.example', body([], [E3])))).toBe(
      `License assignment failed because service plan ${VISIOONLINE} depends on the service plan(s) ${SHAREPOINT}`,
    );
    expect(t.assignLicense('plain@contoso.example', body([], [E3, VISIO])).ok).toBe(true);
  });

  it('refuses an add whose plan excludes one the user has, and accepts it once that plan is disabled in the same body', () => {
    const { t } = tenant();
    expect(t.assignLicense('plain@contoso.example', body([{ skuId: E3 }])).ok).toBe(true);
    expect(message(t.assignLicense('plain@contoso.example', body([{ skuId: EXCHANGESTANDARD }])))).toBe(
      `License assignment failed because service plans ${EXCHANGE_STD},${EXCHANGE_ENT} are mutually exclusive`,
    );
    expect(t.assignLicense('plain@contoso.example', body([{ skuId: EXCHANGESTANDARD }, { skuId: E3, disabledPlans: [EXCHANGE_ENT] }])).ok).toBe(true);
  });

  it('reads a SKU id in excludes as every plan of that SKU', () => {
    const { t } = tenant((s) => (s.skus[1].servicePlans[0].excludes = [E3]));
    expect(t.assignLicense('plain@contoso.example', body([{ skuId: E3, disabledPlans: [EXCHANGE_ENT] }])).ok).toBe(true);
    expect(message(t.assignLicense('plain@contoso.example', body([{ skuId: EXCHANGESTANDARD }])))).toMatch(
      new RegExp(`^License assignment failed because service plans ${EXCHANGE_STD},[0-9a-f-]{36} are mutually exclusive$`),
    );
  });

  it('does not block a change over a conflict the tenant already holds (a group assignment in error)', () => {
    // grouped: E3 direct (Exchange Enterprise on) and Exchange Standard from a group, the latter in Error.
    const { t } = tenant((s) => (s.users[1].groupLicenses[0].state = 'ActiveWithError'));
    expect(t.assignLicense('grouped@contoso.example', body([{ skuId: E3, disabledPlans: [SHAREPOINTWAC] }])).ok).toBe(true);
  });
});

describe('replication lag', () => {
  const E3_FOR_PLAIN = body([{ skuId: E3 }]);
  const licensesRead = (t: Tenant) => t.view('plain@contoso.example', ['assignedLicenses', 'usageLocation']);

  it('shows reads the newest version older than the lag, while writes and snapshots see the current one', () => {
    const { t, clock } = tenant();
    t.replicationLagMs = 500;
    clock.now = T0 + 1_000;
    expect(t.assignLicense('plain@contoso.example', E3_FOR_PLAIN).ok).toBe(true);
    clock.now = T0 + 1_300;
    expect(t.patchUser('plain@contoso.example', { usageLocation: 'BE' }).ok).toBe(true);

    clock.now = T0 + 1_400;
    expect(licensesRead(t)).toMatchObject({ assignedLicenses: [], usageLocation: 'FR' });
    expect(t.snapshot('plain@contoso.example')).toMatchObject({ assignedLicenses: [{ skuId: E3 }], usageLocation: 'BE' });
    clock.now = T0 + 1_500;
    expect(licensesRead(t)).toMatchObject({ assignedLicenses: [{ skuId: E3 }], usageLocation: 'FR' });
    clock.now = T0 + 1_800;
    expect(licensesRead(t)).toMatchObject({ assignedLicenses: [{ skuId: E3 }], usageLocation: 'BE' });
  });

  it('validates writes against the current state: a remove right after an add succeeds while reads still lag', () => {
    const { t, clock } = tenant();
    t.replicationLagMs = 10_000;
    expect(t.assignLicense('plain@contoso.example', E3_FOR_PLAIN).ok).toBe(true);
    clock.now += 1;
    expect(t.assignLicense('plain@contoso.example', body([], [E3])).ok).toBe(true);
    expect(message(t.assignLicense('plain@contoso.example', body([], [E3])))).toBe('User does not have a corresponding license.');
    expect(consumed(t, E3)).toBe(1);
  });

  it('lags the holders-of-a-SKU listing too', () => {
    const { t, clock } = tenant();
    t.replicationLagMs = 500;
    expect(t.assignLicense('plain@contoso.example', E3_FOR_PLAIN).ok).toBe(true);
    const holders = () => t.page(0, 100, ['userPrincipalName'], E3).values.map((u) => u.userPrincipalName);
    expect(holders()).toEqual(['grouped@contoso.example']);
    clock.now += 500;
    expect(holders()).toEqual(['grouped@contoso.example', 'plain@contoso.example']);
  });

  it('shows writes at once without lag', () => {
    const { t } = tenant();
    expect(t.assignLicense('plain@contoso.example', E3_FOR_PLAIN).ok).toBe(true);
    expect(licensesRead(t)).toMatchObject({ assignedLicenses: [{ skuId: E3 }] });
  });
});

describe('tenant spec validation of states, SKU status and plan relations', () => {
  const edit = (change: (s: any) => void): unknown => {
    const copy = structuredClone(spec) as any;
    change(copy);
    return copy;
  };

  it('accepts the fixture, every new field used', () => {
    expect(validateTenantSpec(spec)).toBe(spec);
  });

  it.each([
    { name: 'an unknown state', change: (s: any) => (s.users[0].assignedLicenses[0].state = 'Broken'), error: 'Invalid users[0].assignedLicenses[0].state: expect one of Active, ActiveWithError, Disabled, Error, got "Broken"' },
    { name: "'Others' (the docs' old typo)", change: (s: any) => (s.users[0].assignedLicenses[0].error = 'Others'), error: 'Invalid users[0].assignedLicenses[0].error: expect one of None, CountViolation' },
    { name: 'an Error state without its reason', change: (s: any) => delete s.users[0].assignedLicenses[0].error, error: 'Invalid users[0].assignedLicenses[0].error: expect the reason of the Error state, not None, got undefined' },
    { name: 'an Active state with an error', change: (s: any) => (s.users[1].assignedLicenses[0].error = 'Other'), error: 'Invalid users[1].assignedLicenses[0].error: expect None (or no error) for an Active assignment, got "Other"' },
    { name: 'a date that is not one', change: (s: any) => (s.users[1].groupLicenses[0].lastUpdatedDateTime = 'yesterday'), error: 'Invalid users[1].groupLicenses[0].lastUpdatedDateTime: expect an ISO 8601 date and time, got "yesterday"' },
    { name: 'an unknown capabilityStatus', change: (s: any) => (s.skus[0].capabilityStatus = 'Expired'), error: 'Invalid skus[0].capabilityStatus: expect one of Enabled, Warning, Suspended, Deleted, LockedOut, got "Expired"' },
    { name: 'appliesTo in lower case', change: (s: any) => (s.skus[5].appliesTo = 'company'), error: 'Invalid skus[5].appliesTo: expect one of User, Company, got "company"' },
    { name: 'negative suspended units', change: (s: any) => (s.skus[3].prepaidUnits.suspended = -5), error: 'Invalid skus[3].prepaidUnits.suspended: expect an integer >= 0, got -5' },
    { name: 'a typo in prepaidUnits', change: (s: any) => (s.skus[3].prepaidUnits.suspend = 1), error: 'Invalid skus[3].prepaidUnits: unknown field "suspend"' },
    { name: 'a typo in a plan', change: (s: any) => (s.skus[0].servicePlans[2].dependOn = []), error: 'Invalid skus[0].servicePlans[2]: unknown field "dependOn"' },
    { name: 'a dependency on a plan the tenant lacks', change: (s: any) => (s.skus[0].servicePlans[2].dependsOn = ['00000000-0000-4000-8000-0000000000aa']), error: 'Invalid skus[0].servicePlans[2].dependsOn[0]: expect the id of another service plan of the tenant, got "00000000-0000-4000-8000-0000000000aa"' },
    { name: 'a plan that depends on itself', change: (s: any) => (s.skus[0].servicePlans[2].dependsOn = [SHAREPOINTWAC]), error: 'Invalid skus[0].servicePlans[2].dependsOn[0]: expect the id of another service plan of the tenant' },
    { name: 'an exclusion of nothing known', change: (s: any) => (s.skus[1].servicePlans[0].excludes = ['nope']), error: 'Invalid skus[1].servicePlans[0].excludes[0]: expect a GUID, got "nope"' },
    { name: 'a behaviour lag below 0', change: (s: any) => (s.behaviour = { replicationLagMs: -1 }), error: 'Invalid tenant behaviour.replicationLagMs: expect a number >= 0, got -1 (number)' },
    { name: 'faults adding up to more than 1', change: (s: any) => (s.behaviour = { faults: { error503: 0.5, conflict409: 0.3, timeoutBeforeApply: 0.3 } }), error: 'Invalid tenant behaviour.faults: the probabilities add up to more than 1' },
    { name: 'a typo in faults', change: (s: any) => (s.behaviour = { faults: { conflict: 0.1 } }), error: 'Invalid tenant behaviour.faults: unknown field "conflict"' },
    { name: 'an empty displayName', change: (s: any) => (s.users[0].displayName = ''), error: 'Invalid users[0].displayName: expect a non-empty string, got ""' },
  ])('refuses $name, naming the path', ({ change, error }) => {
    expect(() => validateTenantSpec(edit(change))).toThrow(error);
  });
});
