/**
 * A stand-in between the CLI and the simulator that changes some of the simulator's answers: for
 * tests of what the tool does when Graph, a proxy or a stand-in sends something of another shape
 * (a relative next link, a page without `value`, HTML with a 200, ...). The simulator itself answers
 * as Graph does; the odd answers are injected here, where each test says what it changes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer of the simulator, as the proxy got it. */
export interface ProxiedAnswer {
  readonly method: string;
  /** As the client sent it, e.g. `/v1.0/users?$select=id&$top=999`. */
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body text. */
  readonly body: string;
}

/** What to send instead; `undefined` passes the answer on unchanged. */
export type Rewrite = (answer: ProxiedAnswer) => Partial<Pick<ProxiedAnswer, 'status' | 'headers' | 'body'>> | undefined;

export interface RewritingProxy {
  /** The proxy's root, for `--graph-url`. */
  readonly url: string;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

export async function startRewritingProxy(target: string, rewrite: Rewrite): Promise<RewritingProxy> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name)).map(([name, value]) => [name, String(value)]));
        const method = req.method ?? 'GET';
        const upstream = await fetch(`${target}${req.url ?? '/'}`, { method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
        const answer: ProxiedAnswer = {
          method,
          path: req.url ?? '/',
          status: upstream.status,
          headers: Object.fromEntries([...upstream.headers].filter(([name]) => !HOP_BY_HOP.has(name))),
          body: await upstream.text(),
        };
        const changed = { ...answer, ...rewrite(answer) };
        res.writeHead(changed.status, changed.headers).end(changed.body);
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A JSON body changed by `edit` (which may change it in place or return another value). */
export function editJson(body: string, edit: (value: any) => unknown): string {
  const value = JSON.parse(body);
  const edited = edit(value);
  return JSON.stringify(edited === undefined ? value : edited);
}
