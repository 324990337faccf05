/** What the tool needs from Microsoft Graph, named in every message about a refused request (SPEC §3). */
export const PERMISSION_HINT =
  'The app needs the Microsoft Graph application permission LicenseAssignment.ReadWrite.All ' +
  '(and User.ReadWrite.All to set usage location); for delegated sign-in, the signed-in admin needs ' +
  'the License Administrator or User Administrator role.';
