import type { ResolvedRow } from '../../src/model.js';

export const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
export const EMS = 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e';

/** A resolved row with sensible defaults, for tests of the pure core. */
export function resolvedRow(row: number, user: string, overrides: Partial<ResolvedRow> = {}): ResolvedRow {
  const skuId = overrides.skuId ?? E3;
  return {
    row,
    line: row + 1,
    user,
    userKey: user.toLowerCase(),
    action: 'add',
    sku: { kind: 'id', id: skuId },
    skuId,
    skuLabel: skuId === E3 ? 'ENTERPRISEPACK' : skuId === EMS ? 'EMS' : skuId,
    disabledPlans: [],
    ...overrides,
  };
}
