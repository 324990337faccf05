import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createGraphClient, type GraphTransport } from '../src/graph/graph-client.js';
import { PauseGate } from '../src/graph/pause-gate.js';
import { sendWithRetry } from '../src/graph/send-with-retry.js';
import { staticTokenProvider } from '../src/graph/token-provider.js';
import { planUnit } from '../src/plan/plan-unit.js';
import { SeatLedger } from '../src/plan/seat-ledger.js';
import type { SkuDirectory } from '../src/plan/sku-facts.js';
import { executeUnit, type UnitContext } from '../src/run/execute-unit.js';
import { userLicensesOf } from '../src/tenant/user-licenses.js';
import { closedPort, graphError, InstantClock, reply } from './helpers/graph.js';
import { E3, resolvedRow } from './helpers/rows.js';

/**
 * A write whose first attempt never reached Graph is retried as a request Graph never saw: a 400 on
 * its retry is Graph's answer to the row, not a sign that the first attempt went through, so the run
 * does not read the user to settle it. A write whose answer was lost after it was sent is settled
 * by a read, as before. Real client, real sockets: the first attempt meets a port where nothing
 * listens yet (or a server that drops the connection after reading the request).
 */

const skus: SkuDirectory = (id) => (id === E3 ? { skuId: E3, partNumber: 'ENTERPRISEPACK', planNames: new Map() } : undefined);
const REFUSED_ADD = graphError('Request_BadRequest', 'License assignment failed because service plans are mutually exclusive.');

let server: Server | undefined;
let client: (GraphTransport & { close(): void }) | undefined;

afterEach(async () => {
  client?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  client = undefined;
});

/** Serves on `port`: the first request may be dropped after it was read; every answer is Graph's refusal of the add. */
function serve(port: number, options: { dropFirst: boolean }): Promise<void> {
  let requests = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (options.dropFirst && requests++ === 0) res.socket?.destroy();
      else reply(res, 400, REFUSED_ADD);
    });
  });
  return new Promise((resolve) => server!.listen(port, '127.0.0.1', resolve));
}

/** Executes one add for a@x.com through sendWithRetry over the real client; counts the reads that settle it. */
async function executeOneAdd(port: number, beforeRetry: () => Promise<void>) {
  client = createGraphClient({ root: `http://127.0.0.1:${port}/v1.0`, tokens: staticTokenProvider('token') });
  const instant = new InstantClock();
  // The backoff before the retry is where the server comes up (for the refused case).
  const clock = { now: () => instant.now(), sleep: async (ms: number) => { await beforeRetry(); await instant.sleep(ms); } };
  const gate = new PauseGate(clock);
  const results: { lostResponse: boolean; attempts: number }[] = [];
  let reads = 0;
  const ctx: UnitContext = {
    send: async (request) => {
      const result = await sendWithRetry(request, { transport: client!, gate, maxRetries: 3, clock, random: () => 0.5 });
      results.push(result);
      return result;
    },
    readUser: async () => {
      reads++;
      return { kind: 'found', user: userLicensesOf({ id: 'id-a', usageLocation: 'US', assignedLicenses: [] }) };
    },
    sleep: async () => undefined,
    now: () => new Date(instant.now()),
    skus,
    stopReason: () => 'not sent',
  };
  const rows = [resolvedRow(1, 'a@x.com')];
  const plan = planUnit('a@x.com', rows, { kind: 'unread' }, { skus, ledger: new SeatLedger(), options: { disabledPlans: 'replace' } });
  const { outcomes } = await executeUnit(plan, rows, ctx);
  return { outcome: outcomes[0]!, results, reads };
}

describe('a write that never connected', () => {
  it('is retried as unsent, and the answer to its retry is final without a settle read', async () => {
    const port = await closedPort();
    let up: Promise<void> | undefined;
    const { outcome, results, reads } = await executeOneAdd(port, () => (up ??= serve(port, { dropFirst: false })));
    expect(results).toEqual([expect.objectContaining({ attempts: 2, lostResponse: false })]);
    expect(reads).toBe(0);
    expect(outcome).toMatchObject({ status: 'failed', httpStatus: 400, attempts: 2, message: expect.stringContaining('mutually exclusive') });
  });

  it('whereas a write whose answer was lost after sending is settled by reading the user, as before', async () => {
    const port = await closedPort();
    await serve(port, { dropFirst: true });
    const { outcome, results, reads } = await executeOneAdd(port, async () => undefined);
    expect(results[0]).toMatchObject({ attempts: 2, lostResponse: true });
    expect(reads).toBeGreaterThan(0);
    expect(outcome).toMatchObject({ status: 'failed', httpStatus: 400 });
  });
});
