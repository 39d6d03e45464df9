/** Helpers shared by the adapters: spawning inside a namespace with a recorded identity, socket paths. */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { assertNetnsName } from '../sys/netns.js';
import { launch } from '../sys/launcher.js';
import { identify, logExcerpt, sameProcess, waitUntil } from '../sys/proc.js';
import type { DaemonHandle, DaemonImpl, DaemonProcess, StartDaemonOptions } from './types.js';

/** Unix socket paths are limited to 107 bytes (sun_path). */
export const MAX_SOCKET_PATH = 107;

export class DaemonError extends Error {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(`${node}: ${message}`);
    this.name = 'DaemonError';
  }
}

export function checkStartOptions(o: StartDaemonOptions): void {
  assertNetnsName(o.ns);
  if (!o.name || !/^[A-Za-z0-9_.-]{1,64}$/.test(o.name)) throw new DaemonError(String(o.name), `invalid node name ${JSON.stringify(o.name)}`);
  if (!o.configPath.startsWith('/')) throw new DaemonError(o.name, `configPath must be absolute, got ${JSON.stringify(o.configPath)}`);
  if (!existsSync(o.configPath)) throw new DaemonError(o.name, `config file ${o.configPath} does not exist`);
  if (!o.runDir.startsWith('/')) throw new DaemonError(o.name, `runDir must be absolute, got ${JSON.stringify(o.runDir)}`);
  mkdirSync(o.runDir, { recursive: true });
}

export function checkSocketPath(node: string, path: string): void {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new DaemonError(node, `socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes; use a shorter lab directory`);
  }
}

/**
 * Start `argv` inside namespace `ns` (`ip netns exec` execs, so the PID is the daemon's) through the
 * shared launcher, output to `log`, and record its identity at once (reported through onSpawn before
 * anything waits).
 */
export async function spawnInNetns(
  o: StartDaemonOptions,
  role: DaemonProcess['role'],
  argv: string[],
  match: string,
  log: string,
  cwd?: string,
): Promise<DaemonProcess> {
  // Truncate the log of a previous run of the same node.
  closeSync(openSync(log, 'w'));
  const pid = await launch('ip', ['netns', 'exec', o.ns, ...argv], { logFile: log, cwd });
  // Read the start time now; if the process already died we still record the PID (with an empty start
  // time it never matches, so nothing is ever signalled by mistake).
  const id = identify(pid, match) ?? { pid, startTime: '', match };
  const proc: DaemonProcess = { ...id, role, log };
  o.onSpawn?.(proc);
  return proc;
}

/** Wait (bounded) for a path to appear while the process lives; throws naming the log tail otherwise. */
export async function waitForPath(node: string, path: string, proc: DaemonProcess, timeoutMs: number, what: string): Promise<void> {
  const ok = await waitUntil(() => existsSync(path) || !sameProcess(proc), { timeoutMs, intervalMs: 20 });
  if (ok && existsSync(path)) return;
  const why = !sameProcess(proc) ? `${proc.role} exited` : `no ${what} after ${timeoutMs} ms`;
  const tail = logExcerpt(proc.log);
  throw new DaemonError(node, `${why}${tail ? `: ${tail}` : ''}`);
}

export const runPath = (o: StartDaemonOptions, file: string): string => join(o.runDir, file);

/** The handle of a daemon started from `o`: identity fields from the options, the rest from the adapter. */
export function daemonHandle(
  o: StartDaemonOptions,
  impl: DaemonImpl,
  own: Pick<DaemonHandle, 'processes' | 'control' | 'kernelProtocol'> & Partial<Pick<DaemonHandle, 'eventLog' | 'extraPaths'>>,
): DaemonHandle {
  return {
    impl,
    name: o.name,
    ns: o.ns,
    runDir: o.runDir,
    configPath: o.configPath,
    processes: own.processes,
    control: own.control,
    eventLog: own.eventLog ?? null,
    kernelProtocol: own.kernelProtocol,
    extraPaths: own.extraPaths ?? [],
  };
}
