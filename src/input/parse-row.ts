import { placeOf } from './place.js';
import type { Action, Column, InputRecord, LicenseRow, Ref, RowProblem } from '../model.js';
import { COUNTRY_CODES } from './country-codes.js';
import { CANONICAL_NAMES, type Header } from './header.js';
import { asGuid, hasControlCharacters, isBrokenGuid, quote } from './values.js';

export type ParsedRow = { readonly ok: true; readonly row: LicenseRow } | { readonly ok: false; readonly problem: RowProblem };

const ACTIONS: Readonly<Record<string, Action>> = { '': 'add', add: 'add', assign: 'add', remove: 'remove', unassign: 'remove' };

/** Plans are listed with any of `;` `,` `|` or white space between them (SPEC §1). */
const PLAN_SEPARATORS = /[;,|\s]+/;

/**
 * Service plan names as Microsoft spells them: letters, digits, `_`, and in a few older plans
 * `( ) / + - .`. Anything else in a plan list is a typo, not a plan.
 */
const PLAN_NAME = /^[\p{L}\p{N}_()/+.-]+$/u;

const MAX_SKU_LENGTH = 256;

/**
 * The offline checks of one record (SPEC §1, row validity): each value is read the way the
 * SPEC's table says and either becomes a {@link LicenseRow} or the first problem found, with a
 * message that names the column as the header spells it and quotes the value. Names are not
 * resolved here; that needs the tenant ({@link createSkuCatalog}).
 *
 * Values are trimmed: a trailing space copied from another sheet is not a different user.
 */
export function parseRow(record: InputRecord, header: Header): ParsedRow {
  const { values } = record;
  const userText = cell(values, header, 'user');
  if (userText === '') return fail('EmptyUser', `${label(header, 'user')} is empty: each row needs a user principal name or a user object id`);
  const userId = asGuid(userText);
  if (userId === undefined && !isUserPrincipalName(userText)) {
    return fail('InvalidUser', `${label(header, 'user')} ${quote(userText)} is neither a user object id (GUID) nor a user principal name such as name@contoso.com`);
  }
  const user = userId ?? userText;

  const skuText = cell(values, header, 'sku');
  if (skuText === '') return fail('EmptySku', `${label(header, 'sku')} is empty: each row needs a SKU id, part number or product name`);
  const sku = skuRef(skuText);
  if (sku === undefined) return fail('InvalidSku', `${label(header, 'sku')} ${quote(skuText)} is neither a SKU GUID nor a SKU name`);

  const actionText = cell(values, header, 'action');
  const action = actionText === '' ? 'add' : ACTIONS[actionText.toLowerCase()];
  if (action === undefined) {
    return fail('UnknownAction', `${label(header, 'action')} ${quote(actionText)} is not an action: use add (or assign, or leave it empty) or remove (or unassign)`);
  }

  const row: Mutable<LicenseRow> = { row: record.row, line: record.line, user, userKey: user.toLowerCase(), action, sku };

  const disabledText = cell(values, header, 'disabledPlans');
  const enabledText = cell(values, header, 'enabledPlans');
  if (disabledText !== '' || enabledText !== '') {
    const plans = parsePlans(header, action, disabledText, enabledText);
    if (plans !== undefined && 'errorCode' in plans) return { ok: false, problem: plans };
    if (plans !== undefined) row.plans = plans;
  }

  const locationText = cell(values, header, 'usageLocation');
  if (locationText !== '') {
    const usageLocation = locationText.toUpperCase();
    if (!COUNTRY_CODES.has(usageLocation)) {
      return fail('InvalidUsageLocation', `${label(header, 'usageLocation')} ${quote(locationText)} is not a two-letter country code (ISO 3166-1, such as US, DE or GB)`);
    }
    row.usageLocation = usageLocation;
  }
  return { ok: true, row };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function parsePlans(header: Header, action: Action, disabledText: string, enabledText: string): LicenseRow['plans'] | RowProblem {
  const disabledTokens = splitPlans(disabledText);
  const enabledTokens = splitPlans(enabledText);
  if (disabledTokens.length > 0 && enabledTokens.length > 0) {
    return problem(
      'PlansBothColumns',
      `${label(header, 'disabledPlans')} ${quote(disabledText)} and ${label(header, 'enabledPlans')} ${quote(enabledText)} are both filled: a row lists the plans to turn off or the plans to keep on, not both`,
    );
  }
  const mode = enabledTokens.length > 0 ? 'enabled' : 'disabled';
  const column: Column = mode === 'enabled' ? 'enabledPlans' : 'disabledPlans';
  const tokens = mode === 'enabled' ? enabledTokens : disabledTokens;
  if (tokens.length === 0) return undefined;
  if (action === 'remove') {
    const text = mode === 'enabled' ? enabledText : disabledText;
    return problem('PlansOnRemove', `${label(header, column)} ${quote(text)} is given on a remove row: removing takes the whole SKU away, so plans do not apply`);
  }
  const refs: Ref[] = [];
  const seen = new Set<string>();
  for (const token of tokens) {
    const ref = planRef(token);
    if (ref === undefined) return problem('InvalidPlan', `${label(header, column)} ${quote(token)} is neither a service plan GUID nor a service plan name`);
    const key = ref.kind === 'id' ? ref.id : ref.name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    refs.push(ref);
  }
  return { mode, refs };
}

function cell(values: readonly string[], header: Header, column: Column): string {
  const index = header.columns[column];
  return index === undefined ? '' : (values[index] ?? '').trim();
}

/** The column as the header spells it, or the SPEC's name when the file does not have it. */
function label(header: Header, column: Column): string {
  const index = header.columns[column];
  return index === undefined ? CANONICAL_NAMES[column] : header.names[index]!;
}

function problem(errorCode: string, message: string): RowProblem {
  return { errorCode, message };
}

function fail(errorCode: string, message: string): ParsedRow {
  return { ok: false, problem: { errorCode, message } };
}

/**
 * `row 12 (line 13): <message>`, the way the console lists a row's problem; for a workbook,
 * `row 12 (sheet "Users" row 14): <message>`.
 */
export function formatProblem(row: number, line: number, problem: RowProblem, sheet?: string): string {
  return `row ${row} (${placeOf(line, sheet)}): ${problem.message}`;
}

/**
 * A UPN has one `@` with something on either side and no white space; guests' UPNs
 * (`x_y.com#EXT#@t.onmicrosoft.com`) fit too. Graph is the judge of the rest.
 */
function isUserPrincipalName(value: string): boolean {
  if (/\s/.test(value) || hasControlCharacters(value)) return false;
  const at = value.indexOf('@');
  return at > 0 && at === value.lastIndexOf('@') && at < value.length - 1;
}

function skuRef(value: string): Ref | undefined {
  const id = asGuid(value);
  if (id !== undefined) return { kind: 'id', id };
  if (isBrokenGuid(value) || hasControlCharacters(value) || value.length > MAX_SKU_LENGTH) return undefined;
  return { kind: 'name', name: value };
}

function planRef(token: string): Ref | undefined {
  const id = asGuid(token);
  if (id !== undefined) return { kind: 'id', id };
  if (isBrokenGuid(token) || !PLAN_NAME.test(token)) return undefined;
  return { kind: 'name', name: token };
}

function splitPlans(text: string): string[] {
  return text === '' ? [] : text.split(PLAN_SEPARATORS).filter((token) => token !== '');
}
