import { RunError } from '../errors.js';
import { PERMISSION_NEEDS, permissionNeeded, type RequestKind } from '../graph/permissions.js';

export type { RequestKind } from '../graph/permissions.js';

/**
 * Tells a run that cannot authenticate from a row that is refused: when the first answers to a
 * kind of request all say 401 or 403, the run stops instead of failing row after row, naming the
 * permission that this kind of request needs (SPEC §3). A 403 on the usage-location PATCH alone
 * only fails those rows: it needs a permission of its own, which the rest of the run does not.
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
    const { doing } = PERMISSION_NEEDS[kind];
    const what =
      status === 401
        ? `Microsoft Graph did not accept the access token (401) to ${doing}: check the sign-in (an expired token, or one for another tenant or service)`
        : `Microsoft Graph refused to ${doing} for lack of permission (403)`;
    this.#stop = new RunError('AUTH', `${what}. ${permissionNeeded(kind)}`);
    return this.#stop;
  }

  /** The error that stopped the run, once one has. */
  get stopError(): RunError | undefined {
    return this.#stop;
  }
}

/** The message for a row refused with 403 while the run goes on: Graph's words, then what the request needs. */
export function forbiddenRowMessage(kind: RequestKind, graphMessage: string | undefined): string {
  return `${graphMessage ? `${graphMessage} ` : ''}Permission denied: ${permissionNeeded(kind)}`;
}
