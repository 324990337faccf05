import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTenantFile, startSimulator } from '../simulator/index.js';
import type { CliIO } from './io.js';
import { parseRunOptions } from './options.js';
import { runCommand } from './run-command.js';

/** The shipped samples, found from the compiled file (dist/cli/) at the package root. */
export function samplePath(name: string): string {
  return fileURLToPath(new URL(`../../samples/${name}`, import.meta.url));
}

/**
 * `license-batch demo`: starts the simulator in-process over the sample tenant, with a little
 * latency, throttling and a few injected faults, and runs the sample spreadsheet through it.
 * Some sample rows fail on purpose (unknown user, no usage location, a typo in a SKU name), so that
 * the results file shows what an admin would see; the demo itself succeeds when the run completes.
 */
export async function demoCommand(io: CliIO): Promise<number> {
  const tenant = await loadTenantFile(samplePath('tenant.json'));
  const simulator = await startSimulator({
    tenant,
    behaviour: {
      latencyMs: 20,
      writeBucket: { capacity: 30, refillPerSecond: 40 },
      faults: { error503: 0.03, dropBeforeApply: 0.01, dropAfterApply: 0.01 },
      seed: 7,
    },
  });
  const out = resolve('license-batch-demo.results.csv');
  io.stderr.write(
    `license-batch demo: the built-in Graph simulator (NOT Microsoft Graph) is serving a sample tenant of ` +
      `${tenant.users.length} users at ${simulator.url}, with throttling and injected faults.\n` +
      `license-batch demo: running ${samplePath('licenses.csv')}\n`,
  );
  try {
    const code = await runCommand(parseRunOptions([samplePath('licenses.csv'), '--graph-url', simulator.url, '--out', out]), {
      ...io,
      env: { ...io.env, GRAPH_ACCESS_TOKEN: 'demo-token-for-the-simulator' },
    });
    io.stderr.write(
      `license-batch demo: done. Some sample rows fail on purpose; open ${out} to see every row's outcome.\n` +
        `license-batch demo: simulator stats: ${simulator.stats.requests} requests, ${simulator.stats.throttled} throttled, ` +
        `${simulator.stats.faults.error503 + simulator.stats.faults.dropBeforeApply + simulator.stats.faults.dropAfterApply} injected faults, ` +
        `at most ${simulator.stats.maxInFlightPerUser} request(s) in flight per user.\n`,
    );
    return code === 1 ? 0 : code;
  } finally {
    await simulator.close();
  }
}
