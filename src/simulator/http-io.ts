import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, type GraphFailure } from './graph-errors.js';

/** Graph's own content type for JSON. */
export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The ids every answer carries, in headers and in error bodies. */
export interface Ids {
  readonly requestId: string;
  readonly clientRequestId: string;
}

export function sendFailure(res: ServerResponse, error: GraphFailure, ids: Ids, headers: Record<string, string> = {}): void {
  send(res, error.status, { ...headers, ...error.headers }, errorBody(error, ids.requestId, ids.clientRequestId, new Date()));
}

export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown, contentType = GRAPH_JSON): void {
  if (res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }).end(payload);
}

/** The body as text, or undefined when it is larger than the simulator accepts. */
export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}

/** Absent for an empty body; `ok: false` for text that is not JSON. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } | undefined {
  if (text.trim() === '') return undefined;
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
