import { spawn } from 'node:child_process';
import { createGraphClient } from '../../graph/graph-client.js';
import { scaled, type BenchContext } from '../bench-context.js';
import { withSimulator } from '../bench-simulator.js';
import { count, fixed, passes, seconds, type Finding, type ScenarioReport } from '../report.js';
import { sampledRun } from '../sampled-run.js';

/** Graph-like latency (the SPEC's unthrottled target) and the simulator's quick answer, where the client's own cost shows most. */
const LATENCIES_MS = [200, 20] as const;
/** Rows of the large run at scale 1; the small run sends a tenth of them. */
const ROWS = 2_000;
/** Fixed, so that the figure compares HTTP clients rather than concurrency settings. */
const CONCURRENCY = 32;
/** SPEC §7: the client's CPU per write must stay far below what the quota allows. */
const MAX_CPU_MS_PER_WRITE = 2;

interface CpuPerWrite {
  readonly latencyMs: number;
  readonly perWriteMs: number;
  readonly large: { readonly writes: number; readonly cpuMs: number; readonly wallMs: number };
  readonly small: { readonly writes: number; readonly cpuMs: number; readonly wallMs: number };
}

/**
 * SPEC §7, unthrottled: the client's CPU per write (`--max-rate off`). Each latency runs a large and
 * a small file; the difference of their CPU over the difference of their writes leaves out what
 * every run pays once (Node's start-up, loading modules, the tenant's SKUs), so what remains is what
 * one more write costs: reading and planning its row, the HTTP exchange, the results line.
 */
export async function clientCpuScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const rows = scaled(ctx, ROWS, 100);
  const measured: CpuPerWrite[] = [];
  for (const latencyMs of LATENCIES_MS) measured.push(await cpuPerWrite(ctx, rows, latencyMs));
  const alone: HttpAlone[] = [];
  for (const latencyMs of LATENCIES_MS) alone.push(await httpClientAlone(ctx, scaled(ctx, latencyMs === 20 ? 4_000 : 2_000, 100), latencyMs));
  const findings: Finding[] = measured.map((m) => ({
    target: `6 client CPU per write, unthrottled, ${m.latencyMs} ms latency`,
    measured: `${fixed(m.perWriteMs, 3)} ms per write`,
    ratio: fixed(m.perWriteMs / MAX_CPU_MS_PER_WRITE),
    goal: `< ${MAX_CPU_MS_PER_WRITE} ms`,
    verdict: passes(m.perWriteMs, { atMost: MAX_CPU_MS_PER_WRITE }),
  }));
  return {
    findings,
    notes: [
      `client CPU: --max-rate off --concurrency ${CONCURRENCY}, no write quota, one write per row; CPU per write = (CPU of ${count(rows)} rows - CPU of ${count(Math.round(rows / 10))} rows) / (their writes' difference).`,
      ...measured.map(
        (m) =>
          `  ${m.latencyMs} ms: ${count(m.large.writes)} writes in ${seconds(m.large.wallMs)}, CPU ${seconds(m.large.cpuMs)}; ${count(m.small.writes)} writes in ${seconds(m.small.wallMs)}, CPU ${seconds(m.small.cpuMs)}`,
      ),
      `  the HTTP client alone (this process's CPU, the Graph client sending assignLicense POSTs at ${CONCURRENCY} in flight to a bare server in another process):`,
      ...alone.map((a) => `    ${a.latencyMs} ms: ${fixed(a.perRequestMs, 3)} ms CPU per request over ${count(a.requests)} requests`),
    ],
    measures: Object.fromEntries(measured.map((m) => [`cpuPerWriteMs${m.latencyMs}`, m.perWriteMs])),
  };
}

async function cpuPerWrite(ctx: BenchContext, rows: number, latencyMs: number): Promise<CpuPerWrite> {
  const smallRows = Math.max(10, Math.round(rows / 10));
  const flags = ['--max-rate', 'off', '--concurrency', String(CONCURRENCY)];
  const one = async (n: number) => {
    const input = await ctx.workspace.input({ rows: n });
    ctx.log(`client CPU: ${count(n)} rows, latency ${latencyMs} ms`);
    return withSimulator({ users: n }, { latencyMs }, async (simulator) => {
      const { run } = await sampledRun(ctx, simulator, input, flags, `client-cpu-${latencyMs}-${n}`);
      return { writes: run.summary?.writes ?? Number.NaN, cpuMs: run.cpuMs, wallMs: run.wallMs };
    });
  };
  const large = await one(rows);
  const small = await one(smallRows);
  return { latencyMs, large, small, perWriteMs: (large.cpuMs - small.cpuMs) / (large.writes - small.writes) };
}

interface HttpAlone {
  readonly latencyMs: number;
  readonly requests: number;
  readonly perRequestMs: number;
}

/** A bare HTTP server that answers every request after `latency` ms with a small JSON body, and prints its port. */
const BARE_SERVER = `
const latency = Number(process.argv[1]);
require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => setTimeout(() => { res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'r' }); res.end('{}'); }, latency));
}).listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });
`;

/**
 * The Graph client's own cost: this process sends `requests` assignLicense POSTs through it, 32 at a
 * time, to a bare server in a child process (so that the server's CPU is not counted), after a
 * warm-up, and divides its CPU time by the requests.
 */
async function httpClientAlone(ctx: BenchContext, requests: number, latencyMs: number): Promise<HttpAlone> {
  ctx.log(`client CPU: the HTTP client alone, ${count(requests)} requests, latency ${latencyMs} ms`);
  const server = spawn(process.execPath, ['-e', BARE_SERVER, String(latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    });
    const client = createGraphClient({ root: `http://127.0.0.1:${port}/v1.0`, tokens: { getToken: async () => 'bench-token' }, maxSockets: CONCURRENCY * 2 });
    const body = { addLicenses: [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', disabledPlans: [] }], removeLicenses: [] };
    const send = async (n: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next++ < n) {
            const exchange = await client.send({ method: 'POST', path: `/users/user${next}%40contoso.example/assignLicense`, body });
            if (exchange.kind !== 'response') throw new Error(`the bare server did not answer: ${exchange.code}`);
          }
        }),
      );
    };
    try {
      await send(Math.min(500, requests));
      const before = process.cpuUsage();
      await send(requests);
      const used = process.cpuUsage(before);
      return { latencyMs, requests, perRequestMs: (used.user + used.system) / 1000 / requests };
    } finally {
      client.close();
    }
  } finally {
    server.kill();
  }
}
