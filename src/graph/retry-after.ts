/**
 * The longest wait a `Retry-After` can impose. Graph asks for seconds to minutes; a larger value
 * (or a date far ahead, from a skewed clock) is held to this rather than stalling a nightly job.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

/**
 * Milliseconds to wait from `now` for a `Retry-After` header: delay-seconds (`"2"`) or an HTTP-date
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`). A date already past means 0. Capped at
 * {@link MAX_RETRY_AFTER_MS}. `undefined` when the header is absent or neither form, so that the
 * caller falls back to its own backoff.
 */
export function parseRetryAfter(raw: string | undefined, now: number): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.min(MAX_RETRY_AFTER_MS, Math.round(Number(text) * 1000));
  // Only a date with letters in it: Date.parse would also read "-1" or "1.5e3" as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}
