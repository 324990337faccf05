import type { BucketSettings } from './throttle.js';

/** How the simulator behaves besides the tenant's rules: latency, throttling, faults. */
export interface SimulatorBehaviour {
  /** Added before answering every /v1.0 request. @default 0 */
  latencyMs: number;
  /** Token bucket for writes (assignLicense, PATCH user; each `$batch` member). `undefined`: unthrottled. @default undefined */
  writeBucket?: BucketSettings;
  /**
   * Token bucket for reads, in resource units (see read-budget.ts: a user read costs 1, a list or
   * filter page 2). `undefined`: reads unthrottled. @default undefined
   */
  readBucket?: BucketSettings;
  /**
   * Whether write answers carry `x-ms-throttle-limit-percentage` past 0.8 of the quota, as Graph's
   * do; off, for a service that throttles without warning. @default true
   */
  limitPercentageHeader: boolean;
  /**
   * Probabilities per write (assignLicense, PATCH user; each `$batch` member), each 0..1, adding up
   * to at most 1, drawn from the seeded PRNG. Reads meet none of them. @default all 0
   */
  faults: {
    error503: number;
    dropBeforeApply: number;
    dropAfterApply: number;
    error503RetryAfterSeconds?: number;
    /** Graph's transient 409 `Directory_ConcurrencyViolation`; nothing applied. */
    conflict409?: number;
    /** The request is held unanswered until the client gives up or the server closes; nothing applied. */
    timeoutBeforeApply?: number;
    /** As `timeoutBeforeApply`, but the change is applied first. */
    timeoutAfterApply?: number;
    /** The write is applied and answered after `latencySpikeMs` more. */
    latencySpike?: number;
    /** @default 2000 */
    latencySpikeMs?: number;
  };
  /** Seed of the fault PRNG. @default 1 */
  seed: number;
  /**
   * Reads (`GET /users/{id}`, `/users?$filter`, `$batch` GET members) show each user's licenses and
   * usage location as they were before any write applied less than this long ago. @default 0
   */
  replicationLagMs?: number;
  /** Lag allowed between a 429 being sent and requests already on their way (see `requestsDuringRetryAfter`). @default 50 */
  retryAfterGraceMs: number;
}

export const DEFAULT_BEHAVIOUR: Readonly<SimulatorBehaviour> = Object.freeze({
  latencyMs: 0,
  faults: Object.freeze({ error503: 0, dropBeforeApply: 0, dropAfterApply: 0 }),
  seed: 1,
  retryAfterGraceMs: 50,
  limitPercentageHeader: true,
});

/**
 * `base` with `patch` applied, every value checked. A `writeBucket` key present with `undefined`
 * turns throttling off; an absent key keeps the base's.
 * @throws Error naming the field, the value and what was expected.
 */
export function applyBehaviour(base: SimulatorBehaviour, patch: unknown, where = 'behaviour'): SimulatorBehaviour {
  if (patch === undefined) return base;
  if (!isRecord(patch)) throw invalid(where, 'an object', patch);
  for (const key of Object.keys(patch)) {
    if (!(key in FIELDS)) throw new Error(`Invalid ${where}: unknown field "${key}" (expect one of ${Object.keys(FIELDS).join(', ')})`);
  }
  const next: SimulatorBehaviour = { ...base, faults: { ...base.faults } };
  if (patch.latencyMs !== undefined) next.latencyMs = number(`${where}.latencyMs`, patch.latencyMs, AT_LEAST_0);
  if (patch.seed !== undefined) next.seed = number(`${where}.seed`, patch.seed, ANY);
  if (patch.retryAfterGraceMs !== undefined) next.retryAfterGraceMs = number(`${where}.retryAfterGraceMs`, patch.retryAfterGraceMs, AT_LEAST_0);
  if (patch.replicationLagMs !== undefined) next.replicationLagMs = number(`${where}.replicationLagMs`, patch.replicationLagMs, AT_LEAST_0);
  if ('writeBucket' in patch) next.writeBucket = bucket(`${where}.writeBucket`, patch.writeBucket);
  if (patch.limitPercentageHeader !== undefined) {
    if (typeof patch.limitPercentageHeader !== 'boolean') throw invalid(`${where}.limitPercentageHeader`, 'true or false', patch.limitPercentageHeader);
    next.limitPercentageHeader = patch.limitPercentageHeader;
  }
  if ('readBucket' in patch) next.readBucket = bucket(`${where}.readBucket`, patch.readBucket);
  if (patch.faults !== undefined) next.faults = faults(`${where}.faults`, patch.faults);
  return next;
}

const FIELDS = { latencyMs: 1, writeBucket: 1, readBucket: 1, limitPercentageHeader: 1, faults: 1, seed: 1, retryAfterGraceMs: 1, replicationLagMs: 1 };

/** The fault probabilities, which one draw per write shares out, so they add up to at most 1. */
export const FAULT_PROBABILITIES = [
  'error503',
  'dropBeforeApply',
  'dropAfterApply',
  'conflict409',
  'timeoutBeforeApply',
  'timeoutAfterApply',
  'latencySpike',
] as const;
const FAULT_FIELDS: readonly string[] = [...FAULT_PROBABILITIES, 'error503RetryAfterSeconds', 'latencySpikeMs'];

function bucket(where: string, value: unknown): BucketSettings | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw invalid(where, 'an object { capacity, refillPerSecond } or undefined', value);
  const capacity = number(`${where}.capacity`, value.capacity, AT_LEAST_1);
  const refillPerSecond = number(`${where}.refillPerSecond`, value.refillPerSecond, ABOVE_0);
  return { capacity, refillPerSecond };
}

function faults(where: string, value: unknown): SimulatorBehaviour['faults'] {
  if (!isRecord(value)) throw invalid(where, 'an object { error503, dropBeforeApply, dropAfterApply, ... }', value);
  for (const key of Object.keys(value)) {
    if (!FAULT_FIELDS.includes(key)) throw new Error(`Invalid ${where}: unknown field "${key}" (expect one of ${FAULT_FIELDS.join(', ')})`);
  }
  const result: SimulatorBehaviour['faults'] = {
    error503: probability(`${where}.error503`, value.error503 ?? 0),
    dropBeforeApply: probability(`${where}.dropBeforeApply`, value.dropBeforeApply ?? 0),
    dropAfterApply: probability(`${where}.dropAfterApply`, value.dropAfterApply ?? 0),
  };
  for (const key of ['conflict409', 'timeoutBeforeApply', 'timeoutAfterApply', 'latencySpike'] as const) {
    if (value[key] !== undefined) result[key] = probability(`${where}.${key}`, value[key]);
  }
  if (FAULT_PROBABILITIES.reduce((sum, key) => sum + (result[key] ?? 0), 0) > 1 + 1e-9) {
    throw new Error(`Invalid ${where}: the probabilities add up to more than 1`);
  }
  if (value.latencySpikeMs !== undefined) result.latencySpikeMs = number(`${where}.latencySpikeMs`, value.latencySpikeMs, AT_LEAST_0);
  if (value.error503RetryAfterSeconds !== undefined) {
    result.error503RetryAfterSeconds = Math.ceil(number(`${where}.error503RetryAfterSeconds`, value.error503RetryAfterSeconds, AT_LEAST_1));
  }
  return result;
}

interface Range {
  readonly test: (n: number) => boolean;
  readonly expected: string;
}
const ANY: Range = { test: () => true, expected: 'a finite number' };
const AT_LEAST_0: Range = { test: (n) => n >= 0, expected: 'a number >= 0' };
const AT_LEAST_1: Range = { test: (n) => n >= 1, expected: 'a number >= 1' };
const ABOVE_0: Range = { test: (n) => n > 0, expected: 'a number > 0' };
const PROBABILITY: Range = { test: (n) => n >= 0 && n <= 1, expected: 'a probability between 0 and 1' };

function probability(where: string, value: unknown): number {
  return number(where, value, PROBABILITY);
}

function number(where: string, value: unknown, range: Range): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !range.test(value)) throw invalid(where, range.expected, value);
  return value;
}

function invalid(where: string, expected: string, value: unknown): Error {
  return new Error(`Invalid ${where}: expect ${expected}, got ${JSON.stringify(value) ?? String(value)} (${typeof value})`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
