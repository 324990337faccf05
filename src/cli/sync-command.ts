import { resolve } from 'node:path';
import { RunError } from '../errors.js';
import { loadReferenceTable } from '../input/reference-table.js';
import { placeOf } from '../input/place.js';
import { scanFile } from '../input/scan-file.js';
import { createSkuCatalog } from '../input/sku-catalog.js';
import { skuName } from '../plan/sku-facts.js';
import { mostInFlight } from '../run/in-flight.js';
import { defaultChangesPath, writeChangeSheet } from '../sync/change-sheet.js';
import { readDesiredSheet, type DesiredSheet } from '../sync/read-desired-sheet.js';
import { checkRemovals } from '../sync/removal-brake.js';
import type { SyncCounts } from '../sync/sync-counts.js';
import { SyncDiff } from '../sync/sync-diff.js';
import { listHolders } from '../tenant/list-holders.js';
import { skuModel } from '../tenant/sku-model.js';
import { skuOptionIds } from '../tenant/sku-option.js';
import { readTenantSkus } from '../tenant/tenant-skus.js';
import { openGraphConnection, readOnlySender, type GraphConnection } from './connection.js';
import type { CliIO } from './io.js';
import type { SyncOptions } from './options.js';
import { defaultResultsPath, runCommand, type RunCommandHints } from './run-command.js';
import { syncObject } from './summary.js';
import { spillStdin } from './stdin-file.js';

/** Invalid rows of the desired sheet printed one by one; the rest are counted. */
const PROBLEMS_SHOWN = 20;

/**
 * `license-batch sync` (SPEC §8): a thin command over the engine. Reads the desired sheet, lists
 * the holders of every scoped SKU, diffs them ({@link SyncDiff}), writes the change sheet, checks
 * the brakes, then runs the change sheet through `run`'s own adapter ({@link runCommand}), so that
 * reads, seats, seat moves, results, undo file, summary and exit codes are run's. Returns the exit code.
 * @throws {RunError} before any write: usage, an empty desired sheet, too many removes, sign-in, Graph.
 */
export async function syncCommand(options: SyncOptions, io: CliIO, hints: Pick<RunCommandHints, 'commands'> = {}): Promise<number> {
  const fromStdin = options.input === '-';
  if (fromStdin && options.changes === undefined) throw new RunError('USAGE', 'sync with the desired sheet on standard input needs --changes F: the change sheet is written beside the desired sheet otherwise');
  const changesPath = options.changes ?? defaultChangesPath(options.input);
  const out = options.out ?? defaultResultsPath(changesPath);
  if (!fromStdin && resolve(changesPath) === resolve(options.input)) throw new RunError('USAGE', `--changes ${changesPath} is the desired sheet itself; choose another path`);
  if (resolve(out) === resolve(changesPath)) throw new RunError('USAGE', `--out ${out} is the change sheet itself; choose another results path`);
  if (!fromStdin && resolve(out) === resolve(options.input)) throw new RunError('USAGE', `--out ${out} is the desired sheet itself; choose another results path`);
  if (!fromStdin && options.report !== undefined && resolve(options.report) === resolve(options.input)) {
    throw new RunError('USAGE', `--report ${options.report} would overwrite the desired sheet; choose another report path`);
  }

  const spilled = fromStdin ? await spillStdin(io.stdin) : undefined;
  try {
    const desiredPath = spilled?.path ?? options.input;
    // The sheet's structure is checked before signing in: a broken file costs no request.
    const scan = await scanFile(desiredPath, { delimiter: options.delimiter, sheet: options.sheet });
    let connection: GraphConnection;
    try {
      if (scan.rows === 0) {
        throw new RunError(
          'DESIRED_SHEET_EMPTY',
          `the desired sheet ${options.input} has no data row: sync would remove every direct assignment of the SKUs in scope, so it refuses (whatever --max-removes says)`,
        );
      }
      connection = await openGraphConnection(options, io, mostInFlight(options.concurrency) * 2);
    } catch (error) {
      await scan.dispose();
      throw error;
    }
    try {
      const sender = readOnlySender(connection, io);
      const tenantSkus = await readTenantSkus((request) => sender.send(request, 'skus'));
      const model = skuModel(tenantSkus, await loadReferenceTable());
      const extra = skuOptionIds(options.skus, model);
      // The scan's partitions go as soon as the desired state is read: the listing and the run need only the state.
      const desired = await readDesiredSheet(desiredPath, scan, createSkuCatalog({ model }), { delimiter: options.delimiter, sheet: options.sheet }).finally(() => scan.dispose());
      const say = (message: string) => {
        if (options.log === 'text' && !options.quiet) io.stderr.write(`license-batch: ${message}\n`);
      };
      reportProblems(desired, options.input, say);
      if (options.strict && desired.invalidRows > 0) {
        throw new RunError('INVALID_ROWS_STRICT', `${desired.invalidRows} row(s) of the desired sheet are invalid and --strict is set: nothing was listed or sent`);
      }

      const scope = [...new Set([...desired.state.skuIds, ...extra])];
      const diff = new SyncDiff(desired.state, scope, model.facts);
      for (const skuId of scope) {
        const label = skuName(model.facts(skuId), skuId);
        say(`listing the holders of ${label}`);
        let listed = 0;
        for await (const holder of listHolders(skuId, label, (request) => sender.send(request, 'list'))) {
          diff.holder(skuId, holder);
          listed++;
        }
        if (sender.signal.aborted) throw new RunError('INTERRUPTED', 'interrupted while listing the holders: nothing was sent', { exitCode: 130 });
        say(`${label}: ${listed} holder(s) listed`);
      }
      const plan = diff.finish();
      await writeChangeSheet(changesPath, plan.changes, model.facts);
      const counts: SyncCounts = { changesPath, skus: plan.counts };
      const desiredReport = { path: options.input, invalidRows: desired.invalidRows, problems: desired.problems };

      const brake = checkRemovals(plan.counts, options.maxRemoves, changesPath);
      // A dry run over the brake still plans the changes, so that its results and report show what
      // the brake held back; it then stops as the real run would, with the brake's exit code.
      if (brake.stop !== undefined && !options.dryRun) {
        if (options.log === 'json') io.stderr.write(`${JSON.stringify(syncObject(counts, desiredReport))}\n`);
        throw new RunError('TOO_MANY_REMOVES', brake.stop);
      }

      // The change sheet is this tool's own CSV: the desired sheet's --sheet and --delimiter are not for it.
      const { sheet: _sheet, delimiter: _delimiter, ...runOptions } = options;
      const exitCode = await runCommand({ ...runOptions, input: changesPath, out }, io, { ...hints, sync: counts, desired: desiredReport, connection });
      if (brake.stop !== undefined && exitCode !== 130) throw new RunError('TOO_MANY_REMOVES', `${brake.stop}. The dry run's results and report list every change it planned`);
      // Invalid rows of the desired sheet were not applied: the run finished, and some rows were invalid.
      return exitCode === 0 && desired.invalidRows > 0 ? 1 : exitCode;
    } finally {
      connection.close();
    }
  } finally {
    await spilled?.dispose();
  }
}

function reportProblems(desired: DesiredSheet, path: string, say: (message: string) => void): void {
  if (desired.invalidRows === 0) return;
  say(`${desired.invalidRows} row(s) of the desired sheet ${path} are invalid; their users are left as they are for those SKUs:`);
  for (const problem of desired.problems.slice(0, PROBLEMS_SHOWN)) say(`  row ${problem.row} (${placeOf(problem.line, problem.sheet)}): ${problem.message}`);
  if (desired.invalidRows > PROBLEMS_SHOWN) say(`  and ${desired.invalidRows - PROBLEMS_SHOWN} more (license-batch validate ${path} lists them all)`);
}
