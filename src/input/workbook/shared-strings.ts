import { Buffer } from 'node:buffer';

/** Bytes per block of text: large enough that the blocks' own overhead does not count. */
const BLOCK_BYTES = 1024 * 1024;

/**
 * A workbook's shared strings table (sharedStrings.xml), the one part that the format forces a reader
 * to hold while it streams a sheet: cells refer to it by index, from anywhere in the sheet. Held as
 * UTF-8 in 1 MiB blocks with two offsets per string, about half of what as many JavaScript strings
 * would take (each has its own header and pointer), and no copy of the XML they came from.
 */
export class SharedStrings {
  readonly #blocks: Buffer[] = [];
  #used = BLOCK_BYTES;
  /** Per string: its block (high bits) and start; and its end. */
  #starts = new Float64Array(1024);
  #ends = new Uint32Array(1024);
  #count = 0;

  get size(): number {
    return this.#count;
  }

  /** Bytes held: the blocks and the offsets. */
  get bytes(): number {
    return this.#blocks.length * BLOCK_BYTES + this.#starts.byteLength + this.#ends.byteLength;
  }

  add(text: string): void {
    const length = Buffer.byteLength(text, 'utf8');
    if (this.#used + length > BLOCK_BYTES) {
      this.#blocks.push(Buffer.allocUnsafe(Math.max(BLOCK_BYTES, length)));
      this.#used = 0;
    }
    const block = this.#blocks.length - 1;
    const start = this.#used;
    this.#used += this.#blocks[block]!.write(text, start, 'utf8');
    if (this.#count === this.#starts.length) this.#grow();
    this.#starts[this.#count] = block * 2 ** 32 + start;
    this.#ends[this.#count] = this.#used;
    this.#count++;
  }

  /** The string at `index`, or undefined past the table's end. */
  get(index: number): string | undefined {
    if (!(index >= 0 && index < this.#count)) return undefined;
    const at = this.#starts[index]!;
    const block = Math.floor(at / 2 ** 32);
    return this.#blocks[block]!.toString('utf8', at - block * 2 ** 32, this.#ends[index]);
  }

  #grow(): void {
    const starts = new Float64Array(this.#starts.length * 2);
    starts.set(this.#starts);
    this.#starts = starts;
    const ends = new Uint32Array(this.#ends.length * 2);
    ends.set(this.#ends);
    this.#ends = ends;
  }
}
