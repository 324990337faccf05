import { setMaxListeners } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { loadTenantFile, startSimulator, type RunningSimulator } from '../simulator/index.js';
import { exportCommand } from './export-command.js';
import type { CliIO } from './io.js';
import { parseExportOptions, parseRunOptions, parseSyncOptions } from './options.js';
import { defaultReportPath } from '../report/write-report.js';
import { runCommand } from './run-command.js';
import { syncCommand } from './sync-command.js';

/** The SKU the demo's sync part exports, edits and syncs. */
const SYNC_SKU = 'ENTERPRISEPACK';

/** The shipped samples, found from the compiled file (dist/cli/) at the package root. */
export function samplePath(name: string): string {
  return fileURLToPath(new URL(`../../samples/${name}`, import.meta.url));
}

/** The three kinds of run the tool is for (SPEC, "who uses it"), in the order the demo runs them. */
export const DEMO_SAMPLES = [
  { name: 'migration', says: 'a migration export: semicolons, product names, EnabledPlans, Office 365 E3 -> Microsoft 365 E3' },
  { name: 'onboarding', says: 'an onboarding batch of new hires, with usage locations' },
  { name: 'nightly', says: 'a nightly file by GUID, re-applied as a scheduler would' },
] as const;

/**
 * `license-batch demo`: starts the simulator in-process over the sample tenant, with a little
 * latency, throttling and a few injected faults, and runs each sample through it, a dry run first and
 * then the run, as the README tells an admin to. Some sample rows fail on purpose (no usage location,
 * no seats left, a license from a group, an unknown user, a typo in a product name), so that the
 * summaries and results files show what an admin would see; the demo itself succeeds when every run
 * completes.
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
  const say = (line: string) => io.stderr.write(`license-batch demo: ${line}\n`);
  // Every command's sender listens to the one Ctrl-C signal, and the demo runs a dozen commands on it.
  if (io.signal) setMaxListeners(0, io.signal);
  say(
    `the built-in Graph simulator (NOT Microsoft Graph) is serving a sample tenant of ${tenant.users.length} users ` +
      `at ${simulator.url}, with throttling and injected faults.`,
  );
  const written: string[] = [];
  try {
    for (const sample of DEMO_SAMPLES) {
      const input = samplePath(`${sample.name}.csv`);
      for (const dryRun of [true, false]) {
        const out = resolve(`demo-${sample.name}.${dryRun ? 'dry-run.' : ''}results.csv`);
        io.stderr.write('\n');
        say(`${dryRun ? 'dry run of' : 'run of'} ${sample.says}`);
        say(`$ license-batch run ${input} --out ${out}${dryRun ? ' --dry-run' : ''}`);
        const args = [input, '--graph-url', simulator.url, '--out', out, ...(dryRun ? ['--dry-run'] : [])];
        const code = await runCommand(parseRunOptions(args), { ...io, env: { ...io.env, GRAPH_ACCESS_TOKEN: 'demo-token-for-the-simulator' } }, { commands: false });
        if (code !== 0 && code !== 1) return code;
        written.push(out, defaultReportPath(out));
        if (io.signal?.aborted) return 130;
      }
    }
    const synced = await syncPart(simulator, { ...io, env: { ...io.env, GRAPH_ACCESS_TOKEN: 'demo-token-for-the-simulator' } }, say);
    if (synced.code !== 0 && synced.code !== 1) return synced.code;
    written.push(...synced.written);
    io.stderr.write('\n');
    say('done. Some sample rows fail on purpose; open the results files to see every row\'s outcome, and the reports (.html) in a browser:');
    for (const path of written) say(`  ${path}`);
    say(
      `simulator stats: ${simulator.stats.requests} requests, ${simulator.stats.throttled} throttled, ` +
        `${simulator.stats.faults.error503 + simulator.stats.faults.dropBeforeApply + simulator.stats.faults.dropAfterApply} injected faults, ` +
        `at most ${simulator.stats.maxInFlightPerUser} request(s) in flight per user.`,
    );
    say('next: `license-batch help run`, and the README\'s quick starts for your own tenant.');
    return 0;
  } finally {
    await simulator.close();
  }
}

/**
 * The demo's sync: export today's ENTERPRISEPACK assignments, edit a copy as an admin would (a row
 * deleted, a plan changed, a joiner added), then `sync --dry-run` and `sync`.
 */
async function syncPart(simulator: RunningSimulator, io: CliIO, say: (line: string) => void): Promise<{ code: number; written: string[] }> {
  const exported = resolve('demo-sync.export.csv');
  const desired = resolve('demo-sync.csv');
  io.stderr.write('\n');
  say(`sync: export today's ${SYNC_SKU} assignments, edit a copy, review the changes with a dry run, apply them`);
  say(`$ license-batch export --sku ${SYNC_SKU} --out ${exported}`);
  const exportCode = await exportCommand(parseExportOptions(['--graph-url', simulator.url, '--sku', SYNC_SKU, '--out', exported]), io);
  if (exportCode !== 0) return { code: exportCode, written: [] };

  const [header, ...rows] = parse(await readFile(exported), { bom: true }) as string[][];
  const sku = simulator.skus().find((s) => s.skuPartNumber === SYNC_SKU)!;
  const holders = new Set(rows.map((row) => row[0]!.toLowerCase()));
  const joiner = simulator.users().find((u) => u.usageLocation !== null && u.assignedLicenses.length === 0 && !holders.has(u.userPrincipalName.toLowerCase()));
  const edits: string[] = [];
  if (rows.length > 2) edits.push(`deleted ${rows.splice(1, 1)[0]![0]}`);
  if (rows[0]) {
    const plan = sku.servicePlans.find((p) => !rows[0]![2]!.split(';').includes(p.servicePlanName) && p.appliesTo === 'User')!.servicePlanName;
    rows[0][2] = [...rows[0][2]!.split(';').filter((p) => p !== ''), plan].join(';');
    edits.push(`turned ${plan} off for ${rows[0][0]}`);
  }
  if (joiner) {
    rows.push([joiner.userPrincipalName, SYNC_SKU, '', 'add']);
    edits.push(`added ${joiner.userPrincipalName}`);
  }
  await writeFile(desired, stringify([header!, ...rows]));
  say(`edited copy ${desired}: ${edits.join('; ')}`);

  const written: string[] = [];
  for (const dryRun of [true, false]) {
    const changes = resolve(`demo-sync.${dryRun ? 'dry-run.' : ''}changes.csv`);
    io.stderr.write('\n');
    say(`$ license-batch sync ${desired} --changes ${changes}${dryRun ? ' --dry-run' : ''}`);
    const code = await syncCommand(parseSyncOptions([desired, '--graph-url', simulator.url, '--changes', changes, ...(dryRun ? ['--dry-run'] : [])]), io, { commands: false });
    if (code !== 0 && code !== 1) return { code, written };
    const results = changes.replace(/\.csv$/, '.results.csv');
    written.push(changes, results, defaultReportPath(results));
    if (io.signal?.aborted) return { code: 130, written };
  }
  return { code: 0, written: [exported, desired, ...written] };
}
