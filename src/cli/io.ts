/** The process edges a command uses, passed in so that tests can drive a command in-process. */
export interface CliIO {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on the first Ctrl-C (or SIGTERM). */
  readonly signal?: AbortSignal;
}
