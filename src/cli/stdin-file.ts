import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * A run reads its input more than once (the whole-file check, then the sending pass), which
 * standard input cannot do: it is copied to a temporary file first, streamed, never held.
 */
export async function spillStdin(stdin: NodeJS.ReadableStream): Promise<{ path: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'license-batch-stdin-'));
  const path = join(dir, 'input.csv');
  await pipeline(stdin, createWriteStream(path));
  return { path, dispose: () => rm(dir, { recursive: true, force: true }) };
}
