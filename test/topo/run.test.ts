/**
 * The generated files work, not only parse: a small route-reflector lab mixing BIRD, FRR and GoBGP is
 * brought up in network namespaces the test creates, with each node's own start.sh and the exec lines
 * of the containerlab file, and every node must learn every other node's IPv4 and IPv6 pod blocks with
 * the originator's fabric address as next hop (IPv6 over the IPv4 sessions), and pods must ping.
 * (Full deploys of bgplab labs are LAB's tests; this checks the renderers against the real daemons.)
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClab, CONTAINER_CONF_DIR } from '../../src/topo/clab.js';
import { attachPaths, deriveLab, generateLab } from '../../src/topo/gen.js';
import type { LabTopology, NodeImpl } from '../../src/topo/model.js';
import { writeLab } from '../../src/topo/write.js';
import { missing } from '../helpers/env.js';

const skip = missing('root', 'ip', 'ping', 'bird', 'frr', 'gobgp');
const NS = 't-topo-run';
const ns = (node: string): string => `${NS}-${node}`;
const BR_NS = `${NS}-br`;

let tmp = '';
let lab: LabTopology;
const pids: number[] = [];
const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
const nsExists = (name: string): boolean => existsSync(`/run/netns/${name}`);

function cleanup(): void {
  // Daemons by recorded PID: the start.sh PIDs (exec'd daemons) and FRR's pid files.
  const all = [...pids];
  if (lab) {
    for (const n of lab.nodes) {
      for (const f of ['zebra.pid', 'staticd.pid', 'bgpd.pid', 'bird.pid']) {
        const p = join(n.paths.runtimeDir, f);
        if (existsSync(p)) all.push(Number(readFileSync(p, 'utf8').trim()));
      }
    }
  }
  for (const pid of all) {
    try {
      if (pid > 1) process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const name of [...(lab?.nodes.map((n) => ns(n.name)) ?? []), BR_NS]) {
    if (nsExists(name)) execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

describe.skipIf(skip)('generated configs run: BIRD, FRR and GoBGP in one route-reflector lab', () => {
  beforeAll(() => {
    // Leftovers of a killed earlier run.
    for (const name of sh('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0])) {
      if (name.startsWith(`${NS}-`)) execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    }
    tmp = mkdtempSync(join(tmpdir(), 't-topo-run-'));
    // FRR's daemons drop to user frr before opening their pid files and sockets: it must reach them.
    chmodSync(tmp, 0o755);
    const impls: NodeImpl[] = ['bird', 'frr', 'bird', 'frr', 'gobgp'];
    const base = generateLab({ name: 'run', mode: 'rr', nodes: 5, rr: 2 });
    const spec = deriveLab({ ...base, nodes: base.nodes.map((n, i) => ({ ...n, impl: impls[i] })) });
    const file = join(tmp, 'run.clab.yml');
    writeLab(spec, file);
    lab = attachPaths(spec, file);
    const doc = buildClab(spec);

    sh('ip', ['netns', 'add', BR_NS]);
    sh('ip', ['-n', BR_NS, 'link', 'add', 'br0', 'type', 'bridge']);
    sh('ip', ['-n', BR_NS, 'link', 'set', 'br0', 'up']);
    for (const n of lab.nodes) {
      const name = ns(n.name);
      sh('ip', ['netns', 'add', name]);
      sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      sh('ip', ['link', 'add', 'eth1', 'netns', name, 'address', n.fabric.mac, 'mtu', String(n.fabric.mtu), 'type', 'veth', 'peer', 'name', `p-${n.name}`, 'netns', BR_NS, 'mtu', String(n.fabric.mtu)]);
      sh('ip', ['-n', BR_NS, 'link', 'set', `p-${n.name}`, 'master', 'br0', 'up']);
      sh('ip', ['-n', name, 'link', 'set', 'eth1', 'up']);
      // The containerlab file's exec lines, with the config dir where it is on this host.
      for (const line of doc.topology.nodes[n.name].exec!) {
        sh('ip', ['netns', 'exec', name, 'sh', '-c', line.replaceAll(CONTAINER_CONF_DIR, n.paths.configDir)]);
      }
      mkdirSync(n.paths.runtimeDir, { recursive: true });
      const child = spawn('ip', ['netns', 'exec', name, 'sh', join(n.paths.configDir, 'start.sh')], {
        env: { ...process.env, BGPLAB_CONF_DIR: n.paths.configDir, BGPLAB_RUN_DIR: n.paths.runtimeDir },
        stdio: 'ignore',
        detached: true,
      });
      child.unref();
      pids.push(child.pid!);
    }
  }, 60_000);
  afterAll(cleanup, 60_000);

  it('every node learns every other block, with the originator as next hop, and pods ping', async () => {
    const learned = (n: LabTopology['nodes'][number]): { v4: string[]; v6: string[] } => {
      if (n.impl === 'gobgp') {
        const sock = `unix://${join(n.paths.runtimeDir, 'gobgp.sock')}`;
        const rib = (fam: string): string[] => {
          try {
            const out = JSON.parse(sh('gobgp', ['--target', sock, 'global', 'rib', '-a', fam, '-j'])) as Record<string, Array<{ nlri: { prefix: string }; attrs: Array<{ type: number; nexthop?: string }> }>>;
            return Object.entries(out)
              .filter(([p]) => !n.podBlocks.ipv4.includes(p) && !n.podBlocks.ipv6.includes(p))
              .map(([p, paths]) => `${p} ${paths[0].attrs.find((a) => a.type === 3 || a.type === 14)?.nexthop ?? ''}`);
          } catch {
            return [];
          }
        };
        return { v4: rib('ipv4'), v6: rib('ipv6') };
      }
      // Routes with a gateway, as "prefix gateway". An IPv6 next hop may come as the router's global and
      // link-local addresses (RFC 2545 §3); BIRD and FRR then install both, as one multipath route. FRR
      // sends its link-local in some runs and not in others (more often under load).
      // The global one names the originator (a multipath route's first line of `ip route` has no "via").
      const routes = (fam: string): string[] =>
        (JSON.parse(sh('ip', ['-j', '-n', ns(n.name), fam, 'route', 'show'])) as Array<{ dst: string; gateway?: string; nexthops?: Array<{ gateway?: string }> }>)
          .filter((r) => /^(10\.244\.|fd00:10:244:)/.test(r.dst))
          .map((r) => ({ dst: r.dst, via: r.gateway ? [r.gateway] : (r.nexthops ?? []).flatMap((h) => (h.gateway ? [h.gateway] : [])) }))
          .filter((r) => r.via.length > 0)
          .map((r) => {
            const global = r.via.filter((g) => !/^fe80:/i.test(g));
            return global.length === 1 && r.via.length <= 2 ? `${r.dst} ${global[0]}` : `${r.dst} ${r.via.join(',')}`;
          });
      return { v4: routes('-4'), v6: routes('-6') };
    };
    const want = (n: LabTopology['nodes'][number]) => ({
      v4: lab.nodes.filter((o) => o !== n).map((o) => `${o.podBlocks.ipv4[0]} ${o.fabric.ipv4}`).sort(),
      v6: lab.nodes.filter((o) => o !== n).map((o) => `${o.podBlocks.ipv6[0]} ${o.fabric.ipv6}`).sort(),
    });
    // GoBGP waits 5-10 s before its first connect; bounded at 40 s.
    const deadline = Date.now() + 40_000;
    let state = lab.nodes.map((n) => ({ node: n.name, impl: n.impl, ...learned(n) }));
    const done = () => state.every((s, i) => JSON.stringify({ v4: s.v4.sort(), v6: s.v6.sort() }) === JSON.stringify(want(lab.nodes[i])));
    while (!done() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      state = lab.nodes.map((n) => ({ node: n.name, impl: n.impl, ...learned(n) }));
    }
    // On a miss, what each daemon and kernel says, so a failing run tells more than the diff.
    let said = '';
    if (!done()) {
      for (const n of lab.nodes) {
        try {
          said += `\n== ${n.name} kernel\n${sh('ip', ['-n', ns(n.name), '-6', 'route', 'show'])}${sh('ip', ['-n', ns(n.name), '-6', 'neigh', 'show'])}`;
          const zebraLog = join(n.paths.runtimeDir, 'zebra.log');
          if (existsSync(zebraLog)) said += `-- zebra.log (last lines)\n${readFileSync(zebraLog, 'utf8').split('\n').slice(-15).join('\n')}\n`;
          if (n.impl === 'frr') said += `\n== ${n.name} (frr)\n${sh('vtysh', ['--vty_socket', n.paths.runtimeDir, '-c', 'show bgp summary', '-c', 'show bgp ipv6 unicast', '-c', 'show interface eth1'])}`;
          if (n.impl === 'bird') said += `\n== ${n.name} (bird)\n${sh('birdc', ['-s', join(n.paths.runtimeDir, 'bird.ctl'), 'show protocols'])}${sh('birdc', ['-s', join(n.paths.runtimeDir, 'bird.ctl'), 'show route table master6'])}`;
        } catch (e) {
          said += `\n== ${n.name}: ${(e as Error).message}`;
        }
      }
    }
    expect(state, said).toEqual(lab.nodes.map((n) => ({ node: n.name, impl: n.impl, ...want(n) })));

    // Pod to pod: node1 (BIRD client) to node2 (FRR client), IPv4 and IPv6, from pod addresses.
    const [a, b] = [lab.nodes[2], lab.nodes[3]];
    sh('ip', ['netns', 'exec', ns(a.name), 'ping', '-c', '1', '-W', '2', '-I', a.podAddresses.ipv4[0], b.podAddresses.ipv4[0]]);
    sh('ip', ['netns', 'exec', ns(a.name), 'ping', '-6', '-c', '1', '-W', '2', '-I', a.podAddresses.ipv6[0], b.podAddresses.ipv6[0]]);
  }, 60_000);
});
