import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { RunError } from '../errors.js';

/**
 * A file a run appends to with synchronous writes, so that what was written before a crash or a hard
 * kill is on disk: the results file and the undo file. Failures are the run's `RESULTS_UNWRITABLE`,
 * naming the file by what it is (`what`: "results file", "undo file").
 */
export class AppendOnlyFile {
  readonly path: string;
  readonly #what: string;
  #fd: number | undefined;

  private constructor(path: string, what: string, fd: number) {
    this.path = path;
    this.#what = what;
    this.#fd = fd;
  }

  /** Creates (or truncates) the file, or with `append` opens it to add to what is there. */
  static open(path: string, what: string, mode: 'create' | 'append'): AppendOnlyFile {
    try {
      return new AppendOnlyFile(path, what, openSync(path, mode === 'create' ? 'w' : 'a'));
    } catch (error) {
      throw new RunError('RESULTS_UNWRITABLE', `Could not create the ${what} ${path}: ${(error as Error).message}`);
    }
  }

  write(text: string): void {
    if (this.#fd === undefined) throw new RunError('RESULTS_UNWRITABLE', `The ${this.#what} ${this.path} is already closed`);
    try {
      writeSync(this.#fd, text);
    } catch (error) {
      throw new RunError('RESULTS_UNWRITABLE', `Could not write the ${this.#what} ${this.path}: ${(error as Error).message}`);
    }
  }

  /** Flushes to disk and closes; safe to call more than once. */
  close(): void {
    if (this.#fd === undefined) return;
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
