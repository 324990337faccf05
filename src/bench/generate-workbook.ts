import { escapeXml, writeWorkbook } from './write-workbook.js';
import { HEADER_NAMES, rowValues, rowsPerUserOf, type InputShape } from './generate-input.js';

/** Rows built per chunk of sheet XML. */
const ROWS_PER_CHUNK = 2_000;

/**
 * Writes the same content as {@link writeInputFile} as an Excel workbook, the way Excel saves it:
 * every text cell a shared string (each distinct text once, in order of first use), empty cells
 * left out, rows and cells with their `r`. So a million rows hold about two million distinct
 * shared strings (a UPN per user, a ticket per row): what a reader must keep in memory.
 * @returns the number of distinct users in the file
 */
export async function writeInputWorkbook(path: string, shape: InputShape): Promise<number> {
  const perUser = rowsPerUserOf(shape);
  const domain = shape.domain ?? 'contoso.example';
  const strings = new Map<string, number>();
  const order: string[] = [];
  const index = (text: string) => {
    let i = strings.get(text);
    if (i === undefined) {
      i = order.length;
      strings.set(text, i);
      order.push(text);
    }
    return i;
  };
  const rowXml = (r: number, values: readonly string[]) => {
    let cells = '';
    for (let c = 0; c < values.length; c++) {
      if (values[c] !== '') cells += `<c r="${'ABCDE'[c]}${r}" t="s"><v>${index(values[c]!)}</v></c>`;
    }
    return `<row r="${r}" spans="1:5">${cells}</row>`;
  };
  async function* rows(): AsyncGenerator<string> {
    yield rowXml(1, HEADER_NAMES);
    for (let start = 0; start < shape.rows; start += ROWS_PER_CHUNK) {
      let chunk = '';
      for (let r = start; r < Math.min(shape.rows, start + ROWS_PER_CHUNK); r++) chunk += rowXml(r + 2, rowValues(r, perUser, domain));
      yield chunk;
    }
  }
  // The sheet is written before the shared strings (writeWorkbook's part order), so `order` is complete by then.
  async function* items(): AsyncGenerator<string> {
    for (let start = 0; start < order.length; start += ROWS_PER_CHUNK) {
      yield order
        .slice(start, start + ROWS_PER_CHUNK)
        .map((text) => `<si><t>${escapeXml(text)}</t></si>`)
        .join('');
    }
  }
  await writeWorkbook(path, {
    sheets: [{ name: 'Licenses', rows: rows() }],
    sharedStrings: {
      get count() {
        return order.length;
      },
      items: items(),
    },
  });
  return Math.ceil(shape.rows / perUser);
}
