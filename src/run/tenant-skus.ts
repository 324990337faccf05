import { RunError } from '../errors.js';
import type { GraphRequest } from '../graph/graph-client.js';
import type { SendResult } from '../graph/send-with-retry.js';
import type { SubscribedSkuLike } from '../input/sku-catalog.js';
import { PERMISSION_HINT } from './auth-watch.js';

/** The tenant's SKUs as `GET /subscribedSkus` returns them (seats and plans included). */
export interface TenantSku extends SubscribedSkuLike {
  readonly consumedUnits?: number;
  readonly prepaidUnits?: { readonly enabled?: number };
}

/**
 * Reads the tenant's SKUs once. A run cannot go on without them when it has names to resolve, so
 * any failure stops it: 401/403 as an authentication error naming the permission, others as
 * Graph being unavailable.
 */
export async function readTenantSkus(send: (request: GraphRequest) => Promise<SendResult>): Promise<TenantSku[]> {
  const { final } = await send({ method: 'GET', path: '/subscribedSkus' });
  if (final.kind === 'response' && final.status === 200) {
    const value = (final.body as { value?: unknown } | undefined)?.value;
    if (Array.isArray(value)) return value as TenantSku[];
  }
  if (final.kind === 'response' && (final.status === 401 || final.status === 403)) {
    throw new RunError('AUTH', `Microsoft Graph refused to list the tenant's SKUs (${final.status}). ${PERMISSION_HINT}`);
  }
  const why = final.kind === 'network' ? `${final.code}: ${final.message}` : `HTTP ${final.status} ${final.errorMessage ?? ''}`.trim();
  throw new RunError('GRAPH_UNAVAILABLE', `Could not read the tenant's SKUs (GET /subscribedSkus): ${why}`);
}
