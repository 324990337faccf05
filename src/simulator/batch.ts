import { failed, graphErrors, ok, type GraphFailure, type Outcome } from './graph-errors.js';
import { parseRoute, type Route } from './routes.js';

/** Graph's limit on members in one `$batch`. */
export const MAX_BATCH_MEMBERS = 20;

/** One request inside a `$batch` envelope, with its target already resolved (or the error it earns). */
export interface BatchMember {
  readonly id: string;
  readonly route: Outcome<Exclude<Route, { kind: 'batch' }>>;
  readonly body: unknown;
  readonly dependsOn: readonly string[];
  /** The member's own `client-request-id` header, if it sent one. */
  readonly clientRequestId: string | undefined;
}

const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * Reads a JSON `$batch` body. Problems with the envelope itself (not an object, more than 20
 * members, duplicate ids, a write without body or Content-Type, `dependsOn` naming no earlier
 * member) fail the whole envelope with a 400, as Graph does; a member's bad URL is that member's
 * own error. Members run in the order given, so `dependsOn` may only name earlier members.
 */
export function parseBatch(body: unknown): Outcome<BatchMember[]> {
  const requests = isRecord(body) ? body.requests : undefined;
  if (!Array.isArray(requests) || requests.length === 0) return failed(invalid('Invalid batch payload format.'));
  if (requests.length > MAX_BATCH_MEMBERS) {
    return failed(invalid(`Batch request contains ${requests.length} requests; the maximum is ${MAX_BATCH_MEMBERS}.`));
  }
  const members: BatchMember[] = [];
  const ids = new Set<string>();
  for (const request of requests as unknown[]) {
    if (!isRecord(request) || typeof request.id !== 'string' || request.id === '') return failed(invalid('Invalid batch payload format: every request needs a string id.'));
    const id = request.id;
    if (ids.has(id)) return failed(invalid(`Batch request contains duplicate id '${id}'.`));
    const method = typeof request.method === 'string' ? request.method.toUpperCase() : '';
    if (!METHODS.has(method)) return failed(invalid(`Invalid method for request id : ${id}.`));
    if (typeof request.url !== 'string') return failed(invalid(`Invalid url for request id : ${id}.`));
    const headers = isRecord(request.headers) ? request.headers : {};
    const header = (name: string) => {
      const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
      return found === undefined ? undefined : String(headers[found]);
    };
    if ((method === 'POST' || method === 'PATCH' || method === 'PUT') && (request.body === undefined || header('content-type') === undefined)) {
      return failed(invalid(`Write request id : ${id} does not contain Content-Type header or body.`));
    }
    const dependsOn = Array.isArray(request.dependsOn) ? request.dependsOn.map(String) : [];
    const unknown = dependsOn.find((d) => !ids.has(d));
    if (unknown !== undefined) return failed(invalid(`Request id : ${id} depends on '${unknown}', which is not an earlier request of this batch.`));
    ids.add(id);
    members.push({ id, route: memberRoute(method, request.url), body: request.body, dependsOn, clientRequestId: header('client-request-id') });
  }
  return ok(members);
}

function memberRoute(method: string, url: string): Outcome<Exclude<Route, { kind: 'batch' }>> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return failed(invalid(`Invalid request URL '${url}': $batch members take URLs relative to the version root.`));
  const route = parseRoute(method, url.startsWith('/') ? url : `/${url}`);
  if (!route.ok) return route;
  if (route.value.kind === 'batch') return failed(invalid('A $batch request cannot contain another $batch request.'));
  return ok(route.value);
}

function invalid(message: string): GraphFailure {
  return graphErrors.invalidBatch(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
