import { RunError } from '../errors.js';
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
 * Whether Graph said how many seats the SKU has (`prepaidUnits.enabled` and `consumedUnits` are
 * numbers). Graph always does; a SKU without them gets no seat check, rather than "no seats".
 */
export function seatsCounted(sku: TenantSku): boolean {
  return typeof sku.prepaidUnits?.enabled === 'number' && typeof sku.consumedUnits === 'number';
}

/**
 * Reads the tenant's SKUs once. A run cannot go on without them when it has names to resolve or
 * seats to check, so any failure stops it (see {@link readFailure}), and so does an answer that is
 * not a list of SKUs ({@link tenantSkusOf}).
 */
export async function readTenantSkus(send: (request: GraphRequest) => Promise<SendResult>): Promise<TenantSku[]> {
  const { final } = await send({ method: 'GET', path: '/subscribedSkus' });
  if (final.kind === 'response' && final.status === 200) return tenantSkusOf(final.body);
  throw readFailure("read the tenant's SKUs (GET /subscribedSkus)", final, 'skus');
}

/**
 * The SKUs of a `GET /subscribedSkus` answer, keeping what this tool reads and can trust: an entry
 * must have a `skuId`; anything else of the wrong type is left out (a count that is not a number is
 * no count, a plan without an id no plan), so that nothing downstream meets a shape it does not expect.
 * @throws {RunError} `GRAPH_ANSWER` for a body that is not a list of SKUs, or an entry without a `skuId`.
 */
export function tenantSkusOf(body: unknown): TenantSku[] {
  const value = isRecord(body) ? body.value : undefined;
  if (!Array.isArray(value)) throw unexpected(`a body that is not a list of SKUs (${describe(isRecord(body) ? value : body)})`);
  return value.map((entry, index) => {
    if (!isRecord(entry) || typeof entry.skuId !== 'string' || entry.skuId.trim() === '') {
      throw unexpected(`an entry without a skuId (entry ${index + 1}: ${describe(entry)})`);
    }
    const sku: { -readonly [K in keyof TenantSku]: TenantSku[K] } = {
      skuId: entry.skuId,
      skuPartNumber: typeof entry.skuPartNumber === 'string' && entry.skuPartNumber !== '' ? entry.skuPartNumber : entry.skuId,
    };
    if (typeof entry.appliesTo === 'string') sku.appliesTo = entry.appliesTo;
    if (typeof entry.capabilityStatus === 'string') sku.capabilityStatus = entry.capabilityStatus;
    if (typeof entry.consumedUnits === 'number' && Number.isFinite(entry.consumedUnits)) sku.consumedUnits = entry.consumedUnits;
    if (isRecord(entry.prepaidUnits)) {
      const units = entry.prepaidUnits;
      sku.prepaidUnits = Object.fromEntries(
        (['enabled', 'suspended', 'warning', 'lockedOut'] as const).filter((k) => typeof units[k] === 'number' && Number.isFinite(units[k])).map((k) => [k, units[k] as number]),
      );
    }
    if (Array.isArray(entry.servicePlans)) {
      sku.servicePlans = entry.servicePlans.filter(isRecord).flatMap((plan) =>
        typeof plan.servicePlanId === 'string' && plan.servicePlanId !== ''
          ? [{ servicePlanId: plan.servicePlanId, servicePlanName: typeof plan.servicePlanName === 'string' && plan.servicePlanName !== '' ? plan.servicePlanName : plan.servicePlanId, ...(typeof plan.appliesTo === 'string' ? { appliesTo: plan.appliesTo } : {}) }]
          : [],
      );
    }
    return sku;
  });
}

function unexpected(what: string): RunError {
  return new RunError('GRAPH_ANSWER', `Microsoft Graph answered GET /subscribedSkus with ${what}; the tenant's SKUs cannot be read from it.`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
