import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.js';
import { GROUP, SKU, testTenant, upn, userId } from './helpers/tenant.js';

/** The holders listing sync sends (SPEC §8), answered as Graph answers it. */
let sim: RunningSimulator;
beforeEach(async () => {
  const extraUsers = Array.from({ length: 30 }, (_, i) => ({
    id: userId(100 + i),
    userPrincipalName: upn(100 + i),
    usageLocation: 'US',
    ...(i % 3 === 0 ? { groupLicenses: [{ skuId: SKU.E3, groupId: GROUP }] } : { assignedLicenses: [{ skuId: SKU.E3 }] }),
  }));
  sim = await startSimulator({ tenant: testTenant({ users: 20, extraUsers }) });
});
afterEach(() => sim.close());

async function get(pathOrUrl: string): Promise<{ status: number; body: any }> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sim.url}/v1.0${pathOrUrl}`;
  const res = await fetch(url, { headers: { authorization: 'Bearer any-token' } });
  return { status: res.status, body: await res.json() };
}

const holdersQuery = (top: number | string, filter = `assignedLicenses/any(x:x/skuId eq ${SKU.E3})`) =>
  `/users?${new URLSearchParams({ $filter: filter, $select: 'id,userPrincipalName,assignedLicenses,licenseAssignmentStates,usageLocation', $top: String(top) })}`;

describe('holders of a SKU (assignedLicenses/any)', () => {
  it('pages with absolute @odata.nextLinks that keep the filter, and includes holders through a group with assignedByGroup', async () => {
    const seen: any[] = [];
    let next: string | undefined = holdersQuery(7);
    let pages = 0;
    while (next !== undefined) {
      const reply = await get(next);
      expect(reply.status).toBe(200);
      expect(reply.body.value.length).toBeLessThanOrEqual(7);
      seen.push(...reply.body.value);
      next = reply.body['@odata.nextLink'];
      if (next !== undefined) expect(next.startsWith(`${sim.url}/v1.0/users?`)).toBe(true);
      pages++;
    }
    expect(pages).toBe(5);
    expect(seen.map((u) => u.userPrincipalName)).toEqual(Array.from({ length: 30 }, (_, i) => upn(100 + i)));
    const inherited = seen.find((u) => u.userPrincipalName === upn(100));
    expect(inherited.licenseAssignmentStates).toEqual([expect.objectContaining({ skuId: SKU.E3, assignedByGroup: GROUP })]);
    expect(inherited.assignedLicenses).toEqual([expect.objectContaining({ skuId: SKU.E3 })]);
    const direct = seen.find((u) => u.userPrincipalName === upn(101));
    expect(direct.licenseAssignmentStates).toEqual([expect.objectContaining({ skuId: SKU.E3, assignedByGroup: null })]);
  });

  it.each([[1000], [0]])('refuses $top=%s as Graph does (1 to 999)', async (top) => {
    const reply = await get(holdersQuery(top));
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('Request_UnsupportedQuery');
  });

  it.each([`assignedLicenses/any(x:x/skuId ne ${SKU.E3})`, `assignedLicenses/all(x:x/skuId eq ${SKU.E3})`, `assignedLicenses/any(x:x/skuId eq 'not-a-guid')`])(
    'refuses the unsupported filter %s with Graph\'s 400',
    async (filter) => {
      const reply = await get(holdersQuery(999, filter));
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('Request_UnsupportedQuery');
    },
  );
});
