/**
 * Randomness and delays for the session FSM: a seedable PRNG carried in the session state (so a
 * step stays a pure function of its inputs), the RFC 4271 §10 timer jitter, and the reconnect back-off.
 */

/** One mulberry32 step: returns a number in [0, 1) and the next state. Fast, 32-bit, good enough for jitter. */
export function nextRandom(rng: number): [value: number, next: number] {
  const next = (rng + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const value = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  return [value, next];
}

/** A `() => number` random source over the same generator, for tests and callers outside the FSM. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    const [v, n] = nextRandom(state);
    state = n;
    return v;
  };
}

/**
 * RFC 4271 §10: "multiply the base value of the timer by a random factor, uniformly distributed in the
 * range from 0.75 to 1.0". `random` in [0, 1). Rounded to whole milliseconds, at least 1 for a base > 0.
 */
export function jitter(baseMs: number, random: number): number {
  if (baseMs <= 0) return 0;
  // 1 - 0.25 * random lies in (0.75, 1.0]: never above the configured value.
  return Math.max(1, Math.round(baseMs * (1 - 0.25 * random)));
}

export interface BackoffParams {
  /** Delay after the first failure (before jitter). */
  initialMs: number;
  /** Upper bound (before jitter): the configured connectRetry. */
  maxMs: number;
}

/**
 * Delay before reconnect attempt number `failures + 1` (`failures` consecutive failures so far).
 * 0 failures: immediate (the first attempt, and the first after a stable session). Then
 * initial, 2·initial, 4·initial, ... capped at max, each jittered into (0.75, 1.0] of its value so that
 * speakers that failed together do not retry in lock step.
 */
export function backoffDelay(failures: number, params: BackoffParams, random: number): number {
  if (!(failures > 0)) return 0;
  const max = Math.max(params.initialMs, params.maxMs);
  // 2^30 is far past any cap; bounding the exponent keeps the arithmetic exact.
  const base = Math.min(max, params.initialMs * 2 ** Math.min(failures - 1, 30));
  return jitter(base, random);
}

/** The bounds backoffDelay can return for `failures` (for tests and documentation). */
export function backoffBounds(failures: number, params: BackoffParams): { min: number; max: number } {
  if (!(failures > 0)) return { min: 0, max: 0 };
  const max = Math.max(params.initialMs, params.maxMs);
  const base = Math.min(max, params.initialMs * 2 ** Math.min(failures - 1, 30));
  return { min: Math.max(1, Math.round(base * 0.75)), max: Math.max(1, Math.round(base)) };
}
