import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RunError } from '../errors.js';

/** What MSAL's `auth.clientCertificate` takes: the certificate's SHA-256 thumbprint, its key unencrypted, and the chain. */
export interface ClientCertificate {
  /** Hex, as MSAL expects it. */
  readonly thumbprintSha256: string;
  /** PKCS#8 PEM, decrypted: it stays in memory only. */
  readonly privateKey: string;
  /** The PEM certificate(s), sent as `x5c` for subject name and issuer authentication. */
  readonly x5c: string;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

/**
 * Reads `AZURE_CLIENT_CERTIFICATE_PATH`: one PEM file with the private key (encrypted with `password` or
 * not) and the certificate, whose key must match.
 * @throws {RunError} `AUTH` naming what to fix: the file, the missing part, or the password. The password
 * never appears in a message.
 */
export function loadClientCertificate(path: string, password: string | undefined): ClientCertificate {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw problem(path, `cannot be read (${code}); AZURE_CLIENT_CERTIFICATE_PATH must name a PEM file with the private key and the certificate`);
  }
  const keyPem = KEY_BLOCK.exec(pem)?.[0];
  const certificates = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (keyPem === undefined) throw problem(path, 'holds no private key (expected a PEM "PRIVATE KEY" block next to the certificate)');
  if (certificates.length === 0) throw problem(path, 'holds no certificate (expected a PEM "CERTIFICATE" block next to the private key)');

  const key = privateKey(path, keyPem, password);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificates[0]!);
  } catch {
    throw problem(path, 'holds a CERTIFICATE block that is not a valid X.509 certificate');
  }
  if (!certificate.checkPrivateKey(key)) throw problem(path, "holds a private key that does not belong to its (first) certificate");
  return {
    thumbprintSha256: createHash('sha256').update(certificate.raw).digest('hex'),
    privateKey: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    x5c: certificates.join('\n'),
  };
}

function privateKey(path: string, keyPem: string, password: string | undefined): KeyObject {
  const encrypted = /ENCRYPTED/.test(keyPem.slice(0, 200));
  if (encrypted && !password) throw problem(path, 'holds an encrypted private key: set AZURE_CLIENT_CERTIFICATE_PASSWORD');
  try {
    return createPrivateKey(encrypted ? { key: keyPem, passphrase: password! } : { key: keyPem });
  } catch {
    throw problem(path, encrypted ? 'holds a private key that AZURE_CLIENT_CERTIFICATE_PASSWORD does not decrypt: check the password' : 'holds a private key that cannot be read');
  }
}

function problem(path: string, what: string): RunError {
  return new RunError('AUTH', `The client certificate ${path} ${what}.`);
}
