import { access, rename, rm } from 'node:fs/promises';
import { RunError } from '../errors.js';
import type { Clock } from '../graph/pause-gate.js';
import { parseRow } from '../input/parse-row.js';
import { openInput } from '../input/read-records.js';
import { trimmedNote } from '../input/trimmed-note.js';
import { loadReferenceTable } from '../input/reference-table.js';
import { findProblems, scanFile } from '../input/scan-file.js';
import { createSkuCatalog, type SkuCatalog } from '../input/sku-catalog.js';
import type { InputRecord, ResolvedRow, RowOutcome, RowProblem } from '../model.js';
import { SeatLedger } from '../plan/seat-ledger.js';
import { skuName, type SkuDirectory } from '../plan/sku-facts.js';
import type { UndoRow } from '../plan/plan-unit.js';
import { ResultsFile } from '../results/results-file.js';
import { carryOverFinishedRows, type CarriedOver } from '../results/resume.js';
import { checkResumable, previousResultsPath } from '../results/resume-check.js';
import { sortResultsFile } from '../results/sort-results.js';
import { defaultUndoPath, putRemovesFirst, UndoFile } from '../results/undo-file.js';
import { UserReader } from '../tenant/read-users.js';
import { skuModel } from '../tenant/sku-model.js';
import { freeSeats, readTenantSkus, seatsCounted, type TenantSku } from '../tenant/tenant-skus.js';
import type { GraphTransport } from '../graph/graph-client.js';
import { runUnits } from './engine.js';
import type { RunConfig } from './run-config.js';
import { mostInFlight } from './in-flight.js';
import { invalidOutcome, notAttemptedOutcome } from './row-outcomes.js';
import { RunSender } from './run-sender.js';
import type { RunStats } from './run-stats.js';
import { groupAdjacent } from './work-unit.js';

/** The edges a run talks through: the network, time, chance, and the counters it keeps. */
export interface RunDeps {
  readonly transport: GraphTransport;
  readonly clock: Clock;
  readonly random: () => number;
  readonly stats: RunStats;
  /** Aborted on Ctrl-C: in-flight requests finish, the rest become not-attempted. */
  readonly signal?: AbortSignal;
  /**
   * Each row's outcome as it is recorded, with the row's input line and values (rows kept by `--resume`
   * are not reported); for a workbook, the line is Excel's row number and `sheet` the worksheet's name.
   */
  readonly onRowDone?: (outcome: RowOutcome, line: number, values: readonly string[], sheet?: string) => void;
}

export interface RunResult {
  /** 0 all rows succeeded, were skipped or planned; 1 some failed or were invalid; 2 stopped; 130 interrupted. */
  readonly exitCode: 0 | 1 | 2 | 130;
  readonly resultsPath: string;
  /** The undo file written, when the run wrote one. */
  readonly undoPath?: string;
  /** Why there is no undo file, when there is none. */
  readonly undoNote?: string;
  /** Why the run stopped early, when it did (authentication). The results file is complete all the same. */
  readonly stopError?: RunError;
  /** The input's column names, outcome columns of an earlier results file left out. */
  readonly columns: readonly string[];
  /** The worksheet read, when the input is a workbook. */
  readonly sheet?: string;
}

/** Units in flight or waiting, per slot (at the most slots the run may have), before reading the file pauses; never fewer than {@link MIN_WINDOW}. */
const WINDOW_PER_SLOT = 16;
/** Enough users read ahead that reads travel 300 to an envelope (20 filters of 15). */
const MIN_WINDOW = 1000;

/**
 * Runs one input file against Graph (SPEC §2): checks the whole file before the first write and
 * resolves names; then streams the rows again into the engine (read, plan, send), writing every
 * row's outcome to the results file as it completes, and to the undo file the rows that undo each
 * change, before it is sent. Structural problems and a refused start throw {@link RunError} before anything is sent.
 */
export async function runFile(config: RunConfig, deps: RunDeps): Promise<RunResult> {
  const { stats, clock } = deps;
  const source = { delimiter: config.delimiter, sheet: config.sheet };
  const scan = await scanFile(config.input, source);
  try {
    stats.rowsTotal = scan.rows;
    // --resume with another sheet's results is refused before anything is sent, the file untouched.
    const resumeFrom = config.resume ? await previousResultsPath(config.out) : undefined;
    if (resumeFrom !== undefined) await checkResumable(resumeFrom, config.input, scan.rows, source);

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

    let undoNote: string | undefined;
    const input = await openInput(config.input, source);
    const columns = input.header.names;
    const sheet = input.header.sheet;
    const reading = !config.noRead;
    let results: ResultsFile | undefined;
    let undo: UndoFile | undefined;
    try {
      // Checked above; the earlier file's finished rows are carried into the new one.
      const previous = config.resume ? await setAside(config.out) : undefined;
      const file = ResultsFile.create(config.out, input.header.names, { note: (values) => trimmedNote(values, input.header) });
      results = file;
      const kept = previous === undefined ? undefined : await carryOver(previous, config.out, file, input.header.names, scan.rows);
      for (const [status, count] of kept?.byStatus ?? []) stats.byStatus[status] += count;

      const { catalog, skus, ledger } = await readTenant(sender, { reading, namesUsed: scan.namesUsed });
      const problems = await findProblems(scan, catalog);
      const invalidRows = scan.invalidRows + problems.size;
      const holdWrites = config.strict && invalidRows > 0;
      if (reading && !config.dryRun && !holdWrites) undo = UndoFile.open(config.undoOut ?? defaultUndoPath(config.out), { extend: config.resume });
      else undoNote = noUndoBecause(config, holdWrites);
      const pending = new Map<number, { values: readonly string[]; line: number; skuId: string; action: ResolvedRow['action'] }>();
      const skusAsked = new Set<string>();
      const changesBySku = new Map<string, { adds: number; removes: number }>();
      const now = () => new Date(clock.now());
      const record = (values: readonly string[], line: number, outcome: RowOutcome) => {
        file.append(values, outcome);
        stats.byStatus[outcome.status]++;
        if (outcome.errorCode && outcome.status !== 'succeeded') {
          stats.errors.set(outcome.errorCode, (stats.errors.get(outcome.errorCode) ?? 0) + 1);
        }
        deps.onRowDone?.(outcome, line, values, sheet);
      };
      const guarded = (write: () => void) => {
        try {
          write();
        } catch (error) {
          // The results or undo file cannot take more: sending on would change the tenant with no record of it.
          sender.stop(error instanceof RunError ? error : new RunError('RESULTS_UNWRITABLE', String(error)));
        }
      };

      /** Every row of the second pass: those that cannot or must not be sent get their outcome here; the rest go on. */
      async function* rowsToPlan(): AsyncGenerator<ResolvedRow> {
        for await (const rec of input.records) {
          if (kept?.rows.has(rec.row)) continue;
          const resolved = resolve(rec, input.header, problems, catalog);
          const at = now();
          if (!resolved.ok) record(rec.values, rec.line, invalidOutcome(rec.row, rec.line, resolved.problem, at, sheet));
          else if (holdWrites) record(rec.values, rec.line, notAttemptedOutcome(rec.row, `not sent: --strict and ${invalidRows} row(s) are invalid`, at));
          else if (sender.signal.aborted) record(rec.values, rec.line, notAttemptedOutcome(rec.row, sender.unsentReason(), at));
          else {
            pending.set(rec.row, { values: rec.values, line: rec.line, skuId: resolved.row.skuId, action: resolved.row.action });
            skusAsked.add(resolved.row.skuId);
            yield resolved.row;
          }
        }
      }

      await runUnits(
        groupAdjacent(rowsToPlan()),
        {
          dryRun: config.dryRun,
          read: reading,
          disabledPlans: config.disabledPlans,
          ...(config.defaultUsageLocation ? { defaultUsageLocation: config.defaultUsageLocation } : {}),
          slots: sender.sendSlots,
          windowSize: Math.max(MIN_WINDOW, mostInFlight(config.concurrency) * config.batchSize * WINDOW_PER_SLOT),
        },
        {
          send: (request, kind) => sender.send(request, kind),
          reader: new UserReader((request) => sender.send(request, 'read')),
          skus,
          ledger,
          clock,
          stopped: sender.signal,
          stopReason: () => sender.unsentReason(),
          onOutcome: (outcome) =>
            guarded(() => {
              const held = pending.get(outcome.row)!;
              pending.delete(outcome.row);
              if (outcome.status === 'succeeded' || outcome.status === 'planned') {
                const counts = changesBySku.get(held.skuId) ?? { adds: 0, removes: 0 };
                counts[held.action === 'add' ? 'adds' : 'removes']++;
                changesBySku.set(held.skuId, counts);
              }
              record(held.values, held.line, outcome);
            }),
          onUndo: (rows) => guarded(() => undo?.append(rows.map((row) => undoCells(row, skus)))),
          onUndoVoid: (rows) => undo?.leaveOut(rows.map((row) => undoCells(row, skus))),
        },
      );
      stats.seats = ledger
        .report()
        .filter((seats) => skusAsked.has(seats.skuId))
        .map((seats) => ({ ...seats, label: skuName(skus(seats.skuId), seats.skuId) }));
      stats.skuChanges = [...changesBySku].map(([skuId, counts]) => ({ skuId, label: skuName(skus(skuId), skuId), ...counts }));
    } finally {
      results?.close();
      undo?.close();
      await input.close();
    }
    if (!results?.isInInputOrder) await sortResultsFile(config.out);
    if (undo) await putRemovesFirst(undo.path, undo.leftOut);

    stats.pausedMs = sender.pausedMs;
    const stopError = sender.stopError;
    const unfinished = stats.byStatus.failed + stats.byStatus.invalid + stats.byStatus['not-attempted'];
    const exitCode = stopError ? 2 : sender.isInterrupted ? 130 : unfinished > 0 ? 1 : 0;
    return {
      exitCode,
      resultsPath: config.out,
      ...(undo ? { undoPath: undo.path } : {}),
      ...(undoNote ? { undoNote } : {}),
      ...(stopError ? { stopError } : {}),
      columns,
      ...(sheet !== undefined ? { sheet } : {}),
    };
  } finally {
    await scan.dispose();
  }
}

/**
 * What the run knows of the tenant's SKUs: the catalog that resolves names, their facts for plans and
 * messages, and the seat ledger. With reads, the SKUs are read always (for the seat check); without,
 * only when a name needs resolving.
 */
async function readTenant(sender: RunSender, needs: { reading: boolean; namesUsed: boolean }) {
  const referenceRows = await loadReferenceTable();
  const tenantSkus = needs.reading || needs.namesUsed ? await readSkusOrStop(sender) : undefined;
  const model = skuModel(tenantSkus, referenceRows);
  return {
    catalog: createSkuCatalog({ model }),
    skus: model.facts,
    // A SKU whose seats Graph did not count gets no seat check: Graph's own answer decides.
    ledger: new SeatLedger(needs.reading ? (tenantSkus ?? []).filter(seatsCounted).map((sku): [string, number] => [sku.skuId.toLowerCase(), freeSeats(sku)]) : []),
  };
}

/**
 * The tenant's SKUs; when they cannot be read the run stops (the reason the sender saw first, such as
 * a refused token, wins), and every row is recorded as not attempted.
 */
async function readSkusOrStop(sender: RunSender): Promise<TenantSku[] | undefined> {
  try {
    return await readTenantSkus((request) => sender.send(request, 'skus'));
  } catch (error) {
    sender.stop(error instanceof RunError ? error : new RunError('GRAPH_UNAVAILABLE', String(error)));
    return undefined;
  }
}

function noUndoBecause(config: RunConfig, heldWrites: boolean): string {
  if (config.dryRun) return 'no undo file: a dry run changes nothing';
  if (config.noRead) return 'no undo file: with --no-read the run does not know what to restore';
  if (heldWrites) return 'no undo file: nothing was sent (--strict)';
  return 'no undo file';
}

/** An undo row in this tool's input format: the SKU by part number and plans by name, where the tenant names them. */
function undoCells(row: UndoRow, skus: SkuDirectory) {
  const facts = skus(row.skuId);
  return {
    user: row.user,
    sku: facts?.partNumber ?? row.skuId,
    disabledPlans: row.disabledPlans.map((id) => facts?.planNames.get(id) ?? id).sort(),
    action: row.action,
  };
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
