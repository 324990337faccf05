import { toExchange, type Exchange, type GraphRequest } from './graph-client.js';

/** Graph's limit on requests in one JSON `$batch`. */
export const MAX_BATCH_SIZE = 20;

/** The request that carries a batch: POST to `/$batch` with {@link toBatchBody}'s body. */
export function batchRequest(requests: readonly GraphRequest[]): GraphRequest {
  return { method: 'POST', path: '/$batch', body: toBatchBody(requests) };
}

/**
 * A JSON `$batch` body for up to 20 requests, with ids `"1"`, `"2"`, ... in order. Members are
 * independent (no `dependsOn`): each is judged on its own answer.
 */
export function toBatchBody(requests: readonly GraphRequest[]): { requests: unknown[] } {
  if (requests.length === 0 || requests.length > MAX_BATCH_SIZE) {
    throw new RangeError(`toBatchBody: expect 1 to ${MAX_BATCH_SIZE} requests, got ${requests.length}`);
  }
  return {
    requests: requests.map((request, index) => ({
      id: String(index + 1),
      method: request.method,
      url: request.path,
      ...(request.body === undefined
        ? request.headers === undefined
          ? {}
          : { headers: request.headers }
        : { headers: { ...request.headers, 'Content-Type': 'application/json' }, body: request.body }),
    })),
  };
}

/**
 * The members of a `$batch` answer as exchanges, in request order (Graph may answer them in any
 * order). Each keeps its own status and headers, so a member's `Retry-After` is read like any
 * response's. A member the answer does not mention becomes a `BATCH_MEMBER_MISSING` network exchange:
 * its fate is unknown, as if its response had been lost.
 */
export function fromBatchResponse(body: unknown, count: number): Exchange[] {
  const byId = new Map<string, Record<string, unknown>>();
  const responses = isRecord(body) && Array.isArray(body.responses) ? body.responses : [];
  for (const member of responses) {
    if (isRecord(member) && (typeof member.id === 'string' || typeof member.id === 'number')) byId.set(String(member.id), member);
  }
  return Array.from({ length: count }, (_, index): Exchange => {
    const member = byId.get(String(index + 1));
    if (member === undefined || typeof member.status !== 'number') {
      return { kind: 'network', code: 'BATCH_MEMBER_MISSING', message: `the $batch answer has no response for request ${index + 1}` };
    }
    return toExchange(member.status, memberHeaders(member.headers), member.body);
  });
}

function memberHeaders(headers: unknown): Record<string, string | undefined> {
  if (!isRecord(headers)) return {};
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) flat[name.toLowerCase()] = String(value);
  }
  return flat;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
