import { RunError } from '../errors.js';
import { OUTCOME_COLUMNS, type Column } from '../model.js';
import type { Delimiter } from './delimiter.js';
import { placeOf } from './place.js';

/** The input file's header, interpreted: which input column holds which license column. */
export interface Header {
  /** The input columns kept, in order: every column but the outcome columns of an earlier results file. */
  readonly names: readonly string[];
  /** Index into a record's values of each license column the file has. */
  readonly columns: Readonly<Partial<Record<Column, number>>>;
  /** How many leading fields of a record are input columns (`names.length`). */
  readonly keptCount: number;
  /** How many fields the header line has, outcome columns included: the most a record may have. */
  readonly fieldCount: number;
  readonly delimiter: Delimiter;
  /** The physical line the header is on (in a workbook, its row number). */
  readonly line: number;
  /** The worksheet's name when the input is a workbook: messages name the sheet and the row instead of a line. */
  readonly sheet?: string;
}

interface ColumnSpec {
  readonly column: Column;
  /** The name the SPEC gives the column, first, then its aliases in order of preference. */
  readonly names: readonly string[];
  readonly required: boolean;
}

/** SPEC §1's table. Order within `names` decides which column wins when a file has several. */
export const COLUMN_SPECS: readonly ColumnSpec[] = [
  { column: 'user', names: ['UserPrincipalName', 'upn', 'user', 'userid', 'id', 'objectid', 'mail', 'email'], required: true },
  { column: 'sku', names: ['SkuId', 'sku', 'skupartnumber', 'license', 'product'], required: true },
  { column: 'disabledPlans', names: ['DisabledPlans', 'disabled', 'disabledserviceplans'], required: false },
  { column: 'enabledPlans', names: ['EnabledPlans', 'enabled'], required: false },
  { column: 'action', names: ['Action', 'operation', 'op'], required: false },
  { column: 'usageLocation', names: ['UsageLocation', 'country', 'location'], required: false },
];

/** Header names compare case-insensitively, ignoring spaces, `_` and `-` (SPEC §1). */
export function normaliseColumnName(name: string): string {
  return name.replace(/[\s_-]+/g, '').toLowerCase();
}

/** The canonical name of each license column, as messages spell it when the header has none. */
export const CANONICAL_NAMES: Readonly<Record<Column, string>> = Object.fromEntries(
  COLUMN_SPECS.map((spec) => [spec.column, spec.names[0]!]),
) as Record<Column, string>;

/**
 * Interprets a header line's names. Outcome columns of an earlier results file are dropped when
 * they are the header's exact trailing run, so that a results file is a valid input. When several
 * columns match one license column, the SPEC's own name wins, then the aliases in the SPEC's
 * order; the others are carried through like any other column. Two columns of the same name
 * (compared as header names are) cannot be told apart, and are refused when that name is the one
 * a license column would be read from.
 *
 * @throws {RunError} `INPUT_STRUCTURE` when a required column is missing, naming the names accepted,
 * or when the column chosen for a license column appears twice.
 */
export function interpretHeader(names: readonly string[], line = 1, delimiter: Delimiter = ',', sheet?: string): Header {
  const where = placeOf(line, sheet);
  const keptCount = hasOutcomeColumns(names) ? names.length - OUTCOME_COLUMNS.length : names.length;
  const kept = names.slice(0, keptCount);
  const normalised = kept.map(normaliseColumnName);
  const columns: Partial<Record<Column, number>> = {};
  for (const spec of COLUMN_SPECS) {
    for (const candidate of spec.names) {
      const index = normalised.indexOf(normaliseColumnName(candidate));
      if (index !== -1) {
        const again = normalised.indexOf(normalised[index]!, index + 1);
        // Two columns of one name: which one holds the users (or SKUs) is a guess a license change must not make.
        if (again !== -1) {
          throw new RunError(
            'INPUT_STRUCTURE',
            `${where}: the header has two ${spec.names[0]} columns, ${JSON.stringify(kept[index])} (column ${index + 1}) and ` +
              `${JSON.stringify(kept[again])} (column ${again + 1}); rename or remove one`,
            { line },
          );
        }
        columns[spec.column] = index;
        break;
      }
    }
    if (spec.required && columns[spec.column] === undefined) {
      const [canonical, ...aliases] = spec.names;
      const found = kept.length === 0 ? 'no columns' : `columns ${kept.map((n) => JSON.stringify(n)).join(', ')}`;
      const oneJoinedColumn = kept.length === 1 && /[,;\t]/.test(kept[0]!);
      const hint = !oneJoinedColumn
        ? ''
        : sheet === undefined
          ? ` (is the delimiter right? this one is ${describe(delimiter)})`
          : ' (the whole header is in column A: was a CSV file pasted or opened without splitting it into columns?)';
      throw new RunError(
        'INPUT_STRUCTURE',
        `${where}: the header has no ${canonical} column (also accepted: ${aliases.join(', ')}); it has ${found}${hint}`,
        { line },
      );
    }
  }
  return { names: kept, columns, keptCount, fieldCount: names.length, delimiter, line, ...(sheet === undefined ? {} : { sheet }) };
}

function hasOutcomeColumns(names: readonly string[]): boolean {
  if (names.length < OUTCOME_COLUMNS.length) return false;
  const offset = names.length - OUTCOME_COLUMNS.length;
  return OUTCOME_COLUMNS.every((outcome, i) => names[offset + i]!.trim() === outcome);
}

function describe(delimiter: Delimiter): string {
  return delimiter === '\t' ? 'tab' : `"${delimiter}"`;
}
