/** The help text: the commands and flags of SPEC §5 that this version implements. */
export const USAGE = `license-batch: apply Microsoft 365 license changes from a spreadsheet through Microsoft Graph.

Usage:
  license-batch run <input.csv|.xlsx|-> [opts]    apply the file's changes; write a results file
  license-batch sync <desired.csv|.xlsx> [opts]   bring the tenant to the sheet, in both directions (removes too)
  license-batch validate <input.csv|.xlsx|->      check the file offline (no network)
  license-batch skus [connection options]         the tenant's SKUs: names, id, seats, plans
  license-batch export [--out F] [--sku X]...     current direct assignments, in this tool's input format
  license-batch simulate [--port N] [--tenant F]  serve the built-in Graph simulator on 127.0.0.1
  license-batch demo                              a sample run against the built-in simulator
  license-batch help [command]                    this text, or one command's options, examples and exit codes

Run options:
  --out F                 results file (default: <input>.results.csv)
  --dry-run               resolve, validate, read users and check seats; send no write
  --resume                keep rows of the results file that succeeded or were skipped; run the rest
  --strict                any invalid row stops the run before any write
  --concurrency auto|N    requests in flight at once (default auto: as many as the pace needs at
                          the latency seen, up to 64; with --max-rate off, 64)
  --max-retries N         retries per request for throttling and transient failures (default 6)
  --max-rate N|off        writes per second at the most (default: Graph's published quota, 20/s)
  --batch-size N          send requests as JSON $batch of up to N (1-20; default 1)
  --usage-location XX     usage location for users that have none, set when a license needs it
  --no-read               do not read users first: no skips, no seat check, no undo file
  --disabled-plans M      replace (default) or merge: add the row's disabled plans to the user's own
  --undo-out F            undo file (default: <results without .csv>.undo.csv)
  --report F | --no-report  HTML report of the run (default: <results without .csv>.html)
  --delimiter ,|;|tab     input delimiter (default: detected from the header line)
  --sheet NAME            the worksheet of an .xlsx input (default: its first worksheet)
  --cloud C               global (default), usgov, usgovdod or china
  --graph-url URL         Graph root, e.g. a simulator: http://127.0.0.1:8080
  --managed-identity      sign in with the Azure resource's managed identity
  --device-code           sign in as an admin, with a code shown here
  --log text|json         progress and summary as text lines (default) or JSON objects
  --quiet                 errors and the summary only

Sign-in (first that applies; secrets only from the environment or files):
  GRAPH_ACCESS_TOKEN      a ready bearer token (e.g. az account get-access-token --resource-type ms-graph)
  AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET, or + AZURE_CLIENT_CERTIFICATE_PATH
                          (PEM with key and certificate; AZURE_CLIENT_CERTIFICATE_PASSWORD if encrypted)
  --managed-identity      the Azure resource's managed identity (AZURE_CLIENT_ID: a user-assigned one)
  --device-code           an admin signs in in a browser (with AZURE_TENANT_ID + AZURE_CLIENT_ID)
  AZURE_AUTHORITY_HOST    https login host (default: from --cloud)
The app or admin needs LicenseAssignment.ReadWrite.All (User.ReadWrite.All to set usage location).

Input columns (header names match case-insensitively, ignoring spaces, _ and -):
  UserPrincipalName (or upn, user, id, mail ...)   required: a UPN or a user object id
  SkuId (or sku, license, product ...)             required: a SKU GUID, part number or product name
  DisabledPlans | EnabledPlans                     optional: plan GUIDs or names
  Action                                           optional: add (default) or remove
  UsageLocation                                    optional: two-letter country code

Exit codes: 0 all rows succeeded, skipped or planned; 1 some rows failed or were invalid;
2 the run could not start or had to stop; 130 interrupted.
'license-batch help run' (or 'license-batch run --help') shows run's options with examples.`;
