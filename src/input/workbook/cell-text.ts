import { format, getFormatFromId, isDateFormat } from 'numfmt';

/**
 * A worksheet cell as stored (ECMA-376 `<c>`): its type attribute `t` and its `<v>` text. Shared
 * and inline strings are resolved to their text by the reader before they get here.
 */
export interface StoredCell {
  /** `n` (or absent) number, `b` boolean, `e` error, `str` a formula's text, `d` an ISO 8601 date, `s`/`inlineStr` text. */
  readonly type: string | undefined;
  readonly value: string;
}

export interface CellTextOptions {
  /** workbookPr date1904: serial numbers count days from 1904-01-01 (old Mac workbooks). */
  readonly date1904?: boolean;
}

/** Days between Excel's two epochs: what a 1904 serial number adds to be read as a 1900 one. */
const EPOCH_1904_OFFSET = 1462;

/** The highest number format id that ECMA-376 and Excel's locales build in; workbooks' own start at 164. */
const LAST_BUILT_IN_ID = 81;

/**
 * The text Excel shows for a cell (SPEC §1: "each cell as Excel displays it"): text as it is (`0042`
 * stays `0042`), a number through its number format (`General`, `0000`, `0.00`, `0%`, dates and
 * times), a boolean as `TRUE`/`FALSE`, an error as `#N/A`, a formula by its cached value. Formatting
 * is en-US Excel's: the built-in "short date" (id 14) shows as `m/d/yyyy`, as Excel does in that
 * locale; a workbook does not record the locale it was viewed in. A format code that cannot be
 * read falls back to General, so that a value is never lost to a format.
 *
 * @param formatCode the cell's number format code (see {@link formatCodeOf}), `General` for none.
 */
export function cellText(cell: StoredCell, formatCode: string, options: CellTextOptions = {}): string {
  switch (cell.type) {
    case 's':
    case 'inlineStr':
    case 'str':
      return cell.value;
    case 'b':
      return cell.value === '1' || cell.value.toLowerCase() === 'true' ? 'TRUE' : 'FALSE';
    case 'e':
      return cell.value;
    case 'd':
      // Strict OOXML's dates; Excel itself writes serial numbers.
      return cell.value;
    default:
      return numberText(cell.value, formatCode, options);
  }
}

function numberText(stored: string, formatCode: string, options: CellTextOptions): string {
  const text = stored.trim();
  if (text === '') return '';
  let value = Number(text);
  if (!Number.isFinite(value)) return text;
  if (options.date1904 && formatCode !== 'General' && isDate(formatCode)) value += EPOCH_1904_OFFSET;
  try {
    return format(formatCode, value, FORMAT_OPTIONS);
  } catch {
    return format('General', value, FORMAT_OPTIONS);
  }
}

const FORMAT_OPTIONS = {
  // Excel's range (1900 to 9999); a date outside it shows as its number rather than a guess.
  dateSpanLarge: false,
  dateErrorNumber: true,
  leap1900: true,
} as const;

const dateFormats = new Map<string, boolean>();

function isDate(formatCode: string): boolean {
  let known = dateFormats.get(formatCode);
  if (known === undefined) {
    try {
      known = isDateFormat(formatCode);
    } catch {
      known = false;
    }
    dateFormats.set(formatCode, known);
  }
  return known;
}

/**
 * The format code of a number format id: the workbook's own (`numFmts` in styles.xml, ids from 164)
 * first, then the built-in ones (ECMA-376 §18.8.30; 0 General, 1 `0`, 2 `0.00`, 9 `0%`, 14-22 dates
 * and times, 49 `@`...). An id neither knows reads as General.
 */
export function formatCodeOf(numFmtId: number, custom: ReadonlyMap<number, string>): string {
  const own = custom.get(numFmtId);
  if (own !== undefined) return own;
  // Built-in ids end at 81 (the locale-specific ones included); numfmt answers for any id.
  if (!Number.isInteger(numFmtId) || numFmtId <= 0 || numFmtId > LAST_BUILT_IN_ID) return 'General';
  return getFormatFromId(numFmtId) || 'General';
}
