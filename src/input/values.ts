/**
 * Small predicates and normalisers over cell values, shared by the row checks and the catalog.
 */

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

/**
 * The GUID in `value`, lower-cased and without the braces PowerShell and the registry put around
 * GUIDs, or undefined when `value` is not one.
 */
export function asGuid(value: string): string | undefined {
  const match = GUID.exec(value);
  return match ? match[1]!.toLowerCase() : undefined;
}

/**
 * True for a value made of hex digits and dashes that is not a whole GUID: almost surely a GUID cut
 * short or mistyped, which is better reported as such than looked up as a name.
 */
export function isBrokenGuid(value: string): boolean {
  return /^\{?[0-9a-f-]+\}?$/i.test(value) && value.includes('-') && /[0-9]/.test(value) && asGuid(value) === undefined;
}

/** Control characters (a line break from a multi-line cell, a tab) and U+FFFD from undecodable bytes. */
export function hasControlCharacters(value: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f\ufffd]/.test(value);
}

/**
 * The form SKU names are compared in: compatibility-normalised (a no-break space pasted from a web
 * page becomes a space), runs of white space collapsed, lower case.
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** A value as messages quote it. */
export function quote(value: string): string {
  return JSON.stringify(value);
}
