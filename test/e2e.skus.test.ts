import { describe, expect, it } from 'vitest';
import { GROUP, SKU, testTenant, userId } from './helpers/tenant.js';
import { withSimulator } from './helpers/with-simulator.js';

describe('skus', () => {
  it('lists each SKU with display name, part number, id, seats and plans', () => {
    const tenant = testTenant({
      users: 1,
      seats: 10,
      extraUsers: [{ id: userId(9), userPrincipalName: 'g@contoso.example', usageLocation: 'US', assignedLicenses: [{ skuId: SKU.E3 }], groupLicenses: [{ skuId: SKU.E3, groupId: GROUP }] }],
    });
    return withSimulator({ tenant }, async ({ cli, url }) => {
      const result = await cli(['skus', '--graph-url', url]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`ENTERPRISEPACK  Office 365 E3  ${SKU.E3}  seats: 1 used of 10, 9 free`);
      expect(result.stdout).toMatch(/plans: EXCHANGE_S_ENTERPRISE, SHAREPOINTENTERPRISE, SWAY, TEAMS1/);
      expect(result.stdout).toContain(`EXCHANGESTANDARD  Exchange Online (Plan 1)  ${SKU.EXCHANGESTANDARD}  seats: 0 used of 0, 0 free`);
    });
  });

  it('stops with exit 2 naming the permission when the token is refused', () =>
    withSimulator({ tenant: testTenant({ users: 1, auth: { tokens: { good: ['LicenseAssignment.ReadWrite.All'] } } }) }, async ({ cli, url }) => {
      const result = await cli(['skus', '--graph-url', url], { env: { GRAPH_ACCESS_TOKEN: 'bad-token-0042' } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('LicenseAssignment.ReadWrite.All');
    }));
});
