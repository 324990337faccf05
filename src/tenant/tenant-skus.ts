import type { GraphRequest } from '../graph/graph-client.js';
import type { SendResult } from '../graph/send-with-retry.js';
import type { SubscribedSkuLike } from '../input/sku-catalog.js';
import { readFailure } from './read-failure.js';

/** The tenant's SKUs as `GET /subscribedSkus` returns them (seats and plans included). */
export interface TenantSku extends SubscribedSkuLike {
  readonly consumedUnits?: number;
  readonly prepaidUnits?: { readonly enabled?: number };
}

/**
 * Reads the tenant's SKUs once. A run cannot go on without them when it has names to resolve, so
 * any failure stops it (see {@link readFailure}).
 */
export async function readTenantSkus(send: (request: GraphRequest) => Promise<SendResult>): Promise<TenantSku[]> {
  const { final } = await send({ method: 'GET', path: '/subscribedSkus' });
  if (final.kind === 'response' && final.status === 200) {
    const value = (final.body as { value?: unknown } | undefined)?.value;
    if (Array.isArray(value)) return value as TenantSku[];
  }
  throw readFailure("read the tenant's SKUs (GET /subscribedSkus)", final);
}
