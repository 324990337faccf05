import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createDeflateRaw } from 'node:zlib';

/**
 * A workbook part's text: whole, or in chunks so that a million-row sheet is never one string.
 */
export type PartText = string | Iterable<string> | AsyncIterable<string>;

/** One cell as a worksheet holds it (ECMA-376 `<c>`): the raw value, its type and its style index. */
export interface WorkbookCell {
  /** Column letters; the row number comes from the row. Omitted cells follow the previous one. */
  readonly col?: string;
  /** `t`: `s` shared string, `n` number (the default), `b` boolean, `e` error, `str` formula text, `inlineStr`. */
  readonly t?: 's' | 'n' | 'b' | 'e' | 'str' | 'inlineStr';
  /** `s`: index into cellXfs (styles.xml). */
  readonly s?: number;
  /** `<v>`: the value as written; for `t="s"` the shared string's index. */
  readonly v?: string;
  /** `<f>`: a formula, whose cached value is `v`. */
  readonly f?: string;
  /** `<is><t>`: the text of an inline string. */
  readonly text?: string;
}

/** One worksheet row: Excel's 1-based row number (`r`, rows may have gaps) and its cells. */
export interface WorkbookRow {
  readonly r: number;
  readonly cells: readonly WorkbookCell[];
}

export interface WorkbookSheet {
  readonly name: string;
  /** Rows as cells, or as ready `<row>` XML (the bench's million rows). */
  readonly rows: Iterable<WorkbookRow> | PartText;
  /** `state="hidden"` in workbook.xml. */
  readonly hidden?: boolean;
}

/** What a workbook holds, in the parts Excel writes: shared strings, number formats and cell styles. */
export interface WorkbookSpec {
  readonly sheets: readonly WorkbookSheet[];
  /** sharedStrings.xml's items in order (plain text), or ready `<si>` XML chunks. */
  readonly sharedStrings?: readonly string[] | { readonly count: number; readonly items: PartText };
  /** Custom number formats (id 164 and up, as Excel numbers them). */
  readonly numFmts?: Readonly<Record<number, string>>;
  /** cellXfs: the number format id of each style index; index 0 is General unless given. */
  readonly cellXfs?: readonly number[];
  /** workbookPr date1904: serial numbers count days from 1904 (old Mac workbooks). */
  readonly date1904?: boolean;
}

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/**
 * Writes an `.xlsx` workbook the way Excel lays it out ([Content_Types].xml, the workbook and its
 * relationships, one part per sheet, sharedStrings.xml, styles.xml with numFmts and cellXfs),
 * compressed with node:zlib, streamed part by part so that a million rows are never in memory at
 * once. For tests and the benchmark: the tool itself only reads workbooks.
 */
export async function writeWorkbook(path: string, spec: WorkbookSpec): Promise<void> {
  await writeZip(path, workbookParts(spec));
}

/** The parts of `spec`, in the order Excel writes them. */
export function workbookParts(spec: WorkbookSpec): { name: string; text: PartText }[] {
  const sheetParts = spec.sheets.map((sheet, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, text: sheetXml(sheet) }));
  return [
    { name: '[Content_Types].xml', text: contentTypes(spec.sheets.length) },
    {
      name: '_rels/.rels',
      text: `${DECLARATION}<Relationships xmlns="${PKG_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    { name: 'xl/workbook.xml', text: workbookXml(spec) },
    { name: 'xl/_rels/workbook.xml.rels', text: workbookRels(spec.sheets.length) },
    ...sheetParts,
    { name: 'xl/styles.xml', text: stylesXml(spec) },
    { name: 'xl/sharedStrings.xml', text: sharedStringsXml(spec.sharedStrings ?? []) },
  ];
}

function contentTypes(sheets: number): string {
  const overrides = [
    `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`,
    ...Array.from(
      { length: sheets },
      (_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
    ),
    `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`,
    `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`,
  ];
  return (
    `${DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
    `<Default Extension="xml" ContentType="application/xml"/>${overrides.join('')}</Types>`
  );
}

function workbookXml(spec: WorkbookSpec): string {
  const sheets = spec.sheets
    .map((sheet, i) => `<sheet name="${escapeXml(sheet.name)}" sheetId="${i + 1}"${sheet.hidden ? ' state="hidden"' : ''} r:id="rId${i + 1}"/>`)
    .join('');
  const pr = spec.date1904 ? '<workbookPr date1904="1"/>' : '<workbookPr defaultThemeVersion="166925"/>';
  return `${DECLARATION}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">${pr}<bookViews><workbookView xWindow="0" yWindow="0"/></bookViews><sheets>${sheets}</sheets></workbook>`;
}

function workbookRels(sheets: number): string {
  const rels = Array.from({ length: sheets }, (_, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`);
  rels.push(`<Relationship Id="rId${sheets + 1}" Type="${REL_NS}/styles" Target="styles.xml"/>`);
  rels.push(`<Relationship Id="rId${sheets + 2}" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>`);
  return `${DECLARATION}<Relationships xmlns="${PKG_REL_NS}">${rels.join('')}</Relationships>`;
}

function stylesXml(spec: WorkbookSpec): string {
  const numFmts = Object.entries(spec.numFmts ?? {});
  const fmts = numFmts.length
    ? `<numFmts count="${numFmts.length}">${numFmts.map(([id, code]) => `<numFmt numFmtId="${id}" formatCode="${escapeXml(code)}"/>`).join('')}</numFmts>`
    : '';
  const xfs = spec.cellXfs ?? [0];
  const cellXfs = xfs
    .map((id) => `<xf numFmtId="${id}" fontId="0" fillId="0" borderId="0" xfId="0"${id === 0 ? '' : ' applyNumberFormat="1"'}/>`)
    .join('');
  return (
    `${DECLARATION}<styleSheet xmlns="${MAIN_NS}">${fmts}` +
    `<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
    `<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
    `<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
    `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
    `<cellXfs count="${xfs.length}">${cellXfs}</cellXfs>` +
    `<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`
  );
}

async function* sharedStringsXml(strings: NonNullable<WorkbookSpec['sharedStrings']>): AsyncGenerator<string> {
  const count = 'items' in strings ? strings.count : strings.length;
  yield `${DECLARATION}<sst xmlns="${MAIN_NS}" count="${count}" uniqueCount="${count}">`;
  if ('items' in strings) yield* chunksOf(strings.items);
  else for (const text of strings) yield `<si><t${/^\s|\s$/.test(text) ? ' xml:space="preserve"' : ''}>${escapeXml(text)}</t></si>`;
  yield '</sst>';
}

async function* sheetXml(sheet: WorkbookSheet): AsyncGenerator<string> {
  yield (
    `${DECLARATION}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    `<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>`
  );
  if (typeof sheet.rows === 'string' || isAsync(sheet.rows)) yield* chunksOf(sheet.rows as PartText);
  else {
    for (const row of sheet.rows as Iterable<WorkbookRow | string>) yield typeof row === 'string' ? row : rowXml(row);
  }
  yield `</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`;
}

/** A `<row>` as Excel writes it: `r` on the row and on every cell. */
export function rowXml(row: WorkbookRow): string {
  let col = 0;
  const cells = row.cells.map((cell) => {
    col = cell.col ? columnNumber(cell.col) : col + 1;
    const attrs = `r="${columnLetters(col)}${row.r}"${cell.s ? ` s="${cell.s}"` : ''}${cell.t && cell.t !== 'n' ? ` t="${cell.t}"` : ''}`;
    const f = cell.f === undefined ? '' : `<f>${escapeXml(cell.f)}</f>`;
    if (cell.t === 'inlineStr') return `<c ${attrs}><is><t>${escapeXml(cell.text ?? '')}</t></is></c>`;
    const v = cell.v === undefined ? '' : `<v>${escapeXml(cell.v)}</v>`;
    return f || v ? `<c ${attrs}>${f}${v}</c>` : `<c ${attrs}/>`;
  });
  return `<row r="${row.r}">${cells.join('')}</row>`;
}

export function columnLetters(n: number): string {
  let letters = '';
  for (let rest = n; rest > 0; rest = Math.floor((rest - 1) / 26)) letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  return letters;
}

function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + ch.charCodeAt(0) - 64;
  return n;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : '&quot;'));
}

function isAsync(value: unknown): value is AsyncIterable<string> {
  return typeof (value as AsyncIterable<string>)[Symbol.asyncIterator] === 'function';
}

async function* chunksOf(text: PartText): AsyncGenerator<string> {
  if (typeof text === 'string') yield text;
  else yield* text;
}

/**
 * A zip archive as Excel writes one: each entry deflated, sizes and CRC in its local header (no data
 * descriptors), then the central directory. Each entry's compressed bytes are held until written,
 * its text is not.
 */
export async function writeZip(path: string, entries: readonly { name: string; text: PartText }[]): Promise<void> {
  const out = createWriteStream(path);
  const closed = once(out, 'close');
  const write = async (bytes: Buffer) => {
    if (!out.write(bytes)) await once(out, 'drain');
  };
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const { data, crc, size } = await deflate(entry.text);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0, deflate
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00 in DOS time
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    local.copy(header, 6, 4, 30); // version needed .. name length
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    await write(local);
    await write(name);
    await write(data);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  await write(directory);
  out.end(end);
  await closed;
}

async function deflate(text: PartText): Promise<{ data: Buffer; crc: number; size: number }> {
  const deflater = createDeflateRaw({ level: 6 });
  const parts: Buffer[] = [];
  deflater.on('data', (chunk: Buffer) => parts.push(chunk));
  const ended = once(deflater, 'end');
  let crc = 0;
  let size = 0;
  let pending = '';
  const flush = async () => {
    const bytes = Buffer.from(pending, 'utf8');
    pending = '';
    crc = crc32(bytes, crc);
    size += bytes.length;
    if (!deflater.write(bytes)) await once(deflater, 'drain');
  };
  for await (const chunk of chunksOf(text)) {
    pending += chunk;
    if (pending.length >= 256 * 1024) await flush();
  }
  await flush();
  deflater.end();
  await ended;
  return { data: Buffer.concat(parts), crc, size };
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as zip uses it (zlib.crc32 exists only from Node 20.15). */
function crc32(bytes: Uint8Array, previous = 0): number {
  let c = ~previous >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
