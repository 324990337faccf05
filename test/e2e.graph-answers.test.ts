import { afterEach, describe, expect, it } from 'vitest';
import { csv, readResults } from './helpers/cli.js';
import { editJson, startRewritingProxy, type Rewrite, type RewritingProxy } from './helpers/rewriting-proxy.js';
import { PLAN, SKU, testTenant, upn, userId } from './helpers/tenant.js';
import { startHarness, type OpenHarness } from './helpers/with-simulator.js';

/**
 * What Graph (or a proxy, or a stand-in) may send (issue 12 item 6): answers of another shape than
 * the simulator's, injected by a proxy between the CLI and the simulator. Each must end as a clear
 * row failure or a clear run error (exit 2), never an internal error (exit 70).
 */
let harness: OpenHarness | undefined;
let proxy: RewritingProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await harness?.close();
  proxy = undefined;
  harness = undefined;
});

/** 1,200 users without licenses (two pages of users), and two with. */
async function start(rewrite: Rewrite, users = 1200): Promise<OpenHarness> {
  harness = await startHarness({
    tenant: testTenant({
      users,
      extraUsers: [
        { id: userId(5001), userPrincipalName: 'ann@contoso.example', usageLocation: 'US', assignedLicenses: [{ skuId: SKU.E3, disabledPlans: [PLAN.TEAMS1, PLAN.SWAY] }] },
        { id: userId(5002), userPrincipalName: 'bob@contoso.example', usageLocation: 'US', assignedLicenses: [{ skuId: SKU.EMS }] },
      ],
    }),
  });
  proxy = await startRewritingProxy(harness.url, rewrite);
  return harness;
}

const cli = (args: string[]) => harness!.cli([...args, '--graph-url', proxy!.url, ...(args[0] === 'run' ? ['--max-rate', 'off'] : [])]);

/** Rewrites the bodies of the user listing's pages (GET /v1.0/users?$select=...&$top=...). */
const onListPages =
  (edit: (page: any) => unknown): Rewrite =>
  ({ method, path, status, body }) =>
    method === 'GET' && /^\/v1\.0\/users\?.*\$top=/.test(path) && status === 200 ? { body: editOrText(body, edit) } : undefined;

function editOrText(body: string, edit: (page: any) => unknown): string {
  const page = JSON.parse(body);
  const edited = edit(page);
  return typeof edited === 'string' ? edited : JSON.stringify(edited ?? page);
}

const EXPORTED = 'UserPrincipalName,SkuId,DisabledPlans,Action\nann@contoso.example,ENTERPRISEPACK,SWAY;TEAMS1,add\nbob@contoso.example,EMS,,add\n';

describe('export follows next links of any form Graph or a proxy may send', () => {
  it.each([
    { form: 'absolute, as Graph sends it', link: (url: URL) => url.href },
    { form: 'a path from the host (/v1.0/users?...)', link: (url: URL) => url.pathname + url.search },
    { form: 'a path relative to the root (/users?...)', link: (url: URL) => url.pathname.replace(/^\/v1\.0/, '') + url.search },
    { form: 'a relative path (users?...)', link: (url: URL) => url.pathname.replace(/^\/v1\.0\//, '') + url.search },
    { form: 'another host, as behind a gateway (the host is not followed)', link: (url: URL) => `https://graph.microsoft.com${url.pathname}${url.search}` },
  ])('$form', async ({ link }) => {
    const h = await start(
      onListPages((page) => {
        if (page['@odata.nextLink']) page['@odata.nextLink'] = link(new URL(page['@odata.nextLink']));
      }),
    );
    const result = await cli(['export']);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(EXPORTED);
    expect(h.sim.stats.operations.listUsers).toBe(2);
  });

  it.each([
    { what: 'words', link: 'not a link', says: /with an @odata\.nextLink that is not a URL \(it holds spaces or control characters\): "not a link"\. The listing stopped/ },
    { what: 'a number', link: 7, says: /with an @odata\.nextLink that is not text: 7\./ },
    { what: 'another scheme', link: 'ftp://graph.microsoft.com/v1.0/users?$skiptoken=X', says: /is not an http\(s\) URL \(ftp\)/ },
    { what: 'the beta API', link: 'https://graph.microsoft.com/beta/users?$skiptoken=X', says: /is not under the Graph root/ },
  ])('a garbage next link ($what): exit 2 with a clear message', async ({ link, says }) => {
    const h = await start(
      onListPages((page) => {
        if (page['@odata.nextLink']) page['@odata.nextLink'] = link;
      }),
    );
    const result = await cli(['export']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/license-batch: error: Microsoft Graph answered GET \/users\?\$select=id,userPrincipalName,assignedLicenses,licenseAssignmentStates&\$top=999 with an @odata\.nextLink that/);
    expect(result.stderr).toMatch(says);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(h.sim.stats.operations.listUsers).toBe(1);
  });

  it('a next link back to the same page: exit 2 instead of a loop', async () => {
    await start(
      onListPages((page) => {
        page['@odata.nextLink'] = page['@odata.nextLink'] ?? 'x';
        const url = new URL(page['@odata.nextLink']);
        url.searchParams.delete('$skiptoken');
        page['@odata.nextLink'] = `${url.origin}${url.pathname}?${decodeURIComponent(url.searchParams.toString())}`;
      }),
    );
    const result = await cli(['export']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/leads back to the page it came with/);
  });

  it.each([
    { what: 'a page without value', edit: () => ({ '@odata.context': 'x' }), says: /with a page without a "value" list \(nothing\)/ },
    { what: 'an HTML page with a 200', edit: () => '<html><body>Sign in to continue</body></html>', says: /with a body that is not a page of results \("<html><body>Sign in to continue<\/body><\/html>"\)/ },
    { what: 'a null item', edit: (page: any) => ({ ...page, value: [null] }), says: /a page whose item 1 is not an object \(null\)/ },
    {
      what: 'users without assignedLicenses',
      edit: (page: any) => ({ ...page, value: page.value.map(({ assignedLicenses: _, ...user }: any) => user) }),
      says: /Microsoft Graph listed a user whose licenses cannot be read: it has no assignedLicenses list \(nothing\)\. The export stopped/,
    },
  ])('$what: exit 2 with a clear message', async ({ edit, says }) => {
    await start(onListPages(edit));
    const result = await cli(['export']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(says);
    expect(result.stderr).not.toMatch(/internal error/);
  });
});

/** Rewrites GET /v1.0/subscribedSkus. */
const onSkus =
  (edit: (body: any) => unknown): Rewrite =>
  ({ method, path, status, body }) =>
    method === 'GET' && path.startsWith('/v1.0/subscribedSkus') && status === 200 ? { body: editOrText(body, edit) } : undefined;

describe('subscribedSkus of another shape', () => {
  it('a SKU without prepaidUnits or consumedUnits: no seat check for it, the run goes on; skus says the seats are not counted', async () => {
    const h = await start(
      onSkus((body) => {
        for (const sku of body.value) if (sku.skuId === SKU.E3) delete sku.prepaidUnits, delete sku.consumedUnits;
      }),
      3,
    );
    const file = await h.dir.write('in.csv', csv([['upn', 'sku'], [upn(1), 'ENTERPRISEPACK'], [upn(2), 'Office 365 E3']]));
    const result = await cli(['run', file]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(h.sim.stats.operations.assignLicense).toBe(2);
    const skus = await cli(['skus']);
    expect(skus.code).toBe(0);
    expect(skus.stdout).toContain(`ENTERPRISEPACK  Office 365 E3  ${SKU.E3}  seats: not counted by Graph`);
  });

  it.each([
    { what: 'an HTML page with a 200', edit: () => '<html>proxy</html>', says: /answered GET \/subscribedSkus with a body that is not a list of SKUs \("<html>proxy<\/html>"\)/ },
    { what: 'no value', edit: () => ({}), says: /with a body that is not a list of SKUs \(nothing\)/ },
    { what: 'an entry without skuId', edit: (body: any) => ({ value: [...body.value, { skuPartNumber: 'MYSTERY' }] }), says: /an entry without a skuId \(entry 4: \{"skuPartNumber":"MYSTERY"\}\)/ },
  ])('$what: run, skus and export stop with exit 2 and say so', async ({ edit, says }) => {
    const h = await start(onSkus(edit), 3);
    const file = await h.dir.write('in.csv', csv([['upn', 'sku'], [upn(1), 'ENTERPRISEPACK']]));
    for (const args of [['run', file], ['skus'], ['export']]) {
      const result = await cli(args);
      expect(result.code, args[0]).toBe(2);
      expect(result.stderr, args[0]).toMatch(says);
      expect(result.stderr, args[0]).not.toMatch(/internal error/);
    }
    expect(h.sim.stats.operations.assignLicense).toBe(0);
  });
});

/** Rewrites the members of `$batch` answers that are user reads (bodies with `value`, or a single user). */
const onUserReads =
  (edit: (user: any) => unknown): Rewrite =>
  ({ method, path, status, body }) => {
    if (method !== 'POST' || !path.startsWith('/v1.0/$batch') || status !== 200) return undefined;
    return {
      body: editJson(body, (envelope) => {
        for (const member of envelope.responses) {
          if (member.status !== 200 || member.body === undefined || '@odata.context' in member.body === false) continue;
          if (Array.isArray(member.body.value)) member.body.value = member.body.value.map(edit);
          else if (member.body.assignedLicenses !== undefined) member.body = edit(member.body);
        }
      }),
    };
  };

describe("users' reads of another shape", () => {
  it('users read without assignedLicenses: their rows fail saying so, nothing is sent for them on a guess; exit 1', async () => {
    const h = await start(
      onUserReads(({ assignedLicenses: _, ...user }) => user),
      3,
    );
    const file = await h.dir.write('in.csv', csv([['upn', 'sku', 'action'], [upn(1), 'ENTERPRISEPACK', 'add'], ['ann@contoso.example', 'ENTERPRISEPACK', 'remove']]));
    const result = await cli(['run', file]);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(1);
    const rows = await readResults(h.dir.file('in.results.csv'));
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'failed', errorCode: 'UnexpectedAnswer', httpStatus: '200' });
      expect(row.message).toMatch(/could not read the user's licenses, so nothing was sent: Microsoft Graph answered HTTP 200 with a user that cannot be read: it has no assignedLicenses list/);
    }
    expect(h.sim.stats.operations.assignLicense).toBe(0);
    expect(result.stderr).toMatch(/Graph's answer could not be read: 2 rows/);
  });

  it('a filter read answered with HTML and a 200: the rows fail saying what came back', async () => {
    const h = await start(({ method, path, status, body }) => {
      if (method !== 'POST' || !path.startsWith('/v1.0/$batch') || status !== 200) return undefined;
      return {
        body: editJson(body, (envelope) => {
          for (const member of envelope.responses) if (Array.isArray(member.body?.value)) member.body = '<html>gateway</html>';
        }),
      };
    }, 3);
    const file = await h.dir.write('in.csv', csv([['upn', 'sku'], [upn(1), SKU.E3], [upn(2), SKU.E3]]));
    const result = await cli(['run', file]);
    expect(result.code).toBe(1);
    const rows = await readResults(h.dir.file('in.results.csv'));
    expect(rows.map((r) => r.errorCode)).toEqual(['UnexpectedAnswer', 'UnexpectedAnswer']);
    expect(rows[0]!.message).toMatch(/Microsoft Graph answered HTTP 200 with a body that is not a list of users \("<html>gateway<\/html>"\)/);
    expect(h.sim.stats.operations.assignLicense).toBe(0);
  });
});

describe('$batch answers of another shape', () => {
  it('members left out or answered under unknown ids are asked again (their fate is unknown); the run completes', async () => {
    let writeEnvelopes = 0;
    const h = await start(({ method, path, status, body }) => {
      if (method !== 'POST' || !path.startsWith('/v1.0/$batch') || status !== 200) return undefined;
      return {
        body: editJson(body, (envelope) => {
          // assignLicense answers with the user as an entity of the users set, a read with its selected properties.
          const writes = envelope.responses.some((member: any) => String(member.body?.['@odata.context']).endsWith('#users/$entity'));
          if (!writes) return;
          writeEnvelopes += 1;
          // The first envelope of writes loses every member; the second answers under ids nobody asked for.
          if (writeEnvelopes === 1) envelope.responses = [];
          if (writeEnvelopes === 2) envelope.responses = envelope.responses.map((m: any) => ({ ...m, id: `x${m.id}` }));
        }),
      };
    }, 6);
    const rows = [['upn', 'sku'], ...Array.from({ length: 6 }, (_, i) => [upn(i + 1), SKU.E3])];
    const file = await h.dir.write('in.csv', csv(rows));
    const result = await cli(['run', file, '--batch-size', '3']);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect((await readResults(h.dir.file('in.results.csv'))).map((r) => r.status)).toEqual(rows.slice(1).map(() => 'succeeded'));
    // Some members went twice: the ones whose answers went missing.
    expect(h.sim.stats.operations.assignLicense).toBeGreaterThan(6);
    for (let i = 1; i <= 6; i++) expect(h.sim.user(upn(i))!.directLicenses.map((l) => l.skuId)).toEqual([SKU.E3]);
  });
});
