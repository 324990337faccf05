import type { Exchange, GraphRequest } from '../graph/graph-client.js';
import type { SendResult } from '../graph/send-with-retry.js';
import { userPath } from '../graph/user-path.js';
import type { ResolvedRow, RowOutcome } from '../model.js';
import { forbiddenRowMessage, type RequestKind } from './auth-watch.js';
import { describeChange } from './describe-change.js';
import { licenseStateOf, rowIsInPlace } from './license-state.js';
import { notAttemptedOutcome } from './row-outcomes.js';
import { assignLicenseBody, changesOf, distinctChanges, requestedUsageLocation } from './request-body.js';
import type { WorkUnit } from './work-unit.js';

/** What executing a unit needs from the run: one way to send (retries, pacing and stats live behind it). */
export interface UnitContext {
  send(request: GraphRequest, kind: RequestKind): Promise<SendResult>;
  now(): Date;
  /** Why nothing more is sent, once the run is interrupted or stopped: the message of rows left unsent. */
  stopReason(): string;
  /** `--usage-location`: set on a user that has none when Graph refuses a license for that reason. */
  readonly defaultUsageLocation?: string;
}

const LICENSE_SELECT = '$select=id,usageLocation,assignedLicenses,licenseAssignmentStates';

/**
 * Applies one user's rows: the usage location first when a row asks for one, then one
 * assignLicense body for all rows. A 400 on a body of several changes is retried change by
 * change, so that one bad row does not fail its neighbours. Returns one outcome per row.
 */
export async function executeUnit(unit: WorkUnit, ctx: UnitContext): Promise<RowOutcome[]> {
  const rows = unit.rows;
  const path = userPath(unit.user);
  let attempts = 0;

  const location = requestedUsageLocation(rows);
  if (location !== undefined) {
    const patch = await ctx.send({ method: 'PATCH', path, body: { usageLocation: location } }, 'usageLocation');
    attempts += patch.attempts;
    if (patch.interrupted && patch.attempts === 0) return rows.map((row) => unsent(row, ctx.stopReason(), ctx));
    if (!succeeded(patch.final)) {
      const why = failureMessage(patch, 'usageLocation');
      return rows.map((row) => failed(row, patch.final, attempts, `usage location ${location} was not set: ${why}`, ctx));
    }
  }

  let whole = await assign(path, rows, ctx);
  attempts += whole.attempts;
  let lead = '';
  const fallback = ctx.defaultUsageLocation;
  if (fallback !== undefined && location === undefined && lacksUsageLocation(whole.final)) {
    // Graph says the user has no usage location: give it the run's default and try once more.
    const patch = await ctx.send({ method: 'PATCH', path, body: { usageLocation: fallback } }, 'usageLocation');
    attempts += patch.attempts;
    if (succeeded(patch.final)) {
      lead = `usage location set to ${fallback} (--usage-location); `;
      whole = await assign(path, rows, ctx);
      attempts += whole.attempts;
    }
  }
  if (whole.interrupted && whole.attempts === 0) {
    const message = location === undefined ? ctx.stopReason() : `usage location set to ${location}; license change ${ctx.stopReason()}`;
    return rows.map((row) => ({ ...unsent(row, message, ctx), attempts }));
  }
  const final = whole.final;
  if (succeeded(final)) return rows.map((row) => done(row, final, attempts, ctx, { lead }));

  if (mayAlreadyBeApplied(whole)) {
    const read = await readIfInPlace(path, rows, ctx);
    if (read) return rows.map((row) => done(row, read, attempts, ctx, { lead, tail: ' (confirmed by reading the user after a lost response)' }));
  }

  if (status(whole.final) !== 400 || distinctChanges(rows) < 2) {
    const why = lead + failureMessage(whole, 'assignLicense');
    return rows.map((row) => failed(row, final, attempts, why, ctx));
  }

  // Each SKU change once on its own; rows that name the same change share its answer.
  const outcomes = new Map<number, RowOutcome>();
  for (const change of changesOf(rows)) {
    const alone = await assign(path, change, ctx);
    const total = attempts + alone.attempts;
    for (const row of change) {
      outcomes.set(
        row.row,
        alone.interrupted && alone.attempts === 0
          ? { ...unsent(row, ctx.stopReason(), ctx), attempts: total }
          : succeeded(alone.final)
            ? done(row, alone.final, total, ctx, { lead })
            : failed(row, alone.final, total, lead + failureMessage(alone, 'assignLicense'), ctx),
      );
    }
  }
  return rows.map((row) => outcomes.get(row.row)!);
}

function assign(path: string, rows: readonly ResolvedRow[], ctx: UnitContext): Promise<SendResult> {
  return ctx.send({ method: 'POST', path: `${path}/assignLicense`, body: assignLicenseBody(rows) }, 'assignLicense');
}

/**
 * A POST whose response was lost may have been applied, so a 400 on its retry is ambiguous: the
 * user's licenses say whether the change is in place. Returns the read's answer when it is.
 */
async function readIfInPlace(path: string, rows: readonly ResolvedRow[], ctx: UnitContext): Promise<Exchange | undefined> {
  const read = await ctx.send({ method: 'GET', path: `${path}?${LICENSE_SELECT}` }, 'read');
  if (read.final.kind !== 'response' || !succeeded(read.final)) return undefined;
  const state = licenseStateOf(read.final.body);
  return rows.every((row) => rowIsInPlace(row, state)) ? read.final : undefined;
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

function graphFailure(result: SendResult, kind: RequestKind): string {
  const final = result.final;
  if (final.kind === 'network') {
    return `no answer from Microsoft Graph after ${result.attempts} attempts (${final.code}: ${final.message})`;
  }
  if (final.status === 403) return forbiddenRowMessage(kind, final.errorMessage);
  if (final.errorMessage) return final.errorMessage;
  return `Microsoft Graph answered HTTP ${final.status}`;
}

function unsent(row: ResolvedRow, message: string, ctx: UnitContext): RowOutcome {
  return notAttemptedOutcome(row.row, message, ctx.now());
}

/**
 * A 400 that may only mean an earlier try of the same body went through (SPEC §3): any 400 after a
 * lost response, and on a retry the remove's "does not have a corresponding license".
 */
function mayAlreadyBeApplied(result: SendResult): boolean {
  const final = result.final;
  if (final.kind !== 'response' || final.status !== 400) return false;
  return result.lostResponse || (result.attempts > 1 && /corresponding license/i.test(final.errorMessage ?? ''));
}

/** Graph's refusal of a license to a user without a usage location. */
function lacksUsageLocation(exchange: Exchange): boolean {
  return exchange.kind === 'response' && exchange.status === 400 && /usage location/i.test(exchange.errorMessage ?? '');
}

function done(row: ResolvedRow, final: Exchange, attempts: number, ctx: UnitContext, words: { lead?: string; tail?: string } = {}): RowOutcome {
  return {
    row: row.row,
    status: 'succeeded',
    ...httpFields(final),
    message: (words.lead ?? '') + describeChange(row, 'done') + (words.tail ?? ''),
    attempts,
    completedAt: ctx.now().toISOString(),
  };
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
