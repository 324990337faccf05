import { RunError } from '../errors.js';
import { PERMISSION_HINT } from '../graph/permissions.js';

export type RequestKind = 'assignLicense' | 'usageLocation' | 'read' | 'skus';


/**
 * Tells a run that cannot authenticate from a row that is refused: when the first answers of the
 * requests that matter all say 401 or 403, the run stops instead of failing row after row. A 403 on
 * the usage-location PATCH alone only fails those rows (it needs a permission of its own).
 */
export class AuthWatch {
  #confirmed = new Set<RequestKind>();
  #stop: RunError | undefined;

  /** Records an HTTP status; returns the error that must stop the run, if this answer is one. */
  observe(kind: RequestKind, status: number): RunError | undefined {
    if (status !== 401 && status !== 403) {
      this.#confirmed.add(kind);
      return undefined;
    }
    if (this.#stop) return this.#stop;
    const stops = status === 401 || (kind !== 'usageLocation' && !this.#confirmed.has(kind));
    if (!stops) return undefined;
    const what =
      status === 401
        ? 'Microsoft Graph did not accept the access token (401)'
        : 'Microsoft Graph refused the request for lack of permission (403)';
    this.#stop = new RunError('AUTH', `${what}. ${PERMISSION_HINT}`);
    return this.#stop;
  }

  /** The error that stopped the run, once one has. */
  get stopError(): RunError | undefined {
    return this.#stop;
  }
}

/** The message for a row refused with 403 while the run goes on. */
export function forbiddenRowMessage(kind: RequestKind, graphMessage: string | undefined): string {
  const needs =
    kind === 'usageLocation'
      ? 'setting usage location needs the User.ReadWrite.All permission (or the User Administrator role)'
      : 'this change needs LicenseAssignment.ReadWrite.All (or the License Administrator role) for this user';
  return `${graphMessage ? `${graphMessage} ` : ''}Permission denied: ${needs}.`;
}
