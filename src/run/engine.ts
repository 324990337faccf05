import type PQueue from 'p-queue';
import type { Clock } from '../graph/clock.js';
import type { GraphRequest } from '../graph/graph-client.js';
import type { SendResult } from '../graph/send-with-retry.js';
import type { ResolvedRow, RowOutcome } from '../model.js';
import { planAfter, planUnit, rowChangeInWords, type Change, type PlanOptions, type RowDecision, type UndoRow, type UnitPlan, type UserKnowledge } from '../plan/plan-unit.js';
import type { SeatLedger } from '../plan/seat-ledger.js';
import { skuName, type SkuDirectory } from '../plan/sku-facts.js';
import type { UserRead, UserReader } from '../tenant/read-users.js';
import { forbiddenRowMessage, type RequestKind } from './auth-watch.js';
import { executeUnit, type UnitContext } from './execute-unit.js';
import { RecentUsers, type KnownUser } from './recent-users.js';
import { decidedOutcome, notAttemptedOutcome, plannedOutcome } from './row-outcomes.js';
import { Scheduler, type Scheduled } from './scheduler.js';
import type { WorkUnit } from './work-unit.js';

export interface EngineOptions extends PlanOptions {
  /** Read each user before planning; `--no-read` plans every row blind and sends it. */
  readonly read: boolean;
  /** Plan, send nothing: rows that would be sent become `planned`. */
  readonly dryRun: boolean;
  /**
   * Units sending at once: the requests in flight, times the members of a `$batch`. A queue is sized
   * by its owner, who may change it while the run goes (`--concurrency auto`).
   */
  readonly slots: number | PQueue;
  /** Units admitted and not yet finished, at the most. */
  readonly windowSize: number;
}

export interface EngineDeps {
  send(request: GraphRequest, kind: RequestKind): Promise<SendResult>;
  /** Reads users: before planning (unless `--no-read`), and to settle a write whose answer was lost. */
  readonly reader: UserReader;
  readonly skus: SkuDirectory;
  readonly ledger: SeatLedger;
  readonly clock: Clock;
  /** Aborted once the run stops or is interrupted: nothing more is sent. */
  readonly stopped: AbortSignal;
  stopReason(): string;
  /** Each row's outcome, once, as it is known. */
  onOutcome(outcome: RowOutcome): void;
  /**
   * Rows that undo changes about to be sent: written before the write, so that a change applied just
   * before a hard kill still has its undo. Running an undo row of a change that never happened changes nothing.
   */
  onUndo(rows: readonly UndoRow[]): void;
  /** Undo rows of changes that surely did not happen after all, which the undo file may leave out. */
  onUndoVoid(rows: readonly UndoRow[]): void;
}

/** Users remembered after their last unit, for the file's later rows of them. */
const RECENT_USERS = 20_000;

/**
 * The run's engine: units of rows in, one outcome per row out (SPEC §2). Each unit's user is read
 * (in bulk, ahead of sending), the unit is planned against what was read and the seat ledger, in
 * file order, then executed; a user's later unit plans against what the run wrote. A dry run stops
 * after planning.
 */
export async function runUnits(units: AsyncIterable<WorkUnit>, options: EngineOptions, deps: EngineDeps): Promise<void> {
  const scheduler = new Scheduler({ windowSize: options.windowSize, slots: options.slots });
  const recent = new RecentUsers(RECENT_USERS);
  const now = () => new Date(deps.clock.now());
  const unitContext: UnitContext = {
    send: deps.send,
    readUser: (key) => deps.reader.read(key),
    sleep: (ms) => deps.clock.sleep(ms, deps.stopped),
    now,
    skus: deps.skus,
    stopReason: deps.stopReason,
    ...(options.defaultUsageLocation ? { defaultUsageLocation: options.defaultUsageLocation } : {}),
  };
  // A unit that waits for the same user's previous unit plans when that one is done instead.
  let planning: Promise<unknown> = Promise.resolve();
  /**
   * Units planned and not yet finished, by the user's object id. A sheet may name one user by UPN in
   * one row and by object id in another: the scheduler keeps each key's units in order, and this keeps
   * the two keys' units from sending at once.
   */
  const runningById = new Map<string, { readonly userKey: string; readonly done: Promise<void> }>();

  /** What the run wrote for the user the read names, under another key of the same user. */
  const knownById = (read: UserKnowledge | UserRead) => {
    const id = idOf(read);
    return id === undefined ? undefined : recent.get(ID_KEY + id);
  };

  /**
   * What the run wrote for the user under any key, once a unit of the same user under another key has
   * finished; else `read`.
   */
  const afterOtherKeys = async (unit: WorkUnit, read: UserKnowledge | UserRead): Promise<UserKnowledge | UserRead> => {
    const id = idOf(read);
    const running = id === undefined ? undefined : runningById.get(id);
    if (running !== undefined && running.userKey !== unit.userKey) await running.done;
    const known = knownById(read);
    return known ? { kind: 'read', user: known.current } : read;
  };

  const knowledgeOf = async (unit: WorkUnit): Promise<UserKnowledge | UserRead> => {
    const known = recent.get(unit.userKey);
    if (known) return { kind: 'read', user: known.current };
    if (!options.read) return { kind: 'unread' };
    return deps.reader.read(unit.user);
  };

  /** Plans a unit once its user is known; synchronous, so that units planned in turn take seats in turn. */
  const planOf = (unit: WorkUnit, read: UserKnowledge | UserRead): { plan: UnitPlan; original: UnitPlan['before'] } | { outcomes: RowOutcome[] } => {
    if (read.kind === 'failed') return { outcomes: unreadOutcomes(unit.rows, read, now()) };
    const original = recent.get(unit.userKey)?.original ?? knownById(read)?.original ?? (read.kind === 'found' ? read.user : undefined);
    const knowledge: UserKnowledge = read.kind === 'found' ? { kind: 'read', user: read.user } : read;
    const plan = planUnit(unit.user, unit.rows, knowledge, { skus: deps.skus, ledger: deps.ledger, options });
    return { plan, original };
  };

  const run = async (scheduled: Scheduled): Promise<void> => {
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    let id: string | undefined;
    try {
      await runPlanned(scheduled, (read) => {
        id = idOf(read);
        if (id !== undefined) runningById.set(id, { userKey: scheduled.unit.userKey, done });
      });
    } finally {
      if (id !== undefined && runningById.get(id)?.done === done) runningById.delete(id);
      finished();
    }
  };

  const runPlanned = async (scheduled: Scheduled, onPlanned: (read: UserKnowledge | UserRead) => void): Promise<void> => {
    const { unit } = scheduled;
    const planIt = (read: UserKnowledge | UserRead) => {
      scheduled.planned = true;
      onPlanned(read);
      return planOf(unit, read);
    };
    let planned: ReturnType<typeof planOf>;
    if (scheduled.previous) {
      await scheduled.previous;
      const knowledge = await knowledgeOf(unit);
      planned = planIt(await afterOtherKeys(unit, knowledge));
    } else {
      // Units plan one after another in the order they were admitted, so that seats go to rows in
      // file order, while their reads are already under way together.
      const knowledge = knowledgeOf(unit);
      const turn = planning.then(async () => planIt(await afterOtherKeys(unit, await knowledge)));
      planning = turn.catch(() => undefined);
      planned = await turn;
    }
    if ('outcomes' in planned) {
      for (const outcome of planned.outcomes) deps.onOutcome(outcome);
      return;
    }
    const { plan, original } = planned;
    const rows = unit.rows;

    if (options.dryRun) {
      // Nothing is sent: every planned change counts as done, for the rows after it.
      settle(plan, new Set(plan.changes));
      const after = planAfter(plan);
      if (after && original) remember(unit.userKey, { current: after, original });
      for (const row of rows) deps.onOutcome(dryRunOutcome(row, plan, deps.skus, now()));
      return;
    }

    const ready = await withoutFailedSeatMoves(plan, scheduler, deps.skus);
    if (deps.stopped.aborted) {
      settle(ready, new Set());
      for (const row of rows) deps.onOutcome(stoppedOutcome(row, ready, deps.stopReason(), now()));
      return;
    }
    const result = await scheduler.inSlot(() => {
      const undo = ready.changes.flatMap((change) => undoOf(change, original));
      if (undo.length > 0) deps.onUndo(undo);
      return executeUnit(ready, rows, unitContext);
    });
    settle(ready, result.applied);
    const after = planAfter(ready);
    if (result.complete && after && original) remember(unit.userKey, { current: after, original });
    else forget(unit.userKey, after?.id ?? original?.id);
    const voided = ready.changes.filter((change) => result.notApplied.has(change)).flatMap((change) => undoOf(change, original));
    if (voided.length > 0) deps.onUndoVoid(voided);
    for (const outcome of result.outcomes) deps.onOutcome(outcome);
  };

  /** Remembers the user under the key the sheet used and under the user's object id. */
  const remember = (userKey: string, known: KnownUser) => {
    recent.set(userKey, known);
    if (known.current.id !== undefined) recent.set(ID_KEY + known.current.id, known);
  };
  const forget = (userKey: string, id: string | undefined) => {
    recent.forget(userKey);
    if (id !== undefined) recent.forget(ID_KEY + id);
  };

  /** Gives seats back and frees them in the ledger (and to the adds that wait) as the changes ended. */
  const settle = (plan: UnitPlan, applied: ReadonlySet<Change>) => {
    for (const change of plan.changes) {
      const done = applied.has(change);
      if (change.freesSeat) {
        // The ledger knows which add, if any, took this remove's seat: that add goes on (or fails) now.
        const waitingAdd = deps.ledger.settleRemove(change.skuId, change.rows[0]!.row, done);
        // A dry run sends nothing, so no add waits for a seat (see runPlanned): nothing to hand over.
        if (waitingAdd !== undefined && !options.dryRun) scheduler.settleSeat(waitingAdd, done);
      } else if (change.seat !== undefined && !done) {
        deps.ledger.giveBack(change.skuId);
      }
    }
  };

  for await (const unit of units) await scheduler.admit(unit, run);
  await scheduler.drained();
}

/** Keys of {@link RecentUsers} that hold a user by object id, apart from the keys rows use. */
const ID_KEY = 'id:';

/** The user's object id, when a read (or what the run wrote) says it. */
function idOf(read: UserKnowledge | UserRead): string | undefined {
  return read.kind === 'found' || read.kind === 'read' ? read.user.id?.toLowerCase() : undefined;
}

/** The undo row of a change, pointing at the state before the run when the user was planned before. */
function undoOf(change: Change, original: UnitPlan['before']): UndoRow[] {
  if (change.undo === undefined) return [];
  const before = original?.direct.get(change.skuId);
  if (original === undefined) return [change.undo];
  return [before === undefined ? { ...change.undo, action: 'remove', disabledPlans: [] } : { ...change.undo, action: 'add', disabledPlans: before.disabledPlans }];
}

/**
 * Waits for the removes whose seats the plan's adds take; an add whose remove failed fails too,
 * naming the remove's row, and leaves the unit.
 */
async function withoutFailedSeatMoves(plan: UnitPlan, scheduler: Scheduler, skus: SkuDirectory): Promise<UnitPlan> {
  const waiting = plan.changes.filter((change) => change.seat?.kind === 'after-remove');
  if (waiting.length === 0) return plan;
  const failedMoves = new Map<Change, number>();
  for (const change of waiting) {
    const removeRow = (change.seat as { removeRow: number }).removeRow;
    if (!(await scheduler.seatSettled(change.rows[0]!.row))) failedMoves.set(change, removeRow);
  }
  if (failedMoves.size === 0) return plan;
  const decisions = new Map<number, RowDecision>(plan.decisions);
  for (const [change, removeRow] of failedMoves) {
    const message = `no free seat of ${skuName(skus(change.skuId), change.skuId)}: its seat was to come from the remove in row ${removeRow}, which failed`;
    for (const row of change.rows) decisions.set(row.row, { kind: 'fail', errorCode: 'SeatMoveFailed', message });
  }
  const changes = plan.changes.filter((change) => !failedMoves.has(change));
  return { ...plan, decisions, changes };
}

/** A dry run's outcome: what was decided without a write, else what would change. */
function dryRunOutcome(row: ResolvedRow, plan: UnitPlan, skus: SkuDirectory, at: Date): RowOutcome {
  return decidedOutcome(row.row, plan.decisions.get(row.row)!, at) ?? plannedOutcome(row.row, rowChangeInWords(plan, row, skus, 'planned'), at);
}

/** After the run stopped: what was decided without a write stands, the rest is not attempted. */
function stoppedOutcome(row: ResolvedRow, plan: UnitPlan, reason: string, at: Date): RowOutcome {
  return decidedOutcome(row.row, plan.decisions.get(row.row)!, at) ?? notAttemptedOutcome(row.row, reason, at);
}

/** Rows of a user whose licenses could not be read: not attempted when the run stopped, else failed, saying why. */
function unreadOutcomes(rows: readonly ResolvedRow[], read: UserRead & { kind: 'failed' }, at: Date): RowOutcome[] {
  const final = read.final;
  if (read.interrupted || (final.kind === 'network' && final.code === 'ABORTED')) {
    return rows.map((row) => notAttemptedOutcome(row.row, 'not sent: the run was interrupted before the user was read', at));
  }
  const why =
    final.kind === 'network'
      ? `no answer (${final.code}: ${final.message})`
      : final.status === 401 || final.status === 403
        ? forbiddenRowMessage('read', final.errorMessage)
        : (final.errorMessage ?? `HTTP ${final.status}`);
  const errorCode = final.kind === 'network' ? final.code : (final.errorCode ?? `HTTP${final.status}`);
  return rows.map((row) => ({
    row: row.row,
    status: 'failed',
    ...(final.kind === 'response' ? { httpStatus: final.status, ...(final.requestId ? { requestId: final.requestId } : {}) } : {}),
    errorCode,
    message: `could not read the user's licenses, so nothing was sent: ${why}`,
    attempts: 0,
    completedAt: at.toISOString(),
  }));
}
