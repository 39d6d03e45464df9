/**
 * One clock for every measurement: CLOCK_MONOTONIC in ns (`process.hrtime.bigint()`, the clock the
 * speakers stamp their event logs with and LAB stamps t0 with). Tools that print wall-clock times
 * (`ip -ts monitor`, `ping -D`) are mapped onto it with an offset measured once per process.
 */
import { performance } from 'node:perf_hooks';

export const monoNow = (): bigint => process.hrtime.bigint();

let offsetMs: number | undefined;

/** Wall-clock ms minus monotonic ms, sampled with sub-ms precision (and checked against Date.now()). */
export function wallMinusMonoMs(): number {
  if (offsetMs !== undefined) return offsetMs;
  const mono = Number(process.hrtime.bigint()) / 1e6;
  const wallPrecise = performance.timeOrigin + performance.now();
  const wallCoarse = Date.now();
  // performance.timeOrigin is fixed at start; if the wall clock was stepped since, trust Date.now().
  const wall = Math.abs(wallPrecise - wallCoarse) < 5 ? wallPrecise : wallCoarse;
  offsetMs = wall - mono;
  return offsetMs;
}

export function wallMsToMono(wallMs: number): bigint {
  return BigInt(Math.round((wallMs - wallMinusMonoMs()) * 1e6));
}

export const monoToMs = (ns: bigint): number => Number(ns) / 1e6;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
