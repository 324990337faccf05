import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { RunError } from '../errors.js';

/** How an input file is read: as delimited text, or as an Excel workbook. */
export type InputKind = 'csv' | 'workbook';

/** A zip archive's local file header (an .xlsx is one). */
const ZIP = [0x50, 0x4b, 0x03, 0x04];
/** An empty zip archive: only its end of central directory. */
const EMPTY_ZIP = [0x50, 0x4b, 0x05, 0x06];
/** An OLE compound file: what Excel writes for a password-protected workbook, and for a 97-2003 .xls. */
const COMPOUND_FILE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const WORKBOOK_EXTENSIONS = new Set(['.xlsx', '.xlsm', '.xltx', '.xltm']);

/**
 * Tells a workbook from a CSV file by its first bytes (a zip archive is a workbook, whatever its
 * name), so that standard input and misnamed files are read as what they are; a file named `.xlsx`
 * that is not a zip archive is refused rather than read as text. A file that cannot be opened is
 * left to the CSV reader, which names the reason.
 *
 * @throws {RunError} `INPUT_UNREADABLE` for an encrypted workbook or an .xls file (OLE compound
 * files), and for a file named like a workbook that is not one.
 */
export async function detectInputKind(path: string): Promise<InputKind> {
  const head = await firstBytes(path, COMPOUND_FILE.length);
  if (head === undefined) return 'csv';
  if (startsWith(head, ZIP) || startsWith(head, EMPTY_ZIP)) return 'workbook';
  if (startsWith(head, COMPOUND_FILE)) {
    throw new RunError(
      'INPUT_UNREADABLE',
      `cannot read ${path}: it is a password-protected (encrypted) workbook or an Excel 97-2003 .xls file; ` +
        'open it in Excel and save it as "Excel Workbook (.xlsx)" without a password (File > Info > Protect Workbook > Encrypt with Password, cleared), or as "CSV UTF-8"',
    );
  }
  if (WORKBOOK_EXTENSIONS.has(extname(path).toLowerCase())) {
    const what = head.length === 0 ? 'it is empty' : looksLikeText(head) ? 'it holds text (a CSV file renamed?)' : 'it is not a zip archive';
    throw new RunError(
      'INPUT_UNREADABLE',
      `cannot read ${path} as an Excel workbook: it is named ${extname(path)} but ${what}; ` +
        'give a CSV file a .csv name, or save the sheet from Excel as "Excel Workbook (.xlsx)"',
    );
  }
  return 'csv';
}

async function firstBytes(path: string, count: number): Promise<Buffer | undefined> {
  let file;
  try {
    file = await open(path, 'r');
    const buffer = Buffer.alloc(count);
    const { bytesRead } = await file.read(buffer, 0, count, 0);
    return buffer.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await file?.close();
  }
}

function startsWith(bytes: Buffer, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte);
}

/** Printable ASCII, a UTF-8 or UTF-16 BOM, or line breaks: what a CSV file starts with. */
function looksLikeText(bytes: Buffer): boolean {
  if (bytes[0] === 0xef || bytes[0] === 0xff || bytes[0] === 0xfe) return true;
  return [...bytes].every((byte) => byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte < 0x7f) || byte >= 0x80);
}
