/**
 * GoBGP 3: `gobgpd -f CONF -p --pprof-disable --api-hosts=unix://SOCK` (plain logs, no pprof listener). Its configuration
 * cannot originate prefixes, so the node's pod blocks are added with `gobgp global rib add` once the API
 * socket exists. Status via `gobgp --target unix://SOCK neighbor -j` and `global rib -a AFI -j`. GoBGP
 * has no kernel FIB of its own (kernelProtocol null).
 */
import { run } from '../sys/exec.js';
import { sleep, terminate } from '../sys/proc.js';
import { checkSocketPath, checkStartOptions, DaemonError, daemonHandle, runPath, spawnInNetns, waitForPath } from './common.js';
import { countGobgpLearned, parseGobgpNeighbors } from './parse.js';
import type { DaemonHandle, DaemonStatus, StartDaemonOptions } from './types.js';

function target(h: { control: string }): string[] {
  return ['--target', `unix://${h.control}`];
}

/** Add one originated prefix; retried a few times because the API may accept before it serves. */
async function addPrefix(h: DaemonHandle, route: string | { prefix: string; nextHop?: string }): Promise<void> {
  const { prefix, nextHop } = typeof route === 'string' ? { prefix: route, nextHop: undefined } : route;
  const afi = prefix.includes(':') ? 'ipv6' : 'ipv4';
  // An IPv6 route sent over an IPv4 session needs an explicit IPv6 next hop (RFC 4760 §3, RFC 2545 §3).
  const nh = nextHop ? ['nexthop', nextHop] : [];
  let last = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = await run('gobgp', [...target(h), 'global', 'rib', 'add', '-a', afi, prefix, ...nh], { timeoutMs: 5000 });
    if (r.code === 0) return;
    last = (r.stderr || r.stdout).trim();
    await sleep(100 * (attempt + 1));
  }
  throw new DaemonError(h.name, `gobgp global rib add -a ${afi} ${prefix} ${nh.join(' ')}: ${last}`);
}

export async function startGobgp(o: StartDaemonOptions): Promise<DaemonHandle> {
  checkStartOptions(o);
  const sock = runPath(o, 'gobgp.sock');
  checkSocketPath(o.name, sock);
  const log = runPath(o, 'gobgpd.log');
  const api = `unix://${sock}`;
  const proc = await spawnInNetns(o, 'gobgpd', ['gobgpd', '-f', o.configPath, '-p', '--pprof-disable', `--api-hosts=${api}`], api, log);
  const handle = daemonHandle(o, 'gobgp', { processes: [proc], control: sock, kernelProtocol: null });
  try {
    if (o.originate?.length) {
      await waitForPath(o.name, sock, proc, o.timeoutMs ?? 10_000, 'API socket');
      for (const p of o.originate) await addPrefix(handle, p);
    }
  } catch (err) {
    await terminate(proc, 2000);
    throw err;
  }
  return handle;
}

export async function gobgpStatus(h: DaemonHandle, timeoutMs: number): Promise<DaemonStatus> {
  const call = async (args: string[]): Promise<unknown> => {
    const r = await run('gobgp', [...target(h), ...args, '-j'], { timeoutMs });
    if (r.code !== 0) throw new DaemonError(h.name, `gobgp ${args.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
    try {
      return JSON.parse(r.stdout || 'null');
    } catch {
      throw new DaemonError(h.name, `gobgp ${args.join(' ')}: output is not JSON`);
    }
  };
  const [neighbors, rib4, rib6] = await Promise.all([
    call(['neighbor']),
    call(['global', 'rib', '-a', 'ipv4']),
    call(['global', 'rib', '-a', 'ipv6']),
  ]);
  return {
    impl: 'gobgp',
    peers: parseGobgpNeighbors(neighbors),
    routes: { ipv4: countGobgpLearned(rib4), ipv6: countGobgpLearned(rib6) },
  };
}
