/**
 * The speaker's V8 settings (src/speaker/node-flags.ts): started with no V8 flag, so that Node's own
 * modules load from the code cache built into the binary; once listening, its young generation capped
 * and TurboFan made to wait longer. Each case runs in a child process (flags are process-wide); the
 * run-time half needs the compiled module (npm run build) and skips with the reason otherwise.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPEAKER_NODE_FLAGS, SPEAKER_RUNTIME_V8_FLAGS } from '../../src/speaker/node-flags.js';
import { missingBuild } from '../helpers/env.js';

const root = resolve(import.meta.dirname, '..', '..');
const compiled = join(root, 'dist', 'src', 'speaker', 'node-flags.js');
const source = join(root, 'src', 'speaker', 'node-flags.ts');
const skip = missingBuild('node-flags.test', compiled, source);

function node(flags: readonly string[], code: string, env: NodeJS.ProcessEnv = {}): string {
  const clean = { ...process.env, ...env };
  delete clean.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000, env: clean });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

const TAG = "import { cachedDataVersionTag } from 'node:v8'; console.log(cachedDataVersionTag());";

describe('speaker V8 flags', () => {
  it('the command line carries no V8 flag: Node keeps the code cache of its own modules', () => {
    // cachedDataVersionTag() hashes V8's version and flags, as the check of every code cache does.
    expect(node(SPEAKER_NODE_FLAGS, TAG)).toBe(node([], TAG));
    // What the check guards against: the flag the speaker was started with before.
    expect(node(['--max-semi-space-size=2'], TAG)).not.toBe(node([], TAG));
  });

  /**
   * Keeps ~40 MB of short-lived objects alive for a while (as a large convergence does), and prints
   * the young generation's size in MiB; `apply` first calls applySpeakerRuntimeFlags.
   */
  const grow = (apply: boolean): string => `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { applySpeakerRuntimeFlags } from ${JSON.stringify(compiled)};
    const applied = ${apply} ? applySpeakerRuntimeFlags() : false;
    const keep = [];
    for (let i = 0; i < 400000; i++) {
      keep.push({ i, s: 'x' + i, a: [i, i + 1] });
      if (keep.length > 60000) keep.splice(0, 15000);
    }
    const ns = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(JSON.stringify({ applied, mib: ns.space_size / 1048576 }));`;

  it.skipIf(!!skip)('once applied, the young generation stops growing', () => {
    expect(SPEAKER_RUNTIME_V8_FLAGS).toContain('--semi-space-growth-factor=1');
    const capped = JSON.parse(node([], grow(true))) as { applied: boolean; mib: number };
    const free = JSON.parse(node([], grow(false))) as { applied: boolean; mib: number };
    expect(capped.applied).toBe(true);
    expect(capped.mib).toBeLessThanOrEqual(4);
    // Without it, the same load grows it (2 x 16 MiB on 64-bit): the case above could fail.
    expect(free.mib).toBeGreaterThan(8);
  });

  /** Calls a small function until TurboFan has optimised it; prints after how many calls. */
  const tierUp = (apply: boolean): string => `
    import { applySpeakerRuntimeFlags } from ${JSON.stringify(compiled)};
    if (${apply}) applySpeakerRuntimeFlags();
    function f(x) { let s = 0; for (let i = 0; i < 20; i++) s += (x * i) ^ (s >>> 3); return s; }
    let at = -1;
    for (let k = 0; k < 20000 && at < 0; k++) { f(k); if (%GetOptimizationStatus(f) & 64) at = k; }
    console.log(at);`;

  it.skipIf(!!skip)('once applied, TurboFan waits about 4 times longer before optimising a function', () => {
    // Synchronous compiles, so that the count is exact; bit 64 of the status is "TurboFanned".
    const flags = ['--allow-natives-syntax', '--no-concurrent-recompilation'];
    const usual = Number(node(flags, tierUp(false)));
    const speaker = Number(node(flags, tierUp(true)));
    expect(usual).toBeGreaterThan(0);
    expect(speaker).toBeGreaterThan(3 * usual);
  });

  it.skipIf(!!skip)('not in the code-cache training run, whose cache must carry the hash of a start', () => {
    const r = JSON.parse(node([], grow(true), { BGPLAB_CODE_CACHE_OUT: '/nonexistent/cache' })) as { applied: boolean; mib: number };
    expect(r.applied).toBe(false);
    expect(r.mib).toBeGreaterThan(8);
  });
});
