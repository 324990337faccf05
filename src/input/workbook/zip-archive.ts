import { pipeline, Transform, type Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import yauzl from 'yauzl';

const DEFLATE = 8;
/** The most a part read whole (workbook, relationships, styles) may hold: a hostile file must not take the memory. */
const MAX_WHOLE_PART_BYTES = 64 * 2 ** 20;
/** Bytes per decompressed chunk. */
const CHUNK_BYTES = 256 * 1024;

/**
 * A zip archive opened for random access (yauzl reads its central directory): a workbook's parts
 * can be read in any order and more than once, and the sheet, which Excel stores before the shared
 * strings, is streamed rather than buffered.
 */
export class ZipArchive {
  readonly #zip: yauzl.ZipFile;
  /** Entries by lower-cased name: package part names compare case-insensitively (ECMA-376 Part 2). */
  readonly #entries: ReadonlyMap<string, yauzl.Entry>;

  private constructor(zip: yauzl.ZipFile, entries: ReadonlyMap<string, yauzl.Entry>) {
    this.#zip = zip;
    this.#entries = entries;
  }

  /** Reads the archive's directory. Rejects with yauzl's error when the file is not a complete zip archive. */
  static async open(path: string): Promise<ZipArchive> {
    const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true });
    try {
      const entries = await new Promise<Map<string, yauzl.Entry>>((resolve, reject) => {
        const found = new Map<string, yauzl.Entry>();
        zip.on('entry', (entry: yauzl.Entry) => {
          found.set(entry.fileName.toLowerCase(), entry);
          zip.readEntry();
        });
        zip.once('end', () => resolve(found));
        zip.once('error', reject);
        zip.readEntry();
      });
      return new ZipArchive(zip, entries);
    } catch (error) {
      zip.close();
      throw error;
    }
  }

  has(name: string): boolean {
    return this.#entries.has(name.toLowerCase());
  }

  /**
   * The part's bytes, decompressed, as a stream; undefined when the archive has no such part. The
   * stream fails when the part is cut short or longer than the directory says.
   */
  async stream(name: string): Promise<Readable | undefined> {
    const entry = this.#entries.get(name.toLowerCase());
    if (entry === undefined) return undefined;
    if (entry.compressionMethod !== DEFLATE || entry.isEncrypted()) return this.#zip.openReadStreamPromise(entry);
    // Inflated here rather than by yauzl, for larger chunks: a sheet of a million rows is 180 MB
    // of XML, and zlib's default 16 KiB chunks cost a turn of the event loop each.
    const raw = await this.#zip.openReadStreamPromise(entry, { decodeFileData: false } as yauzl.ZipFileOptions);
    const inflate = createInflateRaw({ chunkSize: CHUNK_BYTES });
    let size = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(size > entry.uncompressedSize ? new Error(`${name} is longer than the archive's directory says`) : null, chunk);
      },
      flush(done) {
        done(size !== entry.uncompressedSize ? new Error(`${name} is cut short (${size} of ${entry.uncompressedSize} bytes)`) : null);
      },
    });
    return pipeline(raw, inflate, counted, () => {});
  }

  /** A small part (the workbook, relationships, styles) whole, as text; undefined when absent. */
  async text(name: string): Promise<string | undefined> {
    const stream = await this.stream(name);
    if (stream === undefined) return undefined;
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of stream) {
      length += (chunk as Buffer).length;
      if (length > MAX_WHOLE_PART_BYTES) {
        stream.destroy();
        throw new Error(`${name} is larger than ${MAX_WHOLE_PART_BYTES / 2 ** 20} MiB, far more than Excel writes`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  close(): void {
    this.#zip.close();
  }
}
