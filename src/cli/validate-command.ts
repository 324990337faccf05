import { formatProblem } from '../input/parse-row.js';
import { loadReferenceTable } from '../input/reference-table.js';
import { findProblems, scanFile } from '../input/scan-file.js';
import { createSkuCatalog } from '../input/sku-catalog.js';
import type { CliIO } from './io.js';
import type { ValidateOptions } from './options.js';
import { spillStdin } from './stdin-file.js';

/**
 * `license-batch validate`: the whole-file check a run makes before its first write, offline.
 * Prints each invalid row on standard output and a summary; exit 0 clean, 1 row problems,
 * 2 structure (thrown as a RunError by the scan).
 */
export async function validateCommand(options: ValidateOptions, io: CliIO): Promise<number> {
  const spilled = options.input === '-' ? await spillStdin(io.stdin) : undefined;
  const path = spilled?.path ?? options.input;
  try {
    let invalid = 0;
    let sheet: string | undefined;
    const scan = await scanFile(path, {
      ...(options.delimiter ? { delimiter: options.delimiter } : {}),
      ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
      onInvalidRow: (record, problem) => {
        invalid++;
        io.stdout.write(`${formatProblem(record.row, record.line, problem, sheet)}\n`);
      },
      onHeader: (header) => (sheet = header.sheet),
    });
    try {
      const catalog = createSkuCatalog({ referenceRows: await loadReferenceTable() });
      const problems = await findProblems(scan, catalog);
      for (const [row, problem] of [...problems].sort((a, b) => a[0] - b[0])) {
        invalid++;
        io.stdout.write(`${formatProblem(row, problem.line, problem, scan.header.sheet)}\n`);
      }
      const valid = scan.rows - invalid;
      io.stderr.write(
        `license-batch: ${options.input}${scan.header.sheet === undefined ? '' : ` (sheet ${JSON.stringify(scan.header.sheet)})`}: ${scan.rows} rows, ${valid} valid, ${invalid} invalid; ` +
          `${scan.requests} assignLicense request(s) for adjacent rows of the same user` +
          (scan.namesUsed ? '; SKU and plan names are checked against the tenant when the file is run' : '') +
          '\n',
      );
      return invalid > 0 ? 1 : 0;
    } finally {
      await scan.dispose();
    }
  } finally {
    await spilled?.dispose();
  }
}
