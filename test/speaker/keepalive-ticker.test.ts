/**
 * KEEPALIVE timers on a shared grid (src/speaker/keepalive-ticker.ts): the pure alignment rule, and real
 * Node timers showing that expiries on one grid point run in one callback, never late and at most one
 * grid step early, and that cancelling works.
 */
import { describe, expect, it } from 'vitest';
import { alignedDelay, KeepaliveTicker } from '../../src/speaker/keepalive-ticker.js';

describe('alignedDelay', () => {
  it('moves a delay to the last grid point not after its deadline', () => {
    expect(alignedDelay(10_050, 2_900, 200, 2_000)).toBe(2_750); // deadline 12,950 -> 12,800
    expect(alignedDelay(10_000, 3_000, 200, 2_000)).toBe(3_000); // already on the grid
    expect(alignedDelay(10_199.5, 2_000.25, 200, 2_000)).toBeCloseTo(1_800.5, 6);
  });

  it('leaves short delays (RFC 4271 §4.4: at most one KEEPALIVE a second) and a zero grid alone', () => {
    expect(alignedDelay(10_050, 1_999, 200, 2_000)).toBe(1_999);
    expect(alignedDelay(10_050, 2_900, 0, 2_000)).toBe(2_900);
  });

  it('is never late and never more than one grid step early', () => {
    for (let i = 0; i < 2_000; i++) {
      const now = Math.random() * 1e9;
      const delay = 2_000 + Math.random() * 10_000;
      const d = alignedDelay(now, delay, 200, 2_000);
      expect(d).toBeLessThanOrEqual(delay + 1e-6);
      expect(d).toBeGreaterThan(delay - 200 - 1e-6);
      const at = now + d;
      expect(Math.abs(at - Math.round(at / 200) * 200)).toBeLessThan(1e-6);
    }
  });
});

describe('KeepaliveTicker with real timers', () => {
  const mono = (): number => Number(process.hrtime.bigint()) / 1e6;

  it('runs the expiries of one grid point in one callback, on time, and skips cancelled ones', async () => {
    const ticker = new KeepaliveTicker(100, 150);
    const t0 = mono();
    const fired: Array<{ name: string; at: number; callback: object }> = [];
    // Node runs microtasks between two timer callbacks: a token cleared by a microtask is shared only by
    // expiries that ran in the same callback.
    let token: object | null = null;
    const callbackToken = (): object => {
      if (!token) {
        token = {};
        queueMicrotask(() => (token = null));
      }
      return token;
    };
    const wanted = { a: 230, b: 250, c: 270, d: 290, late: 420, cancelled: 260 };
    const handles = Object.fromEntries(
      Object.entries(wanted).map(([name, ms]) => [name, ticker.schedule(ms, () => fired.push({ name, at: mono() - t0, callback: callbackToken() }))]),
    );
    handles.cancelled.cancel();
    handles.cancelled.cancel(); // idempotent
    await new Promise((r) => setTimeout(r, 600));
    expect(fired.map((f) => f.name).sort()).toEqual(['a', 'b', 'c', 'd', 'late']);
    for (const f of fired) {
      const ms = wanted[f.name as keyof typeof wanted];
      expect(f.at, `${f.name} fired before its grid point`).toBeGreaterThan(ms - 100 - 2);
      expect(f.at, `${f.name} fired long after its deadline`).toBeLessThan(ms + 1000);
    }
    // Expiries whose deadlines share a grid point fire in the same callback, the others in callbacks of their own.
    const slot = (ms: number): number => Math.floor((t0 + ms) / 100);
    for (const x of fired) {
      for (const y of fired) {
        const same = slot(wanted[x.name as keyof typeof wanted]) === slot(wanted[y.name as keyof typeof wanted]);
        expect(x.callback === y.callback, `${x.name} and ${y.name}: same grid point ${same}`).toBe(same);
      }
    }
    expect(ticker.pendingSlots).toBe(0);
  });

  it('drops a grid point whose every expiry was cancelled, and clear() stops everything', async () => {
    const ticker = new KeepaliveTicker(100, 150);
    let fired = 0;
    const h = ticker.schedule(300, () => fired++);
    expect(ticker.pendingSlots).toBe(1);
    h.cancel();
    expect(ticker.pendingSlots).toBe(0);
    ticker.schedule(200, () => fired++);
    ticker.schedule(400, () => fired++);
    ticker.clear();
    expect(ticker.pendingSlots).toBe(0);
    await new Promise((r) => setTimeout(r, 450));
    expect(fired).toBe(0);
  });
});
