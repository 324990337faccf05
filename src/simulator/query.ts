import { failed, graphErrors, ok, type GraphFailure, type Outcome } from './graph-errors.js';
import { isGuid } from './tenant-spec.js';
import { DEFAULT_SELECT, USER_PROPERTIES, type UserProperty } from './tenant.js';

/** The `$filter` forms the simulator understands on `/users`. */
export type UserFilter =
  | { readonly kind: 'keys'; readonly property: 'id' | 'userPrincipalName'; readonly values: readonly string[] }
  | { readonly kind: 'holdsSku'; readonly skuId: string };

/** Graph's limit on the values of one `in (...)`. */
export const MAX_FILTER_VALUES = 15;
export const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 999;

/** `$select=a,b`: property names case-insensitively, unknown ones refused as Graph does. */
export function parseSelect(value: string | null): Outcome<UserProperty[]> {
  if (value === null) return ok([...DEFAULT_SELECT]);
  const selected = new Set<UserProperty>();
  for (const name of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const property = USER_PROPERTIES.find((p) => p.toLowerCase() === name.toLowerCase());
    if (property === undefined) return failed(graphErrors.unknownProperty(name));
    selected.add(property);
  }
  return ok([...selected]);
}

/**
 * `$filter` on users: `id in ('a','b')`, `userPrincipalName in (...)`, the same with `eq 'x'`,
 * and `assignedLicenses/any(x:x/skuId eq <guid>)`. String literals use OData's `''` for a quote.
 */
export function parseFilter(filter: string): Outcome<UserFilter> {
  const any = /^\s*assignedLicenses\/any\(\s*(\w+)\s*:\s*(\w+)\/skuId\s+eq\s+([0-9a-fA-F-]{36})\s*\)\s*$/i.exec(filter);
  if (any !== null && any[1] === any[2] && isGuid(any[3])) return ok({ kind: 'holdsSku', skuId: any[3].toLowerCase() });

  const head = /^\s*(id|userPrincipalName)\s+(in|eq)\s*/i.exec(filter);
  if (head === null) return failed(graphErrors.unsupportedFilter(filter));
  const property = head[1].toLowerCase() === 'id' ? 'id' : 'userPrincipalName';
  const rest = filter.slice(head[0].length);
  const values = head[2].toLowerCase() === 'eq' ? stringList(rest, false) : stringList(rest, true);
  if (values === undefined || values.length === 0) return failed(graphErrors.unsupportedFilter(filter));
  if (values.length > MAX_FILTER_VALUES) return failed(graphErrors.tooManyFilterValues(values.length));
  return ok({ kind: 'keys', property, values });
}

/** `$top`: 1..999, Graph's bounds for users; outside them Graph answers `Request_UnsupportedQuery`. */
export function parsePageSize(value: string | null): Outcome<number> {
  if (value === null) return ok(DEFAULT_PAGE_SIZE);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) return failed(invalidPageSize(value));
  return ok(n);
}

/** `$skiptoken`: opaque to clients; here, the position of the next page. */
export function parseSkipToken(value: string | null): Outcome<number> {
  if (value === null) return ok(0);
  const match = /^o(\d+)$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
  return match === null ? failed(badSkipToken()) : ok(Number(match[1]));
}

export function skipToken(position: number): string {
  return Buffer.from(`o${position}`, 'utf8').toString('base64url');
}

/** Parses `('a','b')` (or, for `eq`, a single `'a'`), returning undefined when it is not exactly that. */
function stringList(text: string, parenthesised: boolean): string[] | undefined {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i += 1;
  };
  const literal = (): string | undefined => {
    if (text[i] !== "'") return undefined;
    let value = '';
    for (i += 1; i < text.length; i += 1) {
      if (text[i] !== "'") {
        value += text[i];
      } else if (text[i + 1] === "'") {
        value += "'";
        i += 1;
      } else {
        i += 1;
        return value;
      }
    }
    return undefined;
  };
  const values: string[] = [];
  if (parenthesised) {
    if (text[i] !== '(') return undefined;
    i += 1;
  }
  for (;;) {
    skipSpace();
    const value = literal();
    if (value === undefined) return undefined;
    values.push(value);
    skipSpace();
    if (!parenthesised) break;
    if (text[i] === ',') i += 1;
    else if (text[i] === ')') {
      i += 1;
      break;
    } else return undefined;
  }
  skipSpace();
  return i === text.length ? values : undefined;
}

function invalidPageSize(value: string): GraphFailure {
  return { status: 400, code: 'Request_UnsupportedQuery', message: `Invalid page size specified: '${value}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.` };
}

function badSkipToken(): GraphFailure {
  return { status: 400, code: 'Request_BadRequest', message: 'Invalid skip token.' };
}
