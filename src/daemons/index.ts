/**
 * src/daemons owns running one BGP daemon of any implementation (bgplab speaker, BIRD 2, FRR, GoBGP)
 * inside an existing network namespace: starting it in the foreground with recorded PIDs and log files,
 * querying a status normalized over the four (peers with RFC 4271 states, learned routes per family, and
 * the kernel routes it installed), and stopping it by recorded PID (SIGTERM, then SIGKILL after a bound).
 * Handles are plain JSON so another process (destroy, status) can use them. Used by the lab runtime
 * (src/lab) and standalone by the interop tests: `startDaemon`, `queryStatus`, `stopDaemon`.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { run } from '../sys/exec.js';
import { netnsListening } from '../sys/netns.js';
import { listeningTcpPorts, logExcerpt, sameProcess, terminate, waitUntil, type TerminateResult } from '../sys/proc.js';
import { bgplabStatus, startBgplab } from './bgplab.js';
import { birdStatus, startBird } from './bird.js';
import { DaemonError } from './common.js';
import { frrStatus, startFrr } from './frr.js';
import { gobgpStatus, startGobgp } from './gobgp.js';
import type { AddressFamily, DaemonHandle, DaemonImpl, DaemonProcess, DaemonStatus, KernelRoute, StartDaemonOptions } from './types.js';

export * from './types.js';
export { DaemonError } from './common.js';
export { defaultSpeakerEntry } from './bgplab.js';

const STARTERS: Record<DaemonImpl, (o: StartDaemonOptions) => Promise<DaemonHandle>> = {
  bgplab: startBgplab,
  bird: startBird,
  frr: startFrr,
  gobgp: startGobgp,
};

/**
 * Start a daemon in `ns`. Returns once its processes are spawned (FRR: zebra ready, GoBGP: prefixes
 * added); `waitDaemonReady` then waits for TCP 179 and the query interface.
 */
export function startDaemon(o: StartDaemonOptions): Promise<DaemonHandle> {
  const start = STARTERS[o.impl];
  if (!start) return Promise.reject(new DaemonError(o.name, `unknown implementation ${JSON.stringify(o.impl)}`));
  return start(o);
}

/** Normalized status from the daemon's own interface (control socket, birdc, vtysh, gobgp). */
export function queryStatus(h: DaemonHandle, timeoutMs = 5000): Promise<DaemonStatus> {
  switch (h.impl) {
    case 'bgplab':
      return bgplabStatus(h, timeoutMs);
    case 'bird':
      return birdStatus(h, timeoutMs);
    case 'frr':
      return frrStatus(h, timeoutMs);
    case 'gobgp':
      return gobgpStatus(h, timeoutMs);
    default:
      return Promise.reject(new DaemonError(h.name, `unknown implementation ${JSON.stringify((h as DaemonHandle).impl)}`));
  }
}

/**
 * Whether every process of the daemon still exists (same PID and start time). It does not read the
 * command line, which a process in the middle of an exec may show empty: use it to decide that a
 * daemon died.
 */
export function daemonAlive(h: DaemonHandle): boolean {
  return h.processes.length > 0 && h.processes.every(sameProcess);
}

/** Whether the daemon's namespace has a TCP listener on `port` (read from /proc, no fork). */
export function daemonListening(h: DaemonHandle, port = 179): boolean {
  const last = h.processes[h.processes.length - 1];
  if (!last) return false;
  // /proc/PID/net/tcp{,6} walks the kernel's machine-wide TCP hash (~7 ms of CPU per node here): polled
  // for 100 starting speakers every 25 ms it kept one of the 2 cores busy during a deploy. A bgplab
  // speaker logs "listening" from its listen callback, once the socket is bound: its word is enough,
  // and its log (small while it starts) is read first: "not yet" costs no /proc read at all. A deploy
  // of 100 speakers polls this ~20,000 times; the measuring CLI shares the lab's 2 cores.
  if (h.impl === 'bgplab' && h.eventLog) {
    const said = speakerLogSaysListening(h.eventLog, last.pid);
    if (said !== undefined) return said && sameProcess(last);
    // No start line yet: still loading (the usual case), or a log it cannot write; after a grace
    // period, /proc decides as for the other implementations.
    if (processAgeMs(last.startTime) < SPEAKER_LOG_GRACE_MS) return false;
  }
  if (!sameProcess(last)) return false;
  return listeningTcpPorts(last.pid).has(port);
}

/**
 * daemonListening without /proc for the daemons that do not say so themselves (BIRD, FRR, GoBGP): once
 * the daemon's query interface exists (it comes up with the daemon), the kernel is asked whether its
 * namespace listens on `port` (`ss -N`, about 1 ms of CPU). The /proc reads cost about 14 ms per check:
 * during a deploy of 100 BIRDs they took about 2 s of system CPU from the daemons being waited for;
 * asking ss instead, BIRD rr2-100 deploys in 2.0-2.4 s against 2.5-2.8 s. Falls back to /proc when ss
 * cannot tell.
 */
export async function daemonListeningAsync(h: DaemonHandle, port = 179): Promise<boolean> {
  const last = h.processes[h.processes.length - 1];
  if (h.impl === 'bgplab' || !last) return daemonListening(h, port);
  if (!sameProcess(last)) return false;
  const control = controlPath(h);
  if (control.startsWith('/') && !existsSync(control)) return false;
  const said = await netnsListening(h.ns, port);
  return said ?? listeningTcpPorts(last.pid).has(port);
}

/**
 * How long a speaker may run without a start line in its event log before /proc is asked instead. A
 * speaker that cannot open its log exits; one whose writes fail (disk full) is the case this covers.
 * Generous: 100 speakers starting on 2 cores take seconds to reach their start line.
 */
const SPEAKER_LOG_GRACE_MS = 20_000;

/** /proc/uptime as last read, and when (performance.now()): one read serves a whole polling round. */
let uptimeRead: { at: number; uptimeS: number } | undefined;

/** Age of a process from its start time (clock ticks since boot, USER_HZ 100); Infinity if unknown. */
function processAgeMs(startTime: string): number {
  try {
    const now = performance.now();
    if (!uptimeRead || now - uptimeRead.at > 100) uptimeRead = { at: now, uptimeS: Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) };
    const uptimeS = uptimeRead.uptimeS + (now - uptimeRead.at) / 1000;
    const age = (uptimeS - Number(startTime) / 100) * 1000;
    return Number.isFinite(age) ? age : Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * From a speaker's event log (appended to across restarts): false while the process `pid` has logged
 * its start but not yet "listening"; true once it has; undefined when the log cannot tell (no log, or
 * no start line of this process), and the caller must look at /proc.
 */
function speakerLogSaysListening(eventLog: string, pid: number): boolean | undefined {
  let text: string;
  try {
    text = readFileSync(eventLog, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].includes('"event":"start"')) continue;
    let startPid: unknown;
    try {
      startPid = (JSON.parse(lines[i]) as { pid?: unknown }).pid;
    } catch {
      continue; // a line cut short by a crash
    }
    if (startPid !== pid) continue;
    for (let j = i + 1; j < lines.length; j++) if (lines[j].includes('"event":"listening"')) return true;
    return false;
  }
  return undefined;
}

/** The file that exists once the daemon's query interface is up. */
function controlPath(h: DaemonHandle): string {
  return h.impl === 'frr' ? `${h.control}/bgpd.vty` : h.control;
}

/**
 * Wait (bounded) until the daemon listens on TCP `port` in its namespace and its query interface
 * exists. Throws a DaemonError naming the node, with the log's telling lines, if a process died or
 * the bound passed.
 */
export async function waitDaemonReady(h: DaemonHandle, opts: { timeoutMs?: number; port?: number } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  let dead: DaemonProcess | undefined;
  const ok = await waitUntil(
    async () => {
      dead = h.processes.find((p) => !sameProcess(p));
      if (dead) return true;
      return (await daemonListeningAsync(h, opts.port ?? 179)) && existsSync(controlPath(h));
    },
    { timeoutMs, intervalMs: 20 },
  );
  if (dead) {
    const why = logExcerpt(dead.log);
    throw new DaemonError(h.name, `${dead.role} (pid ${dead.pid}) exited${why ? `: ${why}` : ''}`);
  }
  if (!ok) throw new DaemonError(h.name, `not ready (TCP ${opts.port ?? 179} and ${controlPath(h)}) after ${timeoutMs} ms`);
}

/**
 * Stop every process of the daemon, last started first (FRR: bgpd before zebra), each SIGTERM then
 * SIGKILL after `graceMs`; then remove paths it created outside runDir. Idempotent.
 */
export async function stopDaemon(h: DaemonHandle, graceMs = 5000): Promise<TerminateResult[]> {
  const results: TerminateResult[] = [];
  for (const p of [...h.processes].reverse()) results.push(await terminate(p, graceMs));
  for (const path of h.extraPaths) {
    // Only ever FRR's own path space directory.
    if (path.startsWith('/var/run/frr/') && !path.includes('..')) rmSync(path, { recursive: true, force: true });
  }
  return results;
}

function parseIpRoutes(text: string, family: AddressFamily): KernelRoute[] {
  let list: unknown;
  try {
    list = JSON.parse(text || '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list.map((raw) => {
    const r = raw as Record<string, unknown>;
    const dst = String(r.dst ?? '');
    return {
      dst: dst === 'default' ? (family === 'ipv4' ? '0.0.0.0/0' : '::/0') : dst.includes('/') ? dst : `${dst}/${family === 'ipv4' ? 32 : 128}`,
      family,
      type: typeof r.type === 'string' ? r.type : 'unicast',
      gateway: typeof r.gateway === 'string' ? r.gateway : undefined,
      dev: typeof r.dev === 'string' ? r.dev : undefined,
      protocol: typeof r.protocol === 'string' ? r.protocol : undefined,
    };
  });
}

/**
 * Routes of namespace `ns`'s main table, both families (`ip -j -n NS route show [proto P]`). With
 * `protocol` null, every route.
 */
export async function nsKernelRoutes(ns: string, protocol: string | null, timeoutMs = 5000): Promise<KernelRoute[]> {
  const proto = protocol ? ['proto', protocol] : [];
  const [v4, v6] = await Promise.all([
    run('ip', ['-j', '-n', ns, 'route', 'show', ...proto], { timeoutMs }),
    run('ip', ['-j', '-6', '-n', ns, 'route', 'show', ...proto], { timeoutMs }),
  ]);
  if (v4.code !== 0) throw new Error(`ip -n ${ns} route show: ${v4.stderr.trim()}`);
  return [...parseIpRoutes(v4.stdout, 'ipv4'), ...parseIpRoutes(v6.stdout, 'ipv6')];
}

/** Kernel routes the daemon installed (its route protocol); empty for GoBGP, which has no FIB. */
export async function kernelRoutes(h: DaemonHandle, timeoutMs = 5000): Promise<KernelRoute[]> {
  if (!h.kernelProtocol) return [];
  return nsKernelRoutes(h.ns, h.kernelProtocol, timeoutMs);
}
