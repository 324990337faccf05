/*
 * The input file's encoding. Excel writes three that matter here: "CSV UTF-8" (UTF-8 with a BOM),
 * plain UTF-8 from every other tool, and "Unicode text" (UTF-16 LE with a BOM). The encoding is
 * decided once from the first bytes; the rest streams.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be';

/** What the first bytes of a file say about its encoding, and how many of them are a BOM. */
export interface SniffedEncoding {
  readonly encoding: TextEncodingName;
  readonly bomLength: number;
}

/**
 * Decides the encoding from the first bytes (at least 3 when the file has them). A UTF-16 file
 * without a BOM is recognised by a zero byte in the first pair: CSV text never holds NUL, so a
 * zero byte there can only be half of an ASCII character.
 */
export function sniffEncoding(head: Uint8Array): SniffedEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  if (head.length >= 2 && head[0] !== 0 && head[1] === 0) return { encoding: 'utf-16le', bomLength: 0 };
  if (head.length >= 2 && head[0] === 0 && head[1] !== 0) return { encoding: 'utf-16be', bomLength: 0 };
  return { encoding: 'utf-8', bomLength: 0 };
}

/**
 * Decodes a byte stream to string chunks, BOM removed. Characters split across chunks are
 * carried over by the decoder (`stream: true`). Bytes that are not valid in the encoding become
 * U+FFFD, as TextDecoder does; the reader decides what that means.
 */
export async function* decodeText(bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<string, void, undefined> {
  let decoder: TextDecoder | undefined;
  let head: Uint8Array = new Uint8Array(0);
  for await (const chunk of bytes) {
    if (decoder === undefined) {
      head = concatBytes(head, chunk);
      // Three bytes tell every BOM apart; a smaller first chunk waits for the next one.
      if (head.length < 3) continue;
      const sniffed = sniffEncoding(head);
      decoder = new TextDecoder(sniffed.encoding, { ignoreBOM: true });
      const text = decoder.decode(head.subarray(sniffed.bomLength), { stream: true });
      if (text) yield text;
      continue;
    }
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  if (decoder === undefined) {
    if (head.length === 0) return;
    const sniffed = sniffEncoding(head);
    decoder = new TextDecoder(sniffed.encoding, { ignoreBOM: true });
    head = head.subarray(sniffed.bomLength);
    const text = decoder.decode(head);
    if (text) yield text;
    return;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/**
 * The file as csv-parse reads it best: UTF-8 bytes, BOM removed. UTF-8 files pass through as they
 * are (decoding to strings only for csv-parse to encode them again costs a tenth of a pass);
 * UTF-16 files are transcoded. `onInvalid` is called (once or more) when the bytes are not valid
 * in the file's encoding; those bytes then read as U+FFFD.
 */
export async function* utf8Chunks(
  bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onInvalid: () => void = () => {},
): AsyncGenerator<Buffer, void, undefined> {
  let head: Uint8Array = new Uint8Array(0);
  let sniffed: SniffedEncoding | undefined;
  let decoder: TextDecoder | undefined;
  let carry: Buffer = Buffer.alloc(0);
  const pass = (chunk: Buffer): Buffer => {
    if (decoder !== undefined) {
      const text = decoder.decode(chunk, { stream: true });
      if (text.includes('\uFFFD')) onInvalid();
      return Buffer.from(text, 'utf8');
    }
    // A character split between chunks is checked with the next chunk.
    const whole = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const end = completeLength(whole);
    if (!isUtf8(whole.subarray(0, end))) onInvalid();
    carry = Buffer.from(whole.subarray(end));
    return chunk;
  };
  for await (const chunk of bytes) {
    if (sniffed === undefined) {
      head = concatBytes(head, chunk);
      if (head.length < 3) continue;
      sniffed = sniffEncoding(head);
      if (sniffed.encoding !== 'utf-8') decoder = new TextDecoder(sniffed.encoding, { ignoreBOM: true });
      const out = pass(Buffer.from(head.buffer, head.byteOffset + sniffed.bomLength, head.length - sniffed.bomLength));
      if (out.length > 0) yield out;
      continue;
    }
    const out = pass(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    if (out.length > 0) yield out;
  }
  if (sniffed === undefined) {
    // Fewer than three bytes in all.
    if (head.length === 0) return;
    sniffed = sniffEncoding(head);
    if (sniffed.encoding !== 'utf-8') decoder = new TextDecoder(sniffed.encoding, { ignoreBOM: true });
    const out = pass(Buffer.from(head.buffer, head.byteOffset + sniffed.bomLength, head.length - sniffed.bomLength));
    if (out.length > 0) yield out;
  }
  if (decoder !== undefined) {
    const tail = decoder.decode();
    if (tail.includes('\uFFFD')) onInvalid();
    if (tail !== '') yield Buffer.from(tail, 'utf8');
  } else if (carry.length > 0) {
    onInvalid();
  }
}

/** How many leading bytes of `bytes` end on a UTF-8 character boundary. */
function completeLength(bytes: Uint8Array): number {
  // Look back over at most three continuation bytes for the lead byte of the last character.
  for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 4; i--) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) continue;
    const size = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + size <= bytes.length ? bytes.length : i;
  }
  return bytes.length;
}
