import { posix } from 'node:path';
import { formatCodeOf } from './cell-text.js';
import { SharedStrings } from './shared-strings.js';
import { decodeEscapes, parseXml, XmlStream } from './xml-events.js';
import type { ZipArchive } from './zip-archive.js';

/** A worksheet as workbook.xml lists it, with the part that holds its cells. */
export interface SheetInfo {
  readonly name: string;
  /** Part name in the archive, such as `xl/worksheets/sheet1.xml`. */
  readonly path: string;
  readonly hidden: boolean;
}

/** What the workbook part and its relationships say: the sheets in tab order, and where the shared parts are. */
export interface WorkbookInfo {
  readonly sheets: readonly SheetInfo[];
  readonly date1904: boolean;
  readonly sharedStringsPath: string | undefined;
  readonly stylesPath: string | undefined;
}

const OFFICE_DOCUMENT = /\/officeDocument$/;
const WORKSHEET = /\/worksheet$/;

/**
 * Reads the package's structure: `_rels/.rels` names the workbook part (xl/workbook.xml as Excel
 * writes it), the workbook lists its sheets (chart sheets and dialog sheets are not worksheets and
 * are left out) and `workbookPr`, and its relationships locate each sheet, the shared strings and
 * the styles.
 * @returns undefined when the archive holds no workbook (a zip file of another kind).
 */
export async function readWorkbookInfo(zip: ZipArchive): Promise<WorkbookInfo | undefined> {
  const rootRels = relationships(await zip.text('_rels/.rels'), '');
  const workbookPath = rootRels.find((rel) => OFFICE_DOCUMENT.test(rel.type))?.target ?? 'xl/workbook.xml';
  const workbookXml = await zip.text(workbookPath);
  if (workbookXml === undefined) return undefined;

  const listed: { name: string; id: string; hidden: boolean }[] = [];
  let date1904 = false;
  parseXml(workbookXml, {
    open(name, attributes) {
      if (name === 'sheet' && attributes.name !== undefined) {
        const id = attributes['r:id'] ?? Object.entries(attributes).find(([key]) => key.endsWith(':id'))?.[1] ?? '';
        listed.push({ name: attributes.name, id, hidden: attributes.state === 'hidden' || attributes.state === 'veryHidden' });
      } else if (name === 'workbookPr') {
        date1904 = attributes.date1904 === '1' || attributes.date1904 === 'true';
      }
    },
  });

  const base = posix.dirname(workbookPath);
  const rels = relationships(await zip.text(`${base}/_rels/${posix.basename(workbookPath)}.rels`), base);
  const byId = new Map(rels.map((rel) => [rel.id, rel]));
  const sheets = listed.flatMap((sheet) => {
    const rel = byId.get(sheet.id);
    return rel && WORKSHEET.test(rel.type) ? [{ name: sheet.name, path: rel.target, hidden: sheet.hidden }] : [];
  });
  const target = (type: RegExp) => rels.find((rel) => type.test(rel.type))?.target;
  return {
    sheets,
    date1904,
    sharedStringsPath: target(/\/sharedStrings$/) ?? (zip.has(`${base}/sharedStrings.xml`) ? `${base}/sharedStrings.xml` : undefined),
    stylesPath: target(/\/styles$/) ?? (zip.has(`${base}/styles.xml`) ? `${base}/styles.xml` : undefined),
  };
}

interface Relationship {
  readonly id: string;
  readonly type: string;
  /** The target as a part name, resolved against the source part's folder. */
  readonly target: string;
}

function relationships(xml: string | undefined, base: string): Relationship[] {
  if (xml === undefined) return [];
  const found: Relationship[] = [];
  parseXml(xml, {
    open(name, attributes) {
      if (name !== 'Relationship' || attributes.TargetMode === 'External') return;
      const target = attributes.Target ?? '';
      const path = target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join(base, target));
      found.push({ id: attributes.Id ?? '', type: attributes.Type ?? '', target: path });
    },
  });
  return found;
}

/**
 * The number format code of each cell style (styles.xml: `cellXfs`, indexed by a cell's `s`),
 * from the workbook's own `numFmts` and the built-in formats. A workbook without styles has only
 * General.
 */
export async function readCellFormats(zip: ZipArchive, path: string | undefined): Promise<string[]> {
  const xml = path === undefined ? undefined : await zip.text(path);
  if (xml === undefined) return ['General'];
  const custom = new Map<number, string>();
  const xfIds: number[] = [];
  let inCellXfs = false;
  parseXml(xml, {
    open(name, attributes) {
      if (name === 'numFmt') custom.set(Number(attributes.numFmtId), attributes.formatCode ?? 'General');
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) xfIds.push(Number(attributes.numFmtId ?? 0));
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
  });
  return xfIds.length === 0 ? ['General'] : xfIds.map((id) => formatCodeOf(Number.isInteger(id) ? id : 0, custom));
}

/** Text the shared strings table may hold: it is held in memory, and a hostile file must not take it all. */
const MAX_SHARED_STRINGS_BYTES = 1024 * 2 ** 20;

/**
 * The shared strings table, streamed from its part into a compact store. A string item's text is
 * its `<t>` elements joined (rich text runs), without phonetic runs (`rPh`), escapes decoded.
 */
export async function readSharedStrings(zip: ZipArchive, path: string | undefined, maxBytes = MAX_SHARED_STRINGS_BYTES): Promise<SharedStrings> {
  const strings = new SharedStrings();
  const stream = path === undefined ? undefined : await zip.stream(path);
  if (stream === undefined) return strings;
  let text = '';
  let inItem = false;
  let inText = false;
  let phonetic = 0;
  const xml = new XmlStream({
    open(name) {
      if (name === 'si') {
        inItem = true;
        text = '';
      } else if (name === 't') inText = inItem && phonetic === 0;
      else if (name === 'rPh') phonetic++;
    },
    close(name) {
      if (name === 'si') {
        strings.add(decodeEscapes(text));
        inItem = false;
      } else if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
    },
    text(piece) {
      if (inText) text += piece;
    },
  });
  stream.setEncoding('utf8');
  for await (const chunk of stream) {
    xml.write(chunk as string);
    if (strings.bytes > maxBytes) {
      stream.destroy();
      throw new Error(`the shared strings table holds more than ${maxBytes / 2 ** 20} MiB of text, more than any sheet of licenses needs`);
    }
  }
  xml.end();
  return strings;
}
