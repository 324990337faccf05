import { createHash, createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkClientAssertion } from '../src/simulator/client-assertion.js';
import { makeCertificates, type TestCertificates } from './helpers/auth.js';

let certs: TestCertificates;
beforeAll(async () => {
  certs = await makeCertificates();
});
afterAll(() => certs.dispose());

const AUD = 'https://127.0.0.1:1/t/oauth2/v2.0/token';
const NOW = 1_800_000_000;

function assertion(overrides: { payload?: Record<string, unknown>; key?: string; tamper?: boolean } = {}): string {
  const raw = new X509Certificate(certs.client.cert).raw;
  const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': createHash('sha256').update(raw).digest('base64url') };
  const payload = { aud: AUD, iss: 'app', sub: 'app', exp: NOW + 600, nbf: NOW, jti: 'x', ...overrides.payload };
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const data = `${part(header)}.${part(payload)}`;
  const key = createPrivateKey(readFileSync(overrides.key ?? certs.client.pemPath, 'utf8'));
  const signature = sign('sha256', Buffer.from(data), { key, padding: 6 /* PSS */, saltLength: 32 }).toString('base64url');
  return `${data}.${overrides.tamper ? signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) : signature}`;
}

const check = (jwt: string) => checkClientAssertion(jwt, { clientId: 'app', certificatePem: certs.client.cert, audience: AUD, nowSeconds: NOW });

describe('simulator: certificate client assertions', () => {
  it('accepts one signed with the registered certificate\'s key', () => {
    expect(check(assertion())).toEqual({ ok: true });
  });

  it.each([
    ['a forged signature', () => assertion({ key: certs.stranger.pemPath }), /signature validation/],
    ['a tampered signature', () => assertion({ tamper: true }), /signature validation/],
    ['another audience', () => assertion({ payload: { aud: 'https://elsewhere/token' } }), /audience/],
    ['another issuer', () => assertion({ payload: { iss: 'other' } }), /does not match the client_id/],
    ['an expired one', () => assertion({ payload: { exp: NOW - 3600 } }), /valid time range/],
    ['garbage', () => 'not.a.jwt', /malformed/],
  ])('refuses %s', (_name, jwt, why) => {
    const result = check(jwt());
    expect(result.ok).toBe(false);
    expect(!result.ok && result.description).toMatch(why);
  });
});
