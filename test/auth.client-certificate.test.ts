import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClientCertificate } from '../src/auth/client-certificate.js';
import { RunError } from '../src/errors.js';
import { makeCertificates, type TestCertificates } from './helpers/auth.js';

let certs: TestCertificates;
beforeAll(async () => {
  certs = await makeCertificates();
});
afterAll(() => certs.dispose());

describe('loadClientCertificate', () => {
  it('reads a PEM with key and certificate: SHA-256 thumbprint in hex, the key, the certificate as x5c', () => {
    const loaded = loadClientCertificate(certs.client.pemPath, undefined);
    const fingerprint = new X509Certificate(certs.client.cert).fingerprint256.replace(/:/g, '').toLowerCase();
    expect(loaded.thumbprintSha256).toBe(fingerprint);
    expect(loaded.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(loaded.x5c.trim()).toBe(certs.client.cert.trim());
  });

  it('decrypts an encrypted key with the password, to the same key', () => {
    const plain = loadClientCertificate(certs.client.pemPath, undefined);
    const decrypted = loadClientCertificate(certs.client.encryptedPemPath, certs.client.password);
    expect(decrypted.thumbprintSha256).toBe(plain.thumbprintSha256);
    expect(createPrivateKey(decrypted.privateKey).equals(createPrivateKey(plain.privateKey))).toBe(true);
  });

  it.each([
    ['an encrypted key without password', () => [certs.client.encryptedPemPath, undefined], 'set AZURE_CLIENT_CERTIFICATE_PASSWORD'],
    ['a wrong password', () => [certs.client.encryptedPemPath, 'not-the-password-987'], 'does not decrypt: check the password'],
    ['a missing file', () => [join(certs.dir, 'nope.pem'), undefined], 'cannot be read (ENOENT)'],
  ] as [string, () => [string, string | undefined], string][])('refuses %s with AUTH, naming what to fix and never the password', (_name, args, why) => {
    const [path, password] = args();
    const error = authError(() => loadClientCertificate(path, password));
    expect(error.message).toContain(path);
    expect(error.message).toContain(why);
    if (password) expect(error.message).not.toContain(password);
  });

  it.each([
    ['a certificate without key', async () => readFile(join(certs.dir, 'client.crt'), 'utf8'), 'holds no private key'],
    ['a key without certificate', async () => readFile(join(certs.dir, 'client.key'), 'utf8'), 'holds no certificate'],
    ['a key of another certificate', async () => (await readFile(join(certs.dir, 'stranger.key'), 'utf8')) + certs.client.cert, 'does not belong'],
  ])('refuses %s', async (_name, content, why) => {
    const path = join(certs.dir, `case-${why.replace(/\W/g, '')}.pem`);
    await writeFile(path, await content());
    expect(authError(() => loadClientCertificate(path, undefined)).message).toContain(why);
  });
});

function authError(fn: () => unknown): RunError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('AUTH');
    return error as RunError;
  }
  throw new Error('expected an AUTH error');
}
