/**
 * Node/V8 flags the speaker process should be started with (`node ${SPEAKER_NODE_FLAGS} main.js`).
 * V8 reads heap sizes only at start, so they cannot be set from inside the speaker.
 * --max-semi-space-size=2: V8's young generation otherwise grows to 2 x 16 MiB during a large
 * convergence and keeps that memory: ~330 B of RSS per route at 100k routes, most of the 400 B budget
 * (issue #3), for no measurable gain in speed (bench/reflect: CPU time equal or lower).
 */
export const SPEAKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
