import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import type { LicenseRow, Ref } from '../model.js';

export interface UserPartitionsOptions {
  /**
   * Rows held in memory before they are spilled to temporary files.
   * @default 20_000
   */
  readonly spillAfterRows?: number;
  /**
   * Files the rows are spread over once spilled; one file's rows are in memory at a time.
   * @default 64
   */
  readonly partitionCount?: number;
  /**
   * Where the temporary folder is made.
   * @default os.tmpdir()
   */
  readonly tempDir?: string;
}

/** Bytes buffered per partition before they are appended to its file. */
const FLUSH_BYTES = 64 * 1024;

/**
 * The valid rows of a file, grouped so that all rows of one user can be looked at together
 * without holding the file: while small, in memory; past `spillAfterRows`, spread by a hash of
 * `userKey` over `partitionCount` temporary files (one tab-separated line per row, in a folder
 * of its own that {@link dispose} removes). {@link partitions} then yields one partition at a time,
 * and every user's rows are in exactly one of them.
 *
 * Await what each {@link add} returns (a spilled add may write to disk) before the next add.
 */
export class UserPartitions {
  readonly #spillAfterRows: number;
  readonly #partitionCount: number;
  readonly #tempDir: string;
  #rows: LicenseRow[] = [];
  #spill: Spill | undefined;
  #size = 0;
  #disposed = false;

  constructor(options: UserPartitionsOptions = {}) {
    this.#spillAfterRows = positiveInteger('spillAfterRows', options.spillAfterRows ?? 20_000);
    this.#partitionCount = positiveInteger('partitionCount', options.partitionCount ?? 64);
    this.#tempDir = options.tempDir ?? tmpdir();
  }

  /** Rows added so far. */
  get size(): number {
    return this.#size;
  }

  get isSpilled(): boolean {
    return this.#spill !== undefined;
  }

  /** The temporary folder while spilled, for whoever wants to see it go. */
  get directory(): string | undefined {
    return this.#spill?.directory;
  }

  /** Adds a row; returns a promise only when the row had to wait for a write to disk. */
  add(row: LicenseRow): Promise<void> | undefined {
    if (this.#disposed) throw new Error('UserPartitions.add after dispose');
    this.#size++;
    if (this.#spill) return this.#spill.add(row);
    this.#rows.push(row);
    return this.#rows.length > this.#spillAfterRows ? this.#startSpill() : undefined;
  }

  async #startSpill(): Promise<void> {
    const directory = await mkdtemp(join(this.#tempDir, 'license-batch-rows-'));
    this.#spill = new Spill(directory, this.#partitionCount);
    const rows = this.#rows;
    this.#rows = [];
    for (const held of rows) await this.#spill.add(held);
  }

  /**
   * Yields groups of rows such that all rows of a user are in the same group: in memory, one group;
   * spilled, one group per non-empty partition file. Rows keep their file order within a group.
   * With `repeatedUsersOnly`, a spilled partition yields only the rows of users that have more than
   * one row (what conflicts are about), and skips decoding the rest.
   */
  async *partitions(options: { readonly repeatedUsersOnly?: boolean } = {}): AsyncGenerator<LicenseRow[], void, undefined> {
    if (!this.#spill) {
      if (this.#rows.length > 0) yield this.#rows;
      return;
    }
    await this.#spill.flush();
    for (let i = 0; i < this.#partitionCount; i++) {
      const rows = await this.#spill.read(i, options.repeatedUsersOnly ?? false);
      if (rows.length > 0) yield rows;
    }
  }

  /** Removes the temporary files. Safe to call more than once. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#rows = [];
    const spill = this.#spill;
    this.#spill = undefined;
    await spill?.dispose();
  }
}

class Spill {
  readonly directory: string;
  readonly #files: (FileHandle | undefined)[];
  // Rows are encoded into off-heap buffers at once: JS strings held until a flush would all live
  // long enough to be promoted to the old generation, and collecting them costs more than the I/O.
  readonly #buffers: Buffer[];
  readonly #used: number[];

  constructor(directory: string, count: number) {
    this.directory = directory;
    this.#files = new Array<FileHandle | undefined>(count).fill(undefined);
    this.#buffers = Array.from({ length: count }, () => Buffer.allocUnsafe(FLUSH_BYTES));
    this.#used = new Array<number>(count).fill(0);
  }

  add(row: LicenseRow): Promise<void> | undefined {
    const index = hash(row.userKey) % this.#files.length;
    const line = encode(row);
    // A UTF-16 code unit takes three UTF-8 bytes at the most.
    const room = line.length * 3;
    if (room > FLUSH_BYTES) return this.#flush(index).then(() => this.#write(index, Buffer.from(line, 'utf8')));
    const flushing = this.#used[index]! + room > FLUSH_BYTES ? this.#flush(index) : undefined;
    this.#used[index]! += this.#buffers[index]!.write(line, this.#used[index]!, 'utf8');
    return flushing;
  }

  async flush(): Promise<void> {
    for (let i = 0; i < this.#files.length; i++) await this.#flush(i);
  }

  async read(index: number, repeatedUsersOnly: boolean): Promise<LicenseRow[]> {
    if (this.#files[index] === undefined) return [];
    const text = await readFile(this.#path(index), 'utf8');
    const lines: string[] = [];
    for (let start = 0, end = text.indexOf('\n'); end !== -1; start = end + 1, end = text.indexOf('\n', start)) {
      lines.push(text.slice(start, end));
    }
    if (!repeatedUsersOnly) return lines.map(decode);
    const counts = new Map<string, number>();
    const keys = lines.map(userKeyOf);
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    const rows: LicenseRow[] = [];
    for (let i = 0; i < lines.length; i++) if (counts.get(keys[i]!)! > 1) rows.push(decode(lines[i]!));
    return rows;
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.#files.map((file) => file?.close()));
    await rm(this.directory, { recursive: true, force: true });
  }

  /** Hands the partition's buffer to a write and gives it a fresh one, synchronously. */
  #flush(index: number): Promise<void> {
    const used = this.#used[index]!;
    if (used === 0) return Promise.resolve();
    const full = this.#buffers[index]!.subarray(0, used);
    this.#buffers[index] = Buffer.allocUnsafe(FLUSH_BYTES);
    this.#used[index] = 0;
    return this.#write(index, full);
  }

  async #write(index: number, bytes: Buffer): Promise<void> {
    // Append mode: writes of one partition never overwrite each other, whatever their timing.
    const file = (this.#files[index] ??= await open(this.#path(index), 'a'));
    await file.write(bytes);
  }

  #path(index: number): string {
    return join(this.directory, `partition-${index}.tsv`);
  }
}

/** FNV-1a: cheap, and spreads similar UPNs (user00001@, user00002@) evenly. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/*
 * One row per line, fields separated by tabs: cheaper to write and read back than JSON, which
 * matters at a million rows. Tabs, line feeds and backslashes inside values are escaped, although
 * the row checks already keep them out of users, SKUs and plans.
 *
 * row, line, user, userKey (empty when it is the user as written), action (a|r), sku,
 * usageLocation, plan mode (-|d|e), plans...
 * where a reference is `i<guid>` or `n<name>`.
 */

function encode(row: LicenseRow): string {
  let line = `${row.row}\t${row.line}\t${escape(row.user)}\t${row.userKey === row.user ? '' : escape(row.userKey)}\t${row.action === 'remove' ? 'r' : 'a'}\t${encodeRef(row.sku)}\t${escape(row.usageLocation ?? '')}`;
  if (row.plans === undefined) return `${line}\t-\n`;
  line += row.plans.mode === 'disabled' ? '\td' : '\te';
  for (const ref of row.plans.refs) line += `\t${encodeRef(ref)}`;
  return `${line}\n`;
}

/** The encoded user key of a line (the fourth field, else the user), without decoding the rest. */
function userKeyOf(line: string): string {
  const afterRow = line.indexOf('\t');
  const afterLine = line.indexOf('\t', afterRow + 1);
  const afterUser = line.indexOf('\t', afterLine + 1);
  const afterKey = line.indexOf('\t', afterUser + 1);
  return afterKey === afterUser + 1 ? line.slice(afterLine + 1, afterUser) : line.slice(afterUser + 1, afterKey);
}

function decode(line: string): LicenseRow {
  const fields = line.split('\t');
  const mode = fields[7];
  const usageLocation = unescape(fields[6]!);
  const user = unescape(fields[2]!);
  const row: { -readonly [K in keyof LicenseRow]: LicenseRow[K] } = {
    row: Number(fields[0]),
    line: Number(fields[1]),
    user,
    userKey: fields[3] === '' ? user : unescape(fields[3]!),
    action: fields[4] === 'r' ? 'remove' : 'add',
    sku: decodeRef(fields[5]!),
  };
  if (mode !== '-') row.plans = { mode: mode === 'd' ? 'disabled' : 'enabled', refs: fields.slice(8).map(decodeRef) };
  if (usageLocation !== '') row.usageLocation = usageLocation;
  return row;
}

function encodeRef(ref: Ref): string {
  return ref.kind === 'id' ? `i${ref.id.length === 36 ? ref.id : escape(ref.id)}` : `n${escape(ref.name)}`;
}

function decodeRef(text: string): Ref {
  return text[0] === 'i' ? { kind: 'id', id: unescape(text.slice(1)) } : { kind: 'name', name: unescape(text.slice(1)) };
}

const SPECIAL = /[\t\n\\]/;

function escape(value: string): string {
  return SPECIAL.test(value) ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : value;
}

function unescape(value: string): string {
  return value.includes('\\') ? value.replace(/\\(.)/g, (_, ch: string) => (ch === 't' ? '\t' : ch === 'n' ? '\n' : ch)) : value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`Invalid option ${name}: expect a positive integer, got ${String(value)} (${typeof value})`);
  }
  return value;
}
