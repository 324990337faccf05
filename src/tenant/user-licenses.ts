/**
 * A user's licenses as Graph reports them (`$select=usageLocation,assignedLicenses,licenseAssignmentStates`),
 * split by how each SKU is held. `assignedLicenses` mixes direct and group licenses;
 * `licenseAssignmentStates` tells them apart and says whether an assignment is healthy.
 */
export interface UserLicenses {
  readonly id?: string;
  readonly userPrincipalName?: string;
  readonly usageLocation: string | null;
  /** Direct assignments by SKU id (lower case). */
  readonly direct: ReadonlyMap<string, DirectAssignment>;
  /** SKUs the user holds through a group, with the group's id (lower case). */
  readonly inherited: ReadonlyMap<string, string>;
  /**
   * Assignments in effect per SKU (direct and group; not those in state `Error` or `Disabled`): a user
   * holds one seat of a SKU while any is, however it was assigned.
   */
  readonly inEffect: ReadonlyMap<string, number>;
}

export interface DirectAssignment {
  /** Disabled service plan ids, lower case. */
  readonly disabledPlans: readonly string[];
  /** `Active`, `ActiveWithError`, `Disabled`, `Error`; absent when Graph did not say. */
  readonly state?: string;
  /** `None` or null when healthy, else `CountViolation`, `MutuallyExclusiveViolation`, ... */
  readonly error?: string;
}

/** The `$select` that makes Graph return what {@link userLicensesOf} reads. */
export const LICENSE_PROPERTIES = ['id', 'userPrincipalName', 'usageLocation', 'assignedLicenses', 'licenseAssignmentStates'] as const;

interface GraphUserLicenses {
  id?: string;
  userPrincipalName?: string;
  usageLocation?: string | null;
  assignedLicenses?: { skuId: string; disabledPlans?: string[] }[];
  licenseAssignmentStates?: { skuId: string; disabledPlans?: string[]; assignedByGroup?: string | null; state?: string | null; error?: string | null }[];
}

/**
 * Reads a Graph user object. Without `licenseAssignmentStates`, every assigned license counts as
 * direct. Lenient: entries without a `skuId` are left out (see {@link unreadableLicenses} for
 * whether the object can be trusted at all).
 */
export function userLicensesOf(user: unknown): UserLicenses {
  const u = (isRecord(user) ? user : {}) as GraphUserLicenses;
  const direct = new Map<string, DirectAssignment>();
  const inherited = new Map<string, string>();
  const inEffect = new Map<string, number>();
  if (Array.isArray(u.licenseAssignmentStates)) {
    for (const entry of u.licenseAssignmentStates.filter(hasSkuId)) {
      const skuId = entry.skuId.toLowerCase();
      if (isInEffect(entry.state)) inEffect.set(skuId, (inEffect.get(skuId) ?? 0) + 1);
      if (typeof entry.assignedByGroup === 'string' && entry.assignedByGroup !== '') {
        inherited.set(skuId, entry.assignedByGroup.toLowerCase());
        continue;
      }
      const assignment: { -readonly [K in keyof DirectAssignment]: DirectAssignment[K] } = { disabledPlans: lowerCase(entry.disabledPlans) };
      if (typeof entry.state === 'string' && entry.state !== '') assignment.state = entry.state;
      if (typeof entry.error === 'string' && entry.error !== '') assignment.error = entry.error;
      direct.set(skuId, assignment);
    }
  } else if (Array.isArray(u.assignedLicenses)) {
    for (const license of u.assignedLicenses.filter(hasSkuId)) {
      direct.set(license.skuId.toLowerCase(), { disabledPlans: lowerCase(license.disabledPlans) });
      inEffect.set(license.skuId.toLowerCase(), 1);
    }
  }
  const licenses: { -readonly [K in keyof UserLicenses]: UserLicenses[K] } = {
    usageLocation: typeof u.usageLocation === 'string' && u.usageLocation !== '' ? u.usageLocation : null,
    direct,
    inherited,
    inEffect,
  };
  if (typeof u.id === 'string' && u.id !== '') licenses.id = u.id.toLowerCase();
  if (typeof u.userPrincipalName === 'string' && u.userPrincipalName !== '') licenses.userPrincipalName = u.userPrincipalName;
  return licenses;
}

/**
 * Why a user object from Graph cannot say which licenses the user holds (not an object, no
 * `assignedLicenses` list, an entry without a `skuId`), or `undefined` when it can. Graph always
 * sends `assignedLicenses` when it is selected, `[]` for none: without it, "no licenses" would be a
 * guess, and a guess would skip removes and write a wrong undo file.
 */
export function unreadableLicenses(user: unknown): string | undefined {
  if (!isRecord(user)) return `it is not a user object (${describe(user)})`;
  if (!Array.isArray(user.assignedLicenses)) return `it has no assignedLicenses list (${describe(user.assignedLicenses)})`;
  if (user.licenseAssignmentStates !== undefined && user.licenseAssignmentStates !== null && !Array.isArray(user.licenseAssignmentStates)) {
    return `its licenseAssignmentStates is not a list (${describe(user.licenseAssignmentStates)})`;
  }
  for (const name of ['assignedLicenses', 'licenseAssignmentStates'] as const) {
    const entries = (user[name] ?? []) as unknown[];
    const odd = entries.find((entry) => !hasSkuId(entry));
    if (odd !== undefined) return `an entry of its ${name} has no skuId (${describe(odd)})`;
  }
  return undefined;
}

function hasSkuId<T>(entry: T): entry is T & { skuId: string } {
  return isRecord(entry) && typeof entry.skuId === 'string' && entry.skuId !== '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** An assignment in state `Error` or `Disabled` gives the user nothing, and holds no seat. */
export function isInEffect(state: unknown): boolean {
  const s = typeof state === 'string' ? state.toLowerCase() : undefined;
  return s !== 'error' && s !== 'disabled';
}

/**
 * Why a direct assignment is not in force, in words ("in state Error (CountViolation)"), or
 * undefined when it is healthy. An assignment in error is not "in place": re-sending it may mend it.
 */
export function assignmentTrouble(assignment: DirectAssignment): string | undefined {
  const error = assignment.error && assignment.error.toLowerCase() !== 'none' ? assignment.error : undefined;
  if (assignment.state?.toLowerCase() === 'error' || error !== undefined) {
    return `in state ${assignment.state ?? 'Error'}${error ? ` (${error})` : ''}`;
  }
  return undefined;
}

function lowerCase(ids: unknown): string[] {
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string').map((id) => id.toLowerCase()) : [];
}
