/**
 * FRR 8: zebra first, then staticd and bgpd, all reading the integrated configuration (each daemon keeps
 * its own part), each with the node's own path space (`-N NAME --vty_socket DIR -z DIR/zserv.api -P 0`);
 * staticd and bgpd only once zebra's zserv.api exists (bgpd without zebra programs no kernel routes and
 * rejects IPv6 next hops). The daemons drop privileges to user frr, so the runtime directory is handed to
 * that user. Status via `vtysh --vty_socket DIR`; kernel routes: proto bgp.
 */
import { chownSync, existsSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { execFileSync } from 'node:child_process';
import { run } from '../sys/exec.js';
import { terminate } from '../sys/proc.js';
import { checkSocketPath, checkStartOptions, DaemonError, daemonHandle, runPath, spawnInNetns, waitForPath } from './common.js';
import { FRR_STATUS_COMMANDS, parseFrrStatus } from './parse.js';
import type { DaemonHandle, DaemonStatus, StartDaemonOptions } from './types.js';

export const FRR_DIR = '/usr/lib/frr';

let frrIds: { uid: number; gid: number } | null | undefined;
function frrUser(): { uid: number; gid: number } | null {
  if (frrIds !== undefined) return frrIds;
  try {
    const uid = Number(execFileSync('id', ['-u', 'frr'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'frr'], { encoding: 'utf8' }).trim());
    frrIds = Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    frrIds = null;
  }
  return frrIds;
}

/**
 * FRR runs as user frr: every directory above the runtime dir and the config must let it through
 * (search permission for others, or owned by frr). Returns the first one that does not.
 */
export function unreachableForFrr(path: string, uid: number): string | undefined {
  let dir = dirname(path);
  for (let i = 0; i < 64 && dir !== '/'; i++) {
    try {
      const st = statSync(dir);
      if (st.uid !== uid && (st.mode & 0o001) === 0) return dir;
    } catch {
      return dir;
    }
    dir = dirname(dir);
  }
  return undefined;
}

export async function startFrr(o: StartDaemonOptions): Promise<DaemonHandle> {
  checkStartOptions(o);
  const ids0 = frrUser();
  if (ids0) {
    for (const p of [o.runDir + '/x', o.configPath]) {
      const bad = unreachableForFrr(p, ids0.uid);
      if (bad) throw new DaemonError(o.name, `FRR runs as user frr, which cannot enter ${bad} (chmod o+x it or use another directory)`);
    }
  }
  const dir = o.runDir;
  const zserv = runPath(o, 'zserv.api');
  checkSocketPath(o.name, runPath(o, 'zebra.vty'));
  checkSocketPath(o.name, zserv);
  const ids = frrUser();
  if (ids) chownSync(dir, ids.uid, ids.gid);
  // FRR's path space name must be unique on the machine: the namespace name is.
  const pathSpace = o.ns;
  const common = ['-N', pathSpace, '--vty_socket', dir, '-z', zserv, '-P', '0', '--log', 'stdout'];
  const timeoutMs = o.timeoutMs ?? 10_000;
  const handle = daemonHandle(o, 'frr', { processes: [], control: dir, kernelProtocol: 'bgp', extraPaths: [`/var/run/frr/${pathSpace}`] });
  const zebraPid = runPath(o, 'zebra.pid');
  const zebraLog = runPath(o, 'zebra.log');
  if (existsSync(zserv)) rmSync(zserv, { force: true });
  const zebra = await spawnInNetns(o, 'zebra', [`${FRR_DIR}/zebra`, ...common, '-f', o.configPath, '-i', zebraPid], zebraPid, zebraLog);
  handle.processes.push(zebra);
  try {
    await waitForPath(o.name, zserv, zebra, timeoutMs, 'zserv.api from zebra');
    // bgpd last: the handle's last process is the one whose namespace is probed for TCP 179.
    for (const role of ['staticd', 'bgpd'] as const) {
      const pid = runPath(o, `${role}.pid`);
      const p = await spawnInNetns(o, role, [`${FRR_DIR}/${role}`, ...common, '-f', o.configPath, '-i', pid], pid, runPath(o, `${role}.log`));
      handle.processes.push(p);
    }
  } catch (err) {
    await Promise.all(handle.processes.map((p) => terminate(p, 2000)));
    throw err;
  }
  return handle;
}

export async function frrStatus(h: DaemonHandle, timeoutMs: number, now = new Date()): Promise<DaemonStatus> {
  const args = ['--vty_socket', h.control];
  for (const c of FRR_STATUS_COMMANDS) args.push('-c', c);
  const r = await run('vtysh', args, { timeoutMs });
  if (r.code !== 0 && !r.stdout.includes('{')) {
    throw new DaemonError(h.name, `vtysh --vty_socket ${h.control}: ${(r.stderr || r.stdout).trim().split('\n')[0] || `exit ${r.code}`}`);
  }
  return parseFrrStatus(r.stdout, now);
}
