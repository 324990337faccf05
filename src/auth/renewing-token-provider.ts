import type { TokenProvider } from '../graph/token-provider.js';

/** Gets an access token: from the cache when `fresh` is false and a cached one is not near expiry, else a new one. */
export type AcquireToken = (options: { readonly fresh: boolean }) => Promise<string>;

/**
 * A {@link TokenProvider} over a token cache that renews by itself (MSAL's): every request asks for a
 * token, and the cache answers until the token nears expiry. Concurrent requests share one call, so a
 * burst at the start of a run signs in once. Until a sign-in has succeeded, its failure is kept and
 * given to every later request, so that a refused client is not retried from every request in flight;
 * after that, a failure is given to the requests that asked, and the next request tries again.
 */
export function renewingTokenProvider(acquire: AcquireToken): TokenProvider {
  let pending: Promise<string> | undefined;
  let renewing: Promise<string> | undefined;
  let signedIn = false;
  let refusal: Promise<string> | undefined;

  const track = (fresh: boolean) =>
    acquire({ fresh }).then(
      (token) => {
        signedIn = true;
        return token;
      },
      (error: unknown) => {
        if (!signedIn) refusal ??= Promise.reject(error);
        refusal?.catch(() => {});
        throw error;
      },
    );

  return {
    getToken() {
      if (refusal) return refusal;
      // A renewal in progress is the token every request should wait for.
      return (renewing ?? (pending ??= track(false).finally(() => (pending = undefined))));
    },
    renew() {
      if (refusal) return refusal;
      return (renewing ??= track(true).finally(() => (renewing = undefined)));
    },
  };
}
