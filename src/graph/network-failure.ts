/**
 * What a failed exchange without an HTTP response means, by its error code (Node's, or got's own);
 * the client also says when no connection was made at all (`unsent`), whatever the code.
 */

/**
 * Failures worth another try: timeouts, dropped and refused connections, DNS hiccups, a response
 * cut off mid-body. Anything else (a TLS certificate Graph should never present, a malformed
 * response) fails the same way every time and is final.
 */
const RETRYABLE = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EADDRINUSE',
  'ERR_READING_RESPONSE_STREAM',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_SOCKET',
  // A $batch answer that leaves a member out: its fate is unknown, as with a lost response.
  'BATCH_MEMBER_MISSING',
]);

/** Failures before a connection existed: the request cannot have reached Graph, let alone been applied. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH', 'EHOSTDOWN', 'EADDRINUSE']);

export function isRetryableNetworkCode(code: string): boolean {
  return RETRYABLE.has(code);
}

/**
 * Whether Graph may have received (and applied) a request whose answer never came. Unknown codes
 * count as "may have", because wrongly assuming "not applied" is the costly mistake.
 */
export function mayHaveReachedServer(code: string): boolean {
  return !NEVER_SENT.has(code);
}
