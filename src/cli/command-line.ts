import type { RunOptions } from './options.js';

/**
 * `run`'s options written back as a command line an admin can paste: the same input, results file
 * and flags, so that the summary can say exactly how to retry (`--resume`) or apply a dry run's plan.
 * Flags at their defaults are left out. Pure.
 */
export function runCommandLine(options: RunOptions, out: string, change: { resume?: boolean; dryRun?: boolean } = {}): string {
  const args: string[] = ['license-batch', 'run', options.input, '--out', out];
  const dryRun = change.dryRun ?? options.dryRun;
  const resume = change.resume ?? options.resume;
  if (dryRun) args.push('--dry-run');
  if (resume) args.push('--resume');
  if (options.strict) args.push('--strict');
  if (options.concurrency !== 'auto') args.push('--concurrency', String(options.concurrency));
  if (options.maxRetries !== 6) args.push('--max-retries', String(options.maxRetries));
  if (options.maxRate !== undefined) args.push('--max-rate', String(options.maxRate));
  if (options.batchSize !== 1) args.push('--batch-size', String(options.batchSize));
  if (options.noRead) args.push('--no-read');
  if (options.disabledPlans !== 'replace') args.push('--disabled-plans', options.disabledPlans);
  if (options.undoOut !== undefined) args.push('--undo-out', options.undoOut);
  if (options.report !== undefined) args.push('--report', options.report);
  if (options.noReport) args.push('--no-report');
  if (options.defaultUsageLocation !== undefined) args.push('--usage-location', options.defaultUsageLocation);
  if (options.delimiter !== undefined) args.push('--delimiter', options.delimiter === '\t' ? 'tab' : options.delimiter);
  if (options.sheet !== undefined) args.push('--sheet', options.sheet);
  if (options.cloud !== 'global') args.push('--cloud', options.cloud);
  if (options.graphUrl !== undefined) args.push('--graph-url', options.graphUrl);
  if (options.signIn !== undefined) args.push(`--${options.signIn}`);
  if (options.log !== 'text') args.push('--log', options.log);
  if (options.quiet) args.push('--quiet');
  return args.map(shellQuote).join(' ');
}

/** Quotes an argument for a POSIX shell when it holds anything but plainly safe characters. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
