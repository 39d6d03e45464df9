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
 *
 * Why TurboFan waits 4 times longer (`--interrupt-budget`, 4 x 66 KiB of bytecode run before a
 * function is considered for optimising): in a lab each of 100 speakers learns a few hundred routes and
 * is idle after, and optimised every function that got warm on the way, on a background thread that
 * competes for the same 2 cores (~10% of a mesh-100's CPU was TurboFan compiling). The default
 * budget pays off over a long run, not over a few hundred UPDATEs. Measured, interleaved runs of
 * bench:lab at 100 nodes: rr2 9.3-9.8 -> 8.0-8.8 CPU-s and t0 -> FIB 2.5-2.7 -> 2.0-2.2 s; mesh
 * 18.9-19.0 -> 16.7-17.9 CPU-s; bench:reflect at 100k routes unchanged within its noise (what is hot
 * there runs long enough to be optimised anyway).
 *
 * Both are set after everything the speaker loads is loaded: setting a flag changes the hash, and a
 * module compiled afterwards would find its cache rejected.
 */
import { setFlagsFromString } from 'node:v8';

export const SPEAKER_NODE_FLAGS: readonly string[] = [];

/** V8 flags the speaker sets on itself once listening (applySpeakerRuntimeFlags). */
export const SPEAKER_RUNTIME_V8_FLAGS: readonly string[] = ['--semi-space-growth-factor=1', '--interrupt-budget=270336'];

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
