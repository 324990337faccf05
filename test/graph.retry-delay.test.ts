import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../src/graph/retry-after.js';
import { decideRetry, THROTTLE_STALL_MS, type Attempt } from '../src/graph/retry-delay.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const half = () => 0.5;

function decide(attempt: Attempt, attemptCount = 1, options: { maxRetries?: number; random?: () => number } = {}) {
  return decideRetry({ attempt, attemptCount, maxRetries: options.maxRetries ?? 6, now: NOW, random: options.random ?? half });
}

describe('decideRetry: which answers are retried', () => {
  it.each([
    { attempt: { kind: 'response', status: 429 }, retry: true, pauseAll: true },
    { attempt: { kind: 'response', status: 429, retryAfter: '3' }, retry: true, pauseAll: true },
    { attempt: { kind: 'response', status: 503 }, retry: true, pauseAll: false },
    { attempt: { kind: 'response', status: 503, retryAfter: '3' }, retry: true, pauseAll: true },
    { attempt: { kind: 'response', status: 503, retryAfter: 'soon' }, retry: true, pauseAll: false },
    { attempt: { kind: 'response', status: 504 }, retry: true, pauseAll: false },
    { attempt: { kind: 'response', status: 504, retryAfter: '3' }, retry: true, pauseAll: false },
    { attempt: { kind: 'response', status: 500 }, retry: true, pauseAll: false },
    { attempt: { kind: 'response', status: 502 }, retry: true, pauseAll: false },
    { attempt: { kind: 'response', status: 599 }, retry: true, pauseAll: false },
    { attempt: { kind: 'response', status: 400, errorCode: 'Directory_ConcurrencyViolation' }, retry: true, pauseAll: false },
    { attempt: { kind: 'response', status: 409, errorCode: 'Directory_ConcurrencyViolation' }, retry: true, pauseAll: false },
    { attempt: { kind: 'network', code: 'ECONNRESET' }, retry: true, pauseAll: false },
    { attempt: { kind: 'network', code: 'ETIMEDOUT' }, retry: true, pauseAll: false },
    { attempt: { kind: 'network', code: 'ECONNREFUSED' }, retry: true, pauseAll: false },
    { attempt: { kind: 'network', code: 'EPIPE' }, retry: true, pauseAll: false },
    { attempt: { kind: 'network', code: 'EAI_AGAIN' }, retry: true, pauseAll: false },
    { attempt: { kind: 'network', code: 'ERR_READING_RESPONSE_STREAM' }, retry: true, pauseAll: false },
    { attempt: { kind: 'network', code: 'BATCH_MEMBER_MISSING' }, retry: true, pauseAll: false },
    { attempt: { kind: 'network', code: 'CERT_HAS_EXPIRED' }, retry: false },
    { attempt: { kind: 'network', code: 'ERR_GOT_REQUEST_ERROR' }, retry: false },
    { attempt: { kind: 'response', status: 200 }, retry: false },
    { attempt: { kind: 'response', status: 204 }, retry: false },
    { attempt: { kind: 'response', status: 302 }, retry: false },
    { attempt: { kind: 'response', status: 400, errorCode: 'Request_BadRequest' }, retry: false },
    { attempt: { kind: 'response', status: 401 }, retry: false },
    { attempt: { kind: 'response', status: 403, errorCode: 'Authorization_RequestDenied' }, retry: false },
    { attempt: { kind: 'response', status: 404, errorCode: 'Request_ResourceNotFound' }, retry: false },
    { attempt: { kind: 'response', status: 408 }, retry: false },
    { attempt: { kind: 'response', status: 409 }, retry: false },
    { attempt: { kind: 'response', status: 400, retryAfter: '1' }, retry: false },
  ] as const)('$attempt -> retry $retry', ({ attempt, retry, ...rest }) => {
    const decision = decide(attempt);
    expect(decision.retry).toBe(retry);
    if (decision.retry) expect(decision.pauseAll).toBe((rest as { pauseAll: boolean }).pauseAll);
  });
});

describe('decideRetry: how long to wait', () => {
  it.each([
    { name: 'Retry-After seconds', retryAfter: '7', delayMs: 7000 },
    { name: 'Retry-After 0', retryAfter: '0', delayMs: 0 },
    { name: 'Retry-After HTTP-date 90 s ahead', retryAfter: new Date(NOW + 90_000).toUTCString(), delayMs: 90_000 },
    { name: 'Retry-After HTTP-date in the past', retryAfter: new Date(NOW - 5000).toUTCString(), delayMs: 0 },
    { name: 'Retry-After capped at 10 minutes', retryAfter: '86400', delayMs: MAX_RETRY_AFTER_MS },
  ])('$name', ({ retryAfter, delayMs }) => {
    // A late attempt, to show that the server's word wins over the backoff.
    expect(decide({ kind: 'response', status: 429, retryAfter }, 5)).toEqual({ retry: true, delayMs, pauseAll: true });
  });

  it.each([
    { attemptCount: 1, ceiling: 1000 },
    { attemptCount: 2, ceiling: 2000 },
    { attemptCount: 3, ceiling: 4000 },
    { attemptCount: 6, ceiling: 32_000 },
    { attemptCount: 7, ceiling: 60_000 },
    { attemptCount: 30, ceiling: 60_000 },
  ])('backoff after attempt $attemptCount: full jitter in [0, $ceiling)', ({ attemptCount, ceiling }) => {
    const at = (random: number) => decide({ kind: 'network', code: 'ECONNRESET' }, attemptCount, { maxRetries: 100, random: () => random });
    expect(at(0)).toEqual({ retry: true, delayMs: 0, pauseAll: false });
    expect(at(0.5)).toEqual({ retry: true, delayMs: ceiling / 2, pauseAll: false });
    expect(at(0.999_999)).toEqual({ retry: true, delayMs: Math.floor(ceiling * 0.999_999), pauseAll: false });
  });

  it('a 429 without Retry-After pauses everyone for the backoff of its 429s in a row', () => {
    const decision = decideRetry({ attempt: { kind: 'response', status: 429 }, attemptCount: 1, maxRetries: 6, now: NOW, random: half, throttledCount: 3 });
    expect(decision).toEqual({ retry: true, delayMs: 2000, pauseAll: true });
  });

  it('an unreadable Retry-After falls back to the backoff', () => {
    expect(decide({ kind: 'response', status: 503, retryAfter: 'later' }, 2)).toEqual({ retry: true, delayMs: 1000, pauseAll: false });
  });
});

describe('decideRetry: the maxRetries boundary', () => {
  it.each([
    { maxRetries: 6, attemptCount: 6, retry: true },
    { maxRetries: 6, attemptCount: 7, retry: false },
    { maxRetries: 0, attemptCount: 1, retry: false },
    { maxRetries: 1, attemptCount: 1, retry: true },
    { maxRetries: 1, attemptCount: 2, retry: false },
  ])('maxRetries $maxRetries, attempt $attemptCount -> retry $retry', ({ maxRetries, attemptCount, retry }) => {
    expect(decide({ kind: 'response', status: 503 }, attemptCount, { maxRetries }).retry).toBe(retry);
  });
});

describe('decideRetry: a 429 is "later", not "no" (SPEC §3)', () => {
  const throttled: Attempt = { kind: 'response', status: 429, retryAfter: '1' };
  it.each([
    { name: 'no retries allowed, the run accepted a request just now', maxRetries: 0, throttledCount: 1, sinceAcceptedMs: 0, retry: true },
    { name: 'the 50th 429 in a row, the run accepted a request a minute ago', maxRetries: 2, throttledCount: 50, sinceAcceptedMs: 60_000, retry: true },
    { name: 'nothing accepted for just under 10 minutes', maxRetries: 2, throttledCount: 3, sinceAcceptedMs: THROTTLE_STALL_MS - 1, retry: true },
    { name: 'nothing accepted for 10 minutes', maxRetries: 6, throttledCount: 1, sinceAcceptedMs: THROTTLE_STALL_MS, retry: false },
  ])('$name -> retry $retry', ({ maxRetries, throttledCount, sinceAcceptedMs, retry }) => {
    const decision = decideRetry({ attempt: throttled, attemptCount: 0, maxRetries, now: NOW, random: half, throttledCount, sinceAcceptedMs });
    expect(decision.retry).toBe(retry);
  });

  it('a 503 still counts against maxRetries, with or without Retry-After', () => {
    expect(decide({ kind: 'response', status: 503, retryAfter: '1' }, 3, { maxRetries: 2 }).retry).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    { raw: undefined, ms: undefined },
    { raw: '', ms: undefined },
    { raw: '   ', ms: undefined },
    { raw: '1', ms: 1000 },
    { raw: ' 30 ', ms: 30_000 },
    { raw: '1.5', ms: 1500 },
    { raw: '600', ms: 600_000 },
    { raw: '601', ms: MAX_RETRY_AFTER_MS },
    { raw: '-1', ms: undefined },
    { raw: '1e3', ms: undefined },
    { raw: 'soon', ms: undefined },
    { raw: 'Wed, 01 Jan 2025 12:00:30 GMT', ms: 30_000 },
    { raw: 'Wednesday, 01-Jan-25 12:01:00 GMT', ms: 60_000 },
    { raw: 'Wed, 01 Jan 2025 11:59:00 GMT', ms: 0 },
    { raw: 'Thu, 02 Jan 2025 12:00:00 GMT', ms: MAX_RETRY_AFTER_MS },
  ])('$raw -> $ms', ({ raw, ms }) => {
    expect(parseRetryAfter(raw, NOW)).toBe(ms);
  });
});
