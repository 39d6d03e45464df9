/**
 * Processes we start (src/sys/launcher.ts) and must later find and stop again, possibly from another
 * bgplab process after a crash: identities that survive PID reuse (PID + kernel start time + a unique
 * command-line argument), bounded termination (SIGTERM, then SIGKILL), and /proc readers (listening TCP
 * ports of a process's network namespace, log excerpts). Linux only.
 */
import { readFileSync } from 'node:fs';
import { LAUNCHER_MARK } from './launcher.js';

/** What we record about a process so that we never signal a stranger that reused its PID. */
export interface ProcIdentity {
  pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks since boot): changes when the PID is reused. */
  startTime: string;
  /** A string that must occur in the NUL-joined /proc/PID/cmdline (e.g. the config file path). */
  match: string;
}

export function readCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s, i, a) => !(s === '' && i === a.length - 1));
  } catch {
    return undefined;
  }
}

/** State letter (R, S, Z…) and start time of a process, or undefined when it is gone. */
export function readStat(pid: number): { state: string; startTime: string; ppid: number } | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) is in parentheses and may hold spaces: parse after the last ')'.
    const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], ppid: Number(rest[1]), startTime: rest[19] };
  } catch {
    return undefined;
  }
}

/** Capture the identity of a live process, or undefined when it is already gone. */
export function identify(pid: number, match: string): ProcIdentity | undefined {
  const st = readStat(pid);
  if (!st || st.state === 'Z') return undefined;
  return { pid, startTime: st.startTime, match };
}

/** The PID still belongs to the process we recorded (same start time; zombies count as gone). */
export function sameProcess(id: ProcIdentity): boolean {
  if (!Number.isInteger(id.pid) || id.pid <= 1 || !id.startTime) return false;
  const st = readStat(id.pid);
  return !!st && st.state !== 'Z' && st.state !== 'X' && st.startTime === id.startTime;
}

/**
 * What the recorded process's command line says: ours (the daemon, or forked by our launcher and not
 * yet exec'ed), empty (exiting or mid-exec), another program's, or unreadable (gone).
 */
function cmdlineOf(id: ProcIdentity): 'ours' | 'empty' | 'other' | undefined {
  const cmd = readCmdline(id.pid);
  if (!cmd) return undefined;
  if (cmd.every((s) => s === '')) return 'empty';
  return cmd.includes(LAUNCHER_MARK) || (id.match !== '' && cmd.join('\0').includes(id.match)) ? 'ours' : 'other';
}

/** True when the PID still runs the very process we recorded (not a zombie, not a reused PID). */
export function isRunning(id: ProcIdentity): boolean {
  return sameProcess(id) && cmdlineOf(id) === 'ours';
}

/**
 * Ours to signal: the recorded process (same PID and start time, not a zombie) whose command line is
 * ours or reads empty. Empty happens while a process execs or exits, and for seconds at a time right
 * after a launch on a loaded machine (seen with FRR's bgpd); the start time alone already rules out a
 * reused PID. A command line that reads as something else is left alone.
 */
export function isOurs(id: ProcIdentity): boolean {
  if (!sameProcess(id)) return false;
  const c = cmdlineOf(id);
  return c === 'ours' || c === 'empty';
}

/** Whether the PID exists at all (ignores identity; zombies count as gone). */
export function pidExists(pid: number): boolean {
  const st = readStat(pid);
  return !!st && st.state !== 'Z' && st.state !== 'X';
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `pred` until it is true, at most `timeoutMs`. Returns whether it became true. */
export async function waitUntil(
  pred: () => boolean | Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 50;
  for (let i = 0; ; i++) {
    if (await pred()) return true;
    if (Date.now() >= deadline || opts.signal?.aborted) return false;
    // Bounded in count as well as time (belt and braces against a clock jump).
    if (i > opts.timeoutMs / Math.max(1, interval) + 100) return false;
    await sleep(Math.min(interval, Math.max(1, deadline - Date.now())));
  }
}

export type TerminateResult = 'gone' | 'not-ours' | 'terminated' | 'killed' | 'stuck';

/**
 * Stop a recorded process: SIGTERM, wait up to `graceMs` for it to be gone, then SIGKILL and wait up
 * to 2 s more. A PID now used by another process (different start time) counts as gone and is never
 * signalled; one whose command line no longer matches is 'not-ours' and left alone.
 */
export async function terminate(id: ProcIdentity, graceMs = 5000): Promise<TerminateResult> {
  if (!sameProcess(id)) return 'gone';
  if (!isOurs(id)) return sameProcess(id) ? 'not-ours' : 'gone';
  try {
    process.kill(id.pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  if (await waitUntil(() => !sameProcess(id), { timeoutMs: graceMs, intervalMs: 20 })) return 'terminated';
  try {
    process.kill(id.pid, 'SIGKILL');
  } catch {
    return 'terminated';
  }
  return (await waitUntil(() => !sameProcess(id), { timeoutMs: 2000, intervalMs: 20 })) ? 'killed' : 'stuck';
}

/**
 * Stop a set of recorded processes together, for a lab that is going away: every one still ours is
 * frozen (SIGSTOP) before any is killed (SIGKILL), then a bounded wait of `waitMs`. Why not SIGTERM one
 * by one: a BGP daemon whose peer stops withdraws that peer's routes, rewrites its kernel FIB and tells
 * its other peers, so a lab stopped daemon by daemon does O(N²) work for routes that vanish with it
 * (a 100-node mesh took 5.8 s to destroy). Frozen, none of them sees another go. Identity rules as in
 * `terminate`: a reused PID is 'gone', another program's is 'not-ours', neither is signalled.
 */
export async function killTogether(ids: readonly ProcIdentity[], waitMs = 3000): Promise<TerminateResult[]> {
  const results: TerminateResult[] = ids.map((id) => (!sameProcess(id) ? 'gone' : isOurs(id) ? 'killed' : 'not-ours'));
  const signal = (sig: NodeJS.Signals): void => {
    ids.forEach((id, i) => {
      if (results[i] !== 'killed') return;
      try {
        process.kill(id.pid, sig);
      } catch {
        results[i] = 'gone';
      }
    });
  };
  signal('SIGSTOP');
  signal('SIGKILL');
  const live = (): ProcIdentity[] => ids.filter((id, i) => results[i] === 'killed' && sameProcess(id));
  if (!(await waitUntil(() => live().length === 0, { timeoutMs: waitMs, intervalMs: 10 }))) {
    for (const id of live()) results[ids.indexOf(id)] = 'stuck';
  }
  return results;
}

/** Send a signal to a recorded process if it is still ours; returns whether it was sent. */
export function signalIfOurs(id: ProcIdentity, signal: NodeJS.Signals): boolean {
  if (!isOurs(id)) return false;
  try {
    process.kill(id.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Last `lines` lines of a text file ('' when unreadable): for error messages naming why a daemon died. */
export function tailFile(path: string, lines = 5): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * The most telling lines of a daemon's log for an error message: the last line that looks like an
 * error (a Node stack ends with "Node.js v20…", which says nothing), else the last non-empty lines.
 */
export function logExcerpt(path: string, maxChars = 300): string {
  const lines = tailFile(path, 40)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const errs = lines.filter((l) => /error|fatal|cannot|can't|failed|denied|invalid|unknown|refus/i.test(l) && !/^at /.test(l));
  const picked = errs.length ? errs.slice(-2) : lines.slice(-2);
  const text = picked.join(' | ');
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

/**
 * TCP ports in LISTEN state in the network namespace of `pid` (from /proc/PID/net/tcp and tcp6, which
 * show the sockets of that process's namespace): no fork, so polling 100 nodes is cheap.
 */
export function listeningTcpPorts(pid: number): Set<number> {
  const ports = new Set<number>();
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] = local "ADDR:PORT" (hex), f[3] = state; 0A = TCP_LISTEN.
      if (f.length > 3 && f[3] === '0A') {
        const port = parseInt(f[1].slice(f[1].lastIndexOf(':') + 1), 16);
        if (Number.isFinite(port)) ports.add(port);
      }
    }
  }
  return ports;
}
