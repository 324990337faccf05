import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { mayPerform, TokenAuthority } from './auth.js';
import { parseBatch, type BatchMember } from './batch.js';
import { applyBehaviour, DEFAULT_BEHAVIOUR, type SimulatorBehaviour } from './behaviour.js';
import { errorBody, failed, graphErrors, type GraphFailure, type Outcome } from './graph-errors.js';
import { GRAPH_JSON, header, parseJson, readBody, send, sendFailure, type Ids } from './http-io.js';
import { answerIdentity } from './identity.js';
import { perform, type Success } from './operations.js';
import { RETRY_AFTER_SEEN_HEADER, RETRY_AFTER_STAMP_HEADER } from '../graph/retry-after-stamp.js';
import { ReadBudget } from './read-budget.js';
import { RetryAfterWatch } from './retry-after-watch.js';
import { ServiceFaults } from './service-faults.js';
import { isWrite, parseRoute, type Route } from './routes.js';
import { createStats, InFlight, type SimulatorStats } from './stats.js';
import { Tenant, type SubscribedSku, type UserSnapshot } from './tenant.js';
import { validateTenantSpec, type TenantSpec } from './tenant-spec.js';
import { WriteGate } from './write-gate.js';

export interface SimulatorOptions {
  readonly tenant: TenantSpec;
  /** Wins over the tenant file's own `behaviour`. */
  readonly behaviour?: Partial<SimulatorBehaviour>;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Serve https with this key and certificate (PEM) instead of plain http, so that clients which
   * insist on https, such as MSAL for its authority, can be pointed at the simulator.
   */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

export interface RunningSimulator {
  /** e.g. `http://127.0.0.1:41234` (`https://` with `tls`); the Graph root is `${url}/v1.0`, the token endpoint `${url}/{tenantId}/oauth2/v2.0/token`. */
  readonly url: string;
  /** Live, mutable counters. */
  readonly stats: SimulatorStats;
  /** Access tokens the token endpoint has issued so far. */
  readonly tokensIssued: number;
  /** Revokes every token the token endpoint issued so far: Graph answers them with 401 from now on. */
  revokeTokens(): void;
  /** By id or UPN, case-insensitive; a deep copy. */
  user(key: string): UserSnapshot | undefined;
  users(): UserSnapshot[];
  /** As `GET /subscribedSkus` would return them, consumedUnits live. */
  skus(): SubscribedSku[];
  /** Changes behaviour from now on; a new `writeBucket` starts full, a new `seed` restarts the fault sequence. */
  setBehaviour(patch: Partial<SimulatorBehaviour>): void;
  /** Closes the server and destroys every open socket, in-flight requests included. */
  close(): Promise<void>;
}

/**
 * Starts a Graph-compatible HTTP server over `options.tenant`, for the `simulate` and `demo`
 * commands, integration tests and benchmarks. It answers every request with `x-simulator: license-batch`.
 * @throws Error when the tenant or behaviour is invalid, or the port cannot be bound.
 */
export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const spec = validateTenantSpec(options.tenant);
  const behaviour = applyBehaviour(applyBehaviour(DEFAULT_BEHAVIOUR, spec.behaviour, 'tenant behaviour'), options.behaviour);
  const simulator = new Simulator(spec, behaviour, options.tls);
  await simulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return simulator;
}

/** Share of the write quota past which responses carry `x-ms-throttle-limit-percentage`, as Graph does. */
const THROTTLE_HINT_FROM = 0.8;

type Operation = Exclude<Route, { kind: 'batch' }>;
type Handled =
  | { readonly kind: 'answer'; readonly result: Outcome<Success>; readonly headers: Record<string, string>; readonly delayMs?: number }
  | { readonly kind: 'drop' }
  | { readonly kind: 'hold' };

class Simulator implements RunningSimulator {
  readonly stats: SimulatorStats = createStats();
  readonly #tenant: Tenant;
  readonly #authority: TokenAuthority;
  readonly #gate: WriteGate;
  readonly #watch: RetryAfterWatch;
  readonly #faults: ServiceFaults;
  readonly #reads: ReadBudget;
  readonly #inFlight: InFlight;
  readonly #server: Server;
  readonly #closing = new AbortController();
  #behaviour: SimulatorBehaviour;
  #url = '';
  #closed: Promise<void> | undefined;

  readonly #scheme: 'http' | 'https';

  constructor(spec: TenantSpec, behaviour: SimulatorBehaviour, tls?: SimulatorOptions['tls']) {
    this.#tenant = new Tenant(spec);
    this.#authority = new TokenAuthority(spec.auth);
    this.#behaviour = behaviour;
    this.#gate = new WriteGate(behaviour);
    this.#watch = new RetryAfterWatch(behaviour.retryAfterGraceMs);
    this.#faults = new ServiceFaults(behaviour);
    this.#tenant.replicationLagMs = behaviour.replicationLagMs ?? 0;
    this.#reads = new ReadBudget(behaviour);
    this.#inFlight = new InFlight(this.stats);
    // Every request waiting out its latency listens for close().
    setMaxListeners(0, this.#closing.signal);
    const onRequest = (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res);
    this.#scheme = tls ? 'https' : 'http';
    this.#server = tls ? createTlsServer({ noDelay: true, key: tls.key, cert: tls.cert }, onRequest) : createServer({ noDelay: true }, onRequest);
    // Longer than clients' idle timeouts, so that a pooled connection is not closed under a request.
    this.#server.keepAliveTimeout = 30_000;
  }

  get url(): string {
    return this.#url;
  }

  get tokensIssued(): number {
    return this.#authority.issuedCount;
  }

  revokeTokens(): void {
    this.#authority.revokeIssued();
  }

  user(key: string): UserSnapshot | undefined {
    return this.#tenant.snapshot(key);
  }

  users(): UserSnapshot[] {
    return this.#tenant.snapshots();
  }

  skus(): SubscribedSku[] {
    return this.#tenant.subscribedSkus();
  }

  setBehaviour(patch: Partial<SimulatorBehaviour>): void {
    this.#behaviour = applyBehaviour(this.#behaviour, patch);
    this.#gate.configure(this.#behaviour);
    this.#watch.graceMs = this.#behaviour.retryAfterGraceMs;
    this.#faults.configure(this.#behaviour);
    this.#tenant.replicationLagMs = this.#behaviour.replicationLagMs ?? 0;
    this.#reads.configure(this.#behaviour);
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    this.#url = `${this.#scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#closing.abort();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closed;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const requestId = randomUUID();
    const ids = { requestId, clientRequestId: header(req, 'client-request-id') ?? requestId };
    res.setHeader('x-simulator', 'license-batch');
    res.setHeader('request-id', ids.requestId);
    res.setHeader('client-request-id', ids.clientRequestId);
    const target = req.url ?? '/';
    const handling = /^\/v1\.0(?=[/?]|$)/i.test(target) ? this.#graph(req, res, target.slice('/v1.0'.length), ids) : this.#identity(req, res, target, ids);
    handling.catch((error: unknown) => {
      if (this.#closing.signal.aborted || res.headersSent) res.destroy();
      else sendFailure(res, { status: 500, code: 'generalException', message: `Simulator error: ${String(error)}` }, ids);
    });
  }

  async #identity(req: IncomingMessage, res: ServerResponse, target: string, ids: Ids): Promise<void> {
    const body = (await readBody(req)) ?? '';
    const path = target.split('?')[0] ?? '/';
    const answer = answerIdentity(req.method ?? 'GET', path, body, header(req, 'authorization'), {
      baseUrl: this.#url,
      tenantId: this.#tenant.tenantId,
      authority: this.#authority,
    });
    if (answer !== undefined) return send(res, answer.status, {}, answer.body, 'application/json; charset=utf-8');
    sendFailure(res, { status: 404, code: 'Request_ResourceNotFound', message: `Nothing is served at '${path}': Microsoft Graph is under /v1.0.` }, ids);
  }

  async #graph(req: IncomingMessage, res: ServerResponse, target: string, ids: Ids): Promise<void> {
    const arrivedAt = performance.now();
    this.stats.requests += 1;
    if (this.#watch.violated(arrivedAt, seenStamp(header(req, RETRY_AFTER_SEEN_HEADER)))) this.stats.requestsDuringRetryAfter += 1;
    // One listener releases everything this request holds in flight, however many members it has.
    const held = [this.#inFlight.request()];
    res.once('close', () => held.forEach((release) => release()));
    const route = parseRoute(req.method ?? 'GET', target || '/');
    if (route.ok) this.#arrived(route.value, held);

    const text = await readBody(req);
    const body = text === undefined ? undefined : parseJson(text);
    const members = route.ok && route.value.kind === 'batch' && body?.ok ? parseBatch(body.value) : undefined;
    if (members?.ok) for (const member of members.value) if (member.route.ok) this.#arrived(member.route.value, held);

    // Latency counts from arrival, so that reading the body is part of the service time, not added to it.
    const wait = this.#behaviour.latencyMs - (performance.now() - arrivedAt);
    if (wait > 0) await sleep(wait, undefined, { signal: this.#closing.signal });

    const grant = this.#authority.authenticate(header(req, 'authorization'));
    if (!grant.ok) return sendFailure(res, grant.error, ids);
    if (!route.ok) return sendFailure(res, route.error, ids);
    if (text === undefined) return sendFailure(res, { status: 413, code: 'RequestEntityTooLarge', message: 'The request body is too large.' }, ids);
    if (body !== undefined && !body.ok) return sendFailure(res, graphErrors.unreadableJson(), ids);
    if (route.value.kind === 'batch') {
      if (members?.ok) return this.#batch(req, res, members.value, grant.value, ids);
      return sendFailure(res, members?.error ?? graphErrors.invalidBatch('Invalid batch payload format.'), ids);
    }
    const handled = this.#operate(route.value, body?.value, grant.value);
    if (handled.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    // Never answered: the client gives up, or close() cuts the connection.
    if (handled.kind === 'hold') return;
    if (handled.delayMs !== undefined) await sleep(handled.delayMs, undefined, { signal: this.#closing.signal });
    this.#send(res, handled.result, handled.headers, ids);
  }

  /** Counts an operation when it arrives, and holds its user as "in flight" until the response ends. */
  #arrived(route: Route, held: (() => void)[]): void {
    this.stats.operations[route.kind] += 1;
    if (!('key' in route)) return;
    const userId = this.#tenant.userId(route.key) ?? route.key.toLowerCase();
    if (route.kind === 'assignLicense') this.stats.assignLicenseByUser.set(userId, (this.stats.assignLicenseByUser.get(userId) ?? 0) + 1);
    held.push(this.#inFlight.user(userId));
  }

  /** Permission, then (for writes) the bucket and the fault draw, then the tenant. */
  #operate(route: Operation, body: unknown, roles: ReadonlySet<string>): Handled {
    const answer = (result: Outcome<Success>, headers: Record<string, string> = {}): Handled => ({ kind: 'answer', result, headers });
    if (!mayPerform(route.kind, roles)) return answer(failed(graphErrors.insufficientPrivileges()));
    const root = `${this.#url}/v1.0`;
    if (!isWrite(route.kind)) {
      const read = this.#reads.admit(route.kind);
      if (read !== undefined && !read.ok) {
        this.stats.readsThrottled += 1;
        return answer(failed(graphErrors.throttled(read.retryAfterSeconds)));
      }
      return answer(perform(this.#tenant, route, body, root));
    }

    const admission = this.#gate.admit();
    const headers: Record<string, string> =
      this.#behaviour.limitPercentageHeader && admission.usedShare !== undefined && admission.usedShare > THROTTLE_HINT_FROM ? { 'x-ms-throttle-limit-percentage': admission.usedShare.toFixed(2) } : {};
    if (admission.kind === 'throttled') {
      this.stats.throttled += 1;
      return answer(failed(graphErrors.throttled(admission.retryAfterSeconds)), headers);
    }
    if (admission.fault !== undefined) this.stats.faults[admission.fault] += 1;
    switch (admission.fault) {
      case 'error503':
        return answer(failed(graphErrors.serviceUnavailable(this.#behaviour.faults.error503RetryAfterSeconds)), headers);
      case 'dropBeforeApply':
        return { kind: 'drop' };
      case 'dropAfterApply':
        perform(this.#tenant, route, body, root);
        return { kind: 'drop' };
      default:
        return this.#serviceFault(route, body, headers);
    }
  }

  /** A write the gate let through without a fault: the second draw (409, timeouts, latency spikes), then the tenant. */
  #serviceFault(route: Operation, body: unknown, headers: Record<string, string>): Handled {
    const root = `${this.#url}/v1.0`;
    const fault = this.#faults.draw();
    if (fault !== undefined) this.stats.faults[fault] += 1;
    switch (fault) {
      case 'conflict409':
        return { kind: 'answer', result: failed(graphErrors.concurrencyViolation()), headers };
      case 'timeoutBeforeApply':
        return { kind: 'hold' };
      case 'timeoutAfterApply':
        perform(this.#tenant, route, body, root);
        return { kind: 'hold' };
      case 'latencySpike':
        return { kind: 'answer', result: perform(this.#tenant, route, body, root), headers, delayMs: this.#faults.spikeMs };
      default:
        return { kind: 'answer', result: perform(this.#tenant, route, body, root), headers };
    }
  }

  /**
   * Members run one after another in the order given (a valid order for Graph, which promises none),
   * each judged on its own. A dropped member drops the whole envelope's connection; members before
   * it stay applied, as they would on a real server.
   */
  async #batch(req: IncomingMessage, res: ServerResponse, members: readonly BatchMember[], roles: ReadonlySet<string>, ids: Ids): Promise<void> {
    const statuses = new Map<string, number>();
    const responses: unknown[] = [];
    const windows: { stamp: number; seconds: number }[] = [];
    let share: number | undefined;
    let delayMs = 0;
    for (const member of members) {
      const handled: Handled = member.dependsOn.some((id) => !isSuccess(statuses.get(id)))
        ? { kind: 'answer', result: failed(graphErrors.failedDependency()), headers: {} }
        : member.route.ok
          ? this.#operate(member.route.value, member.body, roles)
          : { kind: 'answer', result: member.route, headers: {} };
      if (handled.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      // A member that is never answered holds its whole envelope; members before it stay applied.
      if (handled.kind === 'hold') return;
      delayMs = Math.max(delayMs, handled.delayMs ?? 0);
      const seconds = handled.result.ok ? undefined : windowSeconds(handled.result.error);
      const stamp = seconds === undefined ? undefined : this.#watch.nextStamp();
      if (stamp !== undefined) windows.push({ stamp, seconds: seconds! });
      const headers = stamp === undefined ? handled.headers : { ...handled.headers, [RETRY_AFTER_STAMP_HEADER]: String(stamp) };
      const response = memberResponse(member, handled.result, headers, ids);
      statuses.set(member.id, response.status);
      responses.push(response);
      const hint = handled.headers['x-ms-throttle-limit-percentage'];
      if (hint !== undefined) share = Math.max(share ?? 0, Number(hint));
    }
    if (delayMs > 0) await sleep(delayMs, undefined, { signal: this.#closing.signal });
    // Clients that read only the envelope's headers still learn how close the quota is.
    send(res, 200, share === undefined ? {} : { 'x-ms-throttle-limit-percentage': share.toFixed(2) }, { responses });
    const sentAt = performance.now();
    for (const { stamp, seconds } of windows) this.#watch.opened(stamp, sentAt, seconds);
  }

  #send(res: ServerResponse, result: Outcome<Success>, headers: Record<string, string>, ids: Ids): void {
    if (result.ok) return send(res, result.value.status, headers, result.value.body);
    const seconds = windowSeconds(result.error);
    const stamp = seconds === undefined ? undefined : this.#watch.nextStamp();
    sendFailure(res, result.error, ids, stamp === undefined ? headers : { ...headers, [RETRY_AFTER_STAMP_HEADER]: String(stamp) });
    if (stamp !== undefined) this.#watch.opened(stamp, performance.now(), seconds!);
  }
}

/** The stamp a request echoes, when it echoes a well-formed one. */
function seenStamp(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const stamp = Number(raw);
  return Number.isSafeInteger(stamp) && stamp >= 0 ? stamp : undefined;
}

/** The Retry-After window an error opens: 429s, and 503s that carry one. */
function windowSeconds(error: GraphFailure): number | undefined {
  const value = error.headers?.['Retry-After'];
  return value !== undefined && (error.status === 429 || error.status === 503) ? Number(value) : undefined;
}

/** One entry of a `$batch` answer, with its own request ids (and `Retry-After` when throttled). */
function memberResponse(member: BatchMember, result: Outcome<Success>, headers: Record<string, string>, envelope: Ids) {
  const ids = { requestId: randomUUID(), clientRequestId: member.clientRequestId ?? envelope.clientRequestId };
  const body = result.ok ? result.value.body : errorBody(result.error, ids.requestId, ids.clientRequestId, new Date());
  return {
    id: member.id,
    status: result.ok ? result.value.status : result.error.status,
    headers: {
      'request-id': ids.requestId,
      'client-request-id': ids.clientRequestId,
      ...headers,
      ...(result.ok ? {} : result.error.headers),
      ...(body === undefined ? {} : { 'Content-Type': GRAPH_JSON }),
    },
    ...(body === undefined ? {} : { body }),
  };
}

function isSuccess(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}
