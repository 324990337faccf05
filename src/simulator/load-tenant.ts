import { readFile } from 'node:fs/promises';
import { validateTenantSpec, type TenantSpec } from './tenant-spec.js';

/**
 * Reads and checks a tenant JSON file.
 * @throws Error whose message names the file and the problem (unreadable, not JSON, or which value is invalid).
 */
export async function loadTenantFile(path: string): Promise<TenantSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read tenant file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new Error(`Tenant file ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  try {
    return validateTenantSpec(parsed);
  } catch (error) {
    throw new Error(`Tenant file ${path}: ${(error as Error).message}`, { cause: error });
  }
}
