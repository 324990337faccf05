import type { Exchange, GraphRequest } from '../graph/graph-client.js';
import type { SendResult } from '../graph/send-with-retry.js';
import { userPath } from '../graph/user-path.js';
import type { ResolvedRow, RowOutcome } from '../model.js';
import { rowChangeInWords, type Change, type UnitPlan } from '../plan/plan-unit.js';
import { skuName, type SkuDirectory } from '../plan/sku-facts.js';
import type { UserRead } from '../tenant/read-users.js';
import { assignmentTrouble, type UserLicenses } from '../tenant/user-licenses.js';
import { forbiddenRowMessage, type RequestKind } from './auth-watch.js';
import { assignLicenseBody } from './request-body.js';
import { decidedOutcome, notAttemptedOutcome } from './row-outcomes.js';

/** What executing a unit needs from the run: one way to send (retries, pacing and stats live behind it). */
export interface UnitContext {
  send(request: GraphRequest, kind: RequestKind): Promise<SendResult>;
  /** Reads the user's licenses, to settle a write whose answer was lost. */
  readUser(key: string): Promise<UserRead>;
  /** Waits between reads that do not yet show a write (the directory is eventually consistent). */
  sleep(ms: number): Promise<void>;
  now(): Date;
  readonly skus: SkuDirectory;
  /** Why nothing more is sent, once the run is interrupted or stopped: the message of rows left unsent. */
  stopReason(): string;
  /** `--usage-location` under `--no-read`: set on a user that has none when Graph refuses a license for that reason. */
  readonly defaultUsageLocation?: string;
}

/** What a unit's execution gave: an outcome per row, and which changes Graph applied. */
export interface UnitResult {
  readonly outcomes: RowOutcome[];
  readonly applied: ReadonlySet<Change>;
  /** Changes surely not applied: never sent, or refused with a 4xx that answered the only try that may have reached Graph. */
  readonly notApplied: ReadonlySet<Change>;
  /** Every change and the PATCH went through: the user is as the plan's `after` says. */
  readonly complete: boolean;
}

/** Waits before reading again a user whose read does not yet show a write: about 7 s in all. */
const SETTLE_WAITS_MS = [1000, 2000, 4000];

/**
 * Carries out a unit's plan: rows the plan skipped or failed get that outcome; the usage-location
 * PATCH goes first; then one assignLicense body for every change. A 400 on a body of several
 * changes is retried change by change, so that one bad row does not fail its neighbours; a refusal
 * that may only mean an earlier try went through is settled by reading the user (SPEC §3).
 */
export async function executeUnit(plan: UnitPlan, rows: readonly ResolvedRow[], ctx: UnitContext): Promise<UnitResult> {
  const outcomes = new Map<number, RowOutcome>();
  const applied = new Set<Change>();
  const notApplied = new Set<Change>();
  const unless = (result: SendResult | 'unsent', changes: readonly Change[]) => {
    if (result === 'unsent' || surelyNotApplied(result)) for (const change of changes) notApplied.add(change);
  };
  const sending = rows.filter((row) => plan.decisions.get(row.row)?.kind === 'send');
  for (const row of rows) {
    const decided = decidedOutcome(row.row, plan.decisions.get(row.row)!, ctx.now());
    if (decided) outcomes.set(row.row, decided);
  }
  const finish = (complete: boolean): UnitResult => ({ outcomes: rows.map((row) => outcomes.get(row.row)!), applied, notApplied, complete });
  if (sending.length === 0) return finish(true);

  const path = userPath(plan.user);
  let attempts = 0;
  let lead = '';
  if (plan.usageLocation) {
    const { value } = plan.usageLocation;
    const patch = await ctx.send({ method: 'PATCH', path, body: { usageLocation: value } }, 'usageLocation');
    attempts += patch.attempts;
    if (patch.interrupted && patch.attempts === 0) {
      for (const row of sending) outcomes.set(row.row, notAttemptedOutcome(row.row, ctx.stopReason(), ctx.now()));
      unless('unsent', plan.changes);
      return finish(false);
    }
    if (!succeeded(patch.final)) {
      unless('unsent', plan.changes);
      const why = `usage location ${value} was not set: ${failureMessage(patch, 'usageLocation')}`;
      for (const row of sending) outcomes.set(row.row, failed(row, patch.final, attempts, why, ctx));
      return finish(false);
    }
    if (plan.changes.length === 0) {
      for (const row of sending) outcomes.set(row.row, done(row, patch.final, attempts, rowChangeInWords(plan, row, ctx.skus, 'done'), ctx));
      return finish(true);
    }
  }

  let whole = await assign(path, plan.changes, ctx);
  attempts += whole.attempts;
  const fallback = ctx.defaultUsageLocation;
  if (fallback !== undefined && plan.before === undefined && plan.usageLocation === undefined && lacksUsageLocation(whole.final)) {
    // Without a read, only Graph's refusal says the user has no usage location: give it the default and try once more.
    const patch = await ctx.send({ method: 'PATCH', path, body: { usageLocation: fallback } }, 'usageLocation');
    attempts += patch.attempts;
    if (succeeded(patch.final)) {
      lead = `set usage location ${fallback} (--usage-location); `;
      whole = await assign(path, plan.changes, ctx);
      attempts += whole.attempts;
    }
  }
  const rowsOf = (changes: readonly Change[]) => sending.filter((row) => changes.some((c) => c.rows.includes(row)) || plan.changes.every((c) => !c.rows.includes(row)));
  if (whole.interrupted && whole.attempts === 0) {
    const message = plan.usageLocation ? `usage location set to ${plan.usageLocation.value}; license change ${ctx.stopReason()}` : ctx.stopReason();
    for (const row of sending) outcomes.set(row.row, { ...notAttemptedOutcome(row.row, message, ctx.now()), attempts });
    unless('unsent', plan.changes);
    return finish(false);
  }
  const settle = (changes: readonly Change[], result: SendResult, total: number, words: { tail?: string } = {}) => {
    for (const change of changes) applied.add(change);
    const final = result.final;
    for (const row of rowsOf(changes)) outcomes.set(row.row, done(row, final, total, lead + rowChangeInWords(plan, row, ctx.skus, 'done') + (words.tail ?? ''), ctx));
  };

  if (succeeded(whole.final)) {
    settle(plan.changes, whole, attempts);
    return finish(true);
  }
  const ambiguous = mayAlreadyBeApplied(whole);
  if (!ambiguous && plan.before !== undefined && alreadyGone(whole, plan.changes)) {
    settle(plan.changes, whole, attempts, { tail: GONE });
    return finish(true);
  }
  if (ambiguous) {
    // The write's own answer outranks a read: a remove refused as not held is in place. The answer
    // names no SKU, so it settles the remove only when the body held one; the rest needs a read.
    const removes = plan.changes.filter((change) => change.action === 'remove').length;
    const toRead = saysNotHeld(whole) && removes === 1 ? plan.changes.filter((change) => change.action !== 'remove') : plan.changes;
    if (toRead.length === 0) {
      settle(plan.changes, whole, attempts, { tail: NOT_HELD_ON_RETRY });
      return finish(true);
    }
    const read = await readUntilInPlace(plan.user, toRead, ctx);
    if (read) {
      settle(plan.changes, { ...whole, final: read }, attempts, { tail: ' (confirmed by reading the user after a lost response)' });
      return finish(true);
    }
  }
  if (status(whole.final) !== 400 || plan.changes.length < 2) {
    unless(whole, plan.changes);
    for (const row of sending) outcomes.set(row.row, failed(row, whole.final, attempts, lead + changeFailure(whole, plan.changes, ctx), ctx));
    return finish(false);
  }

  // Each SKU change once on its own; rows that name the same change share its answer.
  for (const change of plan.changes) {
    const alone = await assign(path, [change], ctx);
    const total = attempts + alone.attempts;
    if (alone.interrupted && alone.attempts === 0) {
      unless('unsent', [change]);
      for (const row of change.rows) outcomes.set(row.row, { ...notAttemptedOutcome(row.row, ctx.stopReason(), ctx.now()), attempts: total });
    } else if (succeeded(alone.final)) {
      settle([change], alone, total);
    } else if (ambiguous && change.action === 'remove' && saysNotHeld(alone)) {
      // The body that carried this remove may have been applied before its answer was lost; alone, the answer is about this SKU.
      settle([change], alone, total, { tail: NOT_HELD_ON_RETRY });
    } else if (plan.before !== undefined && alreadyGone(alone, [change])) {
      settle([change], alone, total, { tail: GONE });
    } else {
      unless(alone, [change]);
      for (const row of change.rows) outcomes.set(row.row, failed(row, alone.final, total, lead + changeFailure(alone, [change], ctx), ctx));
    }
  }
  // Rows there only for the PATCH, which went through.
  for (const row of sending) if (!outcomes.has(row.row)) outcomes.set(row.row, done(row, whole.final, attempts, rowChangeInWords(plan, row, ctx.skus, 'done'), ctx));
  return finish(applied.size === plan.changes.length);
}

function assign(path: string, changes: readonly Change[], ctx: UnitContext): Promise<SendResult> {
  return ctx.send({ method: 'POST', path: `${path}/assignLicense`, body: assignLicenseBody(changes) }, 'assignLicense');
}

/**
 * A POST whose response was lost may have been applied, so a 400 on its retry is ambiguous: the
 * user's licenses say whether the changes are in place. The directory is eventually consistent, so
 * a read that does not show them yet is tried again after a short wait. Returns an exchange to
 * report when they are in place.
 */
async function readUntilInPlace(user: string, changes: readonly Change[], ctx: UnitContext): Promise<Exchange | undefined> {
  for (let attempt = 0; ; attempt++) {
    const read = await ctx.readUser(user);
    if (read.kind === 'found' && changes.every((change) => isInPlace(change, read.user))) {
      return { kind: 'response', status: 200, headers: {}, body: undefined };
    }
    if (read.kind === 'failed' || attempt >= SETTLE_WAITS_MS.length) return undefined;
    await ctx.sleep(SETTLE_WAITS_MS[attempt]!);
  }
}

function isInPlace(change: Change, user: UserLicenses): boolean {
  const held = user.direct.get(change.skuId);
  if (change.action === 'remove') return held === undefined;
  if (held === undefined) return false;
  const want = new Set(change.disabledPlans);
  return held.disabledPlans.length === want.size && held.disabledPlans.every((p) => want.has(p));
}

/** Graph refused the request (a 4xx) and no earlier try of it may have gone through; or it was never sent. */
function surelyNotApplied(result: SendResult): boolean {
  if (result.attempts === 0) return true;
  const final = result.final;
  return final.kind === 'response' && final.status >= 400 && final.status < 500 && !result.lostResponse;
}

function succeeded(exchange: Exchange): boolean {
  return exchange.kind === 'response' && exchange.status >= 200 && exchange.status < 300;
}

function status(exchange: Exchange): number | undefined {
  return exchange.kind === 'response' ? exchange.status : undefined;
}

function failureMessage(result: SendResult, kind: RequestKind): string {
  const why = graphFailure(result, kind);
  return result.interrupted ? `${why} (the run stopped before another attempt)` : why;
}

/** Graph's reason, and when Graph says there are no seats for an add the seat check had counted, that they ran out during the run. */
function changeFailure(result: SendResult, changes: readonly Change[], ctx: UnitContext): string {
  const troubled = changes.find((c) => c.before !== undefined && assignmentTrouble(c.before) !== undefined);
  const why =
    failureMessage(result, 'assignLicense') +
    (troubled ? ` (${skuName(ctx.skus(troubled.skuId), troubled.skuId)} was assigned ${assignmentTrouble(troubled.before!)} before this run)` : '');
  const final = result.final;
  if (final.kind === 'response' && NO_SEATS.test(final.errorMessage ?? '')) {
    const counted = changes.find((c) => c.seat !== undefined);
    if (counted) return `${why} The seat check had counted a free seat of ${skuName(ctx.skus(counted.skuId), counted.skuId)} for this row: seats ran out during the run (another admin or app took them).`;
  }
  return why;
}

/** Graph's words for an add with no seat left ("does not have any available licenses", "CountViolation"). */
const NO_SEATS = /available licenses|no available|not enough licenses|CountViolation/i;

function graphFailure(result: SendResult, kind: RequestKind): string {
  const final = result.final;
  if (final.kind === 'network') {
    return `no answer from Microsoft Graph after ${result.attempts} attempts (${final.code}: ${final.message})`;
  }
  if (final.status === 403) return forbiddenRowMessage(kind, final.errorMessage);
  if (final.errorMessage) return final.errorMessage;
  return `Microsoft Graph answered HTTP ${final.status}`;
}

const GONE = ' (it was already gone when the remove arrived)';

/**
 * Graph says the user does not hold a license the read said it held: it is gone, as the row asks.
 * The read may lag, or another admin was quicker; the write's answer outranks the read (SPEC §3).
 */
function alreadyGone(result: SendResult, changes: readonly Change[]): boolean {
  // The answer names no SKU: it settles a body of one remove only.
  return changes.length === 1 && changes[0]!.action === 'remove' && saysNotHeld(result);
}

/**
 * A 400 that may only mean an earlier try of the same body went through (SPEC §3): any 400 after a
 * lost response, and on a retry the remove's "does not have a corresponding license".
 */
function mayAlreadyBeApplied(result: SendResult): boolean {
  const final = result.final;
  if (final.kind !== 'response' || final.status !== 400) return false;
  return result.lostResponse || (result.attempts > 1 && saysNotHeld(result));
}

/** Graph refused a remove because the user does not hold the license (any more). */
function saysNotHeld(result: SendResult): boolean {
  const final = result.final;
  return final.kind === 'response' && final.status === 400 && /corresponding license/i.test(final.errorMessage ?? '');
}

/** How a row reads when a retry's "not held" settled its remove, however far the directory's reads lag. */
const NOT_HELD_ON_RETRY = ' (on a retry Graph answered that the user does not have the license: the remove is in place)';

/** Graph's refusal of a license to a user without a usage location. */
function lacksUsageLocation(exchange: Exchange): boolean {
  return exchange.kind === 'response' && exchange.status === 400 && /usage location/i.test(exchange.errorMessage ?? '');
}

function done(row: ResolvedRow, final: Exchange, attempts: number, message: string, ctx: UnitContext): RowOutcome {
  return { row: row.row, status: 'succeeded', ...httpFields(final), message, attempts, completedAt: ctx.now().toISOString() };
}

function failed(row: ResolvedRow, final: Exchange, attempts: number, message: string, ctx: UnitContext): RowOutcome {
  return {
    row: row.row,
    status: 'failed',
    ...httpFields(final),
    errorCode: final.kind === 'response' ? (final.errorCode ?? `HTTP${final.status}`) : final.code,
    message,
    attempts,
    completedAt: ctx.now().toISOString(),
  };
}

function httpFields(final: Exchange): { httpStatus?: number; requestId?: string } {
  if (final.kind !== 'response') return {};
  return { httpStatus: final.status, ...(final.requestId ? { requestId: final.requestId } : {}) };
}
