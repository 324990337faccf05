import { failed, graphErrors, ok, type Outcome } from './graph-errors.js';

/** The kinds of request the simulator serves under /v1.0, as counted in `stats.operations`. */
export type OperationKind = 'assignLicense' | 'patchUser' | 'getUser' | 'listUsers' | 'subscribedSkus' | 'batch';

/** A request target resolved to what it asks for. `key` is the user id or UPN, decoded. */
export type Route =
  | UserRoute<'assignLicense'>
  | UserRoute<'patchUser'>
  | UserRoute<'getUser'>
  | OtherRoute<'listUsers'>
  | OtherRoute<'subscribedSkus'>
  | OtherRoute<'batch'>;

interface UserRoute<K extends OperationKind> {
  readonly kind: K;
  readonly key: string;
  readonly query: URLSearchParams;
}

interface OtherRoute<K extends OperationKind> {
  readonly kind: K;
  readonly query: URLSearchParams;
}

const WRITES: ReadonlySet<OperationKind> = new Set(['assignLicense', 'patchUser']);

/** Writes are what the bucket throttles and what faults strike. */
export function isWrite(kind: OperationKind): boolean {
  return WRITES.has(kind);
}

/**
 * Resolves `method` and a target relative to the Graph root (`/users/x/assignLicense?...`, the `/v1.0`
 * already removed). Users are addressed as `/users/{key}` (one percent-encoded segment) or
 * `/users('{key}')` (OData key syntax, `''` for a quote); a key that starts with `$` only in the latter. Fixed segments match case-insensitively, as in Graph.
 */
export function parseRoute(method: string, target: string): Outcome<Route> {
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;

  if (/^\/users\(/i.test(path)) {
    const parsed = quotedKey(path.slice('/users('.length));
    if (parsed === undefined) return failed(graphErrors.segmentNotFound(safeDecode(path.slice(1)) ?? path.slice(1)));
    return userRoute(method, parsed.key, parsed.rest, query);
  }
  const segments = path.split('/').slice(1).map(safeDecode);
  if (segments.some((s) => s === undefined)) return failed(graphErrors.segmentNotFound(path));
  const [first = '', key, action, ...extra] = segments as string[];
  switch (first.toLowerCase()) {
    case 'users':
      if (key === undefined) return only(method, 'GET', { kind: 'listUsers', query });
      if (extra.length > 0) return failed(graphErrors.segmentNotFound(extra[0]));
      // Graph takes a `$` segment for a system one (`$count`, `$ref`...), never for a key: a UPN
      // that starts with `$` must use the `/users('$x')` form (Graph's known issues).
      if (key.startsWith('$')) return failed(graphErrors.dollarKey(key));
      return userRoute(method, key, action === undefined ? '' : `/${action}`, query);
    case 'subscribedskus':
      return key === undefined ? only(method, 'GET', { kind: 'subscribedSkus', query }) : failed(graphErrors.segmentNotFound(key));
    case '$batch':
      return key === undefined ? only(method, 'POST', { kind: 'batch', query }) : failed(graphErrors.segmentNotFound(key));
    default:
      return failed(graphErrors.segmentNotFound(first));
  }
}

function userRoute(method: string, key: string, rest: string, query: URLSearchParams): Outcome<Route> {
  if (rest === '' && method === 'GET') return ok({ kind: 'getUser', key, query });
  if (rest === '' && method === 'PATCH') return ok({ kind: 'patchUser', key, query });
  if (rest === '') return failed(graphErrors.methodNotAllowed());
  const action = rest.slice(1).toLowerCase();
  if (action !== 'assignlicense' && action !== 'microsoft.graph.assignlicense') return failed(graphErrors.segmentNotFound(rest.slice(1)));
  return only(method, 'POST', { kind: 'assignLicense', key, query });
}

function only(method: string, allowed: string, route: Route): Outcome<Route> {
  return method === allowed ? ok(route) : failed(graphErrors.methodNotAllowed());
}

/** `'o''brien%40x.com')/assignLicense` -> key `o'brien@x.com`, rest `/assignLicense`. */
function quotedKey(encoded: string): { key: string; rest: string } | undefined {
  const text = safeDecode(encoded);
  if (text === undefined || text[0] !== "'") return undefined;
  let key = '';
  for (let i = 1; i < text.length; i += 1) {
    if (text[i] !== "'") {
      key += text[i];
    } else if (text[i + 1] === "'") {
      key += "'";
      i += 1;
    } else {
      return text[i + 1] === ')' ? { key, rest: text.slice(i + 2) } : undefined;
    }
  }
  return undefined;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
