import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeText, sniffEncoding, utf8Chunks } from '../src/input/decode.js';

describe('decodeText', () => {
  async function decode(chunks: Uint8Array[]): Promise<string> {
    let text = '';
    for await (const chunk of decodeText(chunks)) text += chunk;
    return text;
  }
  const sample = 'upn,Note\nä@x.com,😀 €\n';

  it.each([
    { name: 'UTF-8', bytes: Buffer.from(sample), encoding: 'utf-8', bomLength: 0 },
    { name: 'UTF-8 with BOM', bytes: Buffer.from(`\uFEFF${sample}`), encoding: 'utf-8', bomLength: 3 },
    { name: 'UTF-16 LE with BOM', bytes: Buffer.from(`\uFEFF${sample}`, 'utf16le'), encoding: 'utf-16le', bomLength: 2 },
    { name: 'UTF-16 BE with BOM', bytes: Buffer.from(`\uFEFF${sample}`, 'utf16le').swap16(), encoding: 'utf-16be', bomLength: 2 },
    { name: 'UTF-16 LE without BOM', bytes: Buffer.from(sample, 'utf16le'), encoding: 'utf-16le', bomLength: 0 },
  ])('sniffs and decodes $name, in one chunk or byte by byte', async ({ bytes, encoding, bomLength }) => {
    expect(sniffEncoding(bytes)).toEqual({ encoding, bomLength });
    expect(await decode([bytes])).toBe(sample);
    expect(await decode([...bytes].map((byte) => Uint8Array.of(byte)))).toBe(sample);
  });

  it.each([
    { name: 'nothing', bytes: [] as number[], text: '' },
    { name: 'a BOM only', bytes: [0xef, 0xbb, 0xbf], text: '' },
    { name: 'two bytes', bytes: [0x61, 0x0a], text: 'a\n' },
  ])('decodes $name', async ({ bytes, text }) => {
    expect(await decode([Uint8Array.from(bytes)])).toBe(text);
  });
});

describe('utf8Chunks', () => {
  async function run(chunks: Uint8Array[]): Promise<{ text: string; invalid: boolean }> {
    let invalid = false;
    const out: Buffer[] = [];
    for await (const chunk of utf8Chunks(chunks, () => (invalid = true))) out.push(chunk);
    return { text: Buffer.concat(out).toString('utf8'), invalid };
  }
  const sample = 'upn;Note\nä@x.com;😀 €\n';
  const split = (bytes: Buffer) => [...bytes].map((byte) => Uint8Array.of(byte));

  it.each([
    { name: 'UTF-8 byte by byte', chunks: split(Buffer.from(sample)) },
    { name: 'UTF-8 with BOM', chunks: [Buffer.from(`\uFEFF${sample}`)] },
    { name: 'UTF-16 LE byte by byte', chunks: split(Buffer.from(`\uFEFF${sample}`, 'utf16le')) },
    { name: 'UTF-16 BE', chunks: [Buffer.from(`\uFEFF${sample}`, 'utf16le').swap16()] },
  ])('passes $name on as UTF-8 without a BOM, and valid', async ({ chunks }) => {
    expect(await run(chunks)).toEqual({ text: sample, invalid: false });
  });

  it.each([
    { name: 'a Latin-1 byte', bytes: Buffer.from('a;M\xfcller\n', 'latin1') },
    { name: 'a character cut off at the end', bytes: Buffer.from('a;€').subarray(0, 4) },
  ])('reports $name', async ({ bytes }) => {
    expect((await run([bytes])).invalid).toBe(true);
    expect((await run(split(bytes))).invalid).toBe(true);
  });
});
