import type { Clock } from './clock.js';
import { ABORTED } from './gated-transport.js';
import type { Exchange, GraphRequest, GraphTransport } from './graph-client.js';
import { mayHaveReachedServer } from './network-failure.js';
import type { Pace } from './pace.js';
import type { PauseGate } from './pause-gate.js';
import { stampOf } from './retry-after-stamp.js';
import { decideRetry, isThrottled, type Attempt } from './retry-delay.js';

export { ABORTED } from './gated-transport.js';

/** What one logical request needs from the run. */
export interface SendContext {
  transport: GraphTransport;
  /** Shared by the whole run: a 429 pauses every request. */
  gate: PauseGate;
  /** Client-side pacing of this request's budget (writes, or reads); it learns from every answer. */
  pace?: Pace;
  /** Retries after the first attempt. A 401 answered by a token renewal does not count, nor does a 429. */
  maxRetries: number;
  /** Milliseconds since the run last had any request accepted: past 10 minutes a 429 is final. @default always 0 */
  sinceAcceptedMs?: () => number;
  clock: Clock;
  random: () => number;
  /** Once aborted, nothing more is sent for this request; waits end early. */
  signal?: AbortSignal;
  /**
   * Called with every attempt's outcome, for the run's counters. `tokenRenewed` is true for a 401
   * that a token renewal answered (the request is sent again with the new token): it says nothing
   * yet about whether the run can authenticate.
   */
  onExchange?(exchange: Exchange, info: { readonly tokenRenewed: boolean }): void;
}

export interface SendResult {
  /** The last attempt's outcome. */
  final: Exchange;
  /** HTTP requests sent for this logical request (0 when interrupted before the first). */
  attempts: number;
  /**
   * Some attempt got no answer after the request may have reached Graph (a dropped connection, a
   * timeout, or a 504 from Graph's gateway), so an earlier try may have been applied.
   */
  lostResponse: boolean;
  /** The signal aborted before the request could be sent (again); `final` is the last outcome, or an `ABORTED` network exchange. */
  interrupted: boolean;
}

/**
 * Sends one logical request until its answer is final (SPEC §3): each attempt first waits for the
 * run-wide pause gate and, for writes, for the pacer; the policy in `decideRetry` says whether and
 * when to try again. A 429 (or a 503 with `Retry-After`) closes the gate for the whole run rather
 * than delaying this request alone. A 401 is retried once after renewing the token, when the
 * transport can. Never rejects for HTTP or network failures.
 */
export async function sendWithRetry(request: GraphRequest, ctx: SendContext): Promise<SendResult> {
  const { gate, pace, clock, signal } = ctx;
  let attempts = 0;
  let renewals = 0;
  let throttled = 0;
  let lostResponse = false;
  let last: Exchange | undefined;
  const stop = (): SendResult => ({
    final: last ?? { kind: 'network', code: ABORTED, message: 'not sent: the run was interrupted' },
    attempts,
    lostResponse,
    interrupted: true,
  });

  for (;;) {
    await gate.wait(signal);
    if (signal?.aborted) return stop();
    if (pace) {
      await pace.acquire();
      if (signal?.aborted) return stop();
      // A 429 elsewhere closed the gate while this request waited for its turn: its turn is given
      // back and taken again after the pause, so that writes do not pile up behind it.
      if (gate.isPaused) {
        pace.refund();
        continue;
      }
    }

    const sentAt = clock.now();
    const exchange = await ctx.transport.send(request);
    // Held at the last door (the gated transport) until the run was interrupted: nothing was sent.
    if (exchange.kind === 'network' && exchange.code === ABORTED) return stop();
    attempts++;
    last = exchange;
    if (exchange.kind === 'response') {
      const stamp = stampOf(exchange.headers);
      if (stamp !== undefined) gate.noteStamp(stamp);
    }
    // A 401 is reported once its renewal is known, so that a token revoked mid-run does not look
    // like a run that cannot authenticate.
    let tokenRenewed = false;
    if (exchange.kind === 'response' && exchange.status === 401 && renewals === 0 && ctx.transport.renewToken) {
      renewals++;
      tokenRenewed = await ctx.transport.renewToken();
    }
    ctx.onExchange?.(exchange, { tokenRenewed });
    if (answerMayBeLost(exchange)) lostResponse = true;
    if (exchange.kind === 'response' && pace) feedPace(pace, exchange, sentAt);
    if (tokenRenewed) continue;

    const attempt = attemptOf(exchange);
    if (isThrottled(attempt)) throttled++;
    const decision = decideRetry({
      attempt,
      attemptCount: attempts - renewals - throttled,
      maxRetries: ctx.maxRetries,
      now: clock.now(),
      random: ctx.random,
      throttledCount: throttled,
      sinceAcceptedMs: ctx.sinceAcceptedMs?.() ?? 0,
    });
    if (!decision.retry) return { final: exchange, attempts, lostResponse, interrupted: false };
    if (signal?.aborted) return stop();
    if (decision.pauseAll) gate.pauseUntil(clock.now() + decision.delayMs);
    else await clock.sleep(decision.delayMs, signal);
  }
}

/**
 * No answer to a request that may have reached Graph: not one that never connected. A 504 is the
 * gateway giving up on the backend, which may still have applied the request.
 */
function answerMayBeLost(exchange: Exchange): boolean {
  if (exchange.kind === 'network') return exchange.unsent !== true && mayHaveReachedServer(exchange.code);
  return exchange.status === 504;
}

/** `sentAt`: when the attempt left, so that the pace tells a new signal from the answers of writes in flight at the last one. */
function feedPace(pace: Pace, exchange: Exchange & { kind: 'response' }, sentAt: number): void {
  if (exchange.status === 429) return pace.onThrottled(sentAt);
  if (exchange.status < 500) pace.onAccepted(sentAt);
  // Graph sends the share only past 0.8 of the quota: an answer without it says the quota is not near.
  const share = exchange.headers['x-ms-throttle-limit-percentage'];
  pace.onLimitPercentage(share === undefined ? 0 : Number.parseFloat(share), sentAt);
}

function attemptOf(exchange: Exchange): Attempt {
  if (exchange.kind === 'network') return { kind: 'network', code: exchange.code };
  const attempt: Attempt = { kind: 'response', status: exchange.status };
  if (exchange.errorCode !== undefined) attempt.errorCode = exchange.errorCode;
  const retryAfter = exchange.headers['retry-after'];
  if (retryAfter !== undefined) attempt.retryAfter = retryAfter;
  return attempt;
}
