/**
 * Interop harness: a small lab of mixed implementations (bgplab speaker, BIRD 2, FRR, GoBGP) in network
 * namespaces the test creates. Configurations come from the topology generator's renderers (src/topo:
 * BIRD in the shape calico/node renders it), daemons are started, queried and stopped by recorded PID
 * through LAB's adapters (src/daemons). On top of those, what the adapters do not expose: each daemon's
 * own account of one session (state, last error) and of its routes with next hop, ORIGINATOR_ID and
 * CLUSTER_LIST (birdc show route all, vtysh … json detail, gobgp global rib -j), normalized.
 * Namespaces: `<lab>-<node>` and `<lab>-br` (the bridge), lab names `t-iop-<impl>-…`, unique per file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, stopDaemon, waitDaemonReady, type DaemonHandle, type DaemonImpl } from '../../src/daemons/index.js';
import { normalizeFsmState } from '../../src/daemons/parse.js';
import { controlRequest } from '../../src/speaker/control-client.js';
import type { RouteEntry, RoutesResponse, SpeakerStatus } from '../../src/speaker/status-types.js';
import { addNetns, delNetns, ipBatch, run } from '../../src/sys/index.js';
import { generateLab, type LabSpec, type SpecNode } from '../../src/topo/gen.js';
import { renderBgplab } from '../../src/topo/render/bgplab.js';
import { renderBird } from '../../src/topo/render/bird.js';
import { renderFrr } from '../../src/topo/render/frr.js';
import { renderGobgp } from '../../src/topo/render/gobgp.js';

export type Family = 'ipv4' | 'ipv6';
export type DaemonKind = Exclude<DaemonImpl, 'bgplab'>;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` until it returns a truthy value; bounded in time and in tries. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  timeoutMs = 15_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (let i = 0; i <= Math.ceil(timeoutMs / everyMs) + 1; i++) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
}

// ------------------------------------------------------------------------------------------- lab

export interface IopNodeSpec {
  /** Implementation that runs on this node. */
  impl: DaemonImpl;
  /** Run with this AS instead of the lab's (its peers still expect the lab's: Bad Peer AS). */
  asn?: number;
}

export interface IopNode {
  spec: SpecNode;
  impl: DaemonImpl;
  ns: string;
  runDir: string;
  handle?: DaemonHandle;
}

/**
 * A generated lab (src/topo generateLab, profile fast) whose nodes run the implementations given, in
 * namespaces: one bridge namespace and one namespace per node with eth1 on the bridge.
 */
export class IopLab {
  readonly spec: LabSpec;
  readonly nodes: IopNode[];
  readonly dir: string;
  readonly bridgeNs: string;
  private created: string[] = [];

  constructor(
    readonly name: string,
    /** Second octet of the fabric (10.S.0.0/24, fd00:S::/64): unique per test file. */
    readonly subnet: number,
    mode: 'rr' | 'mesh',
    impls: IopNodeSpec[],
    rr = 1,
  ) {
    this.spec = generateLab({
      name,
      mode,
      nodes: impls.length,
      ...(mode === 'rr' ? { rr } : {}),
      profile: 'fast',
      fabricIpv4: `10.${subnet}.0.0/24`,
      fabricIpv6: `fd00:${subnet}::/64`,
    });
    // Created by network(), not here: a skipped suite still constructs its lab.
    this.dir = join(tmpdir(), `bgplab-${name}-${process.pid}`);
    this.bridgeNs = `${name}-br`;
    this.nodes = this.spec.nodes.map((n, i) => {
      const asn = impls[i].asn;
      const spec = asn === undefined ? n : { ...n, asn };
      return { spec, impl: impls[i].impl, ns: `${name}-${n.name}`, runDir: join(this.dir, n.name) };
    });
  }

  node(name: string): IopNode {
    const n = this.nodes.find((x) => x.spec.name === name);
    if (!n) throw new Error(`no node ${name} in lab ${this.name}`);
    return n;
  }

  handle(name: string): DaemonHandle {
    const h = this.node(name).handle;
    if (!h) throw new Error(`node ${name} of lab ${this.name} is not started`);
    return h;
  }

  /** Namespaces, links, addresses, then every node's daemon (in node order), each waited for. */
  async up(): Promise<void> {
    await this.network();
    await this.startDaemons();
  }

  /** The bridge namespace and one namespace per node with eth1 on the bridge, addressed. */
  async network(): Promise<void> {
    await this.removeNamespaces([this.bridgeNs, ...this.nodes.map((n) => n.ns)]);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    // FRR drops to user frr: it must be able to enter the directories holding its files.
    chmodSync(this.dir, 0o755);
    await addNetns(this.bridgeNs);
    this.created.push(this.bridgeNs);
    await ipBatch(this.bridgeNs, ['link add br0 type bridge', 'link set br0 up']);
    for (const [i, n] of this.nodes.entries()) {
      await addNetns(n.ns);
      this.created.push(n.ns);
      // Created directly inside the two namespaces: nothing ever lives in the root namespace.
      const port = `p${i + 1}`;
      await ipBatch(undefined, [`link add ${port} netns ${this.bridgeNs} type veth peer name eth1 netns ${n.ns}`]);
      await ipBatch(this.bridgeNs, [`link set ${port} master br0`, `link set ${port} up`]);
      const f = n.spec.fabric;
      await ipBatch(n.ns, [
        `addr add ${f.ipv4}/${f.ipv4PrefixLength} dev eth1`,
        ...(f.ipv6 ? [`addr add ${f.ipv6}/${f.ipv6PrefixLength} dev eth1 nodad`] : []),
        'link set eth1 up',
      ]);
    }
  }

  /** Start every node's daemon in node order, then wait (bounded) until each listens and answers. */
  async startDaemons(): Promise<void> {
    for (const n of this.nodes) await this.start(n);
    await Promise.all(this.nodes.map((n) => waitDaemonReady(n.handle!, { timeoutMs: 20_000 })));
  }

  private configText(n: IopNode): { file: string; text: string } {
    const lab = this.spec;
    switch (n.impl) {
      case 'bgplab':
        return { file: 'bgplab.json', text: renderBgplab(lab, n.spec) };
      case 'bird':
        return { file: 'bird.conf', text: renderBird(lab, n.spec) };
      case 'frr': {
        // A member cannot override its peer group's remote-as: render with the lab AS, then change ours.
        const text = renderFrr(lab, { ...n.spec, asn: lab.asn });
        return { file: 'frr.conf', text: text.replace(`router bgp ${lab.asn}`, `router bgp ${n.spec.asn}`) };
      }
      case 'gobgp':
        return { file: 'gobgpd.toml', text: renderGobgp(lab, n.spec) };
    }
  }

  private async start(n: IopNode): Promise<void> {
    mkdirSync(n.runDir, { recursive: true });
    chmodSync(n.runDir, 0o755);
    const { file, text } = this.configText(n);
    const configPath = join(n.runDir, file);
    writeFileSync(configPath, text);
    const f = n.spec.fabric;
    const originate =
      n.impl === 'gobgp'
        ? [
            ...n.spec.podBlocks.ipv4.map((prefix) => ({ prefix, nextHop: f.ipv4 })),
            ...(f.ipv6 ? n.spec.podBlocks.ipv6.map((prefix) => ({ prefix, nextHop: f.ipv6! })) : []),
          ]
        : undefined;
    n.handle = await startDaemon({
      impl: n.impl,
      ns: n.ns,
      configPath,
      runDir: n.runDir,
      name: n.spec.name,
      originate,
      timeoutMs: 15_000,
      // Record the process as soon as it exists, so afterAll can stop it even if the start fails later.
      onSpawn: (p) => {
        if (!n.handle) n.handle = { impl: n.impl, name: n.spec.name, ns: n.ns, runDir: n.runDir, configPath, processes: [], control: '', eventLog: null, kernelProtocol: null, extraPaths: n.impl === 'frr' ? [`/var/run/frr/${n.ns}`] : [] };
        n.handle.processes.push(p);
      },
    });
  }

  private captures: ChildProcess[] = [];

  /**
   * `tcpdump -i IFACE -w FILE -U 'tcp port 179'` inside namespace `ns` (`ip netns exec` execs, so the
   * child's PID is tcpdump's). Resolves once tcpdump says it listens; `stop` ends it by that PID.
   */
  async capture(ns: string, iface: string, file: string): Promise<{ stop: () => Promise<void> }> {
    const child = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', iface, '-w', file, '-U', '--immediate-mode', '-s', '0', 'tcp port 179'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.captures.push(child);
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    await waitFor('tcpdump listening', () => /listening on/.test(err) || child.exitCode !== null, 10_000, 20);
    if (child.exitCode !== null) throw new Error(`tcpdump in ${ns} exited: ${err.trim()}`);
    return {
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await Promise.race([exited, sleep(5000)]);
      },
    };
  }

  /** Stop every daemon (recorded PIDs), remove the namespaces and the files. Never throws. */
  async down(): Promise<void> {
    for (const c of this.captures.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill('SIGKILL');
        await Promise.race([exited, sleep(3000)]);
      }
    }
    for (const n of [...this.nodes].reverse()) {
      if (!n.handle) continue;
      try {
        await stopDaemon(n.handle, 3000);
      } catch {
        /* the namespace removal below still runs */
      }
    }
    await this.removeNamespaces([...this.created].reverse());
    this.created = [];
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async removeNamespaces(names: string[]): Promise<void> {
    for (const ns of names) {
      try {
        await delNetns(ns);
      } catch {
        /* best effort */
      }
    }
  }

  /** Text of a node's daemon log(s), for failure messages. */
  logs(name: string): string {
    const h = this.node(name).handle;
    if (!h) return '';
    return h.processes
      .map((p) => {
        try {
          return `--- ${p.role}\n${readFileSync(p.log, 'utf8').slice(-3000)}`;
        } catch {
          return '';
        }
      })
      .join('\n');
  }
}

// ------------------------------------------------------------------------------------ views

/** A route as an implementation reports it, normalized. */
export interface ReportedRoute {
  prefix: string;
  nextHop: string | null;
  /** The peer the route came from, when the implementation says. */
  from: string | null;
  best: boolean;
  originatorId: string | null;
  clusterList: string[];
}

/** One session as the implementation reports it: RFC 4271 state name and its last-error text. */
export interface ReportedPeer {
  state: string;
  lastError: string;
}

export interface View {
  peer(h: DaemonHandle, address: string): Promise<ReportedPeer>;
  routes(h: DaemonHandle, family: Family): Promise<ReportedRoute[]>;
}

// ---- bgplab (control socket, contracts.md)

export const bgplabView: View = {
  async peer(h, address) {
    const st = await controlRequest<SpeakerStatus>(h.control, { cmd: 'status' }, 3000);
    const p = st.peers.find((x) => x.address === address);
    if (!p) throw new Error(`bgplab ${h.name}: no peer ${address}`);
    return { state: p.state, lastError: p.lastError ?? '' };
  },
  async routes(h, family) {
    const r = await controlRequest<RoutesResponse>(h.control, { cmd: 'routes', family }, 3000);
    return r.routes.map((x: RouteEntry) => {
      const a = x.attributes as { originatorId?: string; clusterList?: string[] };
      return { prefix: x.prefix, nextHop: x.nextHop, from: x.peer, best: x.best, originatorId: a.originatorId ?? null, clusterList: a.clusterList ?? [] };
    });
  },
};

// ---- BIRD 2

/** The protocol name src/topo/render/bird.ts gives a peer (Calico's: address with `_`). */
export const birdProtocol = (mode: 'rr' | 'mesh', address: string): string => `${mode === 'mesh' ? 'Mesh' : 'Node'}_${address.replace(/[.:]/g, '_')}`;

export async function birdc(h: DaemonHandle, command: string): Promise<string> {
  const r = await run('birdc', ['-s', h.control, command], { timeoutMs: 5000 });
  if (r.code !== 0) throw new Error(`birdc ${command}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** `show route all table masterN`: next hop, ORIGINATOR_ID and CLUSTER_LIST per path. */
export function parseBirdRoutes(text: string): ReportedRoute[] {
  const out: ReportedRoute[] = [];
  let prefix = '';
  let cur: ReportedRoute | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\S+)?\s+(?:unicast|blackhole|unreachable)\s+\[(\S+)\s+[^\]]*?(?:from (\S+))?\]\s+(\*)?/.exec(line);
    if (head && (head[1] || prefix)) {
      if (head[1]) prefix = head[1];
      cur = { prefix, nextHop: null, from: head[3] ?? null, best: head[4] === '*', originatorId: null, clusterList: [] };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const m = /^\s+BGP\.(\w+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2].trim();
    if (m[1] === 'next_hop') cur.nextHop = v.split(/\s+/)[0];
    else if (m[1] === 'originator_id') cur.originatorId = v;
    else if (m[1] === 'cluster_list') cur.clusterList = v.split(/\s+/).filter((x) => x);
  }
  return out;
}

export function birdView(mode: 'rr' | 'mesh'): View {
  return {
    async peer(h, address) {
      const text = await birdc(h, `show protocols all ${birdProtocol(mode, address)}`);
      const state = /BGP state:\s+(\S+)/.exec(text)?.[1] ?? '';
      const lastError = /Last error:\s+(.*)/.exec(text)?.[1]?.trim() ?? '';
      return { state, lastError };
    },
    async routes(h, family) {
      return parseBirdRoutes(await birdc(h, `show route all table master${family === 'ipv4' ? 4 : 6}`));
    },
  };
}

// ---- FRR

export async function vtysh(h: DaemonHandle, command: string): Promise<string> {
  const r = await run('vtysh', ['--vty_socket', h.control, '-c', command], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`vtysh ${command}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

interface FrrPath {
  bestpath?: { overall?: boolean };
  nexthops?: Array<{ ip?: string; scope?: string }>;
  peer?: { peerId?: string };
  originatorId?: string;
  clusterList?: { list?: string[] };
}

/** `show bgp <family> unicast json detail`: FRR 8 gives per prefix a list of paths (or {paths}). */
export function parseFrrRoutes(json: unknown): ReportedRoute[] {
  const routes = ((json ?? {}) as { routes?: Record<string, FrrPath[] | { paths?: FrrPath[] }> }).routes ?? {};
  const out: ReportedRoute[] = [];
  for (const [prefix, v] of Object.entries(routes)) {
    const paths = (Array.isArray(v) ? v : v.paths) ?? [];
    for (const p of paths.filter((x) => x.nexthops !== undefined)) {
      out.push({
        prefix,
        nextHop: p.nexthops?.find((x) => x.scope !== 'link-local')?.ip ?? null,
        from: p.peer?.peerId ?? null,
        best: !!p.bestpath?.overall,
        originatorId: p.originatorId ?? null,
        clusterList: p.clusterList?.list ?? [],
      });
    }
  }
  return out;
}

export const frrView: View = {
  async peer(h, address) {
    const json = JSON.parse(await vtysh(h, `show bgp neighbors ${address} json`)) as Record<string, Record<string, unknown>>;
    const n = json[address] ?? {};
    const reason = String(n.lastNotificationReason ?? n.lastResetDueTo ?? '');
    const code = n.lastErrorCodeSubcode ? ` (${String(n.lastErrorCodeSubcode)})` : '';
    return { state: String(n.bgpState ?? ''), lastError: `${reason}${code}` };
  },
  async routes(h, family) {
    return parseFrrRoutes(JSON.parse(await vtysh(h, `show bgp ${family} unicast json detail`)));
  },
};

// ---- GoBGP

export async function gobgp(h: DaemonHandle, args: string[]): Promise<string> {
  const r = await run('gobgp', ['--target', `unix://${h.control}`, ...args], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`gobgp ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

interface GobgpPath {
  best?: boolean;
  'neighbor-ip'?: string;
  attrs?: Array<{ type: number; nexthop?: string; value?: unknown }>;
}

/** `gobgp global rib -a FAMILY -j`: prefix → paths with typed attributes (3 NEXT_HOP, 9, 10, 14). */
export function parseGobgpRoutes(json: unknown): ReportedRoute[] {
  const out: ReportedRoute[] = [];
  for (const [prefix, paths] of Object.entries((json ?? {}) as Record<string, GobgpPath[]>)) {
    for (const p of paths) {
      let nextHop: string | null = null;
      let originatorId: string | null = null;
      let clusterList: string[] = [];
      for (const a of p.attrs ?? []) {
        if ((a.type === 3 || a.type === 14) && a.nexthop) nextHop = a.nexthop;
        if (a.type === 9) originatorId = String(a.value);
        if (a.type === 10) clusterList = Array.isArray(a.value) ? (a.value as unknown[]).map(String) : [];
      }
      const from = p['neighbor-ip'] && p['neighbor-ip'] !== '<nil>' ? p['neighbor-ip'] : null;
      out.push({ prefix, nextHop, from, best: !!p.best, originatorId, clusterList });
    }
  }
  return out;
}


export const gobgpView: View = {
  async peer(h, address) {
    const json = JSON.parse(await gobgp(h, ['neighbor', address, '-j'])) as { state?: Record<string, unknown> };
    const st = json.state ?? {};
    // GoBGP's API keeps no last-error text: it counts NOTIFICATIONs and logs each one.
    const msgs = ((st.messages ?? {}) as Record<string, Record<string, number>>);
    const log = readFileSync(h.processes[h.processes.length - 1].log, 'utf8')
      .split('\n')
      .filter((l) => /notification/i.test(l) && l.includes(address))
      .slice(-2)
      .join(' | ');
    const counts = `notifications sent ${msgs.sent?.notification ?? 0}, received ${msgs.received?.notification ?? 0}`;
    return { state: normalizeFsmState(st.session_state ?? st['session-state']), lastError: `${counts}; ${log}` };
  },
  async routes(h, family) {
    return parseGobgpRoutes(JSON.parse(await gobgp(h, ['global', 'rib', '-a', family, '-j'])));
  },
};

export function viewOf(impl: DaemonImpl, mode: 'rr' | 'mesh' = 'rr'): View {
  switch (impl) {
    case 'bgplab':
      return bgplabView;
    case 'bird':
      return birdView(mode);
    case 'frr':
      return frrView;
    case 'gobgp':
      return gobgpView;
  }
}
