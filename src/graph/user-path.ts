/**
 * The path of one user, from a UPN or an object id as the spreadsheet gives it: `/users/<key>`
 * with the key percent-encoded as ONE path segment (`#` of guest UPNs, `/`, `?`, `%`, `+`, non-ASCII),
 * or, for a UPN that starts with `$`, the OData key form `/users('<key>')` that Graph requires
 * there, with `'` doubled as OData escapes it.
 */
export function userPath(key: string): string {
  if (key.startsWith('$')) return `/users('${encodeSegment(key.replaceAll("'", "''"))}')`;
  return `/users/${encodeSegment(key)}`;
}

/** `encodeURIComponent` leaves `'` alone; it is encoded too, so that no key can close a quoted literal. */
function encodeSegment(text: string): string {
  return encodeURIComponent(text).replaceAll("'", '%27');
}
