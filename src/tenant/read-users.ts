import type { Exchange, GraphRequest } from '../graph/graph-client.js';
import type { SendResult } from '../graph/send-with-retry.js';
import { userPath } from '../graph/user-path.js';
import { asGuid } from '../input/values.js';
import { LICENSE_PROPERTIES, unreadableLicenses, userLicensesOf, type UserLicenses } from './user-licenses.js';

/** What reading one user gave: the user's licenses, "no such user", or a read that failed. */
export type UserRead =
  | { readonly kind: 'found'; readonly user: UserLicenses }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'failed'; readonly final: Exchange; readonly interrupted: boolean };

/** Graph's limit on the values of one `$filter=... in (...)`. */
export const MAX_FILTER_VALUES = 15;

const SELECT = `$select=${LICENSE_PROPERTIES.join(',')}`;

interface Waiting {
  readonly key: string;
  readonly resolve: (read: UserRead) => void;
}

/**
 * Reads users' licenses in bulk (SPEC §2 step 2): keys asked for in the same turn of the event loop
 * travel together, up to 15 in one `GET /users?$filter=id in (...)` (or `userPrincipalName in (...)`),
 * and the sender carries those requests as `$batch` members. A filter that Graph refuses is asked
 * again key by key, so that one odd key does not cost its neighbours their read.
 */
export class UserReader {
  readonly #send: (request: GraphRequest) => Promise<SendResult>;
  #byId: Waiting[] = [];
  #byUpn: Waiting[] = [];
  #scheduled = false;

  constructor(send: (request: GraphRequest) => Promise<SendResult>) {
    this.#send = send;
  }

  /** The licenses of the user `key` names (a UPN or an object id). */
  read(key: string): Promise<UserRead> {
    return new Promise((resolve) => {
      (asGuid(key) !== undefined ? this.#byId : this.#byUpn).push({ key, resolve });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const byId = this.#byId;
    const byUpn = this.#byUpn;
    this.#byId = [];
    this.#byUpn = [];
    for (let i = 0; i < byId.length; i += MAX_FILTER_VALUES) void this.#readMany('id', byId.slice(i, i + MAX_FILTER_VALUES));
    for (let i = 0; i < byUpn.length; i += MAX_FILTER_VALUES) void this.#readMany('userPrincipalName', byUpn.slice(i, i + MAX_FILTER_VALUES));
  }

  async #readMany(property: 'id' | 'userPrincipalName', waiting: readonly Waiting[]): Promise<void> {
    if (waiting.length === 1) return this.#readOne(waiting[0]!);
    const keys = [...new Set(waiting.map((w) => w.key.toLowerCase()))];
    const result = await this.#send({ method: 'GET', path: filterPath(property, keys) });
    const final = result.final;
    if (final.kind !== 'response' || final.status !== 200) {
      if (result.interrupted || (final.kind === 'response' && (final.status === 401 || final.status === 403))) {
        for (const w of waiting) w.resolve({ kind: 'failed', final, interrupted: result.interrupted });
        return;
      }
      await Promise.all(waiting.map((w) => this.#readOne(w)));
      return;
    }
    const values = (final.body as { value?: unknown } | undefined)?.value;
    const why = !Array.isArray(values) ? `a body that is not a list of users (${describeBody(final.body)})` : values.map(unreadableLicenses).find((w) => w !== undefined);
    if (why !== undefined) {
      const unreadable = unexpectedAnswer(final, why);
      for (const w of waiting) w.resolve({ kind: 'failed', final: unreadable, interrupted: false });
      return;
    }
    const found = new Map<string, UserLicenses>();
    for (const value of values as unknown[]) {
      const user = userLicensesOf(value);
      const key = property === 'id' ? user.id : user.userPrincipalName?.toLowerCase();
      if (key !== undefined) found.set(key, user);
    }
    for (const w of waiting) {
      const user = found.get(w.key.toLowerCase());
      w.resolve(user ? { kind: 'found', user } : { kind: 'not-found' });
    }
  }

  async #readOne(waiting: Waiting): Promise<void> {
    const result = await this.#send({ method: 'GET', path: `${userPath(waiting.key)}?${SELECT}` });
    const final = result.final;
    if (final.kind === 'response' && final.status === 200) {
      const why = unreadableLicenses(final.body);
      waiting.resolve(why === undefined ? { kind: 'found', user: userLicensesOf(final.body) } : { kind: 'failed', final: unexpectedAnswer(final, why), interrupted: false });
    }
    else if (final.kind === 'response' && final.status === 404) waiting.resolve({ kind: 'not-found' });
    else waiting.resolve({ kind: 'failed', final, interrupted: result.interrupted });
  }
}

/**
 * A 200 whose body is not what was asked for (a proxy's page, a user without its licenses), as a
 * failed read that says so: the rows of those users fail with that message, and nothing is sent
 * for them on a guess.
 */
function unexpectedAnswer(final: Exchange & { kind: 'response' }, why: string): Exchange {
  return { ...final, errorCode: UNEXPECTED_ANSWER, errorMessage: `Microsoft Graph answered HTTP ${final.status} with ${why.startsWith('a body') ? why : `a user that cannot be read: ${why}`}` };
}

/** The error code of a row whose user's read came back in a shape the tool cannot read. */
export const UNEXPECTED_ANSWER = 'UnexpectedAnswer';

function describeBody(body: unknown): string {
  if (body === undefined) return 'nothing';
  const text = typeof body === 'string' ? JSON.stringify(body.trim().split(/\r?\n/, 1)[0]) : (JSON.stringify(body) ?? String(body));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** `/users?$filter=id in ('a','b')&$select=...`, string literals OData-escaped, the filter percent-encoded. */
export function filterPath(property: 'id' | 'userPrincipalName', keys: readonly string[]): string {
  const literals = keys.map((key) => `'${key.replaceAll("'", "''")}'`).join(',');
  return `/users?$filter=${encodeURIComponent(`${property} in (${literals})`)}&${SELECT}`;
}
