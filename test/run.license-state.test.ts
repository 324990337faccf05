import { describe, expect, it } from 'vitest';
import { licenseStateOf, rowIsInPlace } from '../src/run/license-state.js';
import { E3, EMS, resolvedRow } from './helpers/rows.js';

const GROUP = '11111111-2222-3333-4444-555555555555';

describe('licenseStateOf', () => {
  it('tells direct from group-inherited licenses by licenseAssignmentStates', () => {
    const state = licenseStateOf({
      usageLocation: 'US',
      assignedLicenses: [{ skuId: E3, disabledPlans: [] }, { skuId: EMS, disabledPlans: [] }],
      licenseAssignmentStates: [
        { skuId: E3.toUpperCase(), disabledPlans: ['P1'], assignedByGroup: null },
        { skuId: EMS, disabledPlans: [], assignedByGroup: GROUP },
      ],
    });
    expect(state.usageLocation).toBe('US');
    expect([...state.direct]).toEqual([[E3, ['p1']]]);
    expect([...state.inherited]).toEqual([EMS]);
  });

  it('falls back to assignedLicenses as direct when states are missing', () => {
    const state = licenseStateOf({ assignedLicenses: [{ skuId: E3 }] });
    expect([...state.direct.keys()]).toEqual([E3]);
    expect(state.usageLocation).toBeNull();
  });
});

describe('rowIsInPlace', () => {
  const state = licenseStateOf({
    licenseAssignmentStates: [
      { skuId: E3, disabledPlans: ['p1', 'p2'], assignedByGroup: null },
      { skuId: EMS, disabledPlans: [], assignedByGroup: GROUP },
    ],
  });
  it.each([
    { name: 'add with the same plans off', row: resolvedRow(1, 'a@x', { disabledPlans: ['p2', 'p1'] }), want: true },
    { name: 'add with other plans off', row: resolvedRow(1, 'a@x', { disabledPlans: ['p1'] }), want: false },
    { name: 'add of a SKU held only through a group', row: resolvedRow(1, 'a@x', { skuId: EMS }), want: false },
    { name: 'remove of a SKU held directly', row: resolvedRow(1, 'a@x', { action: 'remove' }), want: false },
    { name: 'remove of a SKU not held directly', row: resolvedRow(1, 'a@x', { action: 'remove', skuId: EMS }), want: true },
  ])('$name', ({ row, want }) => {
    expect(rowIsInPlace(row, state)).toBe(want);
  });
});
