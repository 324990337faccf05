import {
  ConfidentialClientApplication,
  LogLevel,
  ManagedIdentityApplication,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
  type INetworkModule,
  type NodeSystemOptions,
} from '@azure/msal-node';
import type { Cloud } from '../graph/graph-root.js';
import { staticTokenProvider, type TokenProvider } from '../graph/token-provider.js';
import { resolveAuthority } from './authority.js';
import { loadClientCertificate } from './client-certificate.js';
import type { Credential } from './credential.js';
import { renewingTokenProvider, type AcquireToken } from './renewing-token-provider.js';
import { signInError, type SignInContext } from './sign-in-error.js';

export interface SignInOptions {
  /** The Graph root (`https://graph.microsoft.com/v1.0`): its origin is the resource tokens are for. */
  readonly graphRoot: string;
  readonly cloud: Cloud;
  /** `AZURE_AUTHORITY_HOST`. */
  readonly authorityHost?: string;
  /** Where the device-code prompt ("To sign in, use a web browser to open ...") goes: standard error. */
  readonly prompt: (message: string) => void;
  /** MSAL's HTTP client; MSAL's own (with proxy support) when absent. For tests that trust their own CA in-process. */
  readonly networkClient?: INetworkModule;
}

/**
 * The token provider for a credential. Local problems (an unreadable certificate, a wrong password, an
 * authority host that is not https) throw here, before anything is sent; a refusal by the token endpoint
 * rejects the first `getToken()`. Tokens come from MSAL's cache, which renews them before they expire;
 * `renew()` (after a 401) skips the cache.
 * @throws {RunError} `AUTH` or `URL_REFUSED`.
 */
export function tokenProviderFor(credential: Credential, options: SignInOptions): TokenProvider {
  if (credential.kind === 'access-token') return staticTokenProvider(credential.token);
  const resource = new URL(options.graphRoot).origin;
  const scopes = [`${resource}/.default`];
  const system: NodeSystemOptions = {
    // MSAL logs nothing of ours: no PII, and no callback that could print a token.
    loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => {} },
    ...(options.networkClient ? { networkClient: options.networkClient } : {}),
  };

  if (credential.kind === 'managed-identity') {
    const app = new ManagedIdentityApplication({
      ...(credential.clientId ? { managedIdentityIdParams: { userAssignedClientId: credential.clientId } } : {}),
      system,
    });
    const check =
      'that this runs on an Azure resource with a managed identity (VM, App Service, Functions, Container Apps, Arc)' +
      (credential.clientId ? `, and that AZURE_CLIENT_ID ${credential.clientId} is a user-assigned identity assigned to it` : '') +
      '; elsewhere, sign in with AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH';
    return provider(async ({ fresh }) => app.acquireToken({ resource, forceRefresh: fresh }), {
      what: 'managed identity sign-in',
      where: `the managed identity endpoint (${app.getManagedIdentitySource()})`,
      check,
      unreachable: check,
      secrets: [],
    });
  }

  const { authority, knownAuthorities } = resolveAuthority({
    cloud: options.cloud,
    tenantId: credential.tenantId,
    ...(options.authorityHost !== undefined ? { authorityHost: options.authorityHost } : {}),
  });
  const auth = { clientId: credential.clientId, authority, knownAuthorities: [...knownAuthorities] };

  if (credential.kind === 'device-code') {
    const app = new PublicClientApplication({ auth, system });
    let account: AccountInfo | undefined;
    return provider(
      async ({ fresh }) => {
        if (account) return app.acquireTokenSilent({ account, scopes, forceRefresh: fresh });
        const result = await app.acquireTokenByDeviceCode({ scopes, deviceCodeCallback: (response) => options.prompt(response.message) });
        account = result?.account ?? undefined;
        return result;
      },
      {
        what: 'device code sign-in',
        where: authority,
        check: 'AZURE_TENANT_ID and AZURE_CLIENT_ID (an app registration that allows public client flows)',
        secrets: [],
      },
    );
  }

  const app =
    credential.kind === 'client-secret'
      ? new ConfidentialClientApplication({ auth: { ...auth, clientSecret: credential.secret }, system })
      : new ConfidentialClientApplication({ auth: { ...auth, clientCertificate: loadClientCertificate(credential.certificatePath, credential.password) }, system });
  return provider(async ({ fresh }) => app.acquireTokenByClientCredential({ scopes, skipCache: fresh }), {
    what: credential.kind === 'client-secret' ? 'client secret sign-in' : 'client certificate sign-in',
    where: authority,
    check:
      credential.kind === 'client-secret'
        ? 'AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (the secret\'s value, not its id, and not expired)'
        : `AZURE_TENANT_ID, AZURE_CLIENT_ID, and that the certificate in ${credential.certificatePath} is uploaded to the app registration`,
    secrets: credential.kind === 'client-secret' ? [credential.secret] : credential.password ? [credential.password] : [],
  });
}

function provider(acquire: (options: { fresh: boolean }) => Promise<AuthenticationResult | null>, context: SignInContext): TokenProvider {
  const token: AcquireToken = async (options) => {
    let result: AuthenticationResult | null;
    try {
      result = await acquire(options);
    } catch (error) {
      throw signInError(error, context);
    }
    if (!result?.accessToken) throw signInError(new Error('no access token in the answer'), context);
    return result.accessToken;
  };
  return renewingTokenProvider(token);
}
