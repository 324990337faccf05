import type { GraphRequest } from '../graph/graph-client.js';
import { readPage } from '../graph/next-link.js';
import type { SendResult } from '../graph/send-with-retry.js';
import { readFailure } from './read-failure.js';

/** Graph's largest page of users. */
const PAGE_SIZE = 999;

/** What to list beyond every user: a `$filter` (such as the holders of a SKU) and how a failure names it. */
export interface ListingScope {
  /** An OData `$filter` as Graph reads it, not yet percent-encoded. */
  readonly filter?: string;
  /** What the listing is, for the error that stops it: "list the holders of ENTERPRISEPACK". */
  readonly what?: string;
}

/**
 * Every user of the tenant (or those `scope.filter` keeps) with the properties named in `select`,
 * page by page, following `@odata.nextLink` (absolute, or a path relative to the root): memory holds
 * one page, not the tenant. A page that cannot be read, or a next link that leads nowhere, stops the
 * listing with an error, since a partial export would look complete and a partial holders list would
 * make sync add back licenses that are in place.
 */
export async function* listUsers(
  select: readonly string[],
  send: (request: GraphRequest) => Promise<SendResult>,
  scope: ListingScope = {},
): AsyncGenerator<Record<string, unknown>> {
  const filter = scope.filter === undefined ? '' : `$filter=${encodeURIComponent(scope.filter)}&`;
  let path: string | undefined = `/users?${filter}$select=${select.join(',')}&$top=${PAGE_SIZE}`;
  while (path !== undefined) {
    const { final } = await send({ method: 'GET', path });
    if (final.kind !== 'response' || final.status !== 200) throw readFailure(`${scope.what ?? 'list users'} (GET /users)`, final, 'list');
    const page = readPage(final.body, path);
    yield* page.value;
    path = page.next;
  }
}
