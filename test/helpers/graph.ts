/**
 * Helpers for the test/graph.*.test.ts files: clocks that tests drive by hand, and a real local
 * HTTP server per test that scripts Graph's answers (after got's test/helpers/with-server.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/graph/clock.js';

/** Lets every pending promise continuation run (they all drain before the next macrotask). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** A clock that moves only when the test says so; sleepers wake in time order. */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper: Sleeper = { at: this.#now + Math.max(0, ms), resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        resolve();
      });
    });
  }

  get sleeping(): number {
    return this.#sleepers.length;
  }

  /** Moves time forward by `ms`, stopping at each sleeper's wake-up time to let it (and what it starts) run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      const due = this.#sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== due);
      this.#now = Math.max(this.#now, due.at);
      due.resolve();
    }
    this.#now = target;
    await settle();
  }
}

/**
 * A clock for tests over real sockets: a sleep passes its time at once (after one turn of the
 * event loop), and is recorded, so that the waits a policy chose can be asserted exactly.
 */
export class InstantClock implements Clock {
  #now: number;
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.#now += Math.max(0, ms);
    await settle();
  }
}

/** What the server saw of one request. */
export interface Hit {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** `Date.now()` when the request had fully arrived. */
  at: number;
  /** The client's port: the same for requests over one kept-alive connection. */
  remotePort: number;
}

/** Answers the n-th request (0-based); may also destroy the socket instead of answering. */
export type Script = (hit: Hit, res: ServerResponse, index: number) => void;

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  hits: Hit[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1, on a free port, answering by `script`. */
export async function startServer(script: Script): Promise<TestServer> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const hit: Hit = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        remotePort: req.socket.remotePort ?? 0,
      };
      hits.push(hit);
      script(hit, res, hits.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON answer. */
export function reply(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...(body === undefined || typeof body === 'string' ? {} : { 'content-type': 'application/json' }), ...headers });
  res.end(text);
}

/** Graph's error body. */
export function graphError(code: string, message: string, requestId = 'inner-request-id'): unknown {
  return { error: { code, message, innerError: { date: '2025-01-01T00:00:00', 'request-id': requestId, 'client-request-id': requestId } } };
}

/** A port nothing listens on (bound, then released), for connection-refused tests. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
