import { loadReferenceTable } from '../input/reference-table.js';
import { readTenantSkus, seatsCounted, type TenantSku } from '../tenant/tenant-skus.js';
import { openGraphConnection, readOnlySender } from './connection.js';
import type { CliIO } from './io.js';
import type { ConnectionOptions } from './options.js';

/**
 * `license-batch skus`: the tenant's SKUs with what a spreadsheet can call them (display name,
 * part number, id), seats used and free, and their plans by name.
 */
export async function skusCommand(options: ConnectionOptions, io: CliIO): Promise<number> {
  const transport = await openGraphConnection(options, io, 2);
  try {
    const sender = readOnlySender(transport, io);
    const skus = await readTenantSkus((request) => sender.send(request, 'skus'));
    const displayNames = new Map<string, string>();
    for (const row of await loadReferenceTable()) if (!displayNames.has(row.skuId)) displayNames.set(row.skuId, row.productDisplayName);
    io.stdout.write(formatSkus(skus, displayNames));
    return 0;
  } finally {
    transport.close();
  }
}

/** One block per SKU, sorted by part number: a heading line, then its plans. */
export function formatSkus(skus: readonly TenantSku[], displayNames: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  for (const sku of [...skus].sort((a, b) => a.skuPartNumber.localeCompare(b.skuPartNumber))) {
    const enabled = sku.prepaidUnits?.enabled ?? 0;
    const used = sku.consumedUnits ?? 0;
    const name = displayNames.get(sku.skuId.toLowerCase()) ?? '(no display name in the reference table)';
    const seats = seatsCounted(sku) ? `${used} used of ${enabled}, ${Math.max(0, enabled - used)} free` : 'not counted by Graph';
    lines.push(`${sku.skuPartNumber}  ${name}  ${sku.skuId.toLowerCase()}  seats: ${seats}`);
    const plans = (sku.servicePlans ?? []).map((p) => p.servicePlanName).sort();
    lines.push(`  plans: ${plans.length > 0 ? plans.join(', ') : '(none)'}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : 'The tenant has no subscribed SKUs.\n';
}
