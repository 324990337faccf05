import { parseArgs } from 'node:util';
import { RunError } from '../errors.js';
import { COUNTRY_CODES } from '../input/country-codes.js';
import { parseDelimiterOption } from '../input/delimiter.js';
import type { ConcurrencySetting } from '../run/in-flight.js';
import type { RunConfig } from '../run/run-config.js';
import type { MaxRemoves } from '../sync/removal-brake.js';

/** `--concurrency N` at the most: far above what Graph's quota can use, and sockets stay few. */
const MAX_CONCURRENCY = 256;

/** Connection and sign-in options shared by every command that talks to Graph. */
export interface ConnectionOptions {
  readonly cloud: 'global' | 'usgov' | 'usgovdod' | 'china';
  readonly graphUrl?: string;
  /** `--managed-identity` or `--device-code`; absent: sign in from the environment alone. */
  readonly signIn?: 'managed-identity' | 'device-code';
}

/** `run`'s options: the run's own settings (see {@link RunConfig}), with the input and results as given. */
export interface RunOptions extends ConnectionOptions, Omit<RunConfig, 'input' | 'out'> {
  /** A path, or `-` for standard input. */
  readonly input: string;
  readonly out?: string;
  readonly log: 'text' | 'json';
  readonly quiet: boolean;
  /** `--report F`: where the HTML report goes (default: the results path with `.html`). */
  readonly report?: string;
  /** `--no-report`: no HTML report. */
  readonly noReport?: boolean;
}

export interface ValidateOptions {
  readonly input: string;
  readonly delimiter?: ',' | ';' | '\t';
  readonly sheet?: string;
}

export interface ExportOptions extends ConnectionOptions {
  readonly out?: string;
  /** SKUs to export (GUIDs, part numbers or product names); empty for all. */
  readonly skus: readonly string[];
}

export interface SimulateOptions {
  readonly port: number;
  readonly tenant?: string;
}

const CONNECTION_FLAGS = {
  cloud: { type: 'string' },
  'graph-url': { type: 'string' },
  'managed-identity': { type: 'boolean' },
  'device-code': { type: 'boolean' },
} as const;

/** `run`'s flags; `sync` takes them too, but those in {@link NOT_FOR_SYNC}. */
const RUN_FLAGS = {
  ...CONNECTION_FLAGS,
  out: { type: 'string' },
  'dry-run': { type: 'boolean' },
  resume: { type: 'boolean' },
  strict: { type: 'boolean' },
  concurrency: { type: 'string' },
  'max-retries': { type: 'string' },
  'max-rate': { type: 'string' },
  'batch-size': { type: 'string' },
  'usage-location': { type: 'string' },
  'no-read': { type: 'boolean' },
  'disabled-plans': { type: 'string' },
  'undo-out': { type: 'string' },
  delimiter: { type: 'string' },
  sheet: { type: 'string' },
  log: { type: 'string' },
  quiet: { type: 'boolean' },
  report: { type: 'string' },
  'no-report': { type: 'boolean' },
} as const;

/** Parses `run`'s arguments into a complete, frozen set of options; any problem is a usage error. */
export function parseRunOptions(args: string[]): RunOptions {
  const { values, positionals } = parse(args, RUN_FLAGS);
  return runOptionsOf('run', values, positionals);
}

function runOptionsOf(command: string, values: ReturnType<typeof parse<typeof RUN_FLAGS>>['values'], positionals: string[]): RunOptions {
  if (values.report !== undefined && values['no-report'] === true) {
    throw usage('--report F and --no-report contradict each other: choose one');
  }
  if (values.report !== undefined && values.report.trim() === '') throw usage('Invalid option --report: expect a file path, got ""');
  return Object.freeze({
    input: onePositional(positionals, command, command === 'sync' ? '<desired.csv>' : '<input.csv>'),
    ...connection(values),
    ...(values.out !== undefined ? { out: values.out } : {}),
    dryRun: values['dry-run'] === true,
    resume: values.resume === true,
    strict: values.strict === true,
    concurrency: concurrency(values.concurrency),
    maxRetries: integer('--max-retries', values['max-retries'], 6, 0, 50),
    maxRate: maxRate(values['max-rate']),
    batchSize: integer('--batch-size', values['batch-size'], 1, 1, 20),
    ...defaultUsageLocation(values['usage-location']),
    noRead: values['no-read'] === true,
    disabledPlans: oneOf('--disabled-plans', values['disabled-plans'], ['replace', 'merge'] as const, 'replace'),
    ...(values['undo-out'] !== undefined ? { undoOut: values['undo-out'] } : {}),
    ...delimiter(values.delimiter),
    ...sheet(values.sheet),
    log: oneOf('--log', values.log, ['text', 'json'] as const, 'text'),
    quiet: values.quiet === true,
    ...(values.report !== undefined ? { report: values.report } : {}),
    ...(values['no-report'] === true ? { noReport: true } : {}),
  });
}

/** `sync`'s options: run's (for the run that applies the change sheet), and its own. */
export interface SyncOptions extends RunOptions {
  /** `--sku`: SKUs in scope beyond those the sheet names (GUIDs, part numbers or product names). */
  readonly skus: readonly string[];
  /** `--max-removes`; undefined for the default (10% of the direct holders, never fewer than 10). */
  readonly maxRemoves?: MaxRemoves;
  /** `--changes`: the change sheet (default: `<desired without extension>.changes.csv`). */
  readonly changes?: string;
}

/** Run's flags that sync refuses, and why. */
const NOT_FOR_SYNC: Readonly<Record<string, string>> = {
  resume: 'finish an interrupted sync with the command its summary prints: license-batch run <changes> --out <results> --resume',
  'no-read': 'sync reads every user it changes, for the seat check, the skips and the undo file',
  'disabled-plans': 'the desired sheet says which plans each user has, so its plans replace the user\'s own',
};

/** Parses `sync`'s arguments: run's flags but `--resume`, `--no-read` and `--disabled-plans`, plus `--sku`, `--max-removes`, `--changes`. */
export function parseSyncOptions(args: string[]): SyncOptions {
  for (const arg of args) {
    const flag = /^--([a-z-]+)/.exec(arg)?.[1];
    if (flag !== undefined && NOT_FOR_SYNC[flag] !== undefined) throw usage(`sync takes no --${flag}: ${NOT_FOR_SYNC[flag]}`);
  }
  const { values, positionals } = parse(args, {
    ...RUN_FLAGS,
    sku: { type: 'string', multiple: true },
    'max-removes': { type: 'string' },
    changes: { type: 'string' },
  });
  const run = runOptionsOf('sync', values, positionals);
  const changes = values.changes as string | undefined;
  const removes = maxRemoves(values['max-removes'] as string | undefined);
  return Object.freeze({
    ...run,
    skus: Object.freeze([...((values.sku as string[] | undefined) ?? [])]),
    ...(removes !== undefined ? { maxRemoves: removes } : {}),
    ...(changes !== undefined ? { changes } : {}),
  });
}

function maxRemoves(value: string | undefined): MaxRemoves | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d+)\s*(%?)\s*$/.exec(value);
  const n = match === null ? NaN : Number(match[1]);
  if (match === null || !Number.isSafeInteger(n) || (match[2] === '%' && n > 100)) {
    throw usage(`Invalid option --max-removes: expect a number of removes (such as 40) or a share of the direct holders (such as 50%), got "${value}"`);
  }
  return match[2] === '%' ? { kind: 'percent', percent: n } : { kind: 'count', count: n };
}

/** Whether `run`'s (or `sync`'s) arguments ask for `--log json`, read leniently, so that even a usage error can be written as JSON. */
export function wantsJsonLog(args: readonly string[]): boolean {
  return args.some((arg, i) => arg === '--log=json' || (arg === '--log' && args[i + 1]?.toLowerCase() === 'json'));
}

export function parseValidateOptions(args: string[]): ValidateOptions {
  const { values, positionals } = parse(args, { delimiter: { type: 'string' }, sheet: { type: 'string' } });
  return Object.freeze({ input: onePositional(positionals, 'validate', '<input.csv>'), ...delimiter(values.delimiter), ...sheet(values.sheet) });
}

export function parseSimulateOptions(args: string[]): SimulateOptions {
  const { values, positionals } = parse(args, { port: { type: 'string' }, tenant: { type: 'string' } });
  if (positionals.length > 0) throw usage(`simulate takes no arguments, got "${positionals[0]}"`);
  return Object.freeze({
    port: integer('--port', values.port, 8080, 0, 65535),
    ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
  });
}

export function parseExportOptions(args: string[]): ExportOptions {
  const { values, positionals } = parse(args, { ...CONNECTION_FLAGS, out: { type: 'string' }, sku: { type: 'string', multiple: true } });
  if (positionals.length > 0) throw usage(`export takes no arguments, got "${positionals[0]}"`);
  return Object.freeze({
    ...connection(values),
    ...(values.out !== undefined ? { out: values.out as string } : {}),
    skus: Object.freeze([...((values.sku as string[] | undefined) ?? [])]),
  });
}

/** `skus` takes only the connection options. */
export function parseConnectionOptions(command: string, args: string[]): ConnectionOptions {
  const { values, positionals } = parse(args, { ...CONNECTION_FLAGS });
  if (positionals.length > 0) throw usage(`${command} takes no arguments, got "${positionals[0]}"`);
  return Object.freeze(connection(values));
}

export function parseNoOptions(command: string, args: string[]): void {
  const { positionals } = parse(args, {});
  if (positionals.length > 0) throw usage(`${command} takes no arguments, got "${positionals[0]}"`);
}

type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

function parse<T extends FlagSpec>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' messages name the flag ("Unknown option '--x'"); keep them, without its stack.
    throw usage((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

function connection(values: {
  cloud?: string | boolean;
  'graph-url'?: string | boolean;
  'managed-identity'?: string | boolean;
  'device-code'?: string | boolean;
}): ConnectionOptions {
  const cloud = oneOf('--cloud', values.cloud as string | undefined, ['global', 'usgov', 'usgovdod', 'china'] as const, 'global');
  const graphUrl = values['graph-url'] as string | undefined;
  const managedIdentity = values['managed-identity'] === true;
  const deviceCode = values['device-code'] === true;
  if (managedIdentity && deviceCode) {
    throw usage('--managed-identity and --device-code are two ways to sign in: choose one');
  }
  const signIn = managedIdentity ? 'managed-identity' : deviceCode ? 'device-code' : undefined;
  return { cloud, ...(graphUrl === undefined ? {} : { graphUrl }), ...(signIn === undefined ? {} : { signIn }) };
}

function onePositional(positionals: string[], command: string, what: string): string {
  if (positionals.length === 0) throw usage(`${command} needs ${what} (a CSV file or an Excel workbook, or - for standard input)`);
  if (positionals.length > 1) throw usage(`${command} takes one input file, got ${positionals.length}: ${positionals.join(' ')}`);
  return positionals[0]!;
}

function integer(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw usage(`Invalid option ${flag}: expect a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** `--concurrency auto` (the default) or a whole number of requests in flight. */
function concurrency(value: string | undefined): ConcurrencySetting {
  if (value === undefined || value.trim().toLowerCase() === 'auto') return 'auto';
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > MAX_CONCURRENCY) {
    throw usage(`Invalid option --concurrency: expect auto or a whole number from 1 to ${MAX_CONCURRENCY}, got "${value}"`);
  }
  return Number(value);
}

function maxRate(value: string | undefined): number | 'off' | undefined {
  if (value === undefined) return undefined;
  if (value.toLowerCase() === 'off') return 'off';
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw usage(`Invalid option --max-rate: expect writes per second (a number above 0) or "off", got "${value}"`);
  }
  return n;
}

function defaultUsageLocation(value: string | undefined): { defaultUsageLocation?: string } {
  if (value === undefined) return {};
  const code = value.trim().toUpperCase();
  if (!COUNTRY_CODES.has(code)) {
    throw usage(`Invalid option --usage-location: expect a two-letter country code (ISO 3166-1, such as US, DE or GB), got "${value}"`);
  }
  return { defaultUsageLocation: code };
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const match = allowed.find((a) => a === value.toLowerCase());
  if (!match) throw usage(`Invalid option ${flag}: expect one of ${allowed.join(', ')}, got "${value}"`);
  return match;
}

function delimiter(value: string | undefined): { delimiter?: ',' | ';' | '\t' } {
  if (value === undefined) return {};
  try {
    return { delimiter: parseDelimiterOption(value) };
  } catch (error) {
    throw usage((error as Error).message);
  }
}

/** `--sheet NAME`: a worksheet's tab name, as Excel shows it. */
function sheet(value: string | undefined): { sheet?: string } {
  if (value === undefined) return {};
  if (value.trim() === '') throw usage('Invalid option --sheet: expect the name of a worksheet, as its tab shows it, got ""');
  return { sheet: value };
}

function usage(message: string): RunError {
  return new RunError('USAGE', `${message}\nRun 'license-batch help' for the commands and options.`);
}
