/**
 * The plain data that flows through a run: rows in, outcomes out.
 * Nothing here does I/O.
 */

export type Action = 'add' | 'remove';

/** The license columns this tool understands, by canonical name (SPEC §1). */
export type Column = 'user' | 'sku' | 'disabledPlans' | 'enabledPlans' | 'action' | 'usageLocation';

export type Status = 'succeeded' | 'failed' | 'invalid' | 'skipped' | 'planned' | 'not-attempted';

/** The outcome columns appended to every results row, in order (SPEC §4). */
export const OUTCOME_COLUMNS = [
  'row',
  'status',
  'httpStatus',
  'errorCode',
  'message',
  'attempts',
  'requestId',
  'completedAt',
] as const;

/** One data record of the input as read: values in header order, before any interpretation. */
export interface InputRecord {
  /** 1-based count of data records (header and blank lines not counted). */
  readonly row: number;
  /** 1-based physical line the record starts on, for messages. */
  readonly line: number;
  /** The input columns' values, in header order, outcome columns of an earlier results file removed. */
  readonly values: readonly string[];
}

/** A SKU or service plan as the spreadsheet names it: a GUID, or a name still to be resolved. */
export type Ref = { readonly kind: 'id'; readonly id: string } | { readonly kind: 'name'; readonly name: string };

/** A row that passed the offline checks: what the admin asked for, names not yet resolved. */
export interface LicenseRow {
  readonly row: number;
  readonly line: number;
  /** The user as written: a UPN or an object id. */
  readonly user: string;
  /** Grouping key: the user lower-cased. */
  readonly userKey: string;
  readonly action: Action;
  readonly sku: Ref;
  /** Present only when the row names plans; `enabled` means every other plan of the SKU is disabled. */
  readonly plans?: { readonly mode: 'disabled' | 'enabled'; readonly refs: readonly Ref[] };
  /** Upper-case two-letter country code, when the row asks for one. */
  readonly usageLocation?: string;
}

/** A row with every name resolved to GUIDs against the tenant: ready to become part of a request body. */
export interface ResolvedRow extends LicenseRow {
  readonly skuId: string;
  /** For an add: the complete disabledPlans set to send. Empty for a remove. */
  readonly disabledPlans: readonly string[];
  /** Part number, for messages, when the tenant told us. */
  readonly skuLabel: string;
}

/** Why a row cannot be sent: a stable code and a sentence that names the column and the value. */
export interface RowProblem {
  readonly errorCode: string;
  readonly message: string;
}

/** What happened to one row: the outcome columns of the results file. */
export interface RowOutcome {
  readonly row: number;
  readonly status: Status;
  readonly httpStatus?: number;
  readonly errorCode?: string;
  readonly message: string;
  /** HTTP requests that carried this row's change (a usage-location PATCH counts). */
  readonly attempts: number;
  readonly requestId?: string;
  /** ISO 8601. */
  readonly completedAt: string;
}

/** A row's problem together with the physical line the row starts on, for messages that name both. */
export interface LocatedProblem extends RowProblem {
  readonly line: number;
}
