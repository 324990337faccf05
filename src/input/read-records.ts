import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Buffer } from 'node:buffer';
import { Readable, pipeline } from 'node:stream';
import { CsvError, parse, type Options as CsvOptions } from 'csv-parse';
import { RunError } from '../errors.js';
import type { InputRecord } from '../model.js';
import { decodeText, utf8Chunks } from './decode.js';
import { detectDelimiter, type Delimiter } from './delimiter.js';
import { interpretHeader, type Header } from './header.js';
import { detectInputKind } from './input-kind.js';
import { findOpenQuote } from './open-quote.js';
import { isBlank, keptValues, unescapeFormula } from './record-values.js';

/** An input file opened for one pass: its header, read already, and its records, streamed. */
export interface InputFile {
  readonly header: Header;
  /** The data records, once: blank and all-empty lines skipped, values in header order. */
  readonly records: AsyncIterable<InputRecord>;
  /** Stops reading and releases the file, for a caller that does not read `records` to the end. */
  close(): Promise<void>;
}

export interface OpenInputOptions {
  /** Overrides the delimiter detected from the header line (`--delimiter`); a workbook has none. */
  readonly delimiter?: Delimiter | undefined;
  /** `--sheet`: the worksheet of a workbook to read (the first one otherwise); refused for a CSV file. */
  readonly sheet?: string | undefined;
}

/**
 * The longest record csv-parse will build, in bytes. A quote left open makes the rest of the file
 * one field; the limit keeps that from being held in memory before the error is reported.
 */
const MAX_RECORD_SIZE = 1024 * 1024;

/** How much of the file is read, at the most, to find the end of the header line. */
const MAX_HEADER_PREFIX = 1024 * 1024;

/**
 * Opens an input file (SPEC §1) and reads its header. An Excel workbook, told by its content, is
 * read by `openWorkbookInput` (read-workbook.ts), loaded only then; everything else as CSV, here: the text is decoded (UTF-8 with or without
 * BOM, UTF-16 with BOM), the delimiter detected from the header line unless given, and the header
 * interpreted. Records then stream through csv-parse; memory does not grow with the file.
 *
 * Each record carries its 1-based `row` (data records only) and the physical `line` it starts on,
 * counted here from the records' own line breaks rather than taken from csv-parse, whose line count
 * is off by one for every CRLF inside a quoted field. Rows shorter than the header are padded with
 * `''`; empty fields past the header's last column are ignored; a results file's outcome columns are
 * dropped; a leading `'` that escaped a formula (`'=`, `'+`, `'-`, `'@`) is removed again.
 *
 * @throws {RunError} `INPUT_UNREADABLE` naming the path when the file cannot be read;
 * `INPUT_STRUCTURE` naming the line for a missing column, a quote never closed, a record with more
 * fields than the header, or text that is not valid in its encoding. Errors while streaming are
 * thrown by the `records` iteration.
 */
export async function openInput(path: string, options: OpenInputOptions = {}): Promise<InputFile> {
  if ((await detectInputKind(path)) === 'workbook') {
    // Loaded when a workbook comes in: its zip and number-format libraries cost a CSV run about 0.15 s of start-up CPU.
    const { openWorkbookInput } = await import('./read-workbook.js');
    return openWorkbookInput(path, { sheet: options.sheet });
  }
  if (options.sheet !== undefined) {
    throw new RunError('USAGE', `--sheet ${JSON.stringify(options.sheet)} is for an Excel workbook (.xlsx), but ${path} is read as a CSV file`);
  }
  const file = await openFile(path);
  let invalidText = false;
  const chunks = utf8Chunks(readBytes(file, path), () => (invalidText = true))[Symbol.asyncIterator]();

  let head: Buffer;
  try {
    head = await readHeaderPrefix(chunks);
  } catch (error) {
    await chunks.return?.();
    throw error;
  }
  const delimiter = options.delimiter ?? detectDelimiter(firstContentLine(head.toString('utf8')));
  const parser = parse(parserOptions(delimiter));
  const source = Readable.from(prepend(head, chunks));
  // pipeline() carries a read error from the source into the parser, where read() finds it.
  pipeline(source, parser, () => {});

  let nextLine = 1;
  // Records are taken synchronously from the parser's buffer, and only an empty buffer is awaited:
  // an await per record costs more than parsing it.
  const take = (): ParsedRecord | null => {
    const fields = parser.read() as string[] | null;
    if (fields === null) return null;
    const line = nextLine;
    nextLine = line + 1 + lineBreaks(fields);
    if (invalidText && fields.some((field) => field.includes('\uFFFD'))) throw invalidTextError(line);
    return { fields, line };
  };
  /** Waits for more records; false at the end of the file. */
  const more = async (): Promise<boolean> => {
    if (!parser.errored && !parser.readableEnded && !parser.destroyed) await readable(parser);
    if (parser.errored) throw await structureError(parser.errored, { path, line: nextLine, delimiter });
    return !parser.readableEnded && !parser.destroyed;
  };
  const close = async () => {
    parser.destroy();
    source.destroy();
    await chunks.return?.();
  };

  let header: Header | undefined;
  try {
    search: do {
      for (let record = take(); record !== null; record = take()) {
        if (isBlank(record.fields)) continue;
        header = interpretHeader(record.fields.map(unescapeFormula), record.line, delimiter);
        break search;
      }
    } while (await more());
  } catch (error) {
    await close();
    throw error;
  }
  if (header === undefined) {
    await close();
    throw new RunError('INPUT_STRUCTURE', `line 1: ${path} is empty; its first line must be the header`, { line: 1 });
  }
  const known: Header = header;

  async function* dataRecords(): AsyncGenerator<InputRecord, void, undefined> {
    let row = 0;
    try {
      do {
        for (let record = take(); record !== null; record = take()) {
          const { fields, line } = record;
          if (isBlank(fields)) continue;
          if (fields.length > known.fieldCount && !isBlank(fields.slice(known.fieldCount))) {
            throw new RunError('INPUT_STRUCTURE', `line ${line} has ${fields.length} fields but the header has ${known.fieldCount}`, { line });
          }
          row++;
          yield { row, line, values: keptValues(fields, known.keptCount) };
        }
      } while (await more());
    } finally {
      await close();
    }
  }

  return { header: known, records: dataRecords(), close };
}

interface ParsedRecord {
  readonly fields: string[];
  readonly line: number;
}

/** Resolves when the parser has records to read, has ended, or has failed. */
function readable(parser: Readable): Promise<void> {
  return new Promise((resolve) => {
    const events = ['readable', 'end', 'close', 'error'] as const;
    const done = () => {
      for (const event of events) parser.off(event, done);
      resolve();
    };
    for (const event of events) parser.on(event, done);
  });
}

function parserOptions(delimiter: Delimiter): CsvOptions {
  return {
    delimiter,
    // Any line ending, even mixed: files are concatenated from several sources.
    record_delimiter: ['\r\n', '\n', '\r'],
    // Short rows are padded and long ones checked here, to name the line the row starts on.
    relax_column_count: true,
    // A quote inside an unquoted field is a plain character, as Excel reads it.
    relax_quotes: true,
    // Blank lines come through as records so that line numbers can be counted from the records.
    skip_empty_lines: false,
    max_record_size: MAX_RECORD_SIZE,
  };
}

async function openFile(path: string): Promise<FileHandle> {
  let file: FileHandle | undefined;
  try {
    file = await open(path, 'r');
    if ((await file.stat()).isDirectory()) {
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    return file;
  } catch (error) {
    await file?.close();
    throw unreadable(path, error);
  }
}

async function* readBytes(file: FileHandle, path: string): AsyncGenerator<Uint8Array, void, undefined> {
  const stream = file.createReadStream({ highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    stream.destroy();
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

function unreadable(path: string, error: unknown): RunError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code && REASONS[code]) ?? (error instanceof Error ? error.message : String(error));
  return new RunError('INPUT_UNREADABLE', `cannot read ${path}: ${reason}`, { cause: error });
}

function invalidTextError(line: number): RunError {
  return new RunError(
    'INPUT_STRUCTURE',
    `line ${line} holds bytes that are not valid UTF-8 (or UTF-16) text; save the file as "CSV UTF-8" (in Excel: Save As, CSV UTF-8)`,
    { line },
  );
}

/** Reads until the first line with content is complete, so that its delimiter can be detected. */
async function readHeaderPrefix(chunks: AsyncIterator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < MAX_HEADER_PREFIX && firstContentLineEnd(Buffer.concat(parts).toString('utf8')) === -1) {
    const next = await chunks.next();
    if (next.done) break;
    parts.push(next.value);
    length += next.value.length;
  }
  return Buffer.concat(parts);
}

async function* prepend(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer, void, undefined> {
  try {
    if (head.length > 0) yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

/** The first line that is not blank, as far as `text` has it. */
function firstContentLine(text: string): string {
  const start = firstContentStart(text);
  const end = firstContentLineEnd(text);
  return text.slice(start, end === -1 ? undefined : end);
}

function firstContentStart(text: string): number {
  const match = /[^\s]/.exec(text);
  if (!match) return text.length;
  // Back to the start of that line.
  const before = text.slice(0, match.index);
  return Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r')) + 1;
}

/** Where the first non-blank line ends (a line break outside quotes), or -1 when `text` does not show it yet. */
function firstContentLineEnd(text: string): number {
  let quoted = false;
  for (let i = firstContentStart(text); i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) return i;
  }
  return -1;
}

function lineBreaks(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    if (!field.includes('\n') && !field.includes('\r')) continue;
    // CRLF is one line break, as are a lone CR and a lone LF.
    count += field.match(/\r\n|\r|\n/g)!.length;
  }
  return count;
}

async function structureError(error: unknown, where: { path: string; line: number; delimiter: Delimiter }): Promise<unknown> {
  if (!(error instanceof CsvError)) return error;
  const { line } = where;
  if (error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_MAX_RECORD_SIZE') {
    const open = await locateOpenQuote(where);
    if (open?.kind === 'unclosed') {
      return new RunError('INPUT_STRUCTURE', `line ${open.line}: a quoted field opened here is never closed`, { line: open.line, cause: error });
    }
    if (open?.kind === 'too-long') {
      return new RunError('INPUT_STRUCTURE', `line ${open.line}: a quoted field opened here is not closed within 1 MiB; is its closing quote missing?`, {
        line: open.line,
        cause: error,
      });
    }
    if (error.code === 'CSV_MAX_RECORD_SIZE') {
      return new RunError('INPUT_STRUCTURE', `line ${line}: the record that starts here is longer than 1 MiB`, { line, cause: error });
    }
  }
  // csv-parse's own message, without its own line count (see openInput). The line named is the one
  // after the last record read, which the failing record starts on or after.
  const message = error.message.replace(/ (at|on) line \d+/, '');
  return new RunError('INPUT_STRUCTURE', `line ${line}: ${message}`, { line, cause: error });
}

async function locateOpenQuote(where: { path: string; line: number; delimiter: Delimiter }) {
  const stream = createReadStream(where.path, { highWaterMark: 64 * 1024 });
  try {
    return await findOpenQuote(decodeText(stream), { fromLine: where.line, delimiter: where.delimiter, maxFieldLength: MAX_RECORD_SIZE });
  } catch {
    return undefined;
  } finally {
    stream.destroy();
  }
}
