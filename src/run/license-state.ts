import type { ResolvedRow } from '../model.js';

/** A user's licenses as Graph reports them, split by how each SKU is held. */
export interface UserLicenseState {
  readonly usageLocation: string | null;
  /** Direct assignments: SKU id -> disabled plan ids. */
  readonly direct: ReadonlyMap<string, readonly string[]>;
  /** SKUs the user holds through a group. */
  readonly inherited: ReadonlySet<string>;
}

interface GraphUserLicenses {
  usageLocation?: string | null;
  assignedLicenses?: { skuId: string; disabledPlans?: string[] }[];
  licenseAssignmentStates?: { skuId: string; disabledPlans?: string[]; assignedByGroup?: string | null }[];
}

/**
 * Reads a Graph user object selected with `assignedLicenses,licenseAssignmentStates,usageLocation`.
 * `assignedLicenses` mixes direct and group licenses; `licenseAssignmentStates` tells them apart.
 */
export function licenseStateOf(user: unknown): UserLicenseState {
  const u = (user ?? {}) as GraphUserLicenses;
  const direct = new Map<string, string[]>();
  const inherited = new Set<string>();
  if (Array.isArray(u.licenseAssignmentStates)) {
    for (const state of u.licenseAssignmentStates) {
      const skuId = state.skuId.toLowerCase();
      if (state.assignedByGroup) inherited.add(skuId);
      else direct.set(skuId, (state.disabledPlans ?? []).map((p) => p.toLowerCase()));
    }
  } else {
    for (const license of u.assignedLicenses ?? []) {
      direct.set(license.skuId.toLowerCase(), (license.disabledPlans ?? []).map((p) => p.toLowerCase()));
    }
  }
  return { usageLocation: u.usageLocation ?? null, direct, inherited };
}

/** True when the user already is as the row asks: the SKU held directly with exactly these plans off, or not held directly. */
export function rowIsInPlace(row: ResolvedRow, state: UserLicenseState): boolean {
  const held = state.direct.get(row.skuId);
  if (row.action === 'remove') return held === undefined;
  if (held === undefined) return false;
  return sameSet(held, row.disabledPlans);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}
