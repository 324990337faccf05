import { describe, expect, it } from 'vitest';
import { RunError } from '../src/errors.js';
import { readPage, resolveNextLink } from '../src/graph/next-link.js';

const FIRST = '/users?$select=id,userPrincipalName&$top=999';

describe('resolveNextLink', () => {
  it.each([
    { name: "Graph's own absolute link", link: 'https://graph.microsoft.com/v1.0/users?$select=id&$top=999&$skiptoken=RFNwdAIAAQAAAB', path: '/users?$select=id&$top=999&$skiptoken=RFNwdAIAAQAAAB' },
    { name: 'a national cloud', link: 'https://microsoftgraph.chinacloudapi.cn/v1.0/users?$skiptoken=X', path: '/users?$skiptoken=X' },
    { name: 'a simulator on loopback', link: 'http://127.0.0.1:4711/v1.0/users?$skiptoken=X', path: '/users?$skiptoken=X' },
    { name: 'a root behind a path prefix', link: 'https://proxy.example/graph/v1.0/users?$skiptoken=X', path: '/users?$skiptoken=X' },
    { name: 'V1.0 in other case', link: 'https://graph.microsoft.com/V1.0/users?$skiptoken=X', path: '/users?$skiptoken=X' },
    { name: 'a path from the host', link: '/v1.0/users?$skiptoken=X', path: '/users?$skiptoken=X' },
    { name: 'a path relative to the root', link: '/users?$skiptoken=X', path: '/users?$skiptoken=X' },
    { name: 'a path without leading slash', link: 'users?$skiptoken=X', path: '/users?$skiptoken=X' },
    { name: 'spaces around it', link: '  https://graph.microsoft.com/v1.0/users?$skiptoken=X\n', path: '/users?$skiptoken=X' },
    { name: 'an encoded filter kept as sent', link: 'https://graph.microsoft.com/v1.0/users?$filter=assignedLicenses%2Fany(x%3Ax%2FskuId+eq+6fd2c87f)&$skiptoken=X', path: '/users?$filter=assignedLicenses%2Fany(x%3Ax%2FskuId+eq+6fd2c87f)&$skiptoken=X' },
    { name: 'a protocol-relative link (its host is not followed)', link: '//elsewhere.example/v1.0/users?$skiptoken=X', path: '/users?$skiptoken=X' },
    { name: 'a fragment dropped', link: 'https://graph.microsoft.com/v1.0/users?$skiptoken=X#top', path: '/users?$skiptoken=X' },
  ])('$name', ({ link, path }) => {
    expect(resolveNextLink(link, FIRST)).toBe(path);
  });

  it.each([
    { name: 'a number', link: 42, says: /is not text: 42\./ },
    { name: 'an object', link: { href: 'x' }, says: /is not text: \{"href":"x"\}/ },
    { name: 'an empty string', link: '', says: /is empty/ },
    { name: 'words', link: 'not a link', says: /is not a URL \(it holds spaces or control characters\): "not a link"/ },
    { name: 'a broken escape', link: '/users?$skiptoken=%zz', says: /a broken %-escape/ },
    { name: 'an unparsable URL', link: 'http://[::1', says: /is not a URL: "http:\/\/\[::1"/ },
    { name: 'another scheme', link: 'javascript:alert(1)', says: /is not an http\(s\) URL \(javascript\)/ },
    { name: 'ftp', link: 'ftp://graph.microsoft.com/v1.0/users', says: /is not an http\(s\) URL \(ftp\)/ },
    { name: 'an absolute URL outside the root', link: 'https://graph.microsoft.com/users?$skiptoken=X', says: /is not under the Graph root \(no \/v1\.0 in its path\)/ },
    { name: 'the beta API', link: 'https://graph.microsoft.com/beta/users?$skiptoken=X', says: /is not under the Graph root/ },
    { name: 'a relative path into beta', link: '/beta/users?$skiptoken=X', says: /leads to another API version \(beta\)/ },
    { name: 'a path that climbs out of the root', link: '../beta/users', says: /another API version \(beta\)/ },
    { name: 'the root itself', link: 'https://graph.microsoft.com/v1.0/', says: /leads to the Graph root, not to a page/ },
    { name: 'the same page again', link: `https://graph.microsoft.com/v1.0${FIRST}`, says: /leads back to the page it came with/ },
  ])('stops with a clear message for $name', ({ link, says }) => {
    let error: unknown;
    try {
      resolveNextLink(link, FIRST);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('GRAPH_ANSWER');
    expect((error as RunError).exitCode).toBe(2);
    expect((error as RunError).message).toMatch(/^Microsoft Graph answered GET \/users\?\$select=id,userPrincipalName&\$top=999 with an @odata\.nextLink that /);
    expect((error as RunError).message).toMatch(says);
  });

  it('shortens a long link in the message', () => {
    expect(() => resolveNextLink(`ftp://x/${'a'.repeat(5000)}`, FIRST)).toThrow(/\.\.\.\. The listing stopped/);
  });
});

describe('readPage', () => {
  it.each([
    { name: 'the last page', body: { value: [{ id: 'a' }] }, next: undefined },
    { name: 'a page with a next link', body: { '@odata.context': 'x', value: [{ id: 'a' }], '@odata.nextLink': 'https://graph.microsoft.com/v1.0/users?$skiptoken=X' }, next: '/users?$skiptoken=X' },
    { name: 'a null next link', body: { value: [], '@odata.nextLink': null }, next: undefined },
  ])('$name', ({ body, next }) => {
    expect(readPage(body, FIRST)).toEqual({ value: body.value, next });
  });

  it.each([
    { name: 'a text body (a proxy page with 200)', body: '<html>Sign in</html>', says: /with a body that is not a page of results \("<html>Sign in<\/html>"\)/ },
    { name: 'no body', body: undefined, says: /not a page of results \(nothing\)/ },
    { name: 'a list', body: [{ id: 'a' }], says: /not a page of results/ },
    { name: 'no value', body: { '@odata.context': 'x' }, says: /a page without a "value" list \(nothing\)/ },
    { name: 'value not a list', body: { value: { id: 'a' } }, says: /a page without a "value" list \(\{"id":"a"\}\)/ },
    { name: 'an item that is not an object', body: { value: [{ id: 'a' }, null] }, says: /a page whose item 2 is not an object \(null\)/ },
  ])('stops for $name', ({ body, says }) => {
    expect(() => readPage(body, FIRST)).toThrow(says);
  });
});
