import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { RequestError, TimeoutError } from 'got';
import { packageVersion } from '../version.js';
import { graphErrorOf, parseBody, requestIdOf } from './graph-error.js';
import type { TokenProvider } from './token-provider.js';

export type { TokenProvider } from './token-provider.js';

/** One Graph call, relative to the root (which carries `/v1.0`). */
export interface GraphRequest {
  method: 'GET' | 'POST' | 'PATCH';
  /** Appended to the root as is, so already encoded: `/users/a%40b.com/assignLicense`, `/subscribedSkus?$select=skuId`. */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Extra request headers (e.g. `ConsistencyLevel`); never `Authorization`, which the client sets. */
  headers?: Record<string, string>;
}

/**
 * How one attempt ended: an HTTP answer of any status, or no answer at all. Failures are data here,
 * never exceptions, so that the retry policy sees them all.
 */
export type Exchange =
  | {
      kind: 'response';
      status: number;
      /** Lower-case names; repeated headers joined with `, `. */
      headers: Record<string, string | undefined>;
      /** Parsed JSON; the text when it is not JSON; `undefined` when empty (a 204). */
      body: unknown;
      requestId?: string;
      /** Graph's `error.code`, on a 4xx or 5xx. */
      errorCode?: string;
      errorMessage?: string;
    }
  | {
      kind: 'network';
      /** Node's code: `ECONNRESET`, `ETIMEDOUT`, ... */
      code: string;
      message: string;
      /** No connection was made for it: Graph cannot have received, let alone applied, the request. */
      unsent?: true;
    };

/** The one interface through which the run talks HTTP (STYLE 7); tests script it, or serve it for real. */
export interface GraphTransport {
  send(request: GraphRequest): Promise<Exchange>;
  /**
   * Present when the token can be renewed: gets a fresh token after a 401, and says whether it did.
   * Concurrent calls share one renewal.
   */
  renewToken?(): Promise<boolean>;
}

export interface GraphClientOptions {
  /** From `resolveGraphRoot`, e.g. `https://graph.microsoft.com/v1.0`. */
  root: string;
  /** After `renew()`, `getToken()` must return the renewed token. */
  tokens: TokenProvider;
  /**
   * Per attempt, once the request is sent: until the answer begins, and again until its last byte.
   * An attempt that ran out of it may have been applied. @default 60000
   */
  timeoutMs?: number;
  /**
   * Per phase before the request leaves: the DNS lookup, the TCP connection, the TLS handshake. An
   * attempt that ran out of it was never sent. @default 10000
   */
  connectTimeoutMs?: number;
  /** Open connections per host at the most; kept alive between requests. @default 16 */
  maxSockets?: number;
  /** @default `license-batch/<version>` */
  userAgent?: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_SOCKETS = 16;

/** The phases of an attempt before anything is written to the connection: a timeout there means nothing was sent. */
const BEFORE_SENDING = new Set(['lookup', 'connect', 'secureConnect']);

/**
 * The HTTP client for Graph, on got: keep-alive connections, a timeout per phase, decompression,
 * JSON in and out, and every outcome returned as an {@link Exchange}. got's own retries, redirects
 * and HTTP errors are off: the run owns retries, the pause and the pace (SPEC §3), and a bearer token
 * must not follow a redirect. `close()` ends the kept-alive connections.
 *
 * The phases matter to a write whose answer never came: when no connection was made (a refused
 * connection, a lookup, connect or TLS handshake that timed out) the exchange says `unsent`, and the
 * run retries it as a request Graph never saw, without reading the user to settle it.
 *
 * `send` never rejects for HTTP or network failures; only a failing `tokens.getToken()` rejects.
 */
export function createGraphClient(options: GraphClientOptions): GraphTransport & { close(): void } {
  const root = new URL(options.root.replace(/\/+$/, ''));
  const { tokens } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS;
  for (const [name, value] of [['timeoutMs', timeoutMs], ['connectTimeoutMs', connectTimeoutMs]] as const) {
    if (!(value > 0)) throw new TypeError(`Invalid option ${name}: expect a number above 0, got ${String(value)} (${typeof value})`);
  }
  if (!(Number.isInteger(maxSockets) && maxSockets > 0)) {
    throw new TypeError(`Invalid option maxSockets: expect a whole number above 0, got ${String(maxSockets)} (${typeof maxSockets})`);
  }

  const agents = { http: new HttpAgent({ keepAlive: true, maxSockets }), https: new HttpsAgent({ keepAlive: true, maxSockets }) };
  const base = root.href;
  const prepared = got.extend({
    // Mutable only until the line below: then frozen again by the second extend.
    mutableDefaults: true,
    agent: agents,
    timeout: { lookup: connectTimeoutMs, connect: connectTimeoutMs, secureConnect: connectTimeoutMs, send: timeoutMs, response: timeoutMs, read: timeoutMs },
    decompress: true,
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    headers: { 'user-agent': options.userAgent ?? `license-batch/${packageVersion()}`, accept: 'application/json' },
  });
  // got spreads its HTTP-cache options (unused here: no `cache`) into every request's options for
  // node:http, which ignores them; a spread of a non-empty object followed by got's 35 named
  // properties takes V8 (Node 20) 65-100 µs a request, against 4 µs when the spread object is empty.
  // Set outside a merge, got's setter replaces the object rather than merging into it.
  prepared.defaults.options.cacheOptions = {};
  const http = prepared.extend({ mutableDefaults: false });
  const secure = root.protocol === 'https:';

  let renewing: Promise<boolean> | undefined;
  const renew = tokens.renew?.bind(tokens);

  return {
    async send(graphRequest: GraphRequest): Promise<Exchange> {
      const token = await tokens.getToken();
      const headers: Record<string, string> = {
        ...withoutAuthorization(graphRequest.headers),
        authorization: `Bearer ${token}`,
        'client-request-id': randomUUID(),
      };
      const body = graphRequest.body === undefined ? undefined : JSON.stringify(graphRequest.body);
      if (body !== undefined) headers['content-type'] = 'application/json';
      // got's stream interface: the promise interface costs a tenth of a millisecond more per request, for nothing used here.
      return new Promise<Exchange>((resolve) => {
        const request = http.stream(base + graphRequest.path, { method: graphRequest.method, headers, ...(body === undefined ? {} : { body }) });
        const chunks: Buffer[] = [];
        let response: { statusCode: number; headers: IncomingHttpHeaders } | undefined;
        request.on('response', (answer: { statusCode: number; headers: IncomingHttpHeaders }) => (response = answer));
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          if (response === undefined) resolve(networkExchange(new Error('The connection ended without a response'), token, secure));
          else resolve(toExchange(response.statusCode, flatten(response.headers), parseBody(Buffer.concat(chunks).toString('utf8'))));
        });
        request.on('error', (error: unknown) => resolve(networkExchange(error, token, secure)));
      });
    },
    ...(renew
      ? {
          renewToken: () =>
            (renewing ??= renew().then(
              () => true,
              () => false,
            ).finally(() => {
              renewing = undefined;
            })),
        }
      : {}),
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/** An HTTP answer as an {@link Exchange}; exported for `$batch` members, which arrive as JSON. */
export function toExchange(status: number, headers: Record<string, string | undefined>, body: unknown): Exchange & { kind: 'response' } {
  const exchange: Exchange & { kind: 'response' } = { kind: 'response', status, headers, body };
  const requestId = requestIdOf(headers, body);
  if (requestId !== undefined) exchange.requestId = requestId;
  if (status >= 400) {
    const { code, message } = graphErrorOf(body);
    if (code !== undefined) exchange.errorCode = code;
    if (message !== undefined) exchange.errorMessage = message;
  }
  return exchange;
}

function withoutAuthorization(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => name.toLowerCase() !== 'authorization'));
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

/**
 * No answer: Node's code (`ETIMEDOUT`, `ECONNRESET`, ...) and message, with the token scrubbed just in
 * case, and whether the request surely never left (no connection, or no TLS session, was made for it).
 */
function networkExchange(error: unknown, token: string, secure: boolean): Exchange {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'ERR_REQUEST_FAILED';
  const raw = error instanceof Error ? error.message : String(error);
  const message = token === '' ? raw : raw.split(token).join('[redacted]');
  return { kind: 'network', code, message, ...(neverSent(error, secure) ? { unsent: true as const } : {}) };
}

/**
 * got's timings say when the connection (and, over https, the TLS session) was ready; a request on a
 * kept-alive connection has them from the start. Without them nothing was written.
 */
function neverSent(error: unknown, secure: boolean): boolean {
  if (!(error instanceof RequestError)) return false;
  if (error instanceof TimeoutError && BEFORE_SENDING.has(error.event)) return true;
  const timings = error.timings;
  if (timings === undefined) return false;
  return timings.connect === undefined || (secure && timings.secureConnect === undefined);
}
