import { setMaxListeners } from 'node:events';
import { RunError } from '../errors.js';
import { MAX_BATCH_SIZE } from '../graph/batch.js';
import { createBatchingTransport } from '../graph/batching-transport.js';
import type { GraphRequest, GraphTransport } from '../graph/graph-client.js';
import { Pace } from '../graph/pace.js';
import { PauseGate, type Clock } from '../graph/pause-gate.js';
import { sendWithRetry, type SendResult } from '../graph/send-with-retry.js';
import { AuthWatch, type RequestKind } from './auth-watch.js';
import type { RunStats } from './run-stats.js';

/** Network codes that mean Graph was never reached: nothing was sent, and nothing will be. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export interface RunSenderOptions {
  readonly transport: GraphTransport;
  readonly clock: Clock;
  readonly random: () => number;
  readonly stats: RunStats;
  readonly maxRetries: number;
  readonly maxRate: number | 'off' | undefined;
  /** Requests per `$batch`; above 1, requests travel as members of `$batch` envelopes. */
  readonly batchSize: number;
  /** HTTP requests (envelopes, when batching) in flight at once. */
  readonly concurrency: number;
  /** Ctrl-C: once aborted, nothing more is sent. */
  readonly signal?: AbortSignal;
}

/**
 * The one way a run sends to Graph: every request shares the pause gate (a Retry-After stops
 * them all), writes share the pacer, every exchange is counted, and the first answers decide
 * whether the run can go on at all (authentication, a Graph that cannot be reached). Once it
 * stops, or the run is interrupted, `signal` aborts and nothing more is sent.
 */
export class RunSender {
  readonly #options: RunSenderOptions;
  readonly #transport: GraphTransport;
  /** Reads of users always travel as `$batch` members: a read is small, and an envelope of them costs one round trip. */
  readonly #readTransport: GraphTransport;
  readonly #abort = new AbortController();
  readonly #gate: PauseGate;
  readonly #pace: Pace;
  readonly #watch = new AuthWatch();
  #answered = false;
  #stopError: RunError | undefined;

  constructor(options: RunSenderOptions) {
    this.#options = options;
    this.#transport =
      options.batchSize > 1
        ? createBatchingTransport(options.transport, { batchSize: options.batchSize, maxInFlight: options.concurrency })
        : options.transport;
    this.#readTransport = createBatchingTransport(options.transport, { batchSize: MAX_BATCH_SIZE, maxInFlight: options.concurrency });
    this.#gate = new PauseGate(options.clock);
    this.#pace = new Pace({ maxRate: options.maxRate, clock: options.clock });
    // Every request waiting on the gate or a backoff listens to this signal, and removes itself when done.
    setMaxListeners(0, this.#abort.signal);
    options.signal?.addEventListener('abort', () => this.#abort.abort(), { once: true });
  }

  /** Sends one logical request with the run's retries, pacing and counters. */
  async send(request: GraphRequest, kind: RequestKind): Promise<SendResult> {
    const { stats } = this.#options;
    const isWrite = kind === 'assignLicense' || kind === 'usageLocation';
    const result = await sendWithRetry(request, {
      transport: kind === 'read' ? this.#readTransport : this.#transport,
      gate: this.#gate,
      ...(isWrite ? { pace: this.#pace } : {}),
      maxRetries: this.#options.maxRetries,
      clock: this.#options.clock,
      random: this.#options.random,
      signal: this.#abort.signal,
      onExchange: (exchange, { tokenRenewed }) => {
        stats.requests++;
        if (isWrite) stats.writes++;
        if (exchange.kind !== 'response') return;
        this.#answered = true;
        if (exchange.status === 429) stats.throttled++;
        // Kept current (not only at the end) so that the live line can show the time spent waiting.
        stats.pausedMs = this.#gate.pausedMs;
        // A 401 answered by a new token is judged by the retry's answer instead.
        const refused = tokenRenewed ? undefined : this.#watch.observe(kind, exchange.status);
        if (refused) this.stop(refused);
      },
    });
    stats.retries += Math.max(0, result.attempts - 1);
    const final = result.final;
    if (final.kind === 'network' && !this.#answered && UNREACHABLE.has(final.code)) {
      this.stop(new RunError('GRAPH_UNAVAILABLE', `Could not reach Microsoft Graph (${final.code}: ${final.message}); nothing was changed.`));
    }
    return result;
  }

  /** Aborted once the run stops or is interrupted. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get isInterrupted(): boolean {
    return this.#options.signal?.aborted === true;
  }

  /** Why the run had to stop, once it has. */
  get stopError(): RunError | undefined {
    return this.#stopError;
  }

  /** Milliseconds every request stood paused by Retry-After. */
  get pausedMs(): number {
    return this.#gate.pausedMs;
  }

  /** The message of rows left unsent once the run is interrupted or stopped. */
  unsentReason(): string {
    if (this.#stopError) return `not sent: the run stopped (${this.#stopError.message})`;
    return 'not sent: the run was interrupted';
  }

  /** Stops the run: nothing more is sent, and the run ends with `error` (exit 2). The first reason wins. */
  stop(error: RunError): void {
    this.#stopError ??= error;
    this.#abort.abort();
  }
}
