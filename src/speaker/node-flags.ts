/**
 * V8 settings of the speaker process: the flags it is started with (`node ${SPEAKER_NODE_FLAGS}
 * main.js`, none) and the ones it sets on itself once started (SPEAKER_RUNTIME_V8_FLAGS).
 *
 * Why none on the command line: V8 checks every code cache against a hash of its flags, and Node's
 * own modules (net, streams, child_process...) are loaded from a code cache built into the binary
 * with default flags. One V8 flag on the command line (it was --max-semi-space-size=2) and Node
 * compiles those modules from source at every start: ~10 ms more CPU per speaker here (`require` of
 * net and child_process: median 25 against 35 ms over 20 runs; a speaker restarted in a kept rr2-100:
 * listening at 41 against 51 ms of CPU), times 100 speakers starting on 2 cores.
 *
 * Why the young generation is still capped: V8 otherwise grows it to 2 x 16 MiB during a large
 * convergence and keeps that memory, ~330 B of RSS per route at 100k routes, most of the 400 B budget
 * (issue #3). `--semi-space-growth-factor=1`, set at run time, stops it growing from the size it has
 * reached by then (V8 reads the factor at each growth step; the 16 MiB maximum is fixed at start).
 * It must be set after everything the speaker loads is loaded: setting a flag changes the hash, and a
 * module compiled afterwards would find its cache rejected.
 */
import { setFlagsFromString } from 'node:v8';

export const SPEAKER_NODE_FLAGS: readonly string[] = [];

/** V8 flags the speaker sets on itself once listening (applySpeakerRuntimeFlags). */
export const SPEAKER_RUNTIME_V8_FLAGS: readonly string[] = ['--semi-space-growth-factor=1'];

/**
 * Apply SPEAKER_RUNTIME_V8_FLAGS to this process. Not in the code-cache training run
 * (BGPLAB_CODE_CACHE_OUT, dist/speaker.cjs): the cache it writes at exit carries the flag hash of that
 * moment, and must carry the hash of a speaker's start. Returns whether the flags were set.
 */
export function applySpeakerRuntimeFlags(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.BGPLAB_CODE_CACHE_OUT) return false;
  for (const flag of SPEAKER_RUNTIME_V8_FLAGS) setFlagsFromString(flag);
  return true;
}
