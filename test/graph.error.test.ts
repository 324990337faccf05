import { describe, expect, it } from 'vitest';
import { graphErrorOf, parseBody, requestIdOf } from '../src/graph/graph-error.js';

describe('graphErrorOf', () => {
  it.each([
    {
      name: "Graph's error body",
      body: { error: { code: 'Request_BadRequest', message: 'License assignment failed because service plans are mutually exclusive.' } },
      info: { code: 'Request_BadRequest', message: 'License assignment failed because service plans are mutually exclusive.' },
    },
    { name: 'code only', body: { error: { code: 'Request_ResourceNotFound' } }, info: { code: 'Request_ResourceNotFound' } },
    { name: 'empty strings are absent', body: { error: { code: '', message: '' } }, info: {} },
    { name: 'a non-string code', body: { error: { code: 42, message: 'odd' } }, info: { message: 'odd' } },
    { name: 'no error member', body: { value: [] }, info: {} },
    { name: 'error is not an object', body: { error: 'invalid_token' }, info: {} },
    { name: 'undefined (an empty body)', body: undefined, info: {} },
    { name: 'null', body: null, info: {} },
    { name: 'plain text', body: 'upstream connect error\nmore detail', info: { message: 'upstream connect error' } },
    { name: "a proxy's HTML page", body: '<html><body>502 Bad Gateway</body></html>', info: {} },
  ])('$name', ({ body, info }) => {
    expect(graphErrorOf(body)).toEqual(info);
  });

  it('shortens a long text line', () => {
    expect(graphErrorOf('x'.repeat(500)).message).toHaveLength(203);
  });
});

describe('requestIdOf', () => {
  const body = { error: { code: 'X', message: 'y', innerError: { 'request-id': 'from-body', date: '2025-01-01T00:00:00' } } };
  it.each([
    { name: 'the header wins', headers: { 'request-id': 'from-header' }, body, id: 'from-header' },
    { name: 'else innerError', headers: {}, body, id: 'from-body' },
    { name: 'innererror spelt lower-case', headers: {}, body: { error: { innererror: { 'request-id': 'lower' } } }, id: 'lower' },
    { name: 'an empty header is no header', headers: { 'request-id': '' }, body, id: 'from-body' },
    { name: 'neither', headers: {}, body: { value: 1 }, id: undefined },
    { name: 'a text body', headers: {}, body: 'oops', id: undefined },
  ])('$name', ({ headers, body: b, id }) => {
    expect(requestIdOf(headers, b)).toBe(id);
  });
});

describe('parseBody', () => {
  it.each([
    { text: '', body: undefined },
    { text: '  \n', body: undefined },
    { text: '{"a":1}', body: { a: 1 } },
    { text: '[1,2]', body: [1, 2] },
    { text: 'not json', body: 'not json' },
    { text: '{"truncated":', body: '{"truncated":' },
  ])('$text', ({ text, body }) => {
    expect(parseBody(text)).toEqual(body);
  });
});
