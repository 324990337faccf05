import { RunError } from '../errors.js';

/**
 * Reading one page of a Graph listing (`{ value: [...], "@odata.nextLink": ... }`) without trusting
 * its shape. Pure. A listing that cannot go on stops with a {@link RunError} (`GRAPH_ANSWER`, exit
 * code 2) that says what came back: a listing with pages left out would look complete.
 */

/** One page: its items, and the path of the next page, when there is one. */
export interface Page {
  readonly value: readonly Record<string, unknown>[];
  /** Relative to the Graph root (which ends in `/v1.0`), as the client sends it: `/users?$skiptoken=...`. */
  readonly next: string | undefined;
}

/**
 * A page of the listing that `current` (the path this body answered) asked for: `value` must be a
 * list of objects; `@odata.nextLink`, when present, is resolved by {@link resolveNextLink}.
 * @throws {RunError} `GRAPH_ANSWER`
 */
export function readPage(body: unknown, current: string): Page {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw unreadable(current, `a body that is not a page of results (${describe(body)})`);
  }
  const page = body as Record<string, unknown>;
  const value = page.value;
  if (!Array.isArray(value)) throw unreadable(current, `a page without a "value" list (${describe(value)})`);
  const odd = value.findIndex((item) => item === null || typeof item !== 'object' || Array.isArray(item));
  if (odd !== -1) throw unreadable(current, `a page whose item ${odd + 1} is not an object (${describe(value[odd])})`);
  const link = page['@odata.nextLink'];
  return { value: value as Record<string, unknown>[], next: link === undefined || link === null ? undefined : resolveNextLink(link, current) };
}

/** Anything that could stand for a Graph root, to resolve paths against; never contacted. */
const BASE = 'https://graph-root.invalid/v1.0/';

/**
 * Where an `@odata.nextLink` leads, as the path the client sends (relative to the Graph root). Graph
 * sends an absolute URL (`https://graph.microsoft.com/v1.0/users?$skiptoken=...`); a proxy or a
 * stand-in may send a path (`/v1.0/users?...`, `/users?...`, `users?...`), resolved against the
 * root. The host of an absolute link is not followed: the request goes to the root the run was given,
 * so that a token never goes where the admin did not send it. Anything else (not text, not a URL,
 * not http(s), another API version, the root itself, the page it came with) stops the listing.
 * @throws {RunError} `GRAPH_ANSWER`
 */
export function resolveNextLink(link: unknown, current: string): string {
  const fail = (why: string) => new RunError('GRAPH_ANSWER', `Microsoft Graph answered GET ${shorten(current)} with an @odata.nextLink that ${why}: ${describe(link)}. The listing stopped, as one with pages left out would look complete.`);
  if (typeof link !== 'string') throw fail('is not text');
  const text = link.trim();
  if (text === '') throw fail('is empty');
  if (/[\s\u0000-\u001f\u007f]/.test(text)) throw fail('is not a URL (it holds spaces or control characters)');
  if (/%(?![0-9a-f]{2})/i.test(text)) throw fail('is not a URL (a broken %-escape)');

  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(text) || text.startsWith('//');
  let url: URL;
  try {
    url = absolute ? new URL(text.startsWith('//') ? `https:${text}` : text) : new URL(text, BASE);
  } catch {
    throw fail('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fail(`is not an http(s) URL (${url.protocol.slice(0, -1)})`);

  const segments = url.pathname.split('/');
  const version = segments.findIndex((segment) => segment.toLowerCase() === 'v1.0');
  let rest: string[];
  if (version !== -1) rest = segments.slice(version + 1);
  else if (absolute) throw fail('is not under the Graph root (no /v1.0 in its path)');
  else rest = segments.slice(1);
  if (/^(v\d+(\.\d+)?|beta)$/i.test(rest[0] ?? '')) throw fail(`leads to another API version (${rest[0]})`);
  const path = `/${rest.join('/')}`;
  if (path === '/') throw fail('leads to the Graph root, not to a page');
  const next = path + url.search;
  if (next === current) throw fail('leads back to the page it came with');
  return next;
}

function unreadable(current: string, what: string): RunError {
  return new RunError('GRAPH_ANSWER', `Microsoft Graph answered GET ${shorten(current)} with ${what}. The listing stopped, as one with pages left out would look complete.`);
}

/** A value as the message shows it: JSON, cut short. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return shorten(text);
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
