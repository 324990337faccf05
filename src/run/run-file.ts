import { access, rename, rm } from 'node:fs/promises';
import PQueue from 'p-queue';
import { RunError } from '../errors.js';
import type { GraphRequest, GraphTransport } from '../graph/graph-client.js';
import type { Clock } from '../graph/pause-gate.js';
import type { SendResult } from '../graph/send-with-retry.js';
import { openInput } from '../input/read-records.js';
import { parseRow } from '../input/parse-row.js';
import { trimmedNote } from '../input/trimmed-note.js';
import { loadReferenceTable } from '../input/reference-table.js';
import { findProblems, scanFile } from '../input/scan-file.js';
import { createSkuCatalog, type SkuCatalog } from '../input/sku-catalog.js';
import type { InputRecord, ResolvedRow, RowOutcome, RowProblem } from '../model.js';
import { ResultsFile } from '../results/results-file.js';
import { carryOverFinishedRows, type CarriedOver } from '../results/resume.js';
import { checkResumable, previousResultsPath } from '../results/resume-check.js';
import { sortResultsFile } from '../results/sort-results.js';
import type { RequestKind } from './auth-watch.js';
import { Backpressure } from './backpressure.js';
import { describeChange } from './describe-change.js';
import { executeUnit, type UnitContext } from './execute-unit.js';
import type { RunConfig } from './run-config.js';
import { invalidOutcome, notAttemptedOutcome, plannedOutcome } from './row-outcomes.js';
import { RunSender } from './run-sender.js';
import type { RunStats } from './run-stats.js';
import { readTenantSkus } from '../tenant/tenant-skus.js';
import { UserLanes } from './user-lanes.js';
import { groupAdjacent, type WorkUnit } from './work-unit.js';

/** The edges a run talks through: the network, time, chance, and the counters it keeps. */
export interface RunDeps {
  readonly transport: GraphTransport;
  readonly clock: Clock;
  readonly random: () => number;
  readonly stats: RunStats;
  /** Aborted on Ctrl-C: in-flight requests finish, the rest become not-attempted. */
  readonly signal?: AbortSignal;
}

export interface RunResult {
  /** 0 all rows succeeded, were skipped or planned; 1 some failed or were invalid; 2 stopped; 130 interrupted. */
  readonly exitCode: 0 | 1 | 2 | 130;
  readonly resultsPath: string;
  /** Why the run stopped early, when it did (authentication). The results file is complete all the same. */
  readonly stopError?: RunError;
}

/** Units in flight or waiting, at the most, before reading pauses. */
const WINDOW_PER_SLOT = 16;

/**
 * Runs one input file against Graph (SPEC §2): checks the whole file before the first write,
 * resolves names, then streams the rows again, grouping each user's rows into assignLicense bodies
 * sent through one concurrency-limited queue, and writes every row's outcome as it completes.
 * Structural problems and a refused start throw {@link RunError} before anything is sent.
 */
export async function runFile(config: RunConfig, deps: RunDeps): Promise<RunResult> {
  const { stats, clock } = deps;
  const scan = await scanFile(config.input, { delimiter: config.delimiter });
  try {
    stats.rowsTotal = scan.rows;
    // --resume with another sheet's results is refused before anything is sent, the file untouched.
    const resumeFrom = config.resume ? await previousResultsPath(config.out) : undefined;
    if (resumeFrom !== undefined) await checkResumable(resumeFrom, config.input, scan.rows, { delimiter: config.delimiter });

    const sender = new RunSender({
      transport: deps.transport,
      clock,
      random: deps.random,
      stats,
      maxRetries: config.maxRetries,
      maxRate: config.maxRate,
      batchSize: config.batchSize,
      concurrency: config.concurrency,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    const send = (request: GraphRequest, kind: RequestKind) => sender.send(request, kind);

    const catalog = await loadCatalog(scan.namesUsed, send);
    const problems = await findProblems(scan, catalog);
    const invalidRows = scan.invalidRows + problems.size;
    const holdWrites = config.strict && invalidRows > 0;

    const input = await openInput(config.input, { delimiter: config.delimiter });
    const previous = config.resume ? await setAside(config.out) : undefined;
    const results = ResultsFile.create(config.out, input.header.names, { note: (values) => trimmedNote(values, input.header) });
    try {
      const kept = previous === undefined ? undefined : await carryOver(previous, config.out, results, input.header.names, scan.rows);
      for (const [status, count] of kept?.byStatus ?? []) stats.byStatus[status] += count;
      const valuesOf = new Map<number, readonly string[]>();
      const now = () => new Date(clock.now());
      const record = (values: readonly string[], outcome: RowOutcome) => {
        results.append(values, outcome);
        stats.byStatus[outcome.status]++;
        if (outcome.errorCode && outcome.status !== 'succeeded') {
          stats.errors.set(outcome.errorCode, (stats.errors.get(outcome.errorCode) ?? 0) + 1);
        }
      };

      /** Every row of the second pass: those that cannot or must not be sent get their outcome here; the rest go on. */
      async function* rowsToSend(): AsyncGenerator<ResolvedRow> {
        for await (const rec of input.records) {
          if (kept?.rows.has(rec.row)) continue;
          const resolved = resolve(rec, input.header, problems, catalog);
          const at = now();
          if (!resolved.ok) record(rec.values, invalidOutcome(rec.row, rec.line, resolved.problem, at));
          else if (holdWrites) record(rec.values, notAttemptedOutcome(rec.row, `not sent: --strict and ${invalidRows} row(s) are invalid`, at));
          else if (config.dryRun) record(rec.values, plannedOutcome(rec.row, describeChange(resolved.row, 'planned'), at));
          else if (sender.signal.aborted) record(rec.values, notAttemptedOutcome(rec.row, sender.unsentReason(), at));
          else {
            valuesOf.set(rec.row, rec.values);
            yield resolved.row;
          }
        }
      }

      const unitContext: UnitContext = {
        send,
        now,
        stopReason: () => sender.unsentReason(),
        ...(config.defaultUsageLocation ? { defaultUsageLocation: config.defaultUsageLocation } : {}),
      };
      const runUnit = async (unit: WorkUnit): Promise<void> => {
        unit.started = true;
        const outcomes = await outcomesOf(unit, unitContext, sender.signal);
        try {
          for (const outcome of outcomes) {
            record(valuesOf.get(outcome.row)!, outcome);
            valuesOf.delete(outcome.row);
          }
        } catch (error) {
          // The results file cannot take more: sending on would change the tenant with no record of it.
          sender.stop(error instanceof RunError ? error : new RunError('RESULTS_UNWRITABLE', String(error)));
        }
      };

      // With $batch, each of the `concurrency` requests in flight carries up to batchSize users' changes.
      const slots = config.concurrency * config.batchSize;
      const queue = new PQueue({ concurrency: slots });
      const lanes = new UserLanes();
      const window = new Backpressure(slots * WINDOW_PER_SLOT);
      for await (const unit of groupAdjacent(rowsToSend())) {
        await window.room();
        window.begin();
        const started = lanes.submit(unit, (u) => queue.add(() => runUnit(u)).finally(() => window.end()));
        if (!started) window.end();
      }
      await window.drained();
    } finally {
      results.close();
      await input.close();
    }
    if (!results.isInInputOrder) await sortResultsFile(config.out);

    stats.pausedMs = sender.pausedMs;
    const stopError = sender.stopError;
    const unfinished = stats.byStatus.failed + stats.byStatus.invalid + stats.byStatus['not-attempted'];
    const exitCode = stopError ? 2 : sender.isInterrupted ? 130 : unfinished > 0 ? 1 : 0;
    return { exitCode, resultsPath: config.out, ...(stopError ? { stopError } : {}) };
  } finally {
    await scan.dispose();
  }
}

/**
 * Moves the results file of an earlier run aside for `--resume`. A copy left aside by a resume that
 * was itself cut short is the complete one, and is used as it is.
 */
async function setAside(out: string): Promise<string | undefined> {
  const aside = `${out}.previous`;
  if (await exists(aside)) return aside;
  if (!(await exists(out))) return undefined;
  await rename(out, aside);
  return aside;
}

/** Copies the finished rows of the file set aside; restores it if it cannot be used. */
async function carryOver(previous: string, out: string, results: ResultsFile, columns: readonly string[], rows: number): Promise<CarriedOver> {
  try {
    const carried = await carryOverFinishedRows(previous, results, columns, rows);
    await rm(previous);
    return carried;
  } catch (error) {
    results.close();
    await rename(previous, out);
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** A unit's outcomes: not attempted once the run has stopped, else what Graph said. */
async function outcomesOf(unit: WorkUnit, ctx: UnitContext, stopped: AbortSignal): Promise<RowOutcome[]> {
  if (stopped.aborted) return unit.rows.map((row) => notAttemptedOutcome(row.row, ctx.stopReason(), ctx.now()));
  try {
    return await executeUnit(unit, ctx);
  } catch (error) {
    // A defect, not a row problem: each row still gets exactly one outcome, and the run goes on.
    const message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
    return unit.rows.map((row) => ({ row: row.row, status: 'failed', errorCode: 'InternalError', message, attempts: 0, completedAt: ctx.now().toISOString() }));
  }
}

type Resolution = { ok: true; row: ResolvedRow } | { ok: false; problem: RowProblem };

function resolve(
  record: InputRecord,
  header: Parameters<typeof parseRow>[1],
  problems: ReadonlyMap<number, RowProblem>,
  catalog: SkuCatalog,
): Resolution {
  const parsed = parseRow(record, header);
  if (!parsed.ok) return parsed;
  const known = problems.get(record.row);
  if (known) return { ok: false, problem: known };
  return catalog.resolveRow(parsed.row);
}

/**
 * The tenant's SKUs are read once, and only when a row names a SKU or plan by name: GUID-only
 * files need no lookup (Graph itself rejects an unknown GUID, per row), and the product names
 * table still gives their SKUs a part number for messages.
 */
async function loadCatalog(namesUsed: boolean, send: (request: GraphRequest, kind: RequestKind) => Promise<SendResult>): Promise<SkuCatalog> {
  const referenceRows = await loadReferenceTable();
  if (!namesUsed) return createSkuCatalog({ referenceRows });
  const tenantSkus = await readTenantSkus((request) => send(request, 'skus'));
  return createSkuCatalog({ tenantSkus, referenceRows });
}
