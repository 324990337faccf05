import { describe, expect, it } from 'vitest';
import { batchRequest, fromBatchResponse, MAX_BATCH_SIZE, toBatchBody } from '../src/graph/batch.js';
import type { GraphRequest } from '../src/graph/graph-client.js';
import { decideRetry } from '../src/graph/retry-delay.js';

const assign = (user: string): GraphRequest => ({
  method: 'POST',
  path: `/users/${user}/assignLicense`,
  body: { addLicenses: [{ skuId: 's', disabledPlans: [] }], removeLicenses: [] },
});

describe('toBatchBody', () => {
  it('numbers the members in order, with JSON headers on writes only', () => {
    const read: GraphRequest = { method: 'GET', path: '/users/c?$select=id', headers: { ConsistencyLevel: 'eventual' } };
    expect(toBatchBody([assign('a'), { method: 'PATCH', path: '/users/b', body: { usageLocation: 'NL' } }, read])).toEqual({
      requests: [
        { id: '1', method: 'POST', url: '/users/a/assignLicense', headers: { 'Content-Type': 'application/json' }, body: assign('a').body },
        { id: '2', method: 'PATCH', url: '/users/b', headers: { 'Content-Type': 'application/json' }, body: { usageLocation: 'NL' } },
        { id: '3', method: 'GET', url: '/users/c?$select=id', headers: { ConsistencyLevel: 'eventual' } },
      ],
    });
  });

  it.each([0, MAX_BATCH_SIZE + 1])('refuses %i requests', (n) => {
    expect(() => toBatchBody(Array.from({ length: n }, (_, i) => assign(`u${i}`)))).toThrow(/expect 1 to 20 requests/);
  });

  it('batchRequest posts to /$batch', () => {
    expect(batchRequest([assign('a')])).toMatchObject({ method: 'POST', path: '/$batch', body: { requests: [{ id: '1' }] } });
  });
});

describe('fromBatchResponse', () => {
  it('returns the members in request order, each with its own status, headers and error', () => {
    const body = {
      responses: [
        { id: '3', status: 429, headers: { 'Retry-After': '7' }, body: { error: { code: 'TooManyRequests', message: 'Too many requests' } } },
        { id: '1', status: 200, headers: { 'Content-Type': 'application/json' }, body: { id: 'u1' } },
        {
          id: '2',
          status: 400,
          body: { error: { code: 'Request_BadRequest', message: 'Invalid SKU.', innerError: { 'request-id': 'member-2' } } },
        },
      ],
    };
    const [first, second, third] = fromBatchResponse(body, 3);
    expect(first).toEqual({ kind: 'response', status: 200, headers: { 'content-type': 'application/json' }, body: { id: 'u1' } });
    expect(second).toMatchObject({ kind: 'response', status: 400, errorCode: 'Request_BadRequest', errorMessage: 'Invalid SKU.', requestId: 'member-2' });
    expect(third).toMatchObject({ kind: 'response', status: 429, headers: { 'retry-after': '7' }, errorCode: 'TooManyRequests' });

    // A member's Retry-After is judged like any response's.
    const t = third as { status: number; headers: Record<string, string> };
    expect(decideRetry({ attempt: { kind: 'response', status: t.status, retryAfter: t.headers['retry-after']! }, attemptCount: 1, maxRetries: 6, now: 0, random: () => 0 })).toEqual({
      retry: true,
      delayMs: 7000,
      pauseAll: true,
    });
  });

  it('marks a member the answer leaves out as lost, and tolerates a body that is not a batch answer', () => {
    expect(fromBatchResponse({ responses: [{ id: '1', status: 204 }] }, 2)).toEqual([
      { kind: 'response', status: 204, headers: {}, body: undefined },
      { kind: 'network', code: 'BATCH_MEMBER_MISSING', message: expect.stringContaining('request 2') },
    ]);
    expect(fromBatchResponse('<html>', 1)).toMatchObject([{ kind: 'network', code: 'BATCH_MEMBER_MISSING' }]);
    expect(fromBatchResponse({ responses: [{ id: 1, status: 'x' }] }, 1)).toMatchObject([{ kind: 'network', code: 'BATCH_MEMBER_MISSING' }]);
  });
});
