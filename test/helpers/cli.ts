import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { main } from '../../src/cli.js';
import type { Clock } from '../../src/graph/clock.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export interface RunCliOptions {
  env?: NodeJS.ProcessEnv;
  stdin?: string | Buffer;
  signal?: AbortSignal;
  /** A fake clock (see helpers/graph.ts), so that retries and pauses take no real time. */
  clock?: Clock;
  random?: () => number;
}

/** Runs the CLI's entry function in this process, with its own stdio, environment, and optionally clock. */
export async function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const stdout = capture();
  const stderr = capture();
  const code = await main(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: options.env ?? {},
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Runs the built CLI (`npm test` builds it first) as a child process. */
export function spawnCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** A temporary folder for one test's files, removed by `dispose`. */
export async function tempDir(): Promise<{ path: string; file(name: string): string; write(name: string, content: string | Buffer): Promise<string>; dispose(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'lb-e2e-'));
  return {
    path,
    file: (name) => join(path, name),
    async write(name, content) {
      const file = join(path, name);
      await writeFile(file, content);
      return file;
    },
    dispose: () => rm(path, { recursive: true, force: true }),
  };
}

/** The results file as objects keyed by column, BOM and all. */
export async function readResults(path: string): Promise<Record<string, string>[]> {
  const raw = await readFile(path, 'utf8');
  if (!raw.startsWith('\uFEFF')) throw new Error(`${path} does not start with a UTF-8 BOM`);
  return parse(raw, { bom: true, columns: true }) as Record<string, string>[];
}

/** A CSV string from rows of cells (no quoting needed by the callers' values). */
export function csv(rows: string[][], delimiter = ',', eol = '\n'): string {
  return rows.map((r) => r.join(delimiter)).join(eol) + eol;
}
