/**
 * Why rows failed, in words an admin can act on: one table that maps Graph's error codes and
 * messages, and this tool's own codes, to a reason and a fix. The summary at the end of a run
 * counts rows per reason (SPEC §5, issue 8). Pure: no I/O.
 */

import { DELEGATED_ROLES, LEAST_PRIVILEGE, PERMISSION_NEEDS } from '../graph/permissions.js';

/** A row's failure as the results file records it. */
export interface RowFailure {
  readonly errorCode?: string;
  readonly message: string;
}

export interface Reason {
  /** Stable key, for counting rows that failed for the same reason and for `--log json`. */
  readonly key: string;
  /** What went wrong, in a few words. */
  readonly reason: string;
  /** What to do about it. */
  readonly fix: string;
}

interface Rule extends Reason {
  /** Error codes this rule applies to; absent: any code. */
  readonly codes?: readonly string[];
  /** A pattern the message must match too; absent: any message. */
  readonly message?: RegExp;
}

const GRAPH_400 = ['Request_BadRequest', 'BadRequest'];
const FORBIDDEN = ['Authorization_RequestDenied', 'HTTP403', 'Forbidden', 'accessDenied'];

/** The license problems Graph reports in a 400's message, or in an assignment state's `error` that the tool quotes. */
const LICENSE_PROBLEMS: readonly Omit<Rule, 'codes'>[] = [
  {
    key: 'usage-location',
    reason: 'usage location missing',
    fix: 'add a UsageLocation column or pass --usage-location US (the users\' country)',
    message: /usage ?location|ProhibitedInUsageLocationViolation/i,
  },
  {
    key: 'no-seats',
    reason: 'no licenses left in the subscription',
    fix: 'buy more seats or free some (remove rows first), then retry with --resume',
    message: /does not have any available licenses|CountViolation/i,
  },
  {
    key: 'group-inherited',
    reason: 'license comes from a group',
    fix: 'remove the user from the licensing group in Entra ID, or drop the row',
    message: /inherited from a group/i,
  },
  {
    key: 'exclusive-plans',
    reason: 'plans that cannot be assigned together',
    fix: 'remove the conflicting license first (a remove row before the add), or disable one of the plans in DisabledPlans',
    message: /mutually exclusive|MutuallyExclusiveViolation|cannot be assigned at the same time|conflicting service plans/i,
  },
  {
    key: 'dependent-plans',
    reason: 'a plan needs another plan the user does not have',
    fix: 'enable the plan it depends on (or assign its license first), or disable the dependent plan',
    message: /depend|DependencyViolation/i,
  },
  {
    key: 'unknown-sku',
    reason: 'SKU not in the tenant',
    fix: 'check the SkuId against `license-batch skus`',
    message: /does not correspond to a valid company License/i,
  },
  {
    key: 'plan-not-in-sku',
    reason: 'plan not part of the SKU',
    fix: 'check the plans against `license-batch skus`',
    message: /does not belong to license/i,
  },
  {
    key: 'not-held',
    reason: 'remove of a license the user does not have',
    fix: 'drop the row: the license is already gone',
    message: /does not have a corresponding license/i,
  },
];

const RULES: readonly Rule[] = [
  // Rows the file itself got wrong (src/input/): fix the file, then --resume.
  { codes: ['EmptyUser', 'InvalidUser'], key: 'bad-user', reason: 'user missing or not a UPN or id', fix: 'fill in a UserPrincipalName (user@domain) or an object id' },
  { codes: ['EmptySku', 'InvalidSku'], key: 'bad-sku', reason: 'SKU missing or malformed', fix: 'give a SKU GUID, part number or product name (see `license-batch skus`)' },
  { codes: ['UnknownSku'], key: 'unknown-sku', reason: 'SKU not in the tenant', fix: 'check the SKU name against `license-batch skus` (part number, product name or GUID)' },
  { codes: ['AmbiguousSku'], key: 'ambiguous-sku', reason: 'SKU name matches several SKUs', fix: 'use the part number or the GUID from `license-batch skus`' },
  { codes: ['InvalidPlan', 'PlanNotInSku'], key: 'plan-not-in-sku', reason: 'plan not part of the SKU', fix: 'check the plans against `license-batch skus`' },
  { codes: ['PlansOnRemove'], key: 'plans-on-remove', reason: 'plans given on a remove row', fix: 'clear DisabledPlans/EnabledPlans on remove rows' },
  { codes: ['UnknownAction'], key: 'bad-action', reason: 'unknown action', fix: 'write add or remove in the Action column' },
  { codes: ['InvalidUsageLocation'], key: 'bad-usage-location', reason: 'usage location is not a country code', fix: 'use a two-letter ISO country code such as US, DE or GB' },
  { codes: ['ConflictingRows'], key: 'conflicting-rows', reason: 'rows of one user contradict each other', fix: 'keep one of the contradicting rows for that user' },
  // The run's own findings (SPEC §2).
  { codes: ['NoUsageLocation'], ...pick('usage-location') },
  { codes: ['UserNotFound'], key: 'user-not-found', reason: 'user not found', fix: 'check the UPN or id (a renamed or deleted user?); guests are x_domain#EXT#@tenant' },
  { codes: ['InheritedFromGroup'], key: 'group-inherited', reason: 'license comes from a group', fix: 'remove the user from the licensing group in Entra ID, or drop the row' },
  { codes: ['NoSeats'], key: 'no-seats', reason: 'no licenses left in the subscription', fix: 'buy more seats or free some (remove rows first), then retry with --resume' },
  { codes: ['SeatsRanOut'], key: 'seats-ran-out', reason: 'seats ran out during the run (taken by another admin or app)', fix: 'check `license-batch skus`, free or buy seats, then retry with --resume' },
  { codes: ['SkuNotAssignable'], key: 'sku-not-assignable', reason: 'SKU cannot be assigned (suspended, locked out, deleted, or for the company only)', fix: 'renew the subscription in the Microsoft 365 admin center, or pick another SKU' },
  { codes: ['SeatMoveFailed'], key: 'seat-move-failed', reason: 'the remove that was to free its seat failed', fix: 'fix the remove row named in the message, then retry with --resume' },
  // Graph's answers.
  { codes: GRAPH_400, message: /seats ran out during the run/i, key: 'seats-ran-out', reason: 'seats ran out during the run (taken by another admin or app)', fix: 'check `license-batch skus`, free or buy seats, then retry with --resume' },
  {
    codes: GRAPH_400,
    message: /property 'usageLocation'/i,
    key: 'bad-usage-location',
    reason: 'usage location is not a country code',
    fix: 'use a two-letter ISO country code such as US, DE or GB',
  },
  ...LICENSE_PROBLEMS.map((rule) => ({ ...rule, codes: [...GRAPH_400, 'MutuallyExclusiveViolation', 'DependencyViolation', 'CountViolation', 'ProhibitedInUsageLocationViolation'] })),
  { codes: ['MutuallyExclusiveViolation'], ...pick('exclusive-plans') },
  { codes: ['DependencyViolation'], ...pick('dependent-plans') },
  { codes: ['CountViolation'], ...pick('no-seats') },
  { codes: ['ProhibitedInUsageLocationViolation'], key: 'usage-location-prohibited', reason: 'license not sold in the user\'s country', fix: 'change the user\'s UsageLocation or pick a license sold there' },
  { codes: ['Request_ResourceNotFound'], key: 'user-not-found', reason: 'user not found', fix: 'check the UPN or id (a renamed or deleted user?); guests are x_domain#EXT#@tenant' },
  {
    codes: FORBIDDEN,
    message: /usage location/i,
    key: 'permission-usage-location',
    reason: 'permission to set usage location missing',
    fix: `grant the application permission ${PERMISSION_NEEDS.usageLocation.permission} with admin consent (it also covers reading users), or set the users' usage location in the admin center and clear the UsageLocation column; then retry with --resume`,
  },
  {
    codes: FORBIDDEN,
    key: 'permission',
    reason: 'permission missing',
    fix: `grant the application permissions ${LEAST_PRIVILEGE} with admin consent (delegated: ${DELEGATED_ROLES}); then retry with --resume`,
  },
  {
    codes: ['TooManyRequests', 'HTTP429'],
    key: 'throttled',
    reason: 'throttled by Graph until retries ran out',
    fix: 'retry later with --resume, and a lower --max-rate or --concurrency',
  },
  {
    codes: ['serviceNotAvailable', 'generalException', 'Directory_ConcurrencyViolation', 'HTTP500', 'HTTP502', 'HTTP503', 'HTTP504', 'ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'TIMEOUT'],
    key: 'transient',
    reason: 'Graph or the network failed until retries ran out',
    fix: 'retry with --resume (raise --max-retries if it keeps happening)',
  },
  {
    codes: ['UnexpectedAnswer'],
    key: 'unexpected-answer',
    reason: 'Graph\'s answer could not be read',
    fix: 'retry with --resume; if it keeps happening, check for a proxy or gateway between this tool and Graph (--graph-url)',
  },
  { codes: ['InternalError'], key: 'internal', reason: 'an internal error of license-batch', fix: 'retry with --resume, and report it with the results row' },
];

function pick(key: string): Reason {
  const rule = LICENSE_PROBLEMS.find((r) => r.key === key)!;
  return { key: rule.key, reason: rule.reason, fix: rule.fix };
}

/**
 * The reason and fix for one failed or invalid row: the first rule whose codes and message match.
 * A code the table does not know is its own reason, with the message to read.
 */
export function reasonFor(failure: RowFailure): Reason {
  const code = failure.errorCode ?? '';
  for (const rule of RULES) {
    if (rule.codes && !rule.codes.includes(code)) continue;
    if (rule.message && !rule.message.test(failure.message)) continue;
    return { key: rule.key, reason: rule.reason, fix: rule.fix };
  }
  if (code === '') return { key: 'unknown', reason: 'failed without an error code', fix: 'read the message column of the results file' };
  return { key: `code:${code}`, reason: code, fix: `read the message column of the results file (${firstSentence(failure.message)})` };
}

function firstSentence(message: string): string {
  const sentence = message.split(/(?<=\.)\s/)[0] ?? message;
  return sentence.length > 120 ? `${sentence.slice(0, 117)}...` : sentence;
}

/** Rows counted per reason, with the first row seen as the example. */
export interface ReasonCount extends Reason {
  count: number;
  /** The data row number of the first row with this reason. */
  exampleRow: number;
}

/** Counts failed and invalid rows by reason as they complete; `top` gives the most frequent first. */
export class ReasonTally {
  readonly #byKey = new Map<string, ReasonCount>();

  add(row: number, failure: RowFailure): void {
    const reason = reasonFor(failure);
    const known = this.#byKey.get(reason.key);
    if (known) {
      known.count++;
      known.exampleRow = Math.min(known.exampleRow, row);
    } else {
      this.#byKey.set(reason.key, { ...reason, count: 1, exampleRow: row });
    }
  }

  /** The `n` most frequent reasons; ties in order of their example row. */
  top(n: number): ReasonCount[] {
    return [...this.#byKey.values()].sort((a, b) => b.count - a.count || a.exampleRow - b.exampleRow).slice(0, n);
  }

  get size(): number {
    return this.#byKey.size;
  }
}

/** One reason as the summary prints it: "usage location missing: 37 rows (e.g. row 12): add a UsageLocation column ...". */
export function formatReason(r: ReasonCount): string {
  return `${r.reason}: ${r.count} row${r.count === 1 ? '' : 's'} (e.g. row ${r.exampleRow}): ${r.fix}`;
}
