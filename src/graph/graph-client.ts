import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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
  | { kind: 'network'; /** Node's code: `ECONNRESET`, `ETIMEDOUT`, ... */ code: string; message: string };

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
  /** Per attempt, from connecting to the last byte of the answer. @default 60000 */
  timeoutMs?: number;
  /** Open connections per host at the most; kept alive between requests. @default 16 */
  maxSockets?: number;
  /** @default `license-batch/<version>` */
  userAgent?: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_SOCKETS = 16;

/**
 * The HTTP client for Graph, on node:http(s): keep-alive connections, a timeout per attempt, JSON in
 * and out, and every outcome returned as an {@link Exchange}. It never retries and never follows a
 * redirect: the run owns retries (SPEC §3), and a bearer token must not follow a redirect.
 * `close()` ends the kept-alive connections.
 *
 * Plain node:http rather than got: a profile of a run at 32 requests in flight showed got's
 * per-request option merging and stream plumbing as the client's largest CPU cost, and this client
 * needs none of got's features besides a timeout.
 *
 * `send` never rejects for HTTP or network failures; only a failing `tokens.getToken()` rejects.
 */
export function createGraphClient(options: GraphClientOptions): GraphTransport & { close(): void } {
  const root = new URL(options.root.replace(/\/+$/, ''));
  const { tokens } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS;
  if (!(timeoutMs > 0)) throw new TypeError(`Invalid option timeoutMs: expect a number above 0, got ${String(timeoutMs)} (${typeof timeoutMs})`);
  if (!(Number.isInteger(maxSockets) && maxSockets > 0)) {
    throw new TypeError(`Invalid option maxSockets: expect a whole number above 0, got ${String(maxSockets)} (${typeof maxSockets})`);
  }

  const secure = root.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets }) : new HttpAgent({ keepAlive: true, maxSockets });
  const request = secure ? httpsRequest : httpRequest;
  const target: RequestOptions = {
    protocol: root.protocol,
    // URL keeps the brackets of an IPv6 literal; node:http wants the bare address.
    hostname: root.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: root.port === '' ? undefined : Number(root.port),
    agent,
  };
  const basePath = root.pathname.replace(/\/+$/, '');
  const userAgent = options.userAgent ?? `license-batch/${packageVersion()}`;

  let renewing: Promise<boolean> | undefined;
  const renew = tokens.renew?.bind(tokens);

  return {
    async send(graphRequest: GraphRequest): Promise<Exchange> {
      const token = await tokens.getToken();
      const headers: Record<string, string | number> = {
        ...withoutAuthorization(graphRequest.headers),
        'user-agent': userAgent,
        accept: 'application/json',
        authorization: `Bearer ${token}`,
        'client-request-id': randomUUID(),
      };
      const body = graphRequest.body === undefined ? undefined : JSON.stringify(graphRequest.body);
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      return new Promise<Exchange>((resolve) => {
        let settled = false;
        const finish = (exchange: Exchange) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(exchange);
        };
        const fail = (error: unknown) => {
          finish(networkExchange(error, token));
          req.destroy();
        };
        const req = request({ ...target, method: graphRequest.method, path: basePath + graphRequest.path, headers }, (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => finish(toExchange(res.statusCode ?? 0, flatten(res.headers), parseBody(Buffer.concat(chunks).toString('utf8')))));
          res.on('error', fail);
          // A response cut off mid-body ends in 'close' without 'end'.
          res.on('close', () => {
            if (!res.complete) fail(Object.assign(new Error('The connection closed before the response was complete'), { code: 'ECONNRESET' }));
          });
        });
        const timer = setTimeout(() => fail(Object.assign(new Error(`Timeout awaiting the response after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
        req.on('error', fail);
        req.end(body);
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
      agent.destroy();
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

/** No answer: Node's code (`ETIMEDOUT`, `ECONNRESET`, ...) and message, with the token scrubbed just in case. */
function networkExchange(error: unknown, token: string): Exchange {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'ERR_REQUEST_FAILED';
  const raw = error instanceof Error ? error.message : String(error);
  const message = token === '' ? raw : raw.split(token).join('[redacted]');
  return { kind: 'network', code, message };
}
