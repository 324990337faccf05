/**
 * Reading Graph's answers: the `{ error: { code, message, innerError } }` body of a failure, and the
 * `request-id` that support asks for. Pure and lenient: a body that is not Graph's shape (a proxy's
 * HTML page, an empty 503) yields what it can and never throws.
 */

/** Graph's `error.code` and `error.message`, when the body carries them. */
export interface GraphErrorInfo {
  code?: string;
  message?: string;
}

export function graphErrorOf(body: unknown): GraphErrorInfo {
  const error = errorObject(body);
  if (error === undefined) return typeof body === 'string' && isPlainText(body) ? { message: firstLine(body) } : {};
  const info: GraphErrorInfo = {};
  if (typeof error.code === 'string' && error.code !== '') info.code = error.code;
  if (typeof error.message === 'string' && error.message !== '') info.message = error.message;
  return info;
}

/** The `request-id` header, else the one Graph repeats in `error.innerError`. */
export function requestIdOf(headers: Readonly<Record<string, string | undefined>>, body: unknown): string | undefined {
  const header = headers['request-id'];
  if (header) return header;
  const inner = errorObject(body)?.innerError ?? errorObject(body)?.innererror;
  if (inner === null || typeof inner !== 'object') return undefined;
  const id = (inner as Record<string, unknown>)['request-id'];
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Body text parsed as JSON when it is JSON; kept as text otherwise; `undefined` when empty (a 204). */
export function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorObject(body: unknown): Record<string, unknown> | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const error = (body as Record<string, unknown>).error;
  return error !== null && typeof error === 'object' ? (error as Record<string, unknown>) : undefined;
}

/** A proxy's HTML error page says nothing an admin can act on; a line of plain text may. */
function isPlainText(text: string): boolean {
  const trimmed = text.trim();
  return trimmed !== '' && !trimmed.startsWith('<');
}

/** A non-JSON error page can be long HTML; one line of it, shortened, is enough for a message. */
function firstLine(text: string): string {
  const line = text.trim().split(/\r?\n/, 1)[0]!;
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
