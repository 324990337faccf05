import { setMaxListeners } from 'node:events';
import { RunError } from '../errors.js';
import { MAX_BATCH_SIZE } from '../graph/batch.js';
import { createBatchingTransport } from '../graph/batching-transport.js';
import { createGatedTransport } from '../graph/gated-transport.js';
import type { GraphRequest, GraphTransport } from '../graph/graph-client.js';
import { Pace, PUBLISHED_READ_RATE } from '../graph/pace.js';
import { PauseGate, type Clock } from '../graph/pause-gate.js';
import { THROTTLE_STALL_MS } from '../graph/retry-delay.js';
import { sendWithRetry, type SendResult } from '../graph/send-with-retry.js';
import type PQueue from 'p-queue';
import { AuthWatch, type RequestKind } from './auth-watch.js';
import type { ConcurrencySetting } from './in-flight.js';
import { InFlightLimit } from './in-flight-limit.js';
import type { RunStats } from './run-stats.js';

/** Reads wait this long for others to share their envelope: paced reads leave milliseconds apart. */
const READ_LINGER_MS = 100;

/** Network codes that mean Graph was never reached: nothing was sent, and nothing will be. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export interface RunSenderOptions {
  readonly transport: GraphTransport;
  readonly clock: Clock;
  readonly random: () => number;
  readonly stats: RunStats;
  readonly maxRetries: number;
  /** Writes per second at the most; `'off'` removes client-side pacing of reads as well. */
  readonly maxRate: number | 'off' | undefined;
  /** Requests per `$batch`; above 1, requests travel as members of `$batch` envelopes. */
  readonly batchSize: number;
  /** HTTP requests (envelopes, when batching) in flight at once: fixed, or `auto` (as many as the pace needs). */
  readonly concurrency: ConcurrencySetting;
  /** Ctrl-C: once aborted, nothing more is sent. */
  readonly signal?: AbortSignal;
}

/**
 * The one way a command sends to Graph (a run's reads and writes, `skus`, `export`): every request
 * shares the pause gate (a Retry-After stops them all, checked again as the bytes leave), writes
 * and reads are paced on budgets of their own (a throttled read never slows the writes), every
 * exchange is counted, and the first answers decide whether the run can go on at all
 * (authentication, a Graph that cannot be reached). A 429 does not use up a request's retries;
 * when no request at all has been accepted for 10 minutes, the run stops. Once it stops, or the run
 * is interrupted, `signal` aborts and nothing more is sent.
 */
export class RunSender {
  readonly #options: RunSenderOptions;
  readonly #transport: GraphTransport;
  /** Reads of users always travel as `$batch` members: a read is small, and an envelope of them costs one round trip. */
  readonly #readTransport: GraphTransport;
  /** The gated transport without batching, for requests that are `$batch` envelopes already. */
  readonly #direct: GraphTransport;
  readonly #abort = new AbortController();
  readonly #gate: PauseGate;
  readonly #writePace: Pace;
  readonly #readPace: Pace;
  readonly #watch = new AuthWatch();
  readonly #inFlight: InFlightLimit;
  readonly #sendSlots: PQueue;
  #answered = false;
  /** When the service last accepted a request (any answer but a 429 or a 5xx), or when the run began. */
  #acceptedAt: number;
  #stopError: RunError | undefined;

  constructor(options: RunSenderOptions) {
    this.#options = options;
    this.#gate = new PauseGate(options.clock);
    this.#writePace = new Pace({ maxRate: options.maxRate, clock: options.clock });
    this.#readPace = new Pace({ maxRate: options.maxRate === 'off' ? 'off' : PUBLISHED_READ_RATE, clock: options.clock });
    this.#inFlight = new InFlightLimit({ setting: options.concurrency, batchSize: options.batchSize, rate: this.#writePace.rate });
    this.#sendSlots = this.#inFlight.queue('members');
    const timed = timeWrites(options.transport, options.clock, (ms) => this.#inFlight.observeLatency(ms));
    // The gate is checked again right before bytes leave: per envelope when batching.
    const gated = createGatedTransport(timed, this.#gate, this.#abort.signal);
    this.#direct = gated;
    this.#transport =
      options.batchSize > 1 ? createBatchingTransport(gated, { batchSize: options.batchSize, maxInFlight: this.#inFlight.queue('requests') }) : gated;
    this.#readTransport = createBatchingTransport(gated, { batchSize: MAX_BATCH_SIZE, maxInFlight: this.#inFlight.queue('requests'), lingerMs: READ_LINGER_MS });
    this.#acceptedAt = options.clock.now();
    // Every request waiting on the gate or a backoff listens to this signal, and removes itself when done.
    setMaxListeners(0, this.#abort.signal);
    options.signal?.addEventListener('abort', () => this.#abort.abort(), { once: true });
  }

  /** Sends one logical request with the run's retries, pacing and counters. */
  async send(request: GraphRequest, kind: RequestKind): Promise<SendResult> {
    const { stats } = this.#options;
    const { clock } = this.#options;
    const isWrite = kind === 'assignLicense' || kind === 'usageLocation';
    const result = await sendWithRetry(request, {
      // Graph does not nest batches: a request that is an envelope already goes as it is; so does a
      // page of a listing, which is as large as an envelope of reads.
      transport: isBatch(request) || kind === 'list' ? this.#direct : kind === 'read' ? this.#readTransport : this.#transport,
      gate: this.#gate,
      pace: isWrite ? this.#writePace : this.#readPace,
      maxRetries: this.#options.maxRetries,
      clock,
      random: this.#options.random,
      signal: this.#abort.signal,
      sinceAcceptedMs: () => clock.now() - this.#acceptedAt,
      onExchange: (exchange, { tokenRenewed }) => {
        stats.requests++;
        if (isWrite) {
          stats.writes++;
          // The pace and the latency seen move together: the limit follows both (--concurrency auto).
          this.#inFlight.update(this.#writePace.rate);
        }
        if (exchange.kind !== 'response') return;
        this.#answered = true;
        if (exchange.status === 429) {
          stats.throttled++;
          this.#checkStall();
        } else if (exchange.status < 500) this.#acceptedAt = clock.now();
        // Kept current (not only at the end) so that the live line can show the time spent waiting.
        stats.pausedMs = this.#gate.pausedMs;
        // A 401 answered by a new token is judged by the retry's answer instead.
        const refused = tokenRenewed ? undefined : this.#watch.observe(kind, exchange.status);
        if (refused) this.stop(refused);
      },
    });
    stats.retries += Math.max(0, result.attempts - 1);
    const final = result.final;
    if (final.kind === 'network' && !this.#answered && (UNREACHABLE.has(final.code) || final.unsent === true)) {
      this.stop(new RunError('GRAPH_UNAVAILABLE', `Could not reach Microsoft Graph (${final.code}: ${final.message}); nothing was changed.`));
    }
    return result;
  }

  /**
   * The send slots of the run's units (a unit is one request, or one `$batch` member): `--concurrency
   * N` times the batch size; under `auto`, as many as the pace needs (members), changing as it goes.
   */
  get sendSlots(): PQueue {
    return this.#sendSlots;
  }

  /** HTTP requests (envelopes, when batching) in flight at the most, now. */
  get requestsInFlight(): number {
    return this.#inFlight.requests;
  }

  /** Current paces, writes and reads per second (for the progress line and the benchmark). */
  get rates(): { writes: number; reads: number } {
    return { writes: this.#writePace.rate, reads: this.#readPace.rate };
  }

  /** A 429 after 10 minutes without any request accepted: the service is not taking the run's requests at all. */
  #checkStall(): void {
    const { clock } = this.#options;
    if (clock.now() - this.#acceptedAt < THROTTLE_STALL_MS) return;
    const minutes = Math.round((clock.now() - this.#acceptedAt) / 60_000);
    this.stop(
      new RunError(
        'GRAPH_UNAVAILABLE',
        `Microsoft Graph has answered every request with 429 (throttled) for ${minutes} minutes and accepted none; the run stopped so as not to hammer the tenant. Run it again later with --resume.`,
      ),
    );
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

/**
 * The transport, timing each write that succeeds (a `$batch` of writes counts as one), from the
 * moment it goes to the wire to its answer: the latency `--concurrency auto` sizes the run by.
 */
function timeWrites(transport: GraphTransport, clock: Clock, observe: (ms: number) => void): GraphTransport {
  return {
    async send(request) {
      if (!isWriteRequest(request)) return transport.send(request);
      const started = clock.now();
      const exchange = await transport.send(request);
      if (exchange.kind === 'response' && exchange.status >= 200 && exchange.status < 300) observe(clock.now() - started);
      return exchange;
    },
    ...(transport.renewToken ? { renewToken: () => transport.renewToken!() } : {}),
  };
}

function isWriteRequest(request: GraphRequest): boolean {
  if (!isBatch(request)) return request.method !== 'GET';
  const members = (request.body as { requests?: { method?: string }[] } | undefined)?.requests ?? [];
  return members.some((member) => member.method !== 'GET');
}

function isBatch(request: GraphRequest): boolean {
  return request.path === '/$batch' || request.path.startsWith('/$batch?');
}
