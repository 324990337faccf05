import { RunError } from '../errors.js';
import type { Cloud } from '../graph/graph-root.js';

/** The login host of each national cloud (SPEC §3). */
export const LOGIN_HOSTS: Readonly<Record<Cloud, string>> = Object.freeze({
  global: 'https://login.microsoftonline.com',
  usgov: 'https://login.microsoftonline.us',
  usgovdod: 'https://login.microsoftonline.us',
  china: 'https://login.chinacloudapi.cn',
});

/** Entra ID's own hosts, which MSAL validates through instance discovery; any other host is trusted explicitly. */
const MICROSOFT_LOGIN_HOSTS: ReadonlySet<string> = new Set([
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.usgovcloudapi.net',
  'login-us.microsoftonline.com',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

export interface Authority {
  /** `<login host>/<tenant>`, as MSAL's `auth.authority`. */
  readonly authority: string;
  /**
   * MSAL's `auth.knownAuthorities`: empty for a Microsoft login host; else that host, so that MSAL
   * trusts it without instance discovery and reads `<host>/<tenant>/v2.0/.well-known/openid-configuration`.
   */
  readonly knownAuthorities: readonly string[];
}

/**
 * The sign-in authority for a tenant: `AZURE_AUTHORITY_HOST` when given, else the login host of `--cloud`.
 * The host must be https, loopback included: client secrets and assertions travel to it, MSAL itself
 * refuses anything else, and a test issuer can serve https as easily (the simulator's `tls` option).
 * @throws {RunError} `URL_REFUSED` (exit code 2) for a host that is not an https origin.
 */
export function resolveAuthority(options: { cloud: Cloud; tenantId: string; authorityHost?: string }): Authority {
  const raw = options.authorityHost?.trim();
  if (raw === undefined || raw === '') return { authority: `${LOGIN_HOSTS[options.cloud]}/${options.tenantId}`, knownAuthorities: [] };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused(raw, 'it is not an absolute URL (expected e.g. https://login.microsoftonline.us)');
  }
  if (url.username !== '' || url.password !== '') throw refused(`${url.protocol}//${url.host}`, 'it carries credentials');
  if (url.protocol !== 'https:') {
    throw refused(raw, 'the sign-in host must use https://, so that secrets and tokens never cross a network unencrypted');
  }
  if (url.pathname.replace(/\/+$/, '') !== '' || url.search !== '' || url.hash !== '') {
    throw refused(raw, `give the host only, e.g. ${url.origin}; the tenant is appended from AZURE_TENANT_ID`);
  }
  const known = MICROSOFT_LOGIN_HOSTS.has(url.hostname.toLowerCase()) && url.port === '';
  return { authority: `${url.origin}/${options.tenantId}`, knownAuthorities: known ? [] : [url.host] };
}

function refused(value: string, why: string): RunError {
  return new RunError('URL_REFUSED', `Refused AZURE_AUTHORITY_HOST ${value}: ${why}.`);
}
