/**
 * The tenant a run worked on, for the report's reader, from what the sign-in was given: the tenant
 * id in the `tid` claim of `GRAPH_ACCESS_TOKEN` (which takes precedence in sign-in, SPEC §3), else
 * `AZURE_TENANT_ID`. Only the claim is read, and only a value shaped like a tenant id or domain is
 * kept: nothing else of the token ever reaches the report. Undefined when neither names one (a
 * managed identity, a token that is not a JWT); the report shows the Graph root then. Pure.
 */
export function tenantName(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.GRAPH_ACCESS_TOKEN?.trim();
  if (token) return tidClaim(token);
  return plausibleTenant(env.AZURE_TENANT_ID?.trim());
}

function tidClaim(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const tid = claims !== null && typeof claims === 'object' ? (claims as { tid?: unknown }).tid : undefined;
    return typeof tid === 'string' ? plausibleTenant(tid) : undefined;
  } catch {
    return undefined;
  }
}

/** A GUID or a domain name; anything else is not shown. */
function plausibleTenant(value: string | undefined): string | undefined {
  return value !== undefined && /^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$/.test(value) ? value : undefined;
}
