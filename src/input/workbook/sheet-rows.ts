import type { Readable } from 'node:stream';
import { cellText } from './cell-text.js';
import type { SharedStrings } from './shared-strings.js';
import { decodeEscapes, XmlStream } from './xml-events.js';

/** One worksheet row as Excel shows it: its row number, and each cell's text by column (0 for A). */
export interface SheetRow {
  /** Excel's 1-based row number (`r`): rows may be missing in between. */
  readonly r: number;
  /** Cells' text; columns without a cell are `''`. As long as the row's last cell. */
  readonly cells: string[];
}

/** What turns a stored cell into its shown text: the workbook's shared strings, cell formats and date system. */
export interface SheetContext {
  readonly sharedStrings: SharedStrings;
  /** Format code by style index (`s`). */
  readonly formats: readonly string[];
  readonly date1904: boolean;
}

/** Excel's last column, XFD: a reference past it is not a cell. */
const MAX_COLUMNS = 16_384;

/**
 * Streams a worksheet part's rows (`<sheetData><row><c>`) as shown text, in batches (the rows that
 * one chunk of XML completed: an await per row would cost more than reading it): memory holds a
 * chunk of XML and its rows, never the sheet. Cells are placed by their reference (`r="C7"`)
 * or, without one, after the previous cell; rows by their `r` or after the previous row.
 *
 * @throws the XML parser's error for a part that is not well-formed XML, and an Error naming the
 * cell for a shared string index the table does not have.
 */
export async function* sheetRows(stream: Readable, context: SheetContext): AsyncGenerator<SheetRow[], void, undefined> {
  let done: SheetRow[] = [];
  let r = 0;
  let cells: string[] = [];
  let column = -1;
  let type: string | undefined;
  let style = 0;
  let ref = '';
  let value = '';
  let inline = '';
  let inValue = false;
  let inInlineText = false;
  let phonetic = 0;

  const xml = new XmlStream({
    open(name, attributes) {
      switch (name) {
        case 'row': {
          const n = Number(attributes.r);
          r = Number.isInteger(n) && n > r ? n : r + 1;
          cells = [];
          column = -1;
          break;
        }
        case 'c': {
          ref = attributes.r ?? '';
          const at = ref === '' ? -1 : columnIndex(ref);
          column = at >= 0 ? at : column + 1;
          type = attributes.t;
          style = attributes.s === undefined ? 0 : Number(attributes.s);
          value = '';
          inline = '';
          break;
        }
        case 'v':
          inValue = true;
          break;
        case 't':
          inInlineText = phonetic === 0;
          break;
        case 'rPh':
          phonetic++;
          break;
      }
    },
    close(name) {
      switch (name) {
        case 'c': {
          const text = shownText();
          if (text !== '' && column < MAX_COLUMNS) {
            while (cells.length < column) cells.push('');
            cells[column] = text;
          }
          break;
        }
        case 'row':
          done.push({ r, cells });
          break;
        case 'v':
          inValue = false;
          break;
        case 't':
          inInlineText = false;
          break;
        case 'rPh':
          phonetic--;
          break;
      }
    },
    text(piece) {
      if (inValue) value += piece;
      else if (inInlineText) inline += piece;
    },
  });

  function shownText(): string {
    if (type === 'inlineStr') return decodeEscapes(inline);
    if (type === 's') {
      const index = Number(value);
      const text = context.sharedStrings.get(index);
      if (text === undefined) {
        throw new Error(`cell ${ref || `in row ${r}`} refers to shared string ${value.trim() || '(none)'}, which the workbook does not have`);
      }
      return text;
    }
    return cellText({ type, value }, context.formats[style] ?? 'General', context);
  }

  stream.setEncoding('utf8');
  for await (const chunk of stream) {
    xml.write(chunk as string);
    if (done.length > 0) {
      const batch = done;
      done = [];
      yield batch;
    }
  }
  xml.end();
  if (done.length > 0) yield done;
}

/** `C7` -> 2; -1 when the reference has no column letters. */
function columnIndex(ref: string): number {
  let n = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const code = ref.charCodeAt(i) | 0x20; // lower case
    if (code < 0x61 || code > 0x7a) break;
    n = n * 26 + (code - 0x60);
  }
  return i === 0 ? -1 : n - 1;
}
