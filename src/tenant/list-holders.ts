import { RunError } from '../errors.js';
import type { GraphRequest } from '../graph/graph-client.js';
import type { SendResult } from '../graph/send-with-retry.js';
import { listUsers } from './list-users.js';
import { LICENSE_PROPERTIES, unreadableLicenses, userLicensesOf, type UserLicenses } from './user-licenses.js';

/**
 * The users who hold a SKU, directly or through a group (SPEC §8):
 * `GET /users?$filter=assignedLicenses/any(x:x/skuId eq {id})&$select=...&$top=999`, page by page.
 * A standard filter on users in Graph (no `$count` or `ConsistencyLevel` needed). `label` names the
 * SKU in the error that stops the listing.
 * @throws {RunError} when a page cannot be read, or lists a user whose licenses cannot be read: a
 * holder taken for one without a direct assignment would be left out of the diff.
 */
export async function* listHolders(skuId: string, label: string, send: (request: GraphRequest) => Promise<SendResult>): AsyncGenerator<UserLicenses> {
  const scope = { filter: `assignedLicenses/any(x:x/skuId eq ${skuId})`, what: `list the holders of ${label}` };
  for await (const user of listUsers(LICENSE_PROPERTIES, send, scope)) {
    const unreadable = unreadableLicenses(user);
    if (unreadable !== undefined) throw new RunError('GRAPH_ANSWER', `Microsoft Graph listed a holder of ${label} whose licenses cannot be read: ${unreadable}. Sync stopped before any write.`);
    yield userLicensesOf(user);
  }
}
