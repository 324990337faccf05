import { rename, writeFile } from 'node:fs/promises';

/** `licenses.results.csv` -> `licenses.results.html`: the results path without its extension (SPEC §4). */
export function defaultReportPath(resultsPath: string): string {
  return resultsPath.replace(/\.[^./\\]*$/, '') + '.html';
}

/**
 * Writes the report beside a temporary name first, then renames it into place: a reader (or a mail
 * sent by the scheduler) never finds half a page, and an earlier report stays whole if writing fails.
 */
export async function writeReport(path: string, page: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, page, 'utf8');
  await rename(temporary, path);
}
