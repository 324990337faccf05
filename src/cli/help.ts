import { USAGE } from './usage.js';

const CONNECTION = `Connection and sign-in:
  --cloud C               global (default), usgov, usgovdod or china
  --graph-url URL         Graph root instead, e.g. a simulator: http://127.0.0.1:8080
  --managed-identity      sign in with the Azure resource's managed identity
  --device-code           sign in as an admin, with a code shown here
  Environment: GRAPH_ACCESS_TOKEN, or AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET
  (or + AZURE_CLIENT_CERTIFICATE_PATH [+ AZURE_CLIENT_CERTIFICATE_PASSWORD]); AZURE_AUTHORITY_HOST.
  Permissions (Microsoft Graph, application, with admin consent): LicenseAssignment.ReadWrite.All and
  User.Read.All; User.ReadWrite.All instead of User.Read.All if the sheet sets usage locations.
  Delegated (--device-code): the License Administrator or User Administrator role.`;

const RUN = `license-batch run <input.csv|input.xlsx|-> [options]

Applies the file's license changes through Microsoft Graph and writes a results file with one row
per input row (status, errorCode, message, ...), and an HTML report of the run for the project team. It reads each user's licenses first: rows already in
place are skipped, seats are checked, removes that free seats go before the adds that need them,
and an undo file is written next to the results.

Options:
  --out F                 results file (default: <input>.results.csv)
  --dry-run               resolve, validate, read and check seats; send no write (rows: planned)
  --resume                keep the rows of the results file that succeeded or were skipped; run the rest
  --strict                any invalid row stops the run before any write
  --concurrency auto|N    requests in flight at once (default auto: as many as the pace needs at
                          the latency seen, up to 64; with --max-rate off, 64)
  --max-retries N         retries per request for transient failures (default 6)
  --max-rate N|off        writes per second at most (default: Graph's quota, 3,000 at 20/s, learned)
  --batch-size N          send requests as JSON $batch of up to N (1-20; default 1)
  --no-read               do not read users first: no skips, no seat check, no undo file
  --disabled-plans M      replace (default: the row's plans, as the API means) or merge (add to
                          the plans the user already has disabled for that SKU)
  --undo-out F            undo file (default: <results without .csv>.undo.csv)
  --report F              HTML report of the run, for the project team or change board
                          (default: <results without .csv>.html)
  --no-report             write no HTML report
  --usage-location XX     usage location for users that have none
  --delimiter ,|;|tab     input delimiter (default: detected from the header line)
  --sheet NAME            the worksheet of an .xlsx input (default: its first worksheet)
  --log text|json         progress and summary as text (default) or one JSON object per line
  --quiet                 errors and the summary only

${CONNECTION}

Examples:
  license-batch run migration.csv --dry-run        see what would change, change nothing
  license-batch run onboarding.csv --usage-location US
  license-batch run onboarding.csv --resume        after fixing the failed rows: retry only those
  license-batch run wave3.xlsx --sheet Leavers     an Excel workbook's sheet, each cell as Excel shows it

Exit codes: 0 every row succeeded, was skipped or planned; 1 some rows failed or were invalid;
2 the run could not start or had to stop (usage, file structure, sign-in); 130 interrupted.`;

const SYNC = `license-batch sync <desired.csv|desired.xlsx> [--sku X]... [--max-removes N|N%] [--changes F] [--out F] [--dry-run] [run's options]

Brings the tenant to the desired sheet, in both directions: the sheet says who holds which SKU
directly, with which plans. For every SKU the sheet names (and every --sku), it lists the holders,
then writes the difference as a change sheet (an input file of run, with a Reason column): removes
for direct holders the sheet does not name ("not in the desired sheet"), plan changes ("plans
differ: ... -> ..."), adds for users who lack it ("not assigned yet"), removes first. Users who hold
a SKU only through a group are left as they are, and counted. Then it runs the change sheet exactly
as run does: reads, seats (leavers' seats go to joiners), results, undo file, summary.

Brakes: before any write, sync counts the removes. More than --max-removes stops it with exit code 2
and the change sheet written for review. A desired sheet without data rows is always refused.

Options:
  --sku X                 also bring this SKU to the sheet (part number, product name or GUID); a SKU
                          no row names loses every direct holder. Repeat for several
  --max-removes N|N%      removes allowed (default 10% of the scoped SKUs' direct holders, at least 10)
  --changes F             change sheet (default: <desired without extension>.changes.csv)
  --out F                 results file (default: <changes without .csv>.results.csv)
  --dry-run               write the change sheet, a dry-run results file and the report; send no
                          write (over the brakes it still plans every change, then exits 2 as the
                          real sync would)
  and run's options (--strict, --concurrency, --max-rate, --batch-size, --usage-location, --undo-out,
  --delimiter, --sheet, --log, --quiet), but not --resume, --no-read or --disabled-plans

${CONNECTION}

Examples:
  The nightly job: the HR system writes who should hold E3 tonight; leavers are simply absent
    license-batch sync /srv/licenses/e3.csv --log json
  Export, edit, sync: start from today's assignments, delete a row, change a plan, apply
    license-batch export --sku ENTERPRISEPACK --out licenses.csv
    license-batch sync licenses.csv --dry-run          review licenses.changes.csv first
    license-batch sync licenses.csv
  A planned mass change (a department leaves): raise the brake for this run only
    license-batch sync licenses.csv --max-removes 300
  Finish an interrupted sync (its summary prints the command):
    license-batch run licenses.changes.csv --out licenses.changes.results.csv --resume

Exit codes: 0 the tenant is as the sheet says (or the dry run planned it); 1 some changes failed or
rows of the sheet were invalid; 2 could not start, or stopped before any write (too many removes, an
empty sheet, sign-in, file structure); 130 interrupted.`;

const VALIDATE = `license-batch validate <input.csv|input.xlsx|-> [--delimiter ,|;|tab] [--sheet NAME]

Checks the file offline, without signing in or sending anything: its structure (header, quotes,
fields), every row (user, SKU, action, plans, usage location), and rows that contradict each other
for the same user. SKU and plan names are checked against Microsoft's product names table; the
tenant's own SKUs are checked by run (and run --dry-run).

Examples:
  license-batch validate migration.csv
  license-batch validate export.csv --delimiter ';'
  license-batch validate migration.xlsx --sheet Leavers

Exit codes: 0 clean; 1 some rows are invalid (each printed with its row, line, column and value);
2 the file cannot be read as a spreadsheet of licenses (the message names the line).`;

const SKUS = `license-batch skus [connection options]

Lists the tenant's subscriptions: part number, product name, SKU id, seats used and free, and the
service plans (by name and id) that DisabledPlans and EnabledPlans may name.

${CONNECTION}

Examples:
  license-batch skus
  license-batch skus --managed-identity
  license-batch skus --graph-url http://127.0.0.1:8080     against \`license-batch simulate\`

Exit codes: 0 listed; 2 could not sign in or reach Graph.`;

const EXPORT = `license-batch export [--out F] [--sku X]... [connection options]

Writes the tenant's current direct license assignments as an input file of this tool (SKUs by part
number, plans by name): a snapshot to keep before a migration, or the start of a nightly file.
Licenses inherited from groups are left out.

Options:
  --out F                 write to F (default: standard output)
  --sku X                 only this SKU (GUID, part number or product name); repeat for several

${CONNECTION}

Examples:
  license-batch export --out before-migration.csv
  license-batch export --sku ENTERPRISEPACK --sku EMS > nightly.csv

Exit codes: 0 exported; 2 could not sign in, reach Graph, or an unknown --sku.`;

const SIMULATE = `license-batch simulate [--port N] [--tenant F]

Serves the built-in Graph simulator (NOT Microsoft Graph) on 127.0.0.1: assignLicense, $batch,
subscribedSkus, user reads and PATCH, with throttling, and an OAuth token endpoint. Point run,
skus and export at it with --graph-url and any GRAPH_ACCESS_TOKEN.

Options:
  --port N                port (default 8080; 0 picks a free one)
  --tenant F              tenant JSON file (default: the sample tenant, as in samples/tenant.json)

Examples:
  license-batch simulate --port 8080
  GRAPH_ACCESS_TOKEN=x license-batch run samples/onboarding.csv --graph-url http://127.0.0.1:8080

Exit codes: 0 stopped with Ctrl-C; 2 bad options or the port is taken.`;

const DEMO = `license-batch demo

Starts the built-in simulator in this process over the sample tenant (samples/tenant.json) and runs
the three samples through it, each as a dry run first and then for real: a migration export
(semicolons, product names, EnabledPlans), an onboarding batch (usage locations), and a nightly
file by GUID. Then a sync: it exports today's ENTERPRISEPACK assignments, edits a copy (a row deleted,
a plan changed, a joiner added), and runs sync --dry-run, then sync. Some rows fail on purpose, so
that the summaries and results files show what an admin would see. The files are written in the
current folder.

Examples:
  license-batch demo
  npm run demo

Exit codes: 0 the demo ran; 2 it could not start.`;

const HELP = `license-batch help [command]

The commands, or one command's options, examples and exit codes. \`license-batch <command> --help\`
says the same.

Examples:
  license-batch help run
  license-batch export --help`;

const BY_COMMAND: Readonly<Record<string, string>> = {
  run: RUN,
  sync: SYNC,
  validate: VALIDATE,
  skus: SKUS,
  export: EXPORT,
  simulate: SIMULATE,
  demo: DEMO,
  help: HELP,
};

/** The help text of one command, or the general help for none; undefined for a command that does not exist. */
export function helpFor(command: string | undefined): string | undefined {
  if (command === undefined) return USAGE;
  return BY_COMMAND[command];
}

export const COMMANDS: readonly string[] = Object.keys(BY_COMMAND);
