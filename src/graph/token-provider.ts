/**
 * Where bearer tokens come from. A provider that can renew (MSAL) implements `renew`, which the
 * retry loop calls once after a 401; the token itself is never logged, printed or put in an error.
 */
export interface TokenProvider {
  getToken(): Promise<string>;
  /** A fresh token after a 401, bypassing any cache. */
  renew?(): Promise<string>;
}

/** A ready token, e.g. from `GRAPH_ACCESS_TOKEN`: it cannot be renewed, so a 401 is final. */
export function staticTokenProvider(token: string): TokenProvider {
  if (token.trim() === '') throw new TypeError('staticTokenProvider: expect a non-empty token');
  const value = token.trim();
  return { getToken: async () => value };
}
