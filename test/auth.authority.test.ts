import { describe, expect, it } from 'vitest';
import { resolveAuthority } from '../src/auth/authority.js';
import { RunError } from '../src/errors.js';

const T = '72f988bf-0000-4000-8000-000000000000';

describe('resolveAuthority', () => {
  it.each([
    ['global', undefined, `https://login.microsoftonline.com/${T}`, []],
    ['usgov', undefined, `https://login.microsoftonline.us/${T}`, []],
    ['usgovdod', undefined, `https://login.microsoftonline.us/${T}`, []],
    ['china', undefined, `https://login.chinacloudapi.cn/${T}`, []],
    ['global', 'https://login.microsoftonline.us/', `https://login.microsoftonline.us/${T}`, []],
    ['global', ' https://LOGIN.partner.microsoftonline.cn ', `https://login.partner.microsoftonline.cn/${T}`, []],
    ['global', 'https://adfs.local.azurestack.external', `https://adfs.local.azurestack.external/${T}`, ['adfs.local.azurestack.external']],
    ['china', 'https://127.0.0.1:8443', `https://127.0.0.1:8443/${T}`, ['127.0.0.1:8443']],
    ['global', 'https://login.microsoftonline.com:8443', `https://login.microsoftonline.com:8443/${T}`, ['login.microsoftonline.com:8443']],
  ] as const)('--cloud %s, AZURE_AUTHORITY_HOST %s -> %s', (cloud, host, authority, known) => {
    expect(resolveAuthority({ cloud, tenantId: T, ...(host === undefined ? {} : { authorityHost: host }) })).toEqual({ authority, knownAuthorities: known });
  });

  it.each([
    ['http://login.example.com', 'must use https://'],
    ['http://127.0.0.1:8080', 'must use https://'],
    ['http://localhost', 'must use https://'],
    ['ftp://login.example.com', 'must use https://'],
    ['login.example.com', 'not an absolute URL'],
    ['https://login.example.com/adfs', 'give the host only'],
    ['https://login.example.com/?x=1', 'give the host only'],
  ])('refuses %s (URL_REFUSED, exit 2)', (host, why) => {
    const error = refusal(host);
    expect(error.message).toContain(`Refused AZURE_AUTHORITY_HOST`);
    expect(error.message).toContain(why);
  });

  it('never repeats a password given in the host', () => {
    const error = refusal('https://user:hunter2-pass@login.example.com');
    expect(error.message).toContain('carries credentials');
    expect(error.message).not.toContain('hunter2-pass');
  });
});

function refusal(authorityHost: string): RunError {
  try {
    resolveAuthority({ cloud: 'global', tenantId: T, authorityHost });
  } catch (error) {
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('URL_REFUSED');
    expect((error as RunError).exitCode).toBe(2);
    return error as RunError;
  }
  throw new Error(`expected ${authorityHost} to be refused`);
}
