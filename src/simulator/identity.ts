import { randomUUID } from 'node:crypto';
import type { TokenAuthority } from './auth.js';

/** An answer of the identity endpoints: OAuth 2.0 JSON, not Graph's error shape. */
export interface IdentityAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface IdentityContext {
  /** e.g. `http://127.0.0.1:41234` */
  readonly baseUrl: string;
  readonly tenantId: string;
  readonly authority: TokenAuthority;
}

/**
 * The Entra ID endpoints the tool needs, on the simulator's own origin: `POST /{tenant}/oauth2/v2.0/token`
 * (client credentials, with a secret in the form or as HTTP Basic, or a certificate's `client_assertion`), `GET /{tenant}/v2.0/.well-known/openid-configuration`
 * and its `jwks_uri`. `{tenant}` must be the tenant's id. Returns undefined for any other path.
 */
export function answerIdentity(
  method: string,
  path: string,
  body: string,
  authorization: string | undefined,
  context: IdentityContext,
): IdentityAnswer | undefined {
  const match = /^\/([^/]+)\/(oauth2\/v2\.0\/token|v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys)$/.exec(path);
  if (match === null) return undefined;
  const [, tenant = '', endpoint] = match;
  const known = tenant.toLowerCase() === context.tenantId.toLowerCase();
  if (endpoint === 'oauth2/v2.0/token') {
    if (method !== 'POST') return oauthError(405, 'invalid_request', 'AADSTS900561: The endpoint only accepts POST requests.');
    if (!known) return oauthError(400, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
    return token(new URLSearchParams(body), authorization, context);
  }
  if (method !== 'GET') return oauthError(405, 'invalid_request', 'AADSTS900561: The endpoint only accepts GET requests.');
  if (!known) return oauthError(400, 'invalid_tenant', `AADSTS90002: Tenant '${tenant}' not found.`);
  if (endpoint === 'discovery/v2.0/keys') return { status: 200, body: { keys: [] } };
  return { status: 200, body: openIdConfiguration(context) };
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function token(form: URLSearchParams, authorization: string | undefined, context: IdentityContext): IdentityAnswer {
  const basic = basicCredentials(authorization);
  const clientId = form.get('client_id') ?? basic?.id;
  const secret = form.get('client_secret') ?? basic?.secret;
  const scope = form.get('scope');
  if (form.get('grant_type') !== 'client_credentials') {
    return oauthError(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type. The simulator supports client_credentials only.');
  }
  if (!clientId) return oauthError(400, 'invalid_request', "AADSTS900144: The request body must contain the following parameter: 'client_id'.");
  if (!scope) return oauthError(400, 'invalid_request', "AADSTS900144: The request body must contain the following parameter: 'scope'.");
  if (!scope.split(/\s+/).some((s) => s.endsWith('/.default'))) {
    return oauthError(
      400,
      'invalid_scope',
      `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const assertion = form.get('client_assertion');
  if (assertion && form.get('client_assertion_type') !== JWT_BEARER) {
    return oauthError(400, 'invalid_request', `AADSTS50027: client_assertion_type must be ${JWT_BEARER}.`);
  }
  if (!secret && !assertion) {
    return oauthError(
      401,
      'invalid_client',
      "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  const audience = `${context.baseUrl}/${context.tenantId}/oauth2/v2.0/token`;
  const issued = context.authority.issue(context.tenantId, clientId, secret ? { secret } : { assertion: assertion!, audience });
  if ('refused' in issued) {
    const { refused } = issued;
    return oauthError(
      401,
      'invalid_client',
      refused === 'unknown_client'
        ? `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${context.tenantId}'.`
        : refused === 'bad_secret'
          ? `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`
          : refused.assertion,
    );
  }
  const lifetime = context.authority.lifetimeSeconds;
  return { status: 200, body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: issued.token } };
}

function openIdConfiguration({ baseUrl, tenantId }: IdentityContext): unknown {
  const root = `${baseUrl}/${tenantId}`;
  return {
    token_endpoint: `${root}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'private_key_jwt'],
    jwks_uri: `${root}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${root}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid', 'roles'],
    tenant_region_scope: null,
    cloud_instance_name: 'license-batch.simulator',
    cloud_graph_host_name: new URL(baseUrl).host,
    msgraph_host: new URL(baseUrl).host,
  };
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const encoded = /^Basic\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  // RFC 6749 §2.3.1: both parts are form-encoded before being joined.
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function oauthError(status: number, error: string, description: string): IdentityAnswer {
  const traceId = randomUUID();
  return {
    status,
    body: {
      error,
      error_description: `${description}\r\nTrace ID: ${traceId}\r\nTimestamp: ${new Date().toISOString()}`,
      error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
      timestamp: new Date().toISOString(),
      trace_id: traceId,
      correlation_id: randomUUID(),
    },
  };
}
