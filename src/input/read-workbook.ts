import { RunError } from '../errors.js';
import type { InputRecord } from '../model.js';
import { interpretHeader, type Header } from './header.js';
import { placeOf } from './place.js';
import type { InputFile } from './read-records.js';
import { isBlank, keptValues, unescapeFormula } from './record-values.js';
import { sheetRows, type SheetContext, type SheetRow } from './workbook/sheet-rows.js';
import { readCellFormats, readSharedStrings, readWorkbookInfo, type SheetInfo, type WorkbookInfo } from './workbook/workbook-parts.js';
import { ZipArchive } from './workbook/zip-archive.js';

export interface OpenWorkbookOptions {
  /** `--sheet`: the worksheet to read, by its tab name; the first worksheet otherwise. */
  readonly sheet?: string | undefined;
}

/**
 * Opens an Excel workbook (`.xlsx`) as an input file (SPEC §1): its first visible worksheet or the
 * one named, each cell as Excel shows it, blank rows skipped, the first non-blank row the header. The
 * sheet is streamed a row at a time; the shared strings table is held, compactly, while the file is
 * open (the format puts it apart from the sheet, referred to from anywhere in it).
 *
 * Records carry Excel's row number as their `line`, and the header the sheet's name, so that
 * messages say `sheet "Users" row 7`. A value right of the header's last column is a structural
 * problem, as a CSV record with more fields than the header is.
 *
 * @throws {RunError} `INPUT_UNREADABLE` for a file that is not a complete workbook; `USAGE` for a
 * `--sheet` the workbook does not have, listing those it has; `INPUT_STRUCTURE` for an empty sheet
 * or a header without the required columns. Errors while streaming are thrown by the `records` iteration.
 */
export async function openWorkbookInput(path: string, options: OpenWorkbookOptions = {}): Promise<InputFile> {
  let zip: ZipArchive;
  try {
    zip = await ZipArchive.open(path);
  } catch (error) {
    throw notAWorkbook(path, `it is not a complete workbook (${reasonOf(error)}); was it cut short while copying or saving?`, error);
  }
  let batches: AsyncGenerator<SheetRow[], void, undefined> | undefined;
  const close = async () => {
    await batches?.return();
    zip.close();
  };
  try {
    const info = await readWorkbookInfo(zip).catch((error: unknown) => {
      throw notAWorkbook(path, `its workbook part cannot be read (${reasonOf(error)})`, error);
    });
    if (info === undefined) throw notAWorkbook(path, 'it is a zip archive, but not an Excel workbook (it has no xl/workbook.xml)');
    const sheet = chooseSheet(path, info, options.sheet);
    const context = await readContext(zip, info, path);
    const stream = await zip.stream(sheet.path).catch((error: unknown) => {
      throw unreadableSheet(path, sheet.name, error);
    });
    if (stream === undefined) throw notAWorkbook(path, `the part of sheet ${JSON.stringify(sheet.name)} (${sheet.path}) is missing`);
    batches = sheetRows(stream, context);
    const source = batches;
    const where = (line: number) => placeOf(line, sheet.name);
    let batch: SheetRow[] = [];
    let taken = 0;
    /** The next row, or undefined at the end of the sheet. */
    const next = async (): Promise<SheetRow | undefined> => {
      while (taken === batch.length) {
        let read: IteratorResult<SheetRow[]>;
        try {
          read = await source.next();
        } catch (error) {
          throw unreadableSheet(path, sheet.name, error);
        }
        if (read.done) return undefined;
        batch = read.value;
        taken = 0;
      }
      return batch[taken++];
    };

    let header: Header | undefined;
    for (let row = await next(); row !== undefined; row = await next()) {
      if (isBlank(row.cells)) continue;
      header = interpretHeader(row.cells.map(unescapeFormula), row.r, ',', sheet.name);
      break;
    }
    if (header === undefined) {
      throw new RunError('INPUT_STRUCTURE', `sheet ${JSON.stringify(sheet.name)} of ${path} is empty; its first non-blank row must be the header`, { line: 1 });
    }
    const known = header;

    async function* dataRecords(): AsyncGenerator<InputRecord, void, undefined> {
      let count = 0;
      try {
        for (let row = taken < batch.length ? batch[taken++] : await next(); row !== undefined; row = taken < batch.length ? batch[taken++] : await next()) {
          const { r, cells } = row;
          if (isBlank(cells)) continue;
          if (cells.length > known.fieldCount) {
            const extra = cells.findIndex((cell, i) => i >= known.fieldCount && cell.trim() !== '');
            if (extra !== -1) {
              throw new RunError(
                'INPUT_STRUCTURE',
                `${where(r)} has a value in column ${columnLetters(extra)} (${JSON.stringify(cells[extra])}) but the header has ${known.fieldCount} column(s), ` +
                  `${columnLetters(0)} to ${columnLetters(known.fieldCount - 1)}; give the column a header or clear it`,
                { line: r },
              );
            }
          }
          count++;
          yield { row: count, line: r, values: keptValues(cells, known.keptCount) };
        }
      } finally {
        await close();
      }
    }

    return { header: known, records: dataRecords(), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The worksheet to read: the one `--sheet` names, else the first one Excel shows (a hidden sheet of
 * lookup lists before it is not "the first sheet" to the admin who looks at the tabs).
 */
function chooseSheet(path: string, info: WorkbookInfo, wanted: string | undefined): SheetInfo {
  const names = info.sheets.map((sheet) => `${JSON.stringify(sheet.name)}${sheet.hidden ? ' (hidden)' : ''}`).join(', ');
  if (wanted === undefined) {
    const first = info.sheets.find((sheet) => !sheet.hidden) ?? info.sheets[0];
    if (first === undefined) throw notAWorkbook(path, 'the workbook has no worksheet');
    return first;
  }
  // Excel itself does not allow two sheets whose names differ only in case.
  const found = info.sheets.find((sheet) => sheet.name === wanted) ?? info.sheets.find((sheet) => sheet.name.toLowerCase() === wanted.toLowerCase());
  if (found === undefined) {
    throw new RunError('USAGE', `--sheet ${JSON.stringify(wanted)}: ${path} has no such worksheet; its worksheets are ${names || 'none'}`);
  }
  return found;
}

async function readContext(zip: ZipArchive, info: WorkbookInfo, path: string): Promise<SheetContext> {
  try {
    const formats = await readCellFormats(zip, info.stylesPath);
    const sharedStrings = await readSharedStrings(zip, info.sharedStringsPath);
    return { formats, sharedStrings, date1904: info.date1904 };
  } catch (error) {
    throw notAWorkbook(path, `its ${/shared|string/i.test(String(error)) ? 'shared strings' : 'styles or shared strings'} cannot be read (${reasonOf(error)})`, error);
  }
}

function notAWorkbook(path: string, reason: string, cause?: unknown): RunError {
  return new RunError('INPUT_UNREADABLE', `cannot read ${path} as an Excel workbook: ${reason}`, cause === undefined ? {} : { cause });
}

function unreadableSheet(path: string, sheet: string, error: unknown): RunError {
  return new RunError('INPUT_UNREADABLE', `cannot read sheet ${JSON.stringify(sheet)} of ${path}: ${reasonOf(error)}; was the workbook cut short while copying or saving?`, {
    cause: error,
  });
}

/** A library's message as part of a sentence: its first line, without its closing full stop. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0]!.replace(/\.$/, '');
}

function columnLetters(index: number): string {
  let letters = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  return letters;
}
