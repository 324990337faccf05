import { RunError } from '../errors.js';
import type { Exchange } from '../graph/graph-client.js';
import { permissionNeeded, type RequestKind } from '../graph/permissions.js';

/**
 * The error for a read the command cannot do without (`what`: "list users (GET /users)"): a refusal
 * (401/403) names the permission that this kind of read needs, anything else says what Graph answered.
 */
export function readFailure(what: string, final: Exchange, kind: RequestKind = 'read'): RunError {
  if (final.kind === 'response' && (final.status === 401 || final.status === 403)) {
    return new RunError('AUTH', `Microsoft Graph refused to ${what} (${final.status}${final.errorCode ? ` ${final.errorCode}` : ''}). ${permissionNeeded(kind)}`);
  }
  const why = final.kind === 'network' ? `${final.code}: ${final.message}` : `HTTP ${final.status} ${final.errorMessage ?? ''}`.trim();
  return new RunError('GRAPH_UNAVAILABLE', `Could not ${what}: ${why}`);
}
