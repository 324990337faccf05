/**
 * An exact count of "requests sent during a Retry-After" needs to know what the client knew when it
 * sent. The built-in simulator stamps every answer that carries a `Retry-After` with a number that
 * grows by one each time; the client sends back, on every request, the highest stamp it had seen
 * when it let the request go. A request that carries the stamp of a window still open was sent by a
 * client that knew of the pause: that is a violation, whatever the machine's load. Graph sends no
 * stamp, so against Graph the echo stays `0` and means nothing.
 */

/** Response header: the stamp of this `Retry-After` window (a whole number from 1). */
export const RETRY_AFTER_STAMP_HEADER = 'x-simulator-retry-after-id';
/** Request header: the highest stamp the client had seen when it sent the request. */
export const RETRY_AFTER_SEEN_HEADER = 'x-license-batch-retry-after-seen';

/** The stamp an answer carries, when it carries one. */
export function stampOf(headers: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = headers[RETRY_AFTER_STAMP_HEADER];
  if (raw === undefined) return undefined;
  const stamp = Number(raw);
  return Number.isSafeInteger(stamp) && stamp > 0 ? stamp : undefined;
}
