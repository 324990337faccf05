import { RunError } from '../errors.js';
import type { Exchange } from '../graph/graph-client.js';
import { PERMISSION_HINT } from '../graph/permissions.js';

/**
 * The error for a read the command cannot do without: a refusal (401/403) names the permission,
 * anything else says what Graph answered.
 */
export function readFailure(what: string, final: Exchange): RunError {
  if (final.kind === 'response' && (final.status === 401 || final.status === 403)) {
    return new RunError('AUTH', `Microsoft Graph refused to ${what} (${final.status}). ${PERMISSION_HINT}`);
  }
  const why = final.kind === 'network' ? `${final.code}: ${final.message}` : `HTTP ${final.status} ${final.errorMessage ?? ''}`.trim();
  return new RunError('GRAPH_UNAVAILABLE', `Could not ${what}: ${why}`);
}
