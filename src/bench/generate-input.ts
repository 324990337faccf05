import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { SAMPLE_SKUS } from '../simulator/index.js';

export interface InputShape {
  /** Data rows to write. */
  readonly rows: number;
  /**
   * Adjacent rows per user, each for a different SKU of the sample tenant (1 to 5), so that a
   * user's rows never contradict each other and travel as one assignLicense body.
   * @default 1
   */
  readonly rowsPerUser?: number;
  /** Users are `user{n}@{domain}`, numbered from 1, as `generateTenant` names them. @default 'contoso.example' */
  readonly domain?: string;
}

/** The header every benchmark file uses: the two required columns, plans, action, and a carried-through column. */
export const HEADER_NAMES = ['UserPrincipalName', 'SkuId', 'DisabledPlans', 'Action', 'Ticket'] as const;
const HEADER = `${HEADER_NAMES.join(',')}\n`;

/** Rows built per write: big enough that the stream, not the loop, sets the pace. */
const ROWS_PER_CHUNK = 2_000;

/**
 * Writes a migration-style spreadsheet to `path`, streamed, so that a million rows never sit in
 * memory: SKUs by part number (names, as admins write them, so a run resolves them through
 * `subscribedSkus`), some with service plans disabled by name, and a ticket column that the results
 * carry through. The same shape always gives the same bytes.
 * @returns the number of distinct users in the file
 */
export async function writeInputFile(path: string, shape: InputShape): Promise<number> {
  const perUser = rowsPerUserOf(shape);
  const domain = shape.domain ?? 'contoso.example';
  const out = createWriteStream(path);
  const done = once(out, 'close');
  out.write(HEADER);
  for (let start = 0; start < shape.rows; start += ROWS_PER_CHUNK) {
    let chunk = '';
    for (let r = start; r < Math.min(shape.rows, start + ROWS_PER_CHUNK); r += 1) chunk += line(r, perUser, domain);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await done;
  return Math.ceil(shape.rows / perUser);
}

/** User numbers as `generateTenant` writes them: five digits at least. */
export function userPrincipalName(n: number, domain = 'contoso.example'): string {
  return `user${String(n).padStart(5, '0')}@${domain}`;
}

function line(r: number, perUser: number, domain: string): string {
  return `${rowValues(r, perUser, domain).join(',')}\n`;
}

/** The values of data row `r` (0-based), in the header's order. */
export function rowValues(r: number, perUser: number, domain: string): [string, string, string, string, string] {
  const user = Math.floor(r / perUser) + 1;
  const sku = SAMPLE_SKUS[r % perUser]!;
  // Every seventh E3 row turns two plans off, by name, as a migration sheet does.
  const disabled = sku.skuPartNumber === 'ENTERPRISEPACK' && user % 7 === 0 ? 'SWAY;YAMMER_ENTERPRISE' : '';
  return [userPrincipalName(user, domain), sku.skuPartNumber, disabled, 'add', `T-${r + 1}`];
}

export function rowsPerUserOf(shape: InputShape): number {
  const perUser = shape.rowsPerUser ?? 1;
  if (!Number.isInteger(perUser) || perUser < 1 || perUser > SAMPLE_SKUS.length) {
    throw new RangeError(`Invalid option rowsPerUser: expect a whole number from 1 to ${SAMPLE_SKUS.length}, got ${perUser}`);
  }
  return perUser;
}
