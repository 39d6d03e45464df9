import { describe, expect, it } from 'vitest';
import { backoffBounds, backoffDelay, jitter, seededRandom } from '../../src/fsm/index.js';

const params = { initialMs: 100, maxMs: 30_000 };

describe('reconnect back-off', () => {
  it('is immediate with no failure, then doubles from ~100 ms up to connectRetry', () => {
    expect(backoffDelay(0, params, 0.5)).toBe(0);
    const bases = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20].map((n) => backoffBounds(n, params).max);
    expect(bases).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
  });

  it('stays within (0.75, 1.0] of the base for a seeded random sequence (RFC 4271 §10 jitter)', () => {
    const random = seededRandom(12345);
    const seen: number[] = [];
    for (let round = 0; round < 200; round++) {
      for (let failures = 1; failures <= 12; failures++) {
        const d = backoffDelay(failures, params, random());
        const { min, max } = backoffBounds(failures, params);
        expect(d).toBeGreaterThanOrEqual(min);
        expect(d).toBeLessThanOrEqual(max);
        if (failures === 12) seen.push(d);
      }
    }
    // Jitter actually spreads: capped delays are not all identical.
    expect(new Set(seen).size).toBeGreaterThan(50);
    expect(Math.min(...seen)).toBeLessThan(23_000);
  });

  it('the same seed gives the same sequence', () => {
    const seq = (seed: number) => {
      const r = seededRandom(seed);
      return [1, 2, 3, 4, 5].map((n) => backoffDelay(n, params, r()));
    };
    expect(seq(7)).toEqual(seq(7));
    expect(seq(7)).not.toEqual(seq(8));
  });

  it('never goes below the initial delay cap when connectRetry is smaller', () => {
    expect(backoffBounds(5, { initialMs: 100, maxMs: 50 }).max).toBe(100);
  });

  it('jitter is in (0.75, 1.0] of the base, and 0 stays 0', () => {
    expect(jitter(1000, 0)).toBe(1000);
    expect(jitter(1000, 0.999999)).toBe(750);
    expect(jitter(0, 0.5)).toBe(0);
  });
});
