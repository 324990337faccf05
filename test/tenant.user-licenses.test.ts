import { describe, expect, it } from 'vitest';
import { filterPath } from '../src/tenant/read-users.js';
import { assignmentTrouble, unreadableLicenses, userLicensesOf } from '../src/tenant/user-licenses.js';
import { addRefusal, freeSeats, seatsCounted, tenantSkusOf } from '../src/tenant/tenant-skus.js';
import { E3, EMS } from './helpers/rows.js';

describe('userLicensesOf', () => {
  it('tells direct assignments from group ones, with their state', () => {
    const user = userLicensesOf({
      id: 'ABC',
      userPrincipalName: 'a@x.com',
      usageLocation: 'DE',
      assignedLicenses: [{ skuId: E3.toUpperCase(), disabledPlans: [] }, { skuId: EMS, disabledPlans: [] }],
      licenseAssignmentStates: [
        { skuId: E3.toUpperCase(), disabledPlans: ['P1'], assignedByGroup: null, state: 'Error', error: 'CountViolation' },
        { skuId: EMS, disabledPlans: [], assignedByGroup: 'G1', state: 'Active', error: 'None' },
      ],
    });
    expect(user.id).toBe('abc');
    expect(user.usageLocation).toBe('DE');
    expect([...user.direct]).toEqual([[E3, { disabledPlans: ['p1'], state: 'Error', error: 'CountViolation' }]]);
    expect([...user.inherited]).toEqual([[EMS, 'g1']]);
  });

  it('counts every assigned license as direct when the states were not selected', () => {
    const user = userLicensesOf({ assignedLicenses: [{ skuId: E3 }] });
    expect([...user.direct.keys()]).toEqual([E3]);
    expect(user.usageLocation).toBeNull();
  });

  it.each([
    { state: 'Active', error: 'None', trouble: undefined },
    { state: 'Active', error: undefined, trouble: undefined },
    { state: 'Error', error: 'CountViolation', trouble: 'in state Error (CountViolation)' },
    { state: 'ActiveWithError', error: 'DependencyViolation', trouble: 'in state ActiveWithError (DependencyViolation)' },
    { state: 'Error', error: 'None', trouble: 'in state Error' },
  ])('an assignment $state/$error is in trouble: $trouble', ({ state, error, trouble }) => {
    expect(assignmentTrouble({ disabledPlans: [], state, ...(error ? { error } : {}) })).toBe(trouble);
  });
});

describe('SKU seats and status', () => {
  it.each([
    { sku: { prepaidUnits: { enabled: 25, suspended: 10, warning: 5 }, consumedUnits: 20 }, free: 5 },
    { sku: { prepaidUnits: { enabled: 25 }, consumedUnits: 30 }, free: 0 },
    { sku: {}, free: 0 },
  ])('free seats are enabled - consumed, never suspended or warning units: $free', ({ sku, free }) => {
    expect(freeSeats({ skuId: E3, skuPartNumber: 'X', ...sku })).toBe(free);
  });

  it.each([
    { status: 'Enabled', appliesTo: 'User', refusal: undefined },
    { status: 'Warning', appliesTo: 'User', refusal: undefined },
    { status: 'Suspended', appliesTo: 'User', refusal: 'the subscription is Suspended' },
    { status: 'LockedOut', appliesTo: 'User', refusal: 'the subscription is LockedOut' },
    { status: 'Deleted', appliesTo: 'User', refusal: 'the subscription is Deleted' },
    { status: 'Enabled', appliesTo: 'Company', refusal: 'it applies to the company, not to users' },
  ])('a $status SKU that applies to $appliesTo: $refusal', ({ status, appliesTo, refusal }) => {
    expect(addRefusal({ skuId: E3, skuPartNumber: 'X', capabilityStatus: status, appliesTo })).toBe(refusal);
  });
});

describe('filterPath', () => {
  it('quotes keys as OData literals and encodes the filter, # of guests included', () => {
    const path = filterPath('userPrincipalName', ["o'brien@x.com", 'a_b.com#EXT#@t.onmicrosoft.com']);
    const filter = new URLSearchParams(path.split('?')[1]).get('$filter');
    expect(filter).toBe("userPrincipalName in ('o''brien@x.com','a_b.com#EXT#@t.onmicrosoft.com')");
    expect(path).not.toContain('#');
  });
});

describe('answers of another shape', () => {
  it.each([
    { name: 'a user with licenses', user: { id: 'a', assignedLicenses: [{ skuId: E3 }], licenseAssignmentStates: [{ skuId: E3, state: 'Active' }] }, why: undefined },
    { name: 'a user with none', user: { id: 'a', assignedLicenses: [] }, why: undefined },
    { name: 'states null', user: { assignedLicenses: [], licenseAssignmentStates: null }, why: undefined },
    { name: 'no user', user: null, why: 'it is not a user object (null)' },
    { name: 'text', user: '<html>', why: 'it is not a user object ("<html>")' },
    { name: 'no assignedLicenses', user: { id: 'a' }, why: 'it has no assignedLicenses list (nothing)' },
    { name: 'assignedLicenses not a list', user: { assignedLicenses: { skuId: E3 } }, why: `it has no assignedLicenses list ({"skuId":"${E3}"})` },
    { name: 'states not a list', user: { assignedLicenses: [], licenseAssignmentStates: 'x' }, why: 'its licenseAssignmentStates is not a list ("x")' },
    { name: 'an entry without skuId', user: { assignedLicenses: [{ disabledPlans: [] }] }, why: 'an entry of its assignedLicenses has no skuId ({"disabledPlans":[]})' },
    { name: 'a state without skuId', user: { assignedLicenses: [], licenseAssignmentStates: [7] }, why: 'an entry of its licenseAssignmentStates has no skuId (7)' },
  ])('unreadableLicenses: $name', ({ user, why }) => {
    expect(unreadableLicenses(user)).toBe(why);
  });

  it('userLicensesOf never throws: odd entries and values are left out', () => {
    const user = userLicensesOf({
      id: 7,
      usageLocation: 42,
      licenseAssignmentStates: [null, { disabledPlans: [] }, { skuId: EMS, disabledPlans: 'P1', assignedByGroup: 5, state: 3 }],
    });
    expect(user.id).toBeUndefined();
    expect(user.usageLocation).toBeNull();
    expect([...user.direct]).toEqual([[EMS, { disabledPlans: [] }]]);
    expect(userLicensesOf({ assignedLicenses: { skuId: E3 } }).direct.size).toBe(0);
  });
});

describe('tenantSkusOf', () => {
  it('keeps what the tool reads and drops values of the wrong type', () => {
    expect(
      tenantSkusOf({
        value: [
          { skuId: E3, skuPartNumber: 'ENTERPRISEPACK', appliesTo: 'User', capabilityStatus: 'Enabled', consumedUnits: 3, prepaidUnits: { enabled: 10, suspended: 0, warning: 1 }, servicePlans: [{ servicePlanId: 'p1', servicePlanName: 'SWAY', appliesTo: 'User' }] },
          { skuId: EMS, consumedUnits: '3', prepaidUnits: { enabled: 'ten' }, servicePlans: [null, { servicePlanName: 'X' }, { servicePlanId: 'p2' }], appliesTo: 1 },
          { skuId: 'x', servicePlans: 'none', prepaidUnits: 5 },
        ],
      }),
    ).toEqual([
      { skuId: E3, skuPartNumber: 'ENTERPRISEPACK', appliesTo: 'User', capabilityStatus: 'Enabled', consumedUnits: 3, prepaidUnits: { enabled: 10, suspended: 0, warning: 1 }, servicePlans: [{ servicePlanId: 'p1', servicePlanName: 'SWAY', appliesTo: 'User' }] },
      { skuId: EMS, skuPartNumber: EMS, prepaidUnits: {}, servicePlans: [{ servicePlanId: 'p2', servicePlanName: 'p2' }] },
      { skuId: 'x', skuPartNumber: 'x' },
    ]);
  });

  it.each([
    { name: 'text', body: '<html>', says: /a body that is not a list of SKUs \("<html>"\)/ },
    { name: 'no value', body: {}, says: /a body that is not a list of SKUs \(nothing\)/ },
    { name: 'value not a list', body: { value: 3 }, says: /not a list of SKUs \(3\)/ },
    { name: 'an entry without skuId', body: { value: [{ skuId: E3 }, { skuId: '' }] }, says: /an entry without a skuId \(entry 2: \{"skuId":""\}\)/ },
    { name: 'an entry that is not an object', body: { value: [null] }, says: /entry 1: null/ },
  ])('stops for $name', ({ body, says }) => {
    expect(() => tenantSkusOf(body)).toThrow(says);
  });

  it.each([
    { sku: { skuId: E3, skuPartNumber: 'E', consumedUnits: 1, prepaidUnits: { enabled: 2 } }, counted: true },
    { sku: { skuId: E3, skuPartNumber: 'E', prepaidUnits: { enabled: 2 } }, counted: false },
    { sku: { skuId: E3, skuPartNumber: 'E', consumedUnits: 1 }, counted: false },
  ])('seatsCounted %#', ({ sku, counted }) => {
    expect(seatsCounted(sku)).toBe(counted);
  });
});
