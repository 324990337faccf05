import { setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import type { RunError } from '../errors.js';
import type { GraphRequest, GraphTransport } from '../graph/graph-client.js';
import { Pace } from '../graph/pace.js';
import { PauseGate, type Clock } from '../graph/pause-gate.js';
import { sendWithRetry, type SendResult } from '../graph/send-with-retry.js';
import { openInput } from '../input/read-records.js';
import { parseRow } from '../input/parse-row.js';
import { loadReferenceTable } from '../input/reference-table.js';
import { findProblems, scanFile } from '../input/scan-file.js';
import { createSkuCatalog, type SkuCatalog } from '../input/sku-catalog.js';
import type { InputRecord, ResolvedRow, RowOutcome, RowProblem } from '../model.js';
import { ResultsFile } from '../results/results-file.js';
import { sortResultsFile } from '../results/sort-results.js';
import { AuthWatch, type RequestKind } from './auth-watch.js';
import { Backpressure } from './backpressure.js';
import { describeChange } from './describe-change.js';
import { executeUnit, type UnitContext } from './execute-unit.js';
import type { RunConfig } from './run-config.js';
import type { RunStats } from './run-stats.js';
import { readTenantSkus } from './tenant-skus.js';
import { UserLanes } from './user-lanes.js';
import { canJoin, newUnit, type WorkUnit } from './work-unit.js';

/** The edges a run talks through: the network, time, chance, and the counters it keeps. */
export interface RunDeps {
  readonly transport: GraphTransport;
  readonly clock: Clock;
  readonly random: () => number;
  readonly stats: RunStats;
  /** Aborted on Ctrl-C: in-flight requests finish, the rest become not-attempted. */
  readonly signal?: AbortSignal;
  readonly onOutcome?: (outcome: RowOutcome) => void;
}

export interface RunResult {
  /** 0 all rows succeeded, were skipped or planned; 1 some failed or were invalid; 2 stopped; 130 interrupted. */
  readonly exitCode: 0 | 1 | 2 | 130;
  readonly resultsPath: string;
  /** Why the run stopped early, when it did (authentication). The results file is complete all the same. */
  readonly stopError?: RunError;
  /** Milliseconds the run stood paused by Retry-After. */
  readonly pausedMs: number;
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

    const abort = new AbortController();
    // Every request waiting on the pause gate or a backoff listens to it; they remove themselves when done.
    setMaxListeners(0, abort.signal);
    const interrupted = () => deps.signal?.aborted === true;
    deps.signal?.addEventListener('abort', () => abort.abort(), { once: true });

    const gate = new PauseGate(clock);
    const pace = new Pace({ maxRate: config.maxRate, clock });
    const watch = new AuthWatch();
    const send = (request: GraphRequest, kind: RequestKind): Promise<SendResult> =>
      sendWithRetry(request, {
        transport: deps.transport,
        gate,
        ...(kind === 'assignLicense' || kind === 'usageLocation' ? { pace } : {}),
        maxRetries: config.maxRetries,
        clock,
        random: deps.random,
        signal: abort.signal,
        onExchange: (exchange) => {
          stats.requests++;
          if (kind === 'assignLicense' || kind === 'usageLocation') stats.writes++;
          if (exchange.kind === 'response') {
            if (exchange.status === 429) stats.throttled++;
            if (watch.observe(kind, exchange.status)) abort.abort();
          }
        },
      }).then((result) => {
        stats.retries += Math.max(0, result.attempts - 1);
        return result;
      });

    const catalog = await loadCatalog(scan.namesUsed, send);
    const problems = await findProblems(scan, catalog);
    const invalidRows = scan.invalidRows + problems.size;
    const holdWrites = config.strict && invalidRows > 0;

    const input = await openInput(config.input, { delimiter: config.delimiter });
    const results = ResultsFile.create(config.out, input.header.names);
    const valuesOf = new Map<number, readonly string[]>();
    const record = (values: readonly string[], outcome: RowOutcome) => {
      results.append(values, outcome);
      stats.byStatus[outcome.status]++;
      if (outcome.errorCode && outcome.status !== 'succeeded') {
        stats.errors.set(outcome.errorCode, (stats.errors.get(outcome.errorCode) ?? 0) + 1);
      }
      deps.onOutcome?.(outcome);
    };
    const now = () => new Date(clock.now());

    const queue = new PQueue({ concurrency: config.concurrency });
    const lanes = new UserLanes();
    const window = new Backpressure(config.concurrency * WINDOW_PER_SLOT);
    /** The message of rows left unsent once the run is interrupted or stopped. */
    const stopReason = () =>
      interrupted() ? 'not sent: the run was interrupted' : `not sent: the run stopped (${watch.stopError?.message ?? 'stopped'})`;
    const unitContext: UnitContext = { send, now, stopReason };

    const runUnit = async (unit: WorkUnit): Promise<void> => {
      unit.started = true;
      let outcomes: RowOutcome[];
      if (abort.signal.aborted) {
        outcomes = unit.rows.map((row) => notAttempted(row.row, stopReason(), now()));
      } else {
        try {
          outcomes = await executeUnit(unit, unitContext);
        } catch (error) {
          // A defect, not a row problem: the row still gets exactly one outcome, and the run goes on.
          const message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
          outcomes = unit.rows.map((row) => ({ row: row.row, status: 'failed', errorCode: 'InternalError', message, attempts: 0, completedAt: now().toISOString() }));
        }
      }
      for (const outcome of outcomes) {
        record(valuesOf.get(outcome.row)!, outcome);
        valuesOf.delete(outcome.row);
      }
    };

    const dispatch = async (unit: WorkUnit) => {
      await window.room();
      window.begin();
      const started = lanes.submit(unit, (u) => queue.add(() => runUnit(u)).finally(() => window.end()));
      if (!started) window.end();
    };

    let pending: WorkUnit | undefined;
    for await (const rec of input.records) {
      stats.rowsRead++;
      const resolved = resolve(rec, input.header, problems, catalog);
      if (!resolved.ok) {
        record(rec.values, invalid(rec, resolved.problem, now()));
        continue;
      }
      const row = resolved.row;
      if (holdWrites) {
        record(rec.values, notAttempted(row.row, `not sent: --strict and ${invalidRows} row(s) are invalid`, now()));
        continue;
      }
      if (config.dryRun) {
        record(rec.values, { row: row.row, status: 'planned', message: describeChange(row, 'planned'), attempts: 0, completedAt: now().toISOString() });
        continue;
      }
      if (abort.signal.aborted) {
        record(rec.values, notAttempted(row.row, stopReason(), now()));
        continue;
      }
      valuesOf.set(row.row, rec.values);
      if (pending && canJoin(pending, row.userKey)) {
        pending.rows.push(row);
        continue;
      }
      if (pending) await dispatch(pending);
      pending = newUnit(row);
    }
    if (pending) await dispatch(pending);
    await window.drained();
    await queue.onIdle();

    results.close();
    if (!results.isInInputOrder) await sortResultsFile(config.out);

    const pausedMs = gate.pausedMs;
    stats.pausedMs = pausedMs;
    const stopError = watch.stopError;
    const exitCode = stopError ? 2 : interrupted() ? 130 : stats.byStatus.failed + stats.byStatus.invalid + stats.byStatus['not-attempted'] > 0 ? 1 : 0;
    return { exitCode, resultsPath: config.out, pausedMs, ...(stopError ? { stopError } : {}) };
  } finally {
    await scan.dispose();
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
 * files need no lookup (Graph itself rejects an unknown GUID, per row).
 */
async function loadCatalog(namesUsed: boolean, send: (request: GraphRequest, kind: RequestKind) => Promise<SendResult>): Promise<SkuCatalog> {
  if (!namesUsed) return createSkuCatalog({});
  const tenantSkus = await readTenantSkus((request) => send(request, 'skus'));
  return createSkuCatalog({ tenantSkus, referenceRows: await loadReferenceTable() });
}

function invalid(record: InputRecord, problem: RowProblem, at: Date): RowOutcome {
  return { row: record.row, status: 'invalid', errorCode: problem.errorCode, message: problem.message, attempts: 0, completedAt: at.toISOString() };
}

function notAttempted(row: number, message: string, at: Date): RowOutcome {
  return { row, status: 'not-attempted', message, attempts: 0, completedAt: at.toISOString() };
}
