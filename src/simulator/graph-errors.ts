/**
 * The errors the simulator answers with: Graph's codes and, where known, Graph's exact wording,
 * because clients (this tool included) match on them.
 */
export interface GraphFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A result of the tenant model or a route: a value, or the error Graph would answer. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GraphFailure };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const failed = (error: GraphFailure): Outcome<never> => ({ ok: false, error });

const badRequest = (message: string): GraphFailure => ({ status: 400, code: 'Request_BadRequest', message });

export const graphErrors = {
  resourceNotFound: (key: string): GraphFailure => ({
    status: 404,
    code: 'Request_ResourceNotFound',
    message: `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  }),
  missingParameters: (names: readonly string[]): GraphFailure =>
    badRequest(
      `One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: ${names.join(', ')}.`,
    ),
  notACollection: (name: string): GraphFailure =>
    badRequest(`The parameter '${name}' in the request payload is not a valid collection.`),
  nullGuid: (): GraphFailure =>
    badRequest(
      "A null value was found with the expected type 'Edm.Guid[Nullable=False]'. The expected type 'Edm.Guid[Nullable=False]' does not allow null values.",
    ),
  notAGuid: (): GraphFailure =>
    badRequest("Cannot convert a primitive value to the expected type 'Edm.Guid'. See the inner exception for more details."),
  unknownSku: (skuId: string): GraphFailure => badRequest(`License ${skuId} does not correspond to a valid company License.`),
  planNotInSku: (planId: string, skuId: string): GraphFailure =>
    badRequest(`Service plan ${planId} does not belong to license ${skuId} and cannot be disabled for it.`),
  noCorrespondingLicense: (): GraphFailure => badRequest('User does not have a corresponding license.'),
  inheritedFromGroup: (): GraphFailure =>
    badRequest('User license is inherited from a group membership and it cannot be removed directly from the user.'),
  invalidUsageLocation: (): GraphFailure => badRequest('License assignment cannot be done for user with invalid usage location.'),
  noSeats: (skuId: string): GraphFailure => badRequest(`Subscription with SKU ${skuId} does not have any available licenses.`),
  /** A SKU whose plans apply to the company (`appliesTo: Company`); wording as Graph answers it (microsoft-graph-docs-contrib issue 5644). */
  companySku: (skuId: string): GraphFailure => badRequest(`License ${skuId} cannot be assigned to a user.`),
  /**
   * Wording of Graph's answers and of the Entra audit log (licensing-groups-resolve-problems):
   * "License assignment failed because service plan X depends on the service plan(s) Y".
   */
  dependentPlan: (planId: string, requires: readonly string[]): GraphFailure =>
    badRequest(`License assignment failed because service plan ${planId} depends on the service plan(s) ${requires.join(',')}`),
  /** "License assignment failed because service plans X,Y are mutually exclusive" (same sources). */
  exclusivePlans: (planIds: readonly string[]): GraphFailure =>
    badRequest(`License assignment failed because service plans ${planIds.join(',')} are mutually exclusive`),
  /**
   * Graph's transient 409 on directory writes (code and message as Graph sends them; the errors
   * reference says such a 409 can be repeated after a delay).
   */
  concurrencyViolation: (): GraphFailure => ({
    status: 409,
    code: 'Directory_ConcurrencyViolation',
    message: 'Error due to concurrent requests being made to the tenant. Please wait briefly and retry.',
  }),
  /**
   * A `$`-leading key in the slash form (`/users/$x`): Graph reads a `$` segment as a system
   * segment, not a key, and refuses it (its known issues say to use `/users('$x')`).
   */
  dollarKey: (segment: string): GraphFailure => ({
    status: 400,
    code: 'BadRequest',
    message: `Resource not found for the segment '${segment}'.`,
  }),
  invalidPropertyValue: (property: string): GraphFailure =>
    badRequest(`Invalid value specified for property '${property}' of resource 'User'.`),
  undeclaredProperty: (property: string): GraphFailure =>
    badRequest(`Property '${property}' does not exist as a declared property or extension property.`),
  unreadableJson: (): GraphFailure => ({
    status: 400,
    code: 'BadRequest',
    message: 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
  }),
  unknownProperty: (property: string): GraphFailure => ({
    status: 400,
    code: 'BadRequest',
    message: `Could not find a property named '${property}' on type 'microsoft.graph.user'.`,
  }),
  unsupportedFilter: (filter: string): GraphFailure => ({
    status: 400,
    code: 'Request_UnsupportedQuery',
    message: `Unsupported or invalid query filter clause specified: '${filter}'.`,
  }),
  tooManyFilterValues: (count: number): GraphFailure => ({
    status: 400,
    code: 'Request_UnsupportedQuery',
    message: `Too many child clauses specified in search filter expression containing 'OR' operators: ${count}. Max allowed: 15.`,
  }),
  segmentNotFound: (segment: string): GraphFailure => ({
    status: 400,
    code: 'BadRequest',
    message: `Resource not found for the segment '${segment}'.`,
  }),
  methodNotAllowed: (): GraphFailure => ({
    status: 405,
    code: 'Request_BadRequest',
    message: 'Specified HTTP method is not allowed for the request target.',
  }),
  invalidBatch: (message: string): GraphFailure => ({ status: 400, code: 'BadRequest', message }),
  failedDependency: (): GraphFailure => ({
    status: 424,
    code: 'FailedDependency',
    message: 'Dependent request failed.',
  }),
  tokenMissing: (): GraphFailure => ({
    status: 401,
    code: 'InvalidAuthenticationToken',
    message: 'Access token is empty.',
    headers: { 'WWW-Authenticate': bearerChallenge(false) },
  }),
  tokenInvalid: (): GraphFailure => ({
    status: 401,
    code: 'InvalidAuthenticationToken',
    message: 'Access token validation failure.',
    headers: { 'WWW-Authenticate': bearerChallenge(true) },
  }),
  tokenExpired: (): GraphFailure => ({
    status: 401,
    code: 'InvalidAuthenticationToken',
    message: 'Lifetime validation failed, the token is expired.',
    headers: { 'WWW-Authenticate': bearerChallenge(true) },
  }),
  insufficientPrivileges: (): GraphFailure => ({
    status: 403,
    code: 'Authorization_RequestDenied',
    message: 'Insufficient privileges to complete the operation.',
  }),
  throttled: (retryAfterSeconds: number): GraphFailure => ({
    status: 429,
    code: 'TooManyRequests',
    message: 'Too many requests.',
    headers: { 'Retry-After': String(retryAfterSeconds) },
  }),
  serviceUnavailable: (retryAfterSeconds?: number): GraphFailure => ({
    status: 503,
    code: 'serviceNotAvailable',
    message: 'The service is temporarily unavailable. Please retry later.',
    ...(retryAfterSeconds === undefined ? {} : { headers: { 'Retry-After': String(retryAfterSeconds) } }),
  }),
} as const;

/** Microsoft Graph's own application id, which Graph names in its challenges. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/**
 * The `WWW-Authenticate` challenge Graph sends with a 401: `Bearer realm="", authorization_uri=...,
 * client_id=...`. A token that was sent but refused adds `error="invalid_token"` (RFC 6750 §3.1,
 * which also says a request without credentials gets no error code).
 */
function bearerChallenge(tokenSent: boolean): string {
  const parts = ['realm=""', 'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"', `client_id="${GRAPH_APP_ID}"`];
  if (tokenSent) parts.push('error="invalid_token"');
  return `Bearer ${parts.join(', ')}`;
}

/** Graph's error body, with the `innerError` that support tickets quote. */
export function errorBody(error: GraphFailure, requestId: string, clientRequestId: string, at: Date): unknown {
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: { date: at.toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}
