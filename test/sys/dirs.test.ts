/** makeDirs: `mkdir -p` that fails instead of spinning where Node's recursive mkdir never returns. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs } from '../../src/sys/dirs.js';

const tmp = mkdtempSync(join(tmpdir(), 't-sys-dirs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('makeDirs', () => {
  it('creates every missing level, and is idempotent', () => {
    const d = join(tmp, 'a', 'b', 'c');
    makeDirs(d);
    expect(existsSync(d)).toBe(true);
    makeDirs(d);
    makeDirs(tmp);
  });

  it('under /proc it throws at once (Node’s recursive mkdir spins forever there: `topo gen -o /proc/x` hung)', () => {
    const t = Date.now();
    expect(() => makeDirs('/proc/t-sys-dirs/x')).toThrow(/ENOENT|EACCES|EPERM/);
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it('topo gen -o under /proc fails with one line and exit 2 (built CLI)', () => {
    const main = join(import.meta.dirname, '../../dist/src/cli/main.js');
    if (!existsSync(main)) return;
    const r = spawnSync(process.execPath, [main, 'topo', 'gen', '--mode', 'mesh', '--nodes', '2', '--name', 't-sys-dirs', '-o', '/proc/t-sys-dirs.clab.yml'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bgplab: cannot write lab t-sys-dirs to \/proc: /);
  });
});
