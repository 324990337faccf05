import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface BaselineOptions {
  /** The Graph root, as for `--graph-url`. */
  readonly graphUrl: string;
  readonly token: string;
  readonly users: readonly string[];
  readonly skuId: string;
  /** Requests kept in flight. @default 8 */
  readonly inFlight?: number;
}

export interface BaselineRun {
  /** Requests sent, 429s included. */
  readonly requests: number;
  readonly throttled: number;
  readonly failed: number;
  readonly wallMs: number;
}

/** Retries of one request after a 429 or a 5xx, as the SDK's RetryHandler allows by default. */
const MAX_RETRIES = 3;

/**
 * The client SPEC §7 compares the default settings with: an admin's script with the official SDK,
 * a plain loop that keeps `inFlight` assignLicense requests going over keep-alive sockets, with no
 * pacing, each request waiting out its own 429's `Retry-After` (the SDK's RetryHandler) while the
 * others go on. HTTP only, so that the comparison is of how the two send, not of what they check.
 */
export async function runBaselineClient(options: BaselineOptions): Promise<BaselineRun> {
  const inFlight = options.inFlight ?? 8;
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const body = JSON.stringify({ addLicenses: [{ skuId: options.skuId, disabledPlans: [] }], removeLicenses: [] });
  const stats = { requests: 0, throttled: 0, failed: 0 };
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < options.users.length) {
      const user = options.users[next++]!;
      const url = `${options.graphUrl}/v1.0/users/${encodeURIComponent(user)}/assignLicense`;
      for (let attempt = 0; ; attempt++) {
        stats.requests++;
        const answer = await post(url, body, options.token, agent);
        if (answer.status < 400) break;
        const retryable = answer.status === 429 || answer.status >= 500;
        if (answer.status === 429) stats.throttled++;
        if (!retryable || attempt >= MAX_RETRIES) {
          stats.failed++;
          break;
        }
        await sleep((answer.retryAfterSeconds ?? 2 ** attempt) * 1000);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, worker));
  } finally {
    agent.destroy();
  }
  return { ...stats, wallMs: performance.now() - started };
}

function post(url: string, body: string, token: string, agent: Agent): Promise<{ status: number; retryAfterSeconds: number | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.once('end', () => {
          const retryAfter = Number(res.headers['retry-after']);
          resolve({ status: res.statusCode ?? 0, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined });
        });
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}
