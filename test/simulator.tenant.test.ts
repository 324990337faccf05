import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tenant } from '../src/simulator/tenant.js';
import { validateTenantSpec, type TenantSpec } from '../src/simulator/tenant-spec.js';

const spec = JSON.parse(readFileSync(new URL('./fixtures/sim-tenant.json', import.meta.url), 'utf8')) as TenantSpec;

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const EMS = 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e';
const PBI = 'f8a1db68-be16-40ed-86d5-cb42ce701560';
const SWAY = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97';
const TEAMS = '57ff2da0-773e-42df-b2af-ffb7a2317929';
const ADALLOM = '932ad362-64a8-4783-9106-97849a1a30b9';
const INTUNE = 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5';
const NOT_A_SKU = '00000000-0000-4000-8000-00000000ffff';
const EMS_GROUP = '99999999-0000-4000-8000-000000000001';

const tenant = () => new Tenant(validateTenantSpec(spec));
const body = (add: { skuId: string; disabledPlans?: string[] }[] = [], remove: string[] = []) => ({
  addLicenses: add.map((a) => ({ disabledPlans: [], ...a })),
  removeLicenses: remove,
});
const consumed = (t: Tenant, skuId: string) => t.subscribedSkus().find((s) => s.skuId === skuId)!.consumedUnits;

describe('assignLicense errors, with Graph codes and wording', () => {
  it.each([
    {
      name: 'unknown user',
      user: 'nobody@contoso.example',
      body: body([{ skuId: E3 }]),
      status: 404,
      code: 'Request_ResourceNotFound',
      message: "Resource 'nobody@contoso.example' does not exist or one of its queried reference-property objects are not present.",
    },
    {
      name: 'removeLicenses missing',
      user: 'bob@contoso.example',
      body: { addLicenses: [{ skuId: E3, disabledPlans: [] }] },
      status: 400,
      code: 'Request_BadRequest',
      message:
        "One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: removeLicenses.",
    },
    {
      name: 'both keys missing',
      user: 'bob@contoso.example',
      body: {},
      status: 400,
      code: 'Request_BadRequest',
      message:
        "One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: addLicenses, removeLicenses.",
    },
    {
      name: 'addLicenses not a list',
      user: 'bob@contoso.example',
      body: { addLicenses: { skuId: E3 }, removeLicenses: [] },
      status: 400,
      code: 'Request_BadRequest',
      message: "The parameter 'addLicenses' in the request payload is not a valid collection.",
    },
    {
      name: 'skuId not a GUID',
      user: 'bob@contoso.example',
      body: body([{ skuId: 'ENTERPRISEPACK' }]),
      status: 400,
      code: 'Request_BadRequest',
      message: "Cannot convert a primitive value to the expected type 'Edm.Guid'. See the inner exception for more details.",
    },
    {
      name: 'skuId null',
      user: 'bob@contoso.example',
      body: { addLicenses: [{ skuId: null, disabledPlans: [] }], removeLicenses: [] },
      status: 400,
      code: 'Request_BadRequest',
      message:
        "A null value was found with the expected type 'Edm.Guid[Nullable=False]'. The expected type 'Edm.Guid[Nullable=False]' does not allow null values.",
    },
    {
      name: 'SKU the tenant lacks, added',
      user: 'bob@contoso.example',
      body: body([{ skuId: NOT_A_SKU }]),
      status: 400,
      code: 'Request_BadRequest',
      message: `License ${NOT_A_SKU} does not correspond to a valid company License.`,
    },
    {
      name: 'SKU the tenant lacks, removed',
      user: 'alice@contoso.example',
      body: body([], [NOT_A_SKU]),
      status: 400,
      code: 'Request_BadRequest',
      message: `License ${NOT_A_SKU} does not correspond to a valid company License.`,
    },
    {
      name: 'disabled plan of another SKU',
      user: 'bob@contoso.example',
      body: body([{ skuId: E3, disabledPlans: [INTUNE] }]),
      status: 400,
      code: 'Request_BadRequest',
      message: `Service plan ${INTUNE} does not belong to license ${E3} and cannot be disabled for it.`,
    },
    {
      name: 'remove of a SKU not held',
      user: 'bob@contoso.example',
      body: body([], [E3]),
      status: 400,
      code: 'Request_BadRequest',
      message: 'User does not have a corresponding license.',
    },
    {
      name: 'remove of a SKU held only through a group',
      user: 'dave@contoso.example',
      body: body([], [EMS]),
      status: 400,
      code: 'Request_BadRequest',
      message: 'User license is inherited from a group membership and it cannot be removed directly from the user.',
    },
    {
      name: 'add without usage location',
      user: 'carol@contoso.example',
      body: body([{ skuId: E3 }]),
      status: 400,
      code: 'Request_BadRequest',
      message: 'License assignment cannot be done for user with invalid usage location.',
    },
    {
      name: 'add with no seat left',
      user: 'bob@contoso.example',
      body: body([{ skuId: EMS }]),
      status: 400,
      code: 'Request_BadRequest',
      message: `Subscription with SKU ${EMS} does not have any available licenses.`,
    },
  ])('$name', ({ user, body: payload, status, code, message }) => {
    const result = tenant().assignLicense(user, payload);
    expect(result).toEqual({ ok: false, error: { status, code, message } });
  });

  it.each([
    { name: 'unknown user before a bad body', user: 'nobody@contoso.example', body: {}, message: /^Resource 'nobody/ },
    { name: 'unknown SKU before a stray plan', user: 'bob@contoso.example', body: body([{ skuId: E3, disabledPlans: [INTUNE] }, { skuId: NOT_A_SKU }]), message: /valid company License/ },
    { name: 'stray plan before a remove not held', user: 'bob@contoso.example', body: body([{ skuId: E3, disabledPlans: [INTUNE] }], [PBI]), message: /^Service plan/ },
    { name: 'remove not held before usage location', user: 'carol@contoso.example', body: body([{ skuId: E3 }], [PBI]), message: /corresponding license/ },
    { name: 'usage location before seats', user: 'carol@contoso.example', body: body([{ skuId: EMS }]), message: /usage location/ },
  ])('checks in Graph order: $name', ({ user, body: payload, message }) => {
    const result = tenant().assignLicense(user, payload);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error.message).toMatch(message);
  });
});

describe('assignLicense success', () => {
  it("adds and answers with the user object as Graph's docs show it, its id lower-cased", () => {
    const t = tenant();
    const result = t.assignLicense('BOB@contoso.example', body([{ skuId: E3.toUpperCase(), disabledPlans: [SWAY.toUpperCase()] }]));
    expect(result).toEqual({
      ok: true,
      value: {
        businessPhones: [],
        displayName: 'bob',
        givenName: null,
        jobTitle: null,
        mail: null,
        mobilePhone: null,
        officeLocation: null,
        preferredLanguage: null,
        surname: null,
        userPrincipalName: 'bob@contoso.example',
        id: 'a0000000-0000-4000-8000-000000000002',
      },
    });
    expect(t.snapshot('bob@contoso.example')!.assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [SWAY] }]);
    expect(consumed(t, E3)).toBe(2);
  });

  it('is all or nothing: a failing add leaves the valid change in the same body unapplied', () => {
    const t = tenant();
    const before = t.snapshot('alice@contoso.example');
    const result = t.assignLicense('alice@contoso.example', body([{ skuId: E3, disabledPlans: [TEAMS] }, { skuId: EMS }]));
    expect(result.ok).toBe(false);
    expect(t.snapshot('alice@contoso.example')).toEqual(before);
    expect([consumed(t, E3), consumed(t, EMS)]).toEqual([1, 2]);
  });

  it('replaces the disabled plans of a SKU already held, without taking a seat', () => {
    const t = tenant();
    expect(t.assignLicense('alice@contoso.example', body([{ skuId: E3, disabledPlans: [TEAMS] }])).ok).toBe(true);
    expect(t.snapshot('alice@contoso.example')!.directLicenses).toEqual([{ skuId: E3, disabledPlans: [TEAMS] }]);
    expect(consumed(t, E3)).toBe(1);
  });

  it('adds a direct assignment over a group-held SKU without a free seat', () => {
    const t = tenant();
    expect(t.assignLicense('dave@contoso.example', body([{ skuId: EMS }])).ok).toBe(true);
    const dave = t.snapshot('dave@contoso.example')!;
    expect(dave.directLicenses).toEqual([{ skuId: EMS, disabledPlans: [] }]);
    expect(dave.groupLicenses).toEqual([{ skuId: EMS, groupId: EMS_GROUP, disabledPlans: [] }]);
    expect(consumed(t, EMS)).toBe(2);
  });

  it('removes the direct assignment of a SKU held directly and by group; the seat stays taken', () => {
    const t = tenant();
    expect(t.assignLicense('erin@contoso.example', body([], [EMS])).ok).toBe(true);
    const erin = t.snapshot('erin@contoso.example')!;
    expect(erin.directLicenses).toEqual([]);
    expect(erin.assignedLicenses).toEqual([{ skuId: EMS, disabledPlans: [ADALLOM, INTUNE] }]);
    expect(consumed(t, EMS)).toBe(2);
  });

  it('lets a remove in the same body free the seat an add needs', () => {
    const t = tenant();
    expect(consumed(t, PBI)).toBe(1);
    const result = t.assignLicense('frank@contoso.example', body([{ skuId: PBI, disabledPlans: [] }], [PBI]));
    expect(result.ok).toBe(true);
    expect(consumed(t, PBI)).toBe(1);
  });

  it('moves a seat from one user to another', () => {
    const t = tenant();
    expect(t.assignLicense('bob@contoso.example', body([{ skuId: PBI }])).ok).toBe(false);
    expect(t.assignLicense('frank@contoso.example', body([], [PBI])).ok).toBe(true);
    expect(consumed(t, PBI)).toBe(0);
    expect(t.assignLicense('bob@contoso.example', body([{ skuId: PBI }])).ok).toBe(true);
    expect(consumed(t, PBI)).toBe(1);
  });

  it('runs out of seats at prepaidUnits.enabled', () => {
    const t = tenant();
    expect(t.assignLicense('bob@contoso.example', body([{ skuId: E3 }])).ok).toBe(true);
    expect(t.assignLicense('x_y.com#EXT#@t.onmicrosoft.com', body([{ skuId: E3 }])).ok).toBe(true);
    const third = t.assignLicense("o'hara+test@contoso.example", body([{ skuId: E3 }]));
    expect(third.ok ? '' : third.error.message).toBe(`Subscription with SKU ${E3} does not have any available licenses.`);
    expect(consumed(t, E3)).toBe(3);
  });
});

describe('views', () => {
  it('finds users by id or UPN in any case, including guests and non-ASCII', () => {
    const t = tenant();
    expect(t.userId('A0000000-0000-4000-8000-000000000001')).toBe('a0000000-0000-4000-8000-000000000001');
    expect(t.userId('X_Y.COM#EXT#@T.ONMICROSOFT.COM')).toBe('a0000000-0000-4000-8000-000000000007');
    expect(t.userId('ZOË.MÜLLER@contoso.example')).toBe('a0000000-0000-4000-8000-000000000009');
    expect(t.userId('nobody@contoso.example')).toBeUndefined();
  });

  it('shows id and UPN by default, and only the selected properties otherwise', () => {
    const t = tenant();
    expect(t.view('erin@contoso.example')).toEqual({ id: 'a0000000-0000-4000-8000-000000000005', userPrincipalName: 'erin@contoso.example' });
    expect(t.view('erin@contoso.example', ['usageLocation'])).toEqual({ id: 'a0000000-0000-4000-8000-000000000005', usageLocation: 'DE' });
  });

  it('merges direct and group assignments of one SKU in assignedLicenses, and lists each in licenseAssignmentStates', () => {
    expect(tenant().view('erin@contoso.example', ['assignedLicenses', 'licenseAssignmentStates'])).toEqual({
      id: 'a0000000-0000-4000-8000-000000000005',
      assignedLicenses: [{ skuId: EMS, disabledPlans: [ADALLOM] }],
      licenseAssignmentStates: [
        { skuId: EMS, disabledPlans: [ADALLOM], assignedByGroup: null, state: 'Active', error: 'None', lastUpdatedDateTime: expect.any(String) },
        { skuId: EMS, disabledPlans: [ADALLOM, INTUNE], assignedByGroup: EMS_GROUP, state: 'Active', error: 'None', lastUpdatedDateTime: expect.any(String) },
      ],
    });
  });

  it('counts consumed units per user holding the SKU in any way', () => {
    expect(tenant().subscribedSkus().map((s) => [s.skuPartNumber, s.consumedUnits, s.prepaidUnits.enabled])).toEqual([
      ['ENTERPRISEPACK', 1, 3],
      ['EMS', 2, 2],
      ['POWER_BI_PRO', 1, 1],
    ]);
  });

  it('pages users, optionally only those holding a SKU', () => {
    const t = tenant();
    const first = t.page(0, 4, ['id']);
    expect(first.values).toHaveLength(4);
    expect(first.next).toBe(4);
    expect(t.page(8, 4, ['id'])).toEqual({ values: [{ id: 'a0000000-0000-4000-8000-000000000009' }] });
    expect(t.page(0, 1, ['id'], EMS)).toEqual({ values: [{ id: 'a0000000-0000-4000-8000-000000000004' }], next: 4 });
  });
});

describe('PATCH usageLocation', () => {
  it('sets a two-letter code, after which licenses can be added', () => {
    const t = tenant();
    expect(t.patchUser('carol@contoso.example', { usageLocation: 'FR' })).toEqual({ ok: true, value: undefined });
    expect(t.assignLicense('carol@contoso.example', body([{ skuId: E3 }])).ok).toBe(true);
  });

  it.each(['usa', 'us', 'U1', '', 12, null])('refuses %j', (value) => {
    expect(tenant().patchUser('carol@contoso.example', { usageLocation: value })).toEqual({
      ok: false,
      error: { status: 400, code: 'Request_BadRequest', message: "Invalid value specified for property 'usageLocation' of resource 'User'." },
    });
  });

  it('refuses properties it does not model, by name', () => {
    const result = tenant().patchUser('carol@contoso.example', { UsageLocation: 'FR' });
    expect(result.ok ? '' : result.error.message).toBe("Property 'UsageLocation' does not exist as a declared property or extension property.");
  });

  it('answers 404 for an unknown user', () => {
    const result = tenant().patchUser('nobody@contoso.example', { usageLocation: 'FR' });
    expect(result.ok ? 0 : result.error.status).toBe(404);
  });
});

describe('tenant spec validation', () => {
  const edit = (change: (s: any) => void): unknown => {
    const copy = structuredClone(spec) as any;
    change(copy);
    return copy;
  };
  it.each([
    { name: 'missing tenantId', value: edit((s) => delete s.tenantId), error: 'Invalid tenant: missing field "tenantId"' },
    { name: 'a typo in a field', value: edit((s) => (s.users[1].assignedLicences = [])), error: 'Invalid users[1]: unknown field "assignedLicences"' },
    { name: 'a SKU id that is no GUID', value: edit((s) => (s.skus[0].skuId = 'E3')), error: 'Invalid skus[0].skuId: expect a GUID, got "E3"' },
    {
      name: 'a license of a SKU not listed',
      value: edit((s) => (s.users[1].assignedLicenses = [{ skuId: NOT_A_SKU }])),
      error: `Invalid users[1].assignedLicenses[0].skuId: expect a SKU listed in skus, got "${NOT_A_SKU}"`,
    },
    {
      name: 'a disabled plan of another SKU',
      value: edit((s) => (s.users[0].assignedLicenses[0].disabledPlans = [INTUNE])),
      error: `Invalid users[0].assignedLicenses[0].disabledPlans[0]: expect a service plan of SKU ${E3}, got "${INTUNE}"`,
    },
    {
      name: 'a UPN twice, in another case',
      value: edit((s) => (s.users[1].userPrincipalName = 'ALICE@contoso.example')),
      error: 'Invalid users[1].userPrincipalName: expect a UPN no other user has (case-insensitive), got "ALICE@contoso.example"',
    },
    { name: 'a lower-case usage location', value: edit((s) => (s.users[1].usageLocation = 'us')), error: 'Invalid users[1].usageLocation: expect two letters A-Z, or null, got "us"' },
    { name: 'negative seats', value: edit((s) => (s.skus[1].prepaidUnits.enabled = -1)), error: 'Invalid skus[1].prepaidUnits.enabled: expect an integer >= 0, got -1' },
    { name: 'a client without secret', value: edit((s) => (s.auth = { clients: { app: { roles: [] } } })), error: 'Invalid auth.clients["app"]: missing field "secret"' },
    {
      name: 'a fault probability above 1',
      value: edit((s) => (s.behaviour = { faults: { error503: 2 } })),
      error: 'Invalid tenant behaviour.faults.error503: expect a probability between 0 and 1, got 2 (number)',
    },
  ])('refuses $name', ({ value, error }) => {
    expect(() => validateTenantSpec(value)).toThrow(error);
  });

  it('accepts the fixture as it is', () => {
    expect(validateTenantSpec(spec)).toBe(spec);
  });
});
