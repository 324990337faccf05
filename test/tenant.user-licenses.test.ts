import { describe, expect, it } from 'vitest';
import { filterPath } from '../src/tenant/read-users.js';
import { assignmentTrouble, userLicensesOf } from '../src/tenant/user-licenses.js';
import { addRefusal, freeSeats } from '../src/tenant/tenant-skus.js';
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
