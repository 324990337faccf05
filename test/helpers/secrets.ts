/**
 * The one check that no secret leaks (SPEC §5 "No secret is ever printed"): every end-to-end test
 * passes what it saw (stdout, stderr) and the folders its run wrote to (results, undo, logs), and
 * the secrets it handed the CLI.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The environment variables that hold secrets (SPEC §3, Authentication). */
export const SECRET_VARIABLES = ['GRAPH_ACCESS_TOKEN', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD'] as const;

/** The secret values in an environment handed to the CLI. */
export function secretsIn(env: NodeJS.ProcessEnv): string[] {
  return SECRET_VARIABLES.map((name) => env[name]).filter((value): value is string => value !== undefined && value !== '');
}

export interface SecretScan {
  /** Texts the CLI wrote: stdout and stderr of each run. */
  readonly outputs?: readonly string[];
  /** Files, or folders read recursively: results, undo and log files. */
  readonly paths?: readonly string[];
}

/**
 * Where any of `secrets` appears, as `"<where>: <secret's name>"` lines (the secret itself is not
 * repeated, so that a failing test does not print it either); empty when none does. Secrets
 * shorter than 4 characters are too likely to match by chance and are refused.
 */
export async function findSecrets(secrets: readonly string[], scan: SecretScan): Promise<string[]> {
  for (const secret of secrets) {
    if (secret.length < 4) throw new Error(`a secret of ${secret.length} characters cannot be told from chance; use a longer test secret`);
  }
  const found: string[] = [];
  const check = (where: string, text: string) => {
    secrets.forEach((secret, i) => {
      if (text.includes(secret)) found.push(`${where}: secret #${i + 1}`);
    });
  };
  (scan.outputs ?? []).forEach((text, i) => check(`output #${i + 1}`, text));
  for (const path of scan.paths ?? []) {
    for (const file of await filesUnder(path)) check(file, await readFile(file, 'utf8'));
  }
  return found;
}

/** Throws, naming where, when a secret appears. */
export async function expectNoSecrets(secrets: readonly string[], scan: SecretScan): Promise<void> {
  const found = await findSecrets(secrets, scan);
  if (found.length > 0) throw new Error(`a secret was written out:\n${found.join('\n')}`);
}

async function filesUnder(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') return undefined;
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries === undefined) return [path];
  const files: string[] = [];
  for (const entry of entries) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}
