import { describe, expect, it } from 'vitest';
import { credentialFrom, type SignInFlags } from '../src/auth/credential.js';
import { RunError } from '../src/errors.js';

const NO_FLAGS: SignInFlags = { managedIdentity: false, deviceCode: false };
const MI: SignInFlags = { managedIdentity: true, deviceCode: false };
const DEVICE: SignInFlags = { managedIdentity: false, deviceCode: true };
const BOTH: SignInFlags = { managedIdentity: true, deviceCode: true };
const APP = { AZURE_TENANT_ID: 'contoso.onmicrosoft.com', AZURE_CLIENT_ID: 'app-id' };
const SECRET = 'very-secret-value-123';

function authError(env: NodeJS.ProcessEnv, flags: SignInFlags = NO_FLAGS): RunError {
  try {
    credentialFrom(env, flags);
  } catch (error) {
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('AUTH');
    expect((error as RunError).exitCode).toBe(2);
    return error as RunError;
  }
  throw new Error('expected an AUTH error');
}

describe('credentialFrom: precedence (SPEC §3)', () => {
  it.each([
    ['a ready token beats everything', { GRAPH_ACCESS_TOKEN: ' tok ', ...APP, AZURE_CLIENT_SECRET: SECRET }, BOTH, { kind: 'access-token', token: 'tok' }],
    ['a client secret beats a certificate and both flags', { ...APP, AZURE_CLIENT_SECRET: SECRET, AZURE_CLIENT_CERTIFICATE_PATH: '/c.pem' }, BOTH, { kind: 'client-secret', ...ids(), secret: SECRET }],
    ['a certificate, with its password', { ...APP, AZURE_CLIENT_CERTIFICATE_PATH: '/c.pem', AZURE_CLIENT_CERTIFICATE_PASSWORD: 'pw' }, MI, { kind: 'client-certificate', ...ids(), certificatePath: '/c.pem', password: 'pw' }],
    ['managed identity beats device code', { ...APP }, BOTH, { kind: 'managed-identity', clientId: 'app-id' }],
    ['system-assigned managed identity', {}, MI, { kind: 'managed-identity' }],
    ['device code', { ...APP }, DEVICE, { kind: 'device-code', ...ids() }],
    ['blank variables count as unset', { GRAPH_ACCESS_TOKEN: '  ', AZURE_CLIENT_SECRET: '', ...APP }, DEVICE, { kind: 'device-code', ...ids() }],
  ])('%s', (_name, env, flags, expected) => {
    expect(credentialFrom(env, flags)).toEqual(expected);
  });
});

describe('credentialFrom: incomplete sign-in stops with AUTH, naming what to set', () => {
  it.each([
    ['nothing at all', {}, NO_FLAGS, ['GRAPH_ACCESS_TOKEN', 'AZURE_CLIENT_SECRET', '--managed-identity', '--device-code']],
    ['a tenant without a client', { AZURE_TENANT_ID: 't' }, NO_FLAGS, ['set AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH']],
    ['an app without secret or certificate', { ...APP }, NO_FLAGS, ['AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH', '--device-code']],
    ['a secret without client id', { AZURE_TENANT_ID: 't', AZURE_CLIENT_SECRET: SECRET }, NO_FLAGS, ['AZURE_CLIENT_SECRET is set', 'AZURE_CLIENT_ID is not']],
    ['a certificate without tenant and client', { AZURE_CLIENT_CERTIFICATE_PATH: '/c.pem' }, NO_FLAGS, ['AZURE_TENANT_ID and AZURE_CLIENT_ID are not']],
    ['device code without tenant', { AZURE_CLIENT_ID: 'x' }, DEVICE, ['--device-code', 'AZURE_TENANT_ID is not']],
    ['a tenant that is not one', { AZURE_TENANT_ID: 'a/b', AZURE_CLIENT_ID: 'x', AZURE_CLIENT_SECRET: SECRET }, NO_FLAGS, ['AZURE_TENANT_ID "a/b"']],
  ])('%s', (_name, env, flags, parts) => {
    const error = authError(env, flags);
    for (const part of parts) expect(error.message).toContain(part);
    expect(error.message).not.toContain(SECRET);
  });
});

function ids() {
  return { tenantId: APP.AZURE_TENANT_ID, clientId: APP.AZURE_CLIENT_ID };
}
