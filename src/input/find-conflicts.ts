import type { LicenseRow, LocatedProblem, Ref } from '../model.js';
import { quote } from './values.js';

/** How rows are compared: one key per SKU and per plan, however a row spells them. */
export interface ConflictKeys {
  sku(ref: Ref): string;
  plan(ref: Ref): string;
  /** How messages name a SKU; defaults to the value as written. */
  label?(ref: Ref): string;
  /**
   * One string per distinct plan set an add asks for (`''` for none). Defaults to the mode and the
   * sorted plan keys; a catalog that knows the SKU's plans can compare what would really be sent.
   */
  planSet?(row: LicenseRow): string;
}

const LISTED_ROWS = 5;

/**
 * Rows of one user (same `userKey`) that contradict each other, anywhere in `rows` (SPEC §1): an
 * add and a remove of one SKU, two adds of one SKU with different plans, two different usage
 * locations. Every row involved gets a `ConflictingRows` problem naming the other rows and the
 * values; rows that say the same thing twice are not a conflict. Returns only the rows in conflict.
 */
export function findConflicts(rows: readonly LicenseRow[], keyOf: ConflictKeys): Map<number, LocatedProblem> {
  const messages = new Map<LicenseRow, string[]>();
  const note = (row: LicenseRow, message: string) => {
    const list = messages.get(row);
    if (list) list.push(message);
    else messages.set(row, [message]);
  };

  for (const userRows of groupBy(rows, (row) => row.userKey).values()) {
    if (userRows.length < 2) continue;
    for (const skuRows of groupBy(userRows, (row) => keyOf.sku(row.sku)).values()) {
      checkAddAndRemove(skuRows, keyOf, note);
      checkPlans(skuRows, keyOf, note);
    }
    checkUsageLocations(userRows, note);
  }

  const problems = new Map<number, LocatedProblem>();
  for (const [row, list] of messages) {
    problems.set(row.row, { errorCode: 'ConflictingRows', message: list.join('; '), line: row.line });
  }
  return problems;
}

type Note = (row: LicenseRow, message: string) => void;

function checkAddAndRemove(rows: readonly LicenseRow[], keyOf: ConflictKeys, note: Note): void {
  const adds = rows.filter((row) => row.action === 'add');
  const removes = rows.filter((row) => row.action === 'remove');
  if (adds.length === 0 || removes.length === 0) return;
  const removers = `${rowList(removes)} ${verb(removes, 'removes', 'remove')}`;
  const adders = `${rowList(adds)} ${verb(adds, 'adds', 'add')}`;
  for (const add of adds) note(add, `row ${add.row} adds ${label(add, keyOf)} that ${removers} for the same user`);
  for (const remove of removes) note(remove, `row ${remove.row} removes ${label(remove, keyOf)} that ${adders} for the same user`);
}

function checkPlans(rows: readonly LicenseRow[], keyOf: ConflictKeys, note: Note): void {
  const adds = rows.filter((row) => row.action === 'add');
  if (adds.length < 2) return;
  const planSet = keyOf.planSet ?? ((row: LicenseRow) => defaultPlanSet(row, keyOf));
  const bySet = groupBy(adds, planSet);
  if (bySet.size < 2) return;
  for (const [set, group] of bySet) {
    const others = adds.filter((row) => planSet(row) !== set);
    const otherSets = new Set(others.map(planSet));
    const theirs = `${rowList(others)} ${verb(others, 'adds', 'add')} it with ${otherSets.size === 1 ? plansOf(others[0]!) : 'other plans'}`;
    for (const add of group) note(add, `row ${add.row} adds ${label(add, keyOf)} with ${plansOf(add)} but ${theirs} for the same user`);
  }
}

function checkUsageLocations(rows: readonly LicenseRow[], note: Note): void {
  const byLocation = groupBy(
    rows.filter((row) => row.usageLocation !== undefined),
    (row) => row.usageLocation!,
  );
  if (byLocation.size < 2) return;
  for (const [location, group] of byLocation) {
    const others = [...byLocation].filter(([other]) => other !== location);
    const otherRows = others.flatMap(([, list]) => list);
    const theirs = `${rowList(otherRows)} ${verb(otherRows, 'sets', 'set')} ${others.map(([other]) => quote(other)).join(' or ')}`;
    for (const row of group) note(row, `row ${row.row} sets UsageLocation ${quote(location)} but ${theirs} for the same user`);
  }
}

function defaultPlanSet(row: LicenseRow, keyOf: ConflictKeys): string {
  if (row.plans === undefined) return '';
  return `${row.plans.mode}: ${row.plans.refs.map((ref) => keyOf.plan(ref)).sort().join(' ')}`;
}

function plansOf(row: LicenseRow): string {
  if (row.plans === undefined) return 'all plans';
  const column = row.plans.mode === 'enabled' ? 'EnabledPlans' : 'DisabledPlans';
  return `${column} ${quote(row.plans.refs.map(refText).join(';'))}`;
}

function label(row: LicenseRow, keyOf: ConflictKeys): string {
  return keyOf.label ? keyOf.label(row.sku) : refText(row.sku);
}

function refText(ref: Ref): string {
  return ref.kind === 'id' ? ref.id : ref.name;
}

/** "row 3", "rows 3 and 5", "rows 3, 5, 8, 9, 12 and 4 more", in row order. */
function rowList(rows: readonly LicenseRow[]): string {
  const numbers = rows.map((row) => row.row).sort((a, b) => a - b);
  if (numbers.length === 1) return `row ${numbers[0]}`;
  if (numbers.length <= LISTED_ROWS) return `rows ${numbers.slice(0, -1).join(', ')} and ${numbers.at(-1)}`;
  return `rows ${numbers.slice(0, LISTED_ROWS).join(', ')} and ${numbers.length - LISTED_ROWS} more`;
}

function verb(rows: readonly LicenseRow[], one: string, several: string): string {
  return rows.length === 1 ? one : several;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
