/**
 * What each kind of Graph request needs (SPEC §3, "Permissions, as Graph enforces them"): one
 * table, so that a refusal names the permission of the request Graph refused, never a generic list.
 * Application permissions, least privileged first, as Graph's permissions reference gives them
 * (user-get, user-list, user-assignlicense, subscribedsku-list, user-update).
 */

/** The kinds of request the tool sends, as far as permissions go. */
export type RequestKind =
  /** Reading users by id or UPN (`GET /users/{id}`, `GET /users?$filter=id in (...)`): the run's state read. */
  | 'read'
  /** Listing users page by page (`GET /users?$select=...&$top=999`): `export`, and `sync`'s holders. */
  | 'list'
  /** `GET /subscribedSkus`. */
  | 'skus'
  /** `POST /users/{id}/assignLicense`. */
  | 'assignLicense'
  /** `PATCH /users/{id}` with `usageLocation`. */
  | 'usageLocation';

export interface PermissionNeed {
  /** What the request does, after "to": "read users". */
  readonly doing: string;
  /** The same as the subject of a sentence: "Reading users". */
  readonly subject: string;
  /** The least privileged application permission that allows it. */
  readonly permission: string;
  /** Higher permissions that allow it too (an app that has one of them needs nothing more). */
  readonly orHigher: readonly string[];
}

const USER_READ = { permission: 'User.Read.All', orHigher: ['User.ReadWrite.All', 'Directory.Read.All'] } as const;

export const PERMISSION_NEEDS: Readonly<Record<RequestKind, PermissionNeed>> = Object.freeze({
  read: { doing: 'read users', subject: 'Reading users', ...USER_READ },
  list: { doing: 'list users', subject: 'Listing users', ...USER_READ },
  skus: { doing: "read the tenant's subscriptions (GET /subscribedSkus)", subject: "Reading the tenant's subscriptions", permission: 'LicenseAssignment.Read.All', orHigher: ['LicenseAssignment.ReadWrite.All', 'Organization.Read.All'] },
  assignLicense: { doing: 'assign licenses', subject: 'Assigning licenses', permission: 'LicenseAssignment.ReadWrite.All', orHigher: ['User.ReadWrite.All', 'Directory.ReadWrite.All'] },
  usageLocation: { doing: "set users' usage location", subject: "Setting users' usage location", permission: 'User.ReadWrite.All', orHigher: ['Directory.ReadWrite.All'] },
});

/** Delegated sign-in (`--device-code`): the directory roles the signed-in admin needs (SPEC §3). */
export const DELEGATED_ROLES = 'the License Administrator or User Administrator role';

/** The least privileged set for the whole tool, as `--help`, the summary and the README give it. */
export const LEAST_PRIVILEGE =
  'LicenseAssignment.ReadWrite.All and User.Read.All (User.ReadWrite.All instead of User.Read.All if the sheet sets usage locations)';

/**
 * What a refused request of this kind needs, as a sentence: "Reading users needs the Microsoft Graph
 * application permission User.Read.All (or User.ReadWrite.All or Directory.Read.All), with admin
 * consent; with --device-code, the signed-in admin needs the License Administrator or User
 * Administrator role."
 */
export function permissionNeeded(kind: RequestKind): string {
  const need = PERMISSION_NEEDS[kind];
  return (
    `${need.subject} needs the Microsoft Graph application permission ${need.permission} (or ${orList(need.orHigher)}), ` +
    `with admin consent; with --device-code, the signed-in admin needs ${DELEGATED_ROLES}.`
  );
}

/** Said where no request has been refused yet (a sign-in the token endpoint refused). */
export const PERMISSION_HINT =
  `The app needs the Microsoft Graph application permissions ${LEAST_PRIVILEGE}, with admin consent; ` +
  `for delegated sign-in, the signed-in admin needs ${DELEGATED_ROLES}.`;

function orList(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}
