import { access, constants } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { RunError } from '../errors.js';
import { resolveGraphRoot } from '../graph/graph-root.js';
import { renderReport } from '../report/render-report.js';
import type { ReportCollector } from '../report/report-collector.js';
import { tenantName } from '../report/tenant-name.js';
import { defaultReportPath, writeReport } from '../report/write-report.js';
import type { RunResult } from '../run/run-file.js';
import type { RunStats } from '../run/run-stats.js';
import type { SyncCounts } from '../sync/sync-counts.js';
import { packageVersion } from '../version.js';
import type { CliIO } from './io.js';
import type { RunOptions } from './options.js';

/**
 * Where the run's HTML report goes (SPEC §4), or undefined for `--no-report`, checked before anything
 * is sent: a report that could not be written would be found out only after the run.
 * @throws {RunError} USAGE when the report would overwrite the results or the input, or its folder cannot be written.
 */
export async function checkedReportPath(options: RunOptions, out: string): Promise<string | undefined> {
  const reportPath = options.noReport ? undefined : (options.report ?? defaultReportPath(out));
  if (reportPath !== undefined && [out, options.input].some((path) => resolve(path) === resolve(reportPath))) {
    throw new RunError('USAGE', `--report ${reportPath} would overwrite the ${resolve(reportPath) === resolve(out) ? 'results' : 'input'} file; choose another report path`);
  }
  if (options.report !== undefined && !(await isWritableFolder(dirname(resolve(options.report))))) {
    throw new RunError('USAGE', `--report ${options.report}: the folder ${dirname(resolve(options.report))} does not exist or cannot be written`);
  }
  return reportPath;
}

/**
 * Renders and writes the run's HTML report (SPEC §4), also after a run that stopped early or was
 * interrupted: it tells what happened. The report is a reading of the results file, not the record:
 * a report that cannot be written is a notice, and the run's exit code stands. Returns the path
 * written, if any.
 */
export async function writeRunReport(
  path: string,
  collector: ReportCollector,
  run: { options: RunOptions; io: CliIO; stats: RunStats; result: RunResult; now: number; sync?: SyncCounts },
  note: (message: string) => void,
): Promise<string | undefined> {
  const { options, io, stats, result } = run;
  const tenant = tenantName(io.env);
  const graphRoot = resolveGraphRoot(options.graphUrl === undefined ? { cloud: options.cloud } : { cloud: options.cloud, graphUrl: options.graphUrl });
  const data = collector.data(
    {
      input: (options.input === '-' ? 'standard input' : options.input) + (result.sheet !== undefined ? `, sheet ${JSON.stringify(result.sheet)}` : ''),
      resultsPath: result.resultsPath,
      ...(result.undoPath !== undefined ? { undoPath: result.undoPath } : {}),
      ...(result.undoNote !== undefined ? { undoNote: result.undoNote } : {}),
      ...(tenant !== undefined ? { tenant } : {}),
      graphRoot,
      startedAt: stats.startedAt,
      endedAt: run.now,
      dryRun: options.dryRun,
      resumed: options.resume,
      exitCode: result.exitCode,
      ...(result.stopError ? { stopReason: result.stopError.message } : {}),
      toolVersion: packageVersion(),
    },
    { columns: result.columns, ...(run.sync ? { sync: run.sync } : {}) },
  );
  try {
    await writeReport(path, renderReport(data));
    return path;
  } catch (error) {
    note(`could not write the report ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; the results file is complete`);
    return undefined;
  }
}

async function isWritableFolder(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}
