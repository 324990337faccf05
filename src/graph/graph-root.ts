import { RunError } from '../errors.js';

/** The national clouds of SPEC §3 and their Graph hosts. */
export type Cloud = 'global' | 'usgov' | 'usgovdod' | 'china';

export const CLOUD_HOSTS: Readonly<Record<Cloud, string>> = Object.freeze({
  global: 'https://graph.microsoft.com',
  usgov: 'https://graph.microsoft.us',
  usgovdod: 'https://dod-graph.microsoft.us',
  china: 'https://microsoftgraph.chinacloudapi.cn',
});

const VERSION = '/v1.0';

/**
 * The Graph root every request path is appended to: scheme, host, any path prefix and `/v1.0`,
 * without a trailing slash. `graphUrl` (from `--graph-url`, with or without `/v1.0`) wins over
 * `cloud`. Plain `http://` is accepted only for loopback hosts, so that a bearer token never
 * crosses a network unencrypted.
 *
 * @throws {RunError} `URL_REFUSED` (exit code 2) for an unparsable URL, a scheme other than http(s),
 * plain http to a host that is not loopback, credentials, a query or fragment, or an API version
 * other than v1.0.
 */
export function resolveGraphRoot(options: { cloud?: Cloud; graphUrl?: string }): string {
  if (options.graphUrl === undefined) {
    const cloud = options.cloud ?? 'global';
    const host = CLOUD_HOSTS[cloud];
    if (host === undefined) throw new RunError('USAGE', `Invalid option --cloud: expect global, usgov, usgovdod or china, got "${String(cloud)}"`);
    return host + VERSION;
  }

  const raw = options.graphUrl.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused(raw, 'it is not an absolute URL (expected e.g. https://graph.microsoft.com)');
  }
  const shown = redact(url, raw);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw refused(shown, `the scheme ${url.protocol.slice(0, -1)} is not supported; use https://`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw refused(
      shown,
      'plain http:// is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost), so that a bearer token ' +
        'never crosses a network unencrypted; use https://',
    );
  }
  if (url.username !== '' || url.password !== '') throw refused(shown, 'it carries credentials; sign-in goes through the environment, never the URL');
  if (url.search !== '' || url.hash !== '') throw refused(shown, 'it has a query or fragment; give the Graph root only');

  const path = url.pathname.replace(/\/+$/, '');
  if (path.toLowerCase().endsWith(VERSION)) return url.origin + path.slice(0, -VERSION.length) + VERSION;
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (/^(v\d+(\.\d+)?|beta)$/i.test(last)) throw refused(shown, `this tool speaks Graph v1.0, not ${last}`);
  return url.origin + path + VERSION;
}

/** 127.0.0.0/8, ::1 and localhost, as the WHATWG URL parser normalises them (`127.1` becomes `127.0.0.1`). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function refused(url: string, why: string): RunError {
  return new RunError('URL_REFUSED', `Refused --graph-url ${url}: ${why}.`);
}

/** The URL as the admin wrote it, minus any password, which must not end up in a log. */
function redact(url: URL, raw: string): string {
  if (url.password === '') return raw;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}
