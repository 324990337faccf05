import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeInputFile, type InputShape } from './generate-input.js';
import { writeInputWorkbook } from './generate-workbook.js';

/**
 * The benchmark's temporary folder: input files (each made once, however many scenarios use it),
 * results files, and the usage reports of child processes. {@link dispose} removes all of it.
 */
export class Workspace {
  readonly dir: string;
  readonly #inputs = new Map<string, Promise<string>>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(): Promise<Workspace> {
    return new Workspace(await mkdtemp(join(tmpdir(), 'license-batch-bench-')));
  }

  file(name: string): string {
    return join(this.dir, name);
  }

  /** An input file of this shape, written on first use. */
  input(shape: InputShape): Promise<string> {
    return this.#madeOnce(`input-${shape.rows}x${shape.rowsPerUser ?? 1}.csv`, (path) => writeInputFile(path, shape));
  }

  /** The same content as {@link input}'s, as an Excel workbook (see writeInputWorkbook), written on first use. */
  workbook(shape: InputShape): Promise<string> {
    return this.#madeOnce(`input-${shape.rows}x${shape.rowsPerUser ?? 1}.xlsx`, (path) => writeInputWorkbook(path, shape));
  }

  /** The file of this name, written by `write` the first time it is asked for. */
  #madeOnce(name: string, write: (path: string) => Promise<unknown>): Promise<string> {
    let made = this.#inputs.get(name);
    if (made === undefined) {
      const path = this.file(name);
      made = write(path).then(() => path);
      this.#inputs.set(name, made);
    }
    return made;
  }

  /** Removes a file made for one measurement, so that big runs do not pile up on disk. */
  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
