import PQueue from 'p-queue';
import { batchRequest, fromBatchResponse, MAX_BATCH_SIZE } from './batch.js';
import type { Exchange, GraphRequest, GraphTransport } from './graph-client.js';

export interface BatchingOptions {
  /** Requests per `$batch` at the most, 2 to 20. */
  readonly batchSize: number;
  /**
   * `$batch` envelopes in flight at once: a number fixes it; a queue is sized by its owner, who may
   * change its concurrency while the run goes (`--concurrency auto`).
   */
  readonly maxInFlight: number | PQueue;
  /**
   * How long a request may wait for others to fill its envelope. Paced requests leave a few
   * milliseconds apart, so without a wait each would travel alone.
   * @default 0 (requests made in the same turn of the event loop)
   */
  readonly lingerMs?: number;
}

interface Pending {
  readonly request: GraphRequest;
  readonly resolve: (exchange: Exchange) => void;
}

/**
 * A transport that carries requests as members of JSON `$batch` envelopes (SPEC §2 step 6).
 * Requests made in the same turn of the event loop (or within `lingerMs`) travel together, up to `batchSize` per envelope,
 * with at most `maxInFlight` envelopes on the wire. Each caller gets its own member's answer as an
 * ordinary {@link Exchange}, so the retry policy judges every member on its own; when the envelope
 * itself fails (no answer, a 429, a 5xx, a 401) every member gets that answer, and retries it.
 */
export function createBatchingTransport(inner: GraphTransport, options: BatchingOptions): GraphTransport {
  const { batchSize, maxInFlight } = options;
  const lingerMs = options.lingerMs ?? 0;
  if (!Number.isInteger(batchSize) || batchSize < 2 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`Invalid option batchSize: expect a whole number from 2 to ${MAX_BATCH_SIZE}, got ${String(batchSize)}`);
  }
  const envelopes = typeof maxInFlight === 'number' ? new PQueue({ concurrency: maxInFlight }) : maxInFlight;
  let pending: Pending[] = [];
  let scheduled = false;

  // Requests wait here rather than in the queue while every envelope slot is taken, so that those
  // that pile up meanwhile travel together in the next envelope.
  const flush = () => {
    scheduled = false;
    while (pending.length > 0 && envelopes.pending + envelopes.size < envelopes.concurrency) {
      const members = pending.slice(0, batchSize);
      pending = pending.slice(batchSize);
      void envelopes.add(() => sendEnvelope(members)).finally(() => {
        // A full envelope goes at once; a partial one still waits out its linger.
        if (pending.length >= batchSize || lingerMs === 0) flush();
        else if (pending.length > 0) schedule();
      });
    }
  };

  const sendEnvelope = async (members: Pending[]) => {
    const answer = await inner.send(batchRequest(members.map((m) => m.request)));
    const exchanges = answer.kind === 'response' && answer.status === 200 ? fromBatchResponse(answer.body, members.length) : members.map(() => answer);
    members.forEach((member, i) => member.resolve(exchanges[i]!));
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    if (lingerMs > 0) setTimeout(flush, lingerMs);
    else setImmediate(flush);
  };

  return {
    send(request: GraphRequest): Promise<Exchange> {
      return new Promise((resolve) => {
        pending.push({ request, resolve });
        if (pending.length >= batchSize) flush();
        else schedule();
      });
    },
    ...(inner.renewToken ? { renewToken: () => inner.renewToken!() } : {}),
  };
}
