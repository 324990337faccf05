/**
 * The one error that stops a run: configuration, unusable input, refused URL, authentication.
 * A row's own problem is never thrown; it becomes that row's outcome.
 */
export type RunErrorCode =
  | 'USAGE'
  | 'INPUT_UNREADABLE'
  | 'INPUT_STRUCTURE'
  | 'INVALID_ROWS_STRICT'
  | 'URL_REFUSED'
  | 'AUTH'
  | 'GRAPH_UNAVAILABLE'
  /** Graph (or what stands in for it) answered with something the tool cannot read: a broken page, a next link that leads nowhere. */
  | 'GRAPH_ANSWER'
  | 'RESULTS_UNWRITABLE'
  | 'DESIRED_SHEET_EMPTY'
  | 'TOO_MANY_REMOVES'
  | 'INTERRUPTED';

export class RunError extends Error {
  override readonly name = 'RunError';
  readonly code: RunErrorCode;
  /** Process exit code the CLI ends with (SPEC §5): 2 unless said otherwise. */
  readonly exitCode: number;
  /** 1-based physical line of the input the problem is on, when there is one. */
  readonly line: number | undefined;

  constructor(code: RunErrorCode, message: string, options: { exitCode?: number; line?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options.exitCode ?? 2;
    this.line = options.line;
  }
}
