import { RunError } from '../errors.js';

/** How the tool signs in, chosen from the environment and the sign-in flags (SPEC §3). */
export type Credential =
  | { readonly kind: 'access-token'; readonly token: string }
  | { readonly kind: 'client-secret'; readonly tenantId: string; readonly clientId: string; readonly secret: string }
  | {
      readonly kind: 'client-certificate';
      readonly tenantId: string;
      readonly clientId: string;
      readonly certificatePath: string;
      readonly password?: string;
    }
  | { readonly kind: 'managed-identity'; /** A user-assigned identity; the system-assigned one when absent. */ readonly clientId?: string }
  | { readonly kind: 'device-code'; readonly tenantId: string; readonly clientId: string };

export interface SignInFlags {
  readonly managedIdentity: boolean;
  readonly deviceCode: boolean;
}

const SIGN_IN_CHOICES =
  'GRAPH_ACCESS_TOKEN (a ready token); AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET or ' +
  'AZURE_CLIENT_CERTIFICATE_PATH (an app registration); --managed-identity (in Azure); or --device-code with ' +
  'AZURE_TENANT_ID + AZURE_CLIENT_ID (an admin at a terminal)';

/**
 * Picks the credential, in SPEC §3's order of precedence: `GRAPH_ACCESS_TOKEN`; client credentials
 * (`AZURE_CLIENT_SECRET` before `AZURE_CLIENT_CERTIFICATE_PATH`, as Azure Identity's EnvironmentCredential
 * does); `--managed-identity`; `--device-code`. Blank variables count as unset. Secrets only ever come
 * from `env`, and no message carries one.
 * @throws {RunError} `AUTH` when no credential is complete, naming the variables to set.
 */
export function credentialFrom(env: NodeJS.ProcessEnv, flags: SignInFlags): Credential {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const token = read('GRAPH_ACCESS_TOKEN');
  if (token !== undefined) return { kind: 'access-token', token };

  const tenantId = read('AZURE_TENANT_ID');
  const clientId = read('AZURE_CLIENT_ID');
  const secret = read('AZURE_CLIENT_SECRET');
  const certificatePath = read('AZURE_CLIENT_CERTIFICATE_PATH');
  const password = env.AZURE_CLIENT_CERTIFICATE_PASSWORD;

  if (secret !== undefined || certificatePath !== undefined) {
    const given = secret !== undefined ? 'AZURE_CLIENT_SECRET' : 'AZURE_CLIENT_CERTIFICATE_PATH';
    const app = requireApp(tenantId, clientId, `${given} is set`);
    if (secret !== undefined) return { kind: 'client-secret', ...app, secret };
    return { kind: 'client-certificate', ...app, certificatePath: certificatePath!, ...(password ? { password } : {}) };
  }
  if (flags.managedIdentity) return clientId === undefined ? { kind: 'managed-identity' } : { kind: 'managed-identity', clientId };
  if (flags.deviceCode) return { kind: 'device-code', ...requireApp(tenantId, clientId, '--device-code signs in through an app registration') };

  if (tenantId !== undefined || clientId !== undefined) {
    const missing = [tenantId === undefined ? 'AZURE_TENANT_ID' : undefined, clientId === undefined ? 'AZURE_CLIENT_ID' : undefined].filter(Boolean);
    throw new RunError(
      'AUTH',
      `${tenantId !== undefined ? 'AZURE_TENANT_ID' : 'AZURE_CLIENT_ID'} is set, but sign-in is incomplete: ` +
        `${missing.length > 0 ? `set ${missing.join(' and ')}, and ` : ''}set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH ` +
        '(app-only), or pass --device-code (an admin signs in) or --managed-identity (in Azure).',
    );
  }
  throw new RunError('AUTH', `No credentials. Sign in with one of: ${SIGN_IN_CHOICES}.`);
}

function requireApp(tenantId: string | undefined, clientId: string | undefined, why: string): { tenantId: string; clientId: string } {
  const missing = [tenantId === undefined ? 'AZURE_TENANT_ID' : undefined, clientId === undefined ? 'AZURE_CLIENT_ID' : undefined].filter(Boolean);
  if (missing.length > 0) {
    throw new RunError(
      'AUTH',
      `${why}, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not: set ${missing.join(' and ')} to the ` +
        "app registration's directory (tenant) id and application (client) id.",
    );
  }
  if (/[\s/?#]/.test(tenantId!)) {
    throw new RunError('AUTH', `AZURE_TENANT_ID "${tenantId}" is not a tenant: expect a directory (tenant) id such as a GUID or contoso.onmicrosoft.com.`);
  }
  return { tenantId: tenantId!, clientId: clientId! };
}
