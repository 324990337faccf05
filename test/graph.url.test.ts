import { describe, expect, it } from 'vitest';
import { RunError } from '../src/errors.js';
import { resolveGraphRoot } from '../src/graph/graph-root.js';
import { userPath } from '../src/graph/user-path.js';

describe('resolveGraphRoot', () => {
  it.each([
    { options: {}, root: 'https://graph.microsoft.com/v1.0' },
    { options: { cloud: 'global' }, root: 'https://graph.microsoft.com/v1.0' },
    { options: { cloud: 'usgov' }, root: 'https://graph.microsoft.us/v1.0' },
    { options: { cloud: 'usgovdod' }, root: 'https://dod-graph.microsoft.us/v1.0' },
    { options: { cloud: 'china' }, root: 'https://microsoftgraph.chinacloudapi.cn/v1.0' },
    { options: { cloud: 'china', graphUrl: 'https://graph.example.test' }, root: 'https://graph.example.test/v1.0' },
    { options: { graphUrl: 'http://127.0.0.1:1234' }, root: 'http://127.0.0.1:1234/v1.0' },
    { options: { graphUrl: 'http://127.0.0.1:1234/' }, root: 'http://127.0.0.1:1234/v1.0' },
    { options: { graphUrl: 'http://127.0.0.1:1234/v1.0' }, root: 'http://127.0.0.1:1234/v1.0' },
    { options: { graphUrl: 'http://127.0.0.1:1234/v1.0/' }, root: 'http://127.0.0.1:1234/v1.0' },
    { options: { graphUrl: ' http://127.0.0.1:1234/V1.0 ' }, root: 'http://127.0.0.1:1234/v1.0' },
    { options: { graphUrl: 'http://127.8.9.10:80' }, root: 'http://127.8.9.10/v1.0' },
    { options: { graphUrl: 'http://localhost:8080' }, root: 'http://localhost:8080/v1.0' },
    { options: { graphUrl: 'http://LOCALHOST:8080' }, root: 'http://localhost:8080/v1.0' },
    { options: { graphUrl: 'http://[::1]:8080' }, root: 'http://[::1]:8080/v1.0' },
    { options: { graphUrl: 'https://proxy.example.test/graph' }, root: 'https://proxy.example.test/graph/v1.0' },
    { options: { graphUrl: 'https://graph.microsoft.com:443/v1.0' }, root: 'https://graph.microsoft.com/v1.0' },
  ] as const)('$options -> $root', ({ options, root }) => {
    expect(resolveGraphRoot(options)).toBe(root);
  });

  it.each([
    { graphUrl: 'http://graph.microsoft.com', why: /only for loopback/ },
    { graphUrl: 'http://10.0.0.5:8080', why: /only for loopback/ },
    { graphUrl: 'http://128.0.0.1', why: /only for loopback/ },
    { graphUrl: 'http://localhost.example.com', why: /only for loopback/ },
    { graphUrl: 'http://127.0.0.1.nip.io', why: /only for loopback/ },
    { graphUrl: 'ftp://127.0.0.1', why: /scheme ftp/ },
    { graphUrl: 'file:///etc/passwd', why: /scheme file/ },
    { graphUrl: 'graph.microsoft.com', why: /not an absolute URL/ },
    { graphUrl: 'https://', why: /not an absolute URL/ },
    { graphUrl: 'https://user:secret@graph.example.test', why: /credentials/ },
    { graphUrl: 'https://graph.example.test/?x=1', why: /query or fragment/ },
    { graphUrl: 'https://graph.microsoft.com/beta', why: /not beta/ },
  ])('refuses $graphUrl', ({ graphUrl, why }) => {
    let error: unknown;
    try {
      resolveGraphRoot({ graphUrl });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunError);
    const runError = error as RunError;
    expect(runError.code).toBe('URL_REFUSED');
    expect(runError.exitCode).toBe(2);
    expect(runError.message).toMatch(why);
    expect(runError.message).not.toContain('secret');
    if (!graphUrl.includes('secret')) expect(runError.message).toContain(graphUrl);
  });
});

describe('userPath', () => {
  it.each([
    { key: 'adele@contoso.com', path: '/users/adele%40contoso.com' },
    { key: 'x_y.com#EXT#@t.onmicrosoft.com', path: '/users/x_y.com%23EXT%23%40t.onmicrosoft.com' },
    { key: "o'brien@x.com", path: '/users/o%27brien%40x.com' },
    { key: 'a+b@x.com', path: '/users/a%2Bb%40x.com' },
    { key: 'josé@x.com', path: '/users/jos%C3%A9%40x.com' },
    { key: 'a/b?c%d@x.com', path: '/users/a%2Fb%3Fc%25d%40x.com' },
    { key: 'a b@x.com', path: '/users/a%20b%40x.com' },
    { key: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', path: '/users/3f2504e0-4f89-11d3-9a0c-0305e82c3301' },
    { key: '$admin@x.com', path: "/users('%24admin%40x.com')" },
    { key: "$o'brien@x.com", path: "/users('%24o%27%27brien%40x.com')" },
  ])('$key -> $path', ({ key, path }) => {
    expect(userPath(key)).toBe(path);
  });

  it.each(['x_y.com#EXT#@t.onmicrosoft.com', "o'brien@x.com", 'a+b@x.com', 'josé@x.com', 'a/b?c%d@x.com'])(
    '%s stays one path segment that decodes back to the key',
    (key) => {
      const segment = userPath(key).slice('/users/'.length);
      expect(segment).not.toMatch(/[/?#']/);
      expect(decodeURIComponent(segment)).toBe(key);
      expect(new URL(`https://graph.example.test/v1.0${userPath(key)}/assignLicense`).pathname.split('/')).toHaveLength(5);
    },
  );
});
