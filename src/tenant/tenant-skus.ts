import type { GraphRequest } from '../graph/graph-client.js';
import type { SendResult } from '../graph/send-with-retry.js';
import { readFailure } from './read-failure.js';

/** A SKU as `GET /subscribedSkus` returns it: the parts this tool reads. */
export interface TenantSku {
  readonly skuId: string;
  readonly skuPartNumber: string;
  /** `User` or `Company`: a company SKU cannot be assigned to users. */
  readonly appliesTo?: string;
  /** `Enabled`, `Warning`, `Suspended`, `Deleted`, `LockedOut`. */
  readonly capabilityStatus?: string;
  readonly consumedUnits?: number;
  readonly prepaidUnits?: { readonly enabled?: number; readonly suspended?: number; readonly warning?: number; readonly lockedOut?: number };
  readonly servicePlans?: readonly {
    readonly servicePlanId: string;
    readonly servicePlanName: string;
    /** `User` or `Company`; company-level plans are not switched per user. */
    readonly appliesTo?: string;
  }[];
}

/** Statuses under which a SKU takes no new assignments. */
const CLOSED_STATUSES = new Set(['suspended', 'lockedout', 'deleted']);

/**
 * Seats an add can still take: `prepaidUnits.enabled - consumedUnits`. Suspended and warning units
 * are counted apart from `enabled` by Graph, so they are never free seats.
 */
export function freeSeats(sku: TenantSku): number {
  return Math.max(0, (sku.prepaidUnits?.enabled ?? 0) - (sku.consumedUnits ?? 0));
}

/** Why the SKU takes no adds, in words, or undefined when it does. */
export function addRefusal(sku: TenantSku): string | undefined {
  const status = sku.capabilityStatus ?? 'Enabled';
  if (CLOSED_STATUSES.has(status.toLowerCase())) return `the subscription is ${status}`;
  if (sku.appliesTo !== undefined && sku.appliesTo.toLowerCase() === 'company') return 'it applies to the company, not to users';
  return undefined;
}

/**
 * Reads the tenant's SKUs once. A run cannot go on without them when it has names to resolve or
 * seats to check, so any failure stops it (see {@link readFailure}).
 */
export async function readTenantSkus(send: (request: GraphRequest) => Promise<SendResult>): Promise<TenantSku[]> {
  const { final } = await send({ method: 'GET', path: '/subscribedSkus' });
  if (final.kind === 'response' && final.status === 200) {
    const value = (final.body as { value?: unknown } | undefined)?.value;
    if (Array.isArray(value)) return value as TenantSku[];
  }
  throw readFailure("read the tenant's SKUs (GET /subscribedSkus)", final, 'skus');
}
