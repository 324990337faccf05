import type { GraphRequest } from '../graph/graph-client.js';
import { readPage } from '../graph/next-link.js';
import type { SendResult } from '../graph/send-with-retry.js';
import { readFailure } from './read-failure.js';

/** Graph's largest page of users. */
const PAGE_SIZE = 999;

/**
 * Every user of the tenant with the properties named in `select`, page by page, following
 * `@odata.nextLink` (absolute, or a path relative to the root): memory holds one page, not the
 * tenant. A page that cannot be read, or a next link that leads nowhere, stops the listing with an
 * error, since a partial export would look complete.
 */
export async function* listUsers(
  select: readonly string[],
  send: (request: GraphRequest) => Promise<SendResult>,
): AsyncGenerator<Record<string, unknown>> {
  let path: string | undefined = `/users?$select=${select.join(',')}&$top=${PAGE_SIZE}`;
  while (path !== undefined) {
    const { final } = await send({ method: 'GET', path });
    if (final.kind !== 'response' || final.status !== 200) throw readFailure('list users (GET /users)', final, 'list');
    const page = readPage(final.body, path);
    yield* page.value;
    path = page.next;
  }
}
