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
  /** Probabilities per write, each 0..1, drawn from the seeded PRNG. @default all 0 */
  faults: { error503: number; dropBeforeApply: number; dropAfterApply: number; error503RetryAfterSeconds?: number };
  /** Seed of the fault PRNG. @default 1 */
  seed: number;
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
  if ('writeBucket' in patch) next.writeBucket = bucket(`${where}.writeBucket`, patch.writeBucket);
  if (patch.limitPercentageHeader !== undefined) {
    if (typeof patch.limitPercentageHeader !== 'boolean') throw invalid(`${where}.limitPercentageHeader`, 'true or false', patch.limitPercentageHeader);
    next.limitPercentageHeader = patch.limitPercentageHeader;
  }
  if ('readBucket' in patch) next.readBucket = bucket(`${where}.readBucket`, patch.readBucket);
  if (patch.faults !== undefined) next.faults = faults(`${where}.faults`, patch.faults);
  return next;
}

const FIELDS = { latencyMs: 1, writeBucket: 1, readBucket: 1, limitPercentageHeader: 1, faults: 1, seed: 1, retryAfterGraceMs: 1 };

function bucket(where: string, value: unknown): BucketSettings | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw invalid(where, 'an object { capacity, refillPerSecond } or undefined', value);
  const capacity = number(`${where}.capacity`, value.capacity, AT_LEAST_1);
  const refillPerSecond = number(`${where}.refillPerSecond`, value.refillPerSecond, ABOVE_0);
  return { capacity, refillPerSecond };
}

function faults(where: string, value: unknown): SimulatorBehaviour['faults'] {
  if (!isRecord(value)) throw invalid(where, 'an object { error503, dropBeforeApply, dropAfterApply }', value);
  const result: SimulatorBehaviour['faults'] = {
    error503: probability(`${where}.error503`, value.error503 ?? 0),
    dropBeforeApply: probability(`${where}.dropBeforeApply`, value.dropBeforeApply ?? 0),
    dropAfterApply: probability(`${where}.dropAfterApply`, value.dropAfterApply ?? 0),
  };
  if (result.error503 + result.dropBeforeApply + result.dropAfterApply > 1) {
    throw new Error(`Invalid ${where}: the three probabilities add up to more than 1`);
  }
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
