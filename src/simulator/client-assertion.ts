import { constants, createHash, verify, X509Certificate } from 'node:crypto';

/** Why a `client_assertion` was refused, in Entra ID's words; undefined when it is good. */
export type AssertionCheck = { ok: true } | { ok: false; description: string };

const CLOCK_SKEW_SECONDS = 300;

/**
 * Checks a certificate credential (RFC 7523 `client_assertion`) as Entra ID does: the header's thumbprint
 * (`x5t#S256`, or SHA-1 `x5t`) names the client's registered certificate, the RS256 or PS256 signature
 * verifies with its key, `iss` and `sub` are the client, `aud` is the token endpoint, and it is in date.
 */
export function checkClientAssertion(
  assertion: string,
  expected: { clientId: string; certificatePem: string | undefined; audience: string; nowSeconds: number },
): AssertionCheck {
  const refuse = (description: string): AssertionCheck => ({ ok: false, description });
  const parts = assertion.split('.');
  if (parts.length !== 3) return refuse('AADSTS50027: JWT token is invalid or malformed.');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = decode(headerPart);
  const payload = decode(payloadPart);
  if (header === undefined || payload === undefined) return refuse('AADSTS50027: JWT token is invalid or malformed.');
  if (expected.certificatePem === undefined) {
    return refuse(`AADSTS700027: The certificate used to sign the client assertion is not registered on application '${expected.clientId}'.`);
  }
  const certificate = new X509Certificate(expected.certificatePem);
  const thumbprint256 = createHash('sha256').update(certificate.raw).digest('base64url');
  const thumbprint1 = createHash('sha1').update(certificate.raw).digest('base64url');
  if (header['x5t#S256'] !== thumbprint256 && header.x5t !== thumbprint1) {
    return refuse(`AADSTS700027: The certificate with the thumbprint in the client assertion is not registered on application '${expected.clientId}'.`);
  }
  const padding = header.alg === 'PS256' ? constants.RSA_PKCS1_PSS_PADDING : header.alg === 'RS256' ? constants.RSA_PKCS1_PADDING : undefined;
  if (padding === undefined) return refuse(`AADSTS5002738: Invalid JWT token. '${String(header.alg)}' is not a supported signature algorithm.`);
  const signed = verify(
    'sha256',
    Buffer.from(`${headerPart}.${payloadPart}`),
    { key: certificate.publicKey, padding, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
    Buffer.from(signaturePart, 'base64url'),
  );
  if (!signed) return refuse('AADSTS700027: Client assertion failed signature validation.');
  if (payload.iss !== expected.clientId || payload.sub !== expected.clientId) {
    return refuse('AADSTS700021: Client assertion application identifier does not match the client_id parameter.');
  }
  if (payload.aud !== expected.audience) return refuse(`AADSTS700212: No matching federated identity record found for the assertion audience '${String(payload.aud)}'.`);
  const now = expected.nowSeconds;
  if (typeof payload.exp !== 'number' || payload.exp < now - CLOCK_SKEW_SECONDS) return refuse('AADSTS700024: Client assertion is not within its valid time range.');
  if (typeof payload.nbf === 'number' && payload.nbf > now + CLOCK_SKEW_SECONDS) return refuse('AADSTS700024: Client assertion is not within its valid time range.');
  return { ok: true };
}

function decode(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
