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

/** Reads a Graph user object. Without `licenseAssignmentStates`, every assigned license counts as direct. */
export function userLicensesOf(user: unknown): UserLicenses {
  const u = (user ?? {}) as GraphUserLicenses;
  const direct = new Map<string, DirectAssignment>();
  const inherited = new Map<string, string>();
  const inEffect = new Map<string, number>();
  if (Array.isArray(u.licenseAssignmentStates)) {
    for (const entry of u.licenseAssignmentStates) {
      const skuId = entry.skuId.toLowerCase();
      if (isInEffect(entry.state)) inEffect.set(skuId, (inEffect.get(skuId) ?? 0) + 1);
      if (entry.assignedByGroup) {
        inherited.set(skuId, entry.assignedByGroup.toLowerCase());
        continue;
      }
      const assignment: { -readonly [K in keyof DirectAssignment]: DirectAssignment[K] } = { disabledPlans: lowerCase(entry.disabledPlans) };
      if (entry.state) assignment.state = entry.state;
      if (entry.error) assignment.error = entry.error;
      direct.set(skuId, assignment);
    }
  } else {
    for (const license of u.assignedLicenses ?? []) {
      direct.set(license.skuId.toLowerCase(), { disabledPlans: lowerCase(license.disabledPlans) });
      inEffect.set(license.skuId.toLowerCase(), 1);
    }
  }
  const licenses: { -readonly [K in keyof UserLicenses]: UserLicenses[K] } = { usageLocation: u.usageLocation ?? null, direct, inherited, inEffect };
  if (u.id) licenses.id = u.id.toLowerCase();
  if (u.userPrincipalName) licenses.userPrincipalName = u.userPrincipalName;
  return licenses;
}

/** An assignment in state `Error` or `Disabled` gives the user nothing, and holds no seat. */
export function isInEffect(state: string | null | undefined): boolean {
  const s = state?.toLowerCase();
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

function lowerCase(ids: readonly string[] | undefined): string[] {
  return (ids ?? []).map((id) => id.toLowerCase());
}
