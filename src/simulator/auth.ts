import { randomBytes } from 'node:crypto';
import { checkClientAssertion } from './client-assertion.js';
import { failed, graphErrors, ok, type Outcome } from './graph-errors.js';
import type { OperationKind } from './routes.js';
import type { AuthSpec } from './tenant-spec.js';
import type { Clock } from './throttle.js';

/*
 * Application permissions, as Graph's permissions reference lists them per API
 * (microsoftgraph/microsoft-graph-docs-contrib, api-reference/v1.0/api/*.md and
 * includes/permissions/*-permissions.md): the least privileged first, then the higher ones that
 * grant the same. Any one of them is enough.
 */

/**
 * user-get.md and user-list.md: User.Read.All; higher User.ReadWrite.All, Directory.Read.All,
 * Directory.ReadWrite.All. LicenseAssignment.ReadWrite.All does not grant user reads.
 */
const USER_READ_ROLES = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

/** The application permissions (roles) that allow each kind of request; any one of them is enough. */
export const ROLES_FOR: Readonly<Record<Exclude<OperationKind, 'batch'>, readonly string[]>> = {
  /** user-assignlicense-permissions.md: LicenseAssignment.ReadWrite.All; higher Directory.ReadWrite.All, User.ReadWrite.All. */
  assignLicense: ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  /** user-update.md: User.ReadWrite.All, Directory.ReadWrite.All (usageLocation is a plain property). */
  patchUser: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  getUser: USER_READ_ROLES,
  listUsers: USER_READ_ROLES,
  /**
   * subscribedsku-list.md: LicenseAssignment.Read.All; higher Directory.Read.All, Directory.ReadWrite.All,
   * Organization.Read.All, Organization.ReadWrite.All; and LicenseAssignment.ReadWrite.All, which includes
   * the read (SPEC §3).
   */
  subscribedSkus: [
    'LicenseAssignment.Read.All',
    'LicenseAssignment.ReadWrite.All',
    'Organization.Read.All',
    'Organization.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
};

/** Every role named above: what a token carries when the tenant has no `auth` section. */
const ALL_ROLES: ReadonlySet<string> = new Set(Object.values(ROLES_FOR).flat());

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;

export function mayPerform(kind: Exclude<OperationKind, 'batch'>, roles: ReadonlySet<string>): boolean {
  return ROLES_FOR[kind].some((role) => roles.has(role));
}

/** Why the token endpoint refused a client; a refused assertion carries Entra ID's description. */
export type ClientRefusal = 'unknown_client' | 'bad_secret' | { readonly assertion: string };

/** How a client proves who it is: a secret, or a `client_assertion` signed with its certificate's key. */
export type ClientProof = { readonly secret: string } | { readonly assertion: string; readonly audience: string };

/**
 * Who may call: the tokens the tenant file lists, and the tokens this simulator issued (which expire).
 * Without an `auth` section, any non-empty bearer token carries every role.
 */
export class TokenAuthority {
  readonly #spec: AuthSpec | undefined;
  readonly #now: Clock;
  readonly #issued = new Map<string, { roles: ReadonlySet<string>; expiresAt: number }>();
  #issuedCount = 0;

  constructor(spec: AuthSpec | undefined, now: Clock = Date.now) {
    this.#spec = spec;
    this.#now = now;
  }

  get lifetimeSeconds(): number {
    return this.#spec?.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  }

  /** Checks an `Authorization` header; the roles it grants, or Graph's 401. */
  authenticate(header: string | undefined): Outcome<ReadonlySet<string>> {
    const token = /^Bearer\s+(\S.*)$/i.exec(header ?? '')?.[1]?.trim();
    if (token === undefined || token === '') return failed(graphErrors.tokenMissing());
    if (this.#spec === undefined) return ok(ALL_ROLES);
    const listed = this.#spec.tokens?.[token];
    if (listed !== undefined) return ok(new Set(listed));
    const issued = this.#issued.get(token);
    if (issued === undefined) return failed(graphErrors.tokenInvalid());
    if (this.#now() >= issued.expiresAt) return failed(graphErrors.tokenExpired());
    return ok(issued.roles);
  }

  /** Tokens issued so far by the token endpoint. */
  get issuedCount(): number {
    return this.#issuedCount;
  }

  /** Forgets every token issued so far, as if they had been revoked: Graph answers them with 401. */
  revokeIssued(): void {
    this.#issued.clear();
  }

  /**
   * Client credentials: a new token for a known client with the right secret or certificate assertion
   * (any client when there is no `auth`, any assertion too, as its certificate is not known).
   */
  issue(tenantId: string, clientId: string, proof: ClientProof): { token: string } | { refused: ClientRefusal } {
    let roles = ALL_ROLES;
    if (this.#spec !== undefined) {
      const client = this.#spec.clients?.[clientId];
      if (client === undefined) return { refused: 'unknown_client' };
      if ('secret' in proof && client.secret !== proof.secret) return { refused: 'bad_secret' };
      if ('assertion' in proof) {
        const check = checkClientAssertion(proof.assertion, {
          clientId,
          certificatePem: client.certificate,
          audience: proof.audience,
          nowSeconds: Math.floor(this.#now() / 1000),
        });
        if (!check.ok) return { refused: { assertion: check.description } };
      }
      roles = new Set(client.roles);
    }
    this.#issuedCount += 1;
    const issuedAt = this.#now();
    const expiresAt = issuedAt + this.lifetimeSeconds * 1000;
    const token = jwtShaped({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${tenantId}/`,
      iat: Math.floor(issuedAt / 1000),
      nbf: Math.floor(issuedAt / 1000),
      exp: Math.floor(expiresAt / 1000),
      appid: clientId,
      tid: tenantId,
      roles: [...roles],
      // Says what it is to anyone who decodes it.
      ver: '1.0-license-batch-simulator',
    });
    this.#issued.set(token, { roles, expiresAt });
    return { token };
  }
}

/**
 * Looks like an unsigned JWT, so that clients which decode access tokens (to read `roles` or `exp`)
 * work as with Entra ID; the simulator itself only looks it up.
 */
function jwtShaped(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ typ: 'JWT', alg: 'none' })}.${part(payload)}.${randomBytes(24).toString('base64url')}`;
}
