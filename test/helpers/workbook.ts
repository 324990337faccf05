import { writeWorkbook, type WorkbookCell, type WorkbookRow, type WorkbookSpec } from '../../src/bench/write-workbook.js';

/**
 * A cell as a test writes it, stored the way Excel stores it: text as a shared string, a number with
 * a number format (a built-in id or a custom code, which gets an id from 164 as Excel numbers them),
 * a boolean, an error, a formula with its cached value, or an inline string.
 */
export type TestCell =
  | string
  | number
  | boolean
  | null
  | { readonly n: number; readonly format: number | string }
  | { readonly error: string; readonly f?: string }
  | { readonly str: string; readonly f: string }
  | { readonly inline: string }
  /** A cell exactly as given (e.g. a shared string index past the table). */
  | { readonly raw: WorkbookCell };

/** A row at Excel's row number `r`; `null` cells are left out, as Excel leaves empty cells out. */
export type TestRow = readonly [r: number, cells: readonly TestCell[]];

/** Builds a workbook spec from sheets of test rows: shared strings, numFmts and cellXfs as Excel would write them. */
export function testWorkbook(sheets: Readonly<Record<string, readonly TestRow[]>>, options: { date1904?: boolean; hidden?: readonly string[] } = {}): WorkbookSpec {
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const numFmts: Record<number, string> = {};
  const customIds = new Map<string, number>();
  const cellXfs: number[] = [0];
  const styleOf = (format: number | string): number => {
    let id: number;
    if (typeof format === 'number') id = format;
    else {
      id = customIds.get(format) ?? 164 + customIds.size;
      customIds.set(format, id);
      numFmts[id] = format;
    }
    let style = cellXfs.indexOf(id);
    if (style === -1) style = cellXfs.push(id) - 1;
    return style;
  };
  const shared = (text: string): string => {
    let i = stringIndex.get(text);
    if (i === undefined) {
      i = strings.push(text) - 1;
      stringIndex.set(text, i);
    }
    return String(i);
  };
  const cellOf = (cell: TestCell, col: string): WorkbookCell | undefined => {
    if (cell === null) return undefined;
    if (typeof cell === 'string') return { col, t: 's', v: shared(cell) };
    if (typeof cell === 'number') return { col, v: String(cell) };
    if (typeof cell === 'boolean') return { col, t: 'b', v: cell ? '1' : '0' };
    if ('n' in cell) return { col, s: styleOf(cell.format), v: String(cell.n) };
    if ('error' in cell) return { col, t: 'e', v: cell.error, ...(cell.f ? { f: cell.f } : {}) };
    if ('str' in cell) return { col, t: 'str', f: cell.f, v: cell.str };
    if ('inline' in cell) return { col, t: 'inlineStr', text: cell.inline };
    return { ...cell.raw, col };
  };
  return {
    sheets: Object.entries(sheets).map(([name, rows]) => ({
      name,
      ...(options.hidden?.includes(name) ? { hidden: true } : {}),
      rows: rows.map(
        ([r, cells]): WorkbookRow => ({
          r,
          cells: cells.flatMap((cell, i) => {
            const written = cellOf(cell, letters(i));
            return written ? [written] : [];
          }),
        }),
      ),
    })),
    sharedStrings: strings,
    numFmts,
    cellXfs,
    ...(options.date1904 ? { date1904: true } : {}),
  };
}

/** Writes {@link testWorkbook}'s workbook to `path`. */
export async function writeTestWorkbook(
  path: string,
  sheets: Readonly<Record<string, readonly TestRow[]>>,
  options: { date1904?: boolean; hidden?: readonly string[] } = {},
): Promise<string> {
  await writeWorkbook(path, testWorkbook(sheets, options));
  return path;
}

function letters(index: number): string {
  let text = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) text = String.fromCharCode(65 + ((rest - 1) % 26)) + text;
  return text;
}
