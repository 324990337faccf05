import { isRetryableNetworkCode } from './network-failure.js';
import { parseRetryAfter } from './retry-after.js';

/** How one attempt ended, reduced to what the retry policy looks at. */
export type Attempt =
  | { kind: 'response'; status: number; errorCode?: string; /** The raw `Retry-After` header. */ retryAfter?: string }
  | { kind: 'network'; /** `ECONNRESET`, `ETIMEDOUT`, ... */ code: string };

/**
 * `retry: false` means the attempt's answer is final. `pauseAll` means the wait applies to the
 * whole run (Graph is throttling the app), not just this request.
 */
export type RetryDecision = { retry: false } | { retry: true; delayMs: number; pauseAll: boolean };

/** First backoff step, doubled on each further attempt. */
export const BACKOFF_BASE_MS = 1000;
/** Longest backoff step. */
export const BACKOFF_CAP_MS = 60_000;

/**
 * How long the run may go without any request accepted before a 429 is final (SPEC §3): a 429 is
 * "later", not "no", while the service still accepts the run's requests.
 */
export const THROTTLE_STALL_MS = 10 * 60 * 1000;

/**
 * Graph's error code for two writes to one directory object at once: the retry of a transient
 * conflict, whatever status it comes with.
 */
const CONCURRENCY_VIOLATION = 'Directory_ConcurrencyViolation';

/**
 * THE retry policy (SPEC §3), a pure function of one attempt's outcome: retry 429, 5xx,
 * `Directory_ConcurrencyViolation` and dropped or timed-out connections while `attemptCount`
 * (attempts made so far that count, this one included) is at most `maxRetries`; other answers are
 * final. A 429 does not count against `maxRetries` (the caller leaves it out of `attemptCount`): it
 * is retried for as long as the run has had a request accepted within {@link THROTTLE_STALL_MS}
 * (`sinceAcceptedMs`), and is final after that. The delay is the server's `Retry-After` when it
 * sends one, else exponential backoff with full jitter: `random() * min(60 s, 1 s * 2^(n - 1))`,
 * n being `attemptCount`, or for a 429 `throttledCount` (429s in a row for this request). A 429,
 * and a 503 that says when to come back, pause the whole run.
 */
export function decideRetry(input: {
  attempt: Attempt;
  attemptCount: number;
  maxRetries: number;
  now: number;
  random: () => number;
  /** 429s this request has had so far, this one included. @default 1 */
  throttledCount?: number;
  /** Milliseconds since the run last had a request accepted. @default 0 */
  sinceAcceptedMs?: number;
}): RetryDecision {
  const { attempt, attemptCount, maxRetries } = input;
  if (!isRetryable(attempt)) return { retry: false };
  const throttled = attempt.kind === 'response' && attempt.status === 429;
  if (throttled ? (input.sinceAcceptedMs ?? 0) >= THROTTLE_STALL_MS : attemptCount > maxRetries) return { retry: false };

  const retryAfterMs = attempt.kind === 'response' ? parseRetryAfter(attempt.retryAfter, input.now) : undefined;
  const step = throttled ? Math.max(1, input.throttledCount ?? 1) : attemptCount;
  const delayMs = retryAfterMs ?? Math.floor(input.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (step - 1)));
  const pauseAll = throttled || (attempt.kind === 'response' && attempt.status === 503 && retryAfterMs !== undefined);
  return { retry: true, delayMs, pauseAll };
}

/** A 429: the service's "later", which does not use up a request's retries. */
export function isThrottled(attempt: Attempt): boolean {
  return attempt.kind === 'response' && attempt.status === 429;
}

function isRetryable(attempt: Attempt): boolean {
  if (attempt.kind === 'network') return isRetryableNetworkCode(attempt.code);
  return attempt.status === 429 || (attempt.status >= 500 && attempt.status <= 599) || attempt.errorCode === CONCURRENCY_VIOLATION;
}
