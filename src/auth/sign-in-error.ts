import { AuthError, ServerError } from '@azure/msal-node';
import { RunError } from '../errors.js';
import { PERMISSION_HINT } from '../graph/permissions.js';

/** What was being tried, for the message: which sign-in, where, and which variables an admin would fix. */
export interface SignInContext {
  /** e.g. "client secret sign-in" */
  readonly what: string;
  /** The authority or endpoint, e.g. `https://login.microsoftonline.com/<tenant>`. */
  readonly where: string;
  /** What to check when the server refuses, e.g. "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET". */
  readonly check: string;
  /** What to check when nothing answers. @default the network, proxy, AZURE_AUTHORITY_HOST and --cloud */
  readonly unreachable?: string;
  /** Values that must never appear in a message (secret, password, tokens). */
  readonly secrets: readonly string[];
}

const NETWORK_CODES = new Set(['network_error', 'endpoints_resolution_error', 'openid_config_error', 'untrusted_authority', 'invalid_authority_metadata']);

/**
 * MSAL's failure as the run's {@link RunError} `AUTH` (exit code 2): the server's own error code and
 * first line of its description (AADSTS...), what to check, and the permission the app needs. Any
 * secret given in `context` is cut out, whatever the message says.
 */
export function signInError(error: unknown, context: SignInContext): RunError {
  let message: string;
  if (error instanceof RunError) return error;
  if (error instanceof ServerError || (error instanceof AuthError && isServerRefusal(error))) {
    message =
      `${capitalise(context.what)} was refused by ${context.where}: ${error.errorCode}: ${firstLine(error.errorMessage)}. ` +
      `Check ${context.check}. ${PERMISSION_HINT}`;
  } else if (error instanceof AuthError && NETWORK_CODES.has(error.errorCode)) {
    message =
      `${capitalise(context.what)} could not reach ${context.where} (${error.errorCode}: ${firstLine(error.errorMessage)}). ` +
      `Check ${context.unreachable ?? 'the network or proxy, and AZURE_AUTHORITY_HOST or --cloud'}.`;
  } else {
    const detail = error instanceof AuthError ? `${error.errorCode}: ${firstLine(error.errorMessage)}` : error instanceof Error ? firstLine(error.message) : String(error);
    message = `${capitalise(context.what)} failed at ${context.where} (${detail}). Check ${context.check}.`;
  }
  return new RunError('AUTH', redact(message, context.secrets));
}

/** MSAL reports some OAuth errors (e.g. from managed identity endpoints) as plain AuthErrors with an OAuth code. */
function isServerRefusal(error: AuthError): boolean {
  return /^(invalid_client|unauthorized_client|invalid_request|invalid_grant|invalid_scope|access_denied|invalid_resource)$/.test(error.errorCode);
}

/**
 * The server's description without MSAL's wrapping ("Error(s): 7000215 - Timestamp: ... - Description: ")
 * or Entra ID's trailing "Trace ID: ... Correlation ID: ... Timestamp: ..." lines.
 */
function firstLine(text: string): string {
  const description = /Description: ([\s\S]*)$/.exec(text)?.[1] ?? text;
  return (description.split(/\r?\n|\s-\s(?:Correlation ID|Trace ID|Timestamp):/)[0] ?? '').trim().replace(/\.$/, '');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
