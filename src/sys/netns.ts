import { run, runChecked, type RunOptions, type RunResult } from './exec.js';
import { existsSync, readdirSync, statSync } from 'node:fs';

/** Namespace names as `ip netns` accepts them; we refuse anything else before calling out. */
const NS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function assertNetnsName(name: string): void {
  if (!NS_NAME.test(name)) throw new Error(`invalid network namespace name ${JSON.stringify(name)}`);
}

export async function listNetns(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], { timeoutMs: 10_000 });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n): n is string => !!n);
}

/** Create a namespace with loopback up. Fails if it exists. */
export async function addNetns(name: string): Promise<void> {
  assertNetnsName(name);
  await runChecked('ip', ['netns', 'add', name]);
  await runChecked('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

/** Delete a namespace; a namespace that is already gone is not an error. */
export async function delNetns(name: string): Promise<void> {
  assertNetnsName(name);
  const r = await run('ip', ['netns', 'del', name]);
  if (r.code !== 0 && !/No such file|not found|Invalid netns/i.test(r.stderr)) {
    throw new Error(`ip netns del ${name}: ${r.stderr.trim()}`);
  }
}

/** Run a command inside a namespace (`ip netns exec NS CMD…`). */
export function runInNetns(ns: string, cmd: string, args: string[], opts?: RunOptions): Promise<RunResult> {
  assertNetnsName(ns);
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

export async function runInNetnsChecked(ns: string, cmd: string, args: string[], opts?: RunOptions): Promise<string> {
  assertNetnsName(ns);
  return runChecked('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/**
 * Apply many `ip` commands in one process (`ip -n NS -batch -`): one fork for a whole node's setup.
 * Lines are `ip` arguments without the leading `ip`, e.g. `addr add 10.0.0.1/24 dev eth1`.
 */
export async function ipBatch(ns: string | undefined, lines: string[], opts?: RunOptions): Promise<void> {
  if (lines.length === 0) return;
  const args = ns ? ['-n', ns, '-batch', '-'] : ['-batch', '-'];
  if (ns) assertNetnsName(ns);
  await runChecked('ip', args, { ...opts, input: lines.join('\n') + '\n' });
}

/** Whether a named namespace exists (its bind mount under /run/netns): no fork. */
export function netnsExists(name: string): boolean {
  assertNetnsName(name);
  return existsSync(`/run/netns/${name}`);
}

/**
 * PIDs of the processes whose network namespace is `name` (`ip netns pids`): how destroy finds a
 * daemon that was started but not yet recorded when a deploy was killed.
 */
export async function netnsPids(name: string): Promise<number[]> {
  return netnsPidsOf([name]).get(name) ?? [];
}

/**
 * The processes inside each of the named namespaces, from one pass over /proc: a process is in a
 * namespace when /proc/PID/ns/net is the same nsfs inode as the namespace's mount under /run/netns
 * (what `ip netns pids` compares, without one `ip` process per namespace: a 100-node lab has 101).
 * Namespaces that do not exist map to no process; PID 1 and unreadable processes are left out.
 */
export function netnsPidsOf(names: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const byInode = new Map<string, string>();
  for (const name of names) {
    assertNetnsName(name);
    out.set(name, []);
    try {
      const st = statSync(`/run/netns/${name}`);
      byInode.set(`${st.dev}:${st.ino}`, name);
    } catch {
      // no such namespace: no process in it
    }
  }
  if (byInode.size === 0) return out;
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry) || entry === '1') continue;
    let key: string;
    try {
      const st = statSync(`/proc/${entry}/ns/net`);
      key = `${st.dev}:${st.ino}`;
    } catch {
      continue; // exited meanwhile, or a kernel thread we may not read
    }
    const name = byInode.get(key);
    if (name) out.get(name)!.push(Number(entry));
  }
  return out;
}

/**
 * Whether a TCP socket listens on `port` in namespace `ns`, asked of the kernel with `ss -N` (sock_diag,
 * filtered to the listening table): about 1 ms of CPU, where reading /proc/PID/net/tcp and tcp6 walks the
 * machine-wide TCP hash, about 7 ms each here. Undefined when ss cannot tell (not installed, no such
 * namespace): the caller decides another way.
 */
export async function netnsListening(ns: string, port: number, timeoutMs = 5000): Promise<boolean | undefined> {
  assertNetnsName(ns);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`port ${port} is not a TCP port`);
  const r = await run('ss', ['-N', ns, '-H', '-l', '-t', '-n', 'sport', '=', `:${port}`], { timeoutMs });
  if (r.code !== 0) return undefined;
  return r.stdout.trim() !== '';
}
