/** Creating directories without Node's recursive mkdir, which can spin forever (see makeDirs). */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, one level at a time from the deepest directory that exists. Node 20's
 * mkdirSync(path, { recursive: true }) never returns under /proc (each mkdir there fails with ENOENT
 * although the parent exists, and it retries forever): `-o /proc/x.clab.yml` hung `topo gen`.
 */
export function makeDirs(path: string): void {
  const missing: string[] = [];
  let d = resolve(path);
  for (let i = 0; i < 4096 && !existsSync(d); i++) {
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
