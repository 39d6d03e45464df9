/**
 * Pure lab generation: a request (mode, size, implementations, addressing, timers) becomes the lab
 * model with every address, pod block, MAC, router id, cluster id and session decided. No I/O: the
 * containerlab file and node configs are rendered from the result (clab.ts, render/) and written by
 * write.ts. The loader (load.ts) rebuilds the same model from a file through `deriveLab`, so a written
 * lab loads back to exactly what was generated.
 */
import { dirname, join, resolve } from 'node:path';
import {
  cidr4ToString,
  cidr6ToString,
  overlaps4,
  overlaps6,
  parseCidr4,
  parseCidr6,
  size4,
  size6,
  v4ToString,
  v6ToString,
  type Cidr4,
  type Cidr6,
} from './addr.js';
import {
  expectedSessionCount,
  NODE_IMPLS,
  TopologyError,
  type ClusterIdMode,
  type Family,
  type LabNode,
  type LabPeer,
  type LabTimers,
  type LabTopology,
  type NodeImpl,
  type NodeRole,
  type TimersProfileName,
  type TopoMode,
} from './model.js';

/** What `bgplab topo gen` asks for. Undefined fields take the defaults below. */
export interface TopoRequest {
  name: string;
  mode: TopoMode;
  nodes: number;
  /** Reflectors (mode rr only). Default 2. */
  rr?: number;
  /** Default shared. Mode rr only. */
  clusterId?: ClusterIdMode;
  /** Reflector implementation. Default bgplab. Mode rr only. */
  rrImpl?: NodeImpl;
  /** Client (and mesh member) implementation. Default bgplab. */
  clientImpl?: NodeImpl;
  /** Dual stack (IPv6 pod blocks carried over the IPv4 sessions by MP-BGP). Default true. */
  ipv6?: boolean;
  profile?: TimersProfileName;
  hold?: number;
  keepalive?: number;
  asn?: number;
  fabricIpv4?: string;
  fabricIpv6?: string;
  podPoolIpv4?: string;
  podPoolIpv6?: string;
  podBlockIpv4?: number;
  podBlockIpv6?: number;
  mtu?: number;
  image?: string;
}

export const DEFAULTS = {
  rr: 2,
  clusterId: 'shared' as ClusterIdMode,
  impl: 'bgplab' as NodeImpl,
  ipv6: true,
  profile: 'fast' as TimersProfileName,
  /** Calico's default AS (private, iBGP everywhere). */
  asn: 64512,
  /** A /16 holds 65,534 nodes: far beyond any lab. */
  fabricIpv4: '10.0.0.0/16',
  fabricIpv6: 'fd00::/64',
  /** Calico's default IPv4 pool for kubeadm-style clusters, /26 blocks (1,024 blocks). */
  podPoolIpv4: '10.244.0.0/16',
  podBlockIpv4: 26,
  /** A ULA pool in Calico's IPv6 block size (/122: 64 addresses per block). */
  podPoolIpv6: 'fd00:10:244::/56',
  podBlockIpv6: 122,
  /** containerlab's default veth MTU. */
  mtu: 9500,
  image: 'bgplab:latest',
};

/**
 * Timer profiles. fast: a lab that converges in seconds (BIRD floors: connect delay 1 s).
 * calico: what calico/node renders for BIRD (hold left at BIRD's default 240 s, keepalive hold/3,
 * connect delay 2, retry 5, error wait 5,30). rfc: RFC 4271 §10 suggested values (hold 90, keepalive 30,
 * ConnectRetryTime 120) with BIRD's default connect delay and error wait.
 */
export const TIMER_PROFILES: Record<TimersProfileName, LabTimers> = {
  fast: { profile: 'fast', hold: 9, keepalive: 3, connectDelay: 1, connectRetry: 1, errorWait: [1, 5] },
  calico: { profile: 'calico', hold: 240, keepalive: 80, connectDelay: 2, connectRetry: 5, errorWait: [5, 30] },
  rfc: { profile: 'rfc', hold: 90, keepalive: 30, connectDelay: 5, connectRetry: 120, errorWait: [60, 300] },
};

/** Names that fit containerlab's pattern and keep `clab-<lab>-<node>` and interface names sane. */
export const LAB_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,39}$/;
/** Cap on lab size: MACs carry the node number in 16 bits, and labs beyond this are not meant to run. */
export const MAX_NODES = 4096;
/** A mesh's configs grow with N^2 (each node lists N-1 peers); beyond this the files alone are huge. */
export const MAX_MESH_NODES = 1000;

/** The lab before absolute paths are known (paths come from where the topology file is). */
export interface LabSpec extends Omit<LabTopology, 'file' | 'dir' | 'labDir' | 'nodes'> {
  image: string;
  nodes: SpecNode[];
}
export interface SpecNode extends Omit<LabNode, 'paths'> {
  /** File names in the node's config directory, main config first. */
  configFiles: string[];
}

/** The per-node facts stored in the topology file; everything else is derived (deriveLab). */
export type NodeBasics = Pick<
  SpecNode,
  'name' | 'role' | 'impl' | 'index' | 'asn' | 'routerId' | 'clusterId' | 'fabric' | 'podBlocks'
>;
export type LabBasics = Pick<
  LabSpec,
  'name' | 'mode' | 'asn' | 'ipv6' | 'clusterIdMode' | 'fabric' | 'podPools' | 'timers' | 'image'
> & { nodes: NodeBasics[] };

/** Main config file name per implementation (beside it: start.sh, neigh.batch). */
export const MAIN_CONFIG: Record<NodeImpl, string> = {
  bgplab: 'bgplab.json',
  bird: 'bird.conf',
  frr: 'frr.conf',
  gobgp: 'gobgpd.toml',
};
export function configFilesFor(impl: NodeImpl): string[] {
  return [MAIN_CONFIG[impl], 'start.sh', 'neigh.batch'];
}

/** First host address of a block ("10.244.0.0/26" -> "10.244.0.1"). */
export function firstAddress(block: string): string {
  if (block.includes(':')) {
    const c = parseCidr6(block);
    if (typeof c === 'string') throw new TopologyError(`pod block ${JSON.stringify(block)}: ${c}`);
    return v6ToString(c.base + 1n);
  }
  const c = parseCidr4(block);
  if (typeof c === 'string') throw new TopologyError(`pod block ${JSON.stringify(block)}: ${c}`);
  return v4ToString(c.base + 1);
}

/** Deterministic locally administered MAC of node #index's eth1 (containerlab's aa:c1:ab prefix). */
export function nodeMac(index: number): string {
  const n = index + 1;
  return `aa:c1:ab:00:${hex2(n >> 8)}:${hex2(n & 255)}`;
}
const hex2 = (b: number): string => b.toString(16).padStart(2, '0');

/** Name of the fabric bridge: `br-<lab>` when it fits IFNAMSIZ (15), else a stable shortened form. */
export function bridgeName(lab: string): string {
  const full = `br-${lab}`;
  if (full.length <= 15) return full;
  let h = 0x811c9dc5;
  for (const c of lab) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return `br-${lab.slice(0, 5)}-${h.toString(16).padStart(8, '0').slice(0, 6)}`;
}

/** Fields are named as `bgplab topo gen` flags, so the message reads like the command line. */
function refuse(field: string, value: unknown, why: string): never {
  const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
  throw new TopologyError(`--${field} ${shown}: ${why}`, field);
}

function intIn(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) refuse(field, v, 'must be an integer');
  if (v < min || v > max) refuse(field, v, `must be between ${min} and ${max}`);
  return v;
}

function implOf(field: string, v: unknown): NodeImpl {
  if (typeof v !== 'string' || !(NODE_IMPLS as readonly string[]).includes(v))
    refuse(field, v, `unknown implementation (choose ${NODE_IMPLS.join(', ')})`);
  return v as NodeImpl;
}

/** Timers from a profile with optional overrides, checked (RFC 4271 §4.2, §10). */
export function resolveTimers(profile: unknown, hold?: number, keepalive?: number): LabTimers {
  if (typeof profile !== 'string' || !Object.hasOwn(TIMER_PROFILES, profile))
    refuse('profile', profile, `unknown timers profile (choose ${Object.keys(TIMER_PROFILES).join(', ')})`);
  const base = { ...TIMER_PROFILES[profile as TimersProfileName] };
  if (hold !== undefined) {
    // Hold 0 (no keepalives) is legal BGP, but BIRD's keepalive must be >= 1, so the lab needs >= 3.
    base.hold = intIn('hold', hold, 3, 65535);
    if (keepalive === undefined) base.keepalive = Math.max(1, Math.floor(base.hold / 3));
  }
  if (keepalive !== undefined) base.keepalive = intIn('keepalive', keepalive, 1, 21845);
  if (base.keepalive >= base.hold)
    refuse('keepalive', base.keepalive, `must be less than the hold time ${base.hold} (RFC 4271 §10 suggests hold/3)`);
  return base;
}

function cidr4(field: string, v: string): Cidr4 {
  const c = parseCidr4(v);
  if (typeof c === 'string') refuse(field, v, c);
  return c;
}
function cidr6(field: string, v: string): Cidr6 {
  const c = parseCidr6(v);
  if (typeof c === 'string') refuse(field, v, c);
  return c;
}

/** Validate a request and decide the whole lab. Throws TopologyError naming the field and value. */
export function generateLab(req: TopoRequest): LabSpec {
  if (typeof req !== 'object' || req === null) throw new TopologyError('topology request must be an object');
  if (typeof req.name !== 'string' || !LAB_NAME_RE.test(req.name))
    refuse('name', req.name, 'lab name must be 1-40 letters, digits, "-" or "_", starting with a letter or digit');
  if (req.mode !== 'mesh' && req.mode !== 'rr') refuse('mode', req.mode, 'must be "mesh" or "rr"');
  const n = intIn('nodes', req.nodes, 2, MAX_NODES);
  if (req.mode === 'mesh' && n > MAX_MESH_NODES)
    refuse('nodes', n, `a full mesh of more than ${MAX_MESH_NODES} nodes (${(n * (n - 1)) / 2} sessions) is not generated; use --mode rr`);
  let r = 0;
  if (req.mode === 'mesh') {
    if (req.rr !== undefined) refuse('rr', req.rr, 'reflectors only exist in mode rr');
    if (req.rrImpl !== undefined) refuse('rr-impl', req.rrImpl, 'reflectors only exist in mode rr');
    if (req.clusterId !== undefined) refuse('cluster-id', req.clusterId, 'cluster ids only exist in mode rr');
  } else {
    r = intIn('rr', req.rr ?? DEFAULTS.rr, 1, MAX_NODES);
    if (r >= n) refuse('rr', r, `needs fewer reflectors than nodes (${n}): at least one client`);
  }
  const clusterIdMode: ClusterIdMode | null =
    req.mode === 'rr' ? (req.clusterId ?? DEFAULTS.clusterId) : null;
  if (clusterIdMode !== null && clusterIdMode !== 'shared' && clusterIdMode !== 'per-rr')
    refuse('cluster-id', clusterIdMode, 'must be "shared" or "per-rr"');
  const rrImpl = implOf('rr-impl', req.rrImpl ?? DEFAULTS.impl);
  const clientImpl = implOf('client-impl', req.clientImpl ?? DEFAULTS.impl);
  if (req.ipv6 !== undefined && typeof req.ipv6 !== 'boolean') refuse('ipv6', req.ipv6, 'must be true or false');
  const ipv6 = req.ipv6 ?? DEFAULTS.ipv6;
  const timers = resolveTimers(req.profile ?? DEFAULTS.profile, req.hold, req.keepalive);
  const asn = intIn('asn', req.asn ?? DEFAULTS.asn, 1, 4294967294);
  const mtu = intIn('mtu', req.mtu ?? DEFAULTS.mtu, 1280, 65535);
  const image = req.image ?? DEFAULTS.image;
  if (typeof image !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(image))
    refuse('image', image, 'not a container image reference');

  // Addressing: everything must fit N nodes and the fabric must not overlap the pod pools.
  const fab4 = cidr4('fabric-ipv4', req.fabricIpv4 ?? DEFAULTS.fabricIpv4);
  if (fab4.length > 30) refuse('fabric-ipv4', req.fabricIpv4, 'fabric subnet must be /30 or shorter');
  if (size4(fab4.length) - 2 < n)
    refuse('fabric-ipv4', cidr4ToString(fab4), `holds ${size4(fab4.length) - 2} node addresses, ${n} needed`);
  const pool4 = cidr4('pod-pool-ipv4', req.podPoolIpv4 ?? DEFAULTS.podPoolIpv4);
  const block4 = intIn('pod-block-ipv4', req.podBlockIpv4 ?? DEFAULTS.podBlockIpv4, 1, 32);
  if (block4 < pool4.length) refuse('pod-block-ipv4', block4, `blocks must be inside the pool ${cidr4ToString(pool4)}`);
  const blocks4 = 2 ** (block4 - pool4.length);
  if (blocks4 < n)
    refuse('pod-pool-ipv4', cidr4ToString(pool4), `holds ${blocks4} /${block4} blocks, ${n} nodes need one each`);
  if (overlaps4(fab4, pool4))
    refuse('pod-pool-ipv4', cidr4ToString(pool4), `overlaps the fabric subnet ${cidr4ToString(fab4)}`);

  let fab6: Cidr6 | null = null;
  let pool6: Cidr6 | null = null;
  let block6 = 0;
  if (ipv6) {
    fab6 = cidr6('fabric-ipv6', req.fabricIpv6 ?? DEFAULTS.fabricIpv6);
    if (fab6.length > 120) refuse('fabric-ipv6', req.fabricIpv6, 'fabric subnet must be /120 or shorter');
    if (size6(fab6.length) - 1n < BigInt(n))
      refuse('fabric-ipv6', cidr6ToString(fab6), `holds fewer than ${n} node addresses`);
    pool6 = cidr6('pod-pool-ipv6', req.podPoolIpv6 ?? DEFAULTS.podPoolIpv6);
    block6 = intIn('pod-block-ipv6', req.podBlockIpv6 ?? DEFAULTS.podBlockIpv6, 1, 128);
    if (block6 < pool6.length) refuse('pod-block-ipv6', block6, `blocks must be inside the pool ${cidr6ToString(pool6)}`);
    if (block6 - pool6.length < 31 && 2 ** (block6 - pool6.length) < n)
      refuse('pod-pool-ipv6', cidr6ToString(pool6), `holds ${2 ** (block6 - pool6.length)} /${block6} blocks, ${n} nodes need one each`);
    if (overlaps6(fab6, pool6))
      refuse('pod-pool-ipv6', cidr6ToString(pool6), `overlaps the fabric subnet ${cidr6ToString(fab6)}`);
  } else {
    const v6Flags = { fabricIpv6: 'fabric-ipv6', podPoolIpv6: 'pod-pool-ipv6', podBlockIpv6: 'pod-block-ipv6' } as const;
    for (const [f, flag] of Object.entries(v6Flags) as Array<[keyof typeof v6Flags, string]>)
      if (req[f] !== undefined) refuse(flag, req[f], 'IPv6 addressing given but IPv6 is off (--no-ipv6)');
  }

  const nodes: NodeBasics[] = [];
  for (let i = 0; i < n; i++) {
    const isRr = i < r;
    const role: NodeRole = req.mode === 'mesh' ? 'mesh' : isRr ? 'rr' : 'client';
    const name = req.mode === 'mesh' ? `node${i + 1}` : isRr ? `rr${i + 1}` : `node${i - r + 1}`;
    const v4 = v4ToString(fab4.base + i + 1);
    nodes.push({
      name,
      role,
      impl: isRr ? rrImpl : clientImpl,
      index: i,
      asn,
      routerId: v4,
      // RFC 4456 §7: reflectors of one cluster share a CLUSTER_ID; per-rr gives each its own.
      // Calico's docs use 244.0.0.x for routeReflectorClusterID.
      clusterId: isRr ? (clusterIdMode === 'per-rr' ? `244.0.0.${i + 1}` : '244.0.0.1') : null,
      fabric: {
        iface: 'eth1',
        ipv4: v4,
        ipv4PrefixLength: fab4.length,
        ipv6: fab6 ? v6ToString(fab6.base + BigInt(i + 1)) : null,
        ipv6PrefixLength: fab6 ? fab6.length : null,
        mac: nodeMac(i),
        mtu,
        bridgePort: `${name}-eth1`,
      },
      // One block of each family per node, in order, as Calico's IPAM hands out block affinities.
      podBlocks: {
        ipv4: [cidr4ToString({ base: pool4.base + i * size4(block4), length: block4 })],
        ipv6: pool6 ? [cidr6ToString({ base: pool6.base + BigInt(i) * size6(block6), length: block6 })] : [],
      },
    });
  }

  return deriveLab({
    name: req.name,
    mode: req.mode,
    asn,
    ipv6,
    clusterIdMode,
    fabric: {
      bridge: bridgeName(req.name),
      ipv4Subnet: cidr4ToString(fab4),
      ipv6Subnet: fab6 ? cidr6ToString(fab6) : null,
      mtu,
    },
    podPools: {
      ipv4: { cidr: cidr4ToString(pool4), blockLength: block4 },
      ipv6: pool6 ? { cidr: cidr6ToString(pool6), blockLength: block6 } : null,
    },
    timers,
    image,
    nodes,
  });
}

/**
 * Compare two addresses as strings, the way Calico's confd template does (`gt $onode_ip $node_ip`):
 * of each mesh pair, the side whose peer's address sorts higher is passive, so only one side connects.
 */
export function meshPassive(myAddress: string, peerAddress: string): boolean {
  return peerAddress > myAddress;
}

/** Sessions, peers, expected routes and file names from the per-node facts. Pure. */
export function deriveLab(b: LabBasics): LabSpec {
  const families: Family[] = b.ipv6 ? ['ipv4', 'ipv6'] : ['ipv4'];
  const reflectors = b.nodes.filter((x) => x.role === 'rr');
  const sessions: Array<[string, string]> = [];
  const peersOf = new Map<string, LabPeer[]>(b.nodes.map((x) => [x.name, []]));
  const mesh = b.mode === 'mesh';
  /** `self`'s view of its session with `other` (each session is configured at both ends). */
  const peer = (self: NodeBasics, other: NodeBasics): LabPeer => ({
    node: other.name,
    address: other.fabric.ipv4,
    asn: other.asn,
    rrClient: self.role === 'rr' && other.role === 'client',
    passive: mesh && meshPassive(self.fabric.ipv4, other.fabric.ipv4),
    families,
  });
  const link = (a: NodeBasics, z: NodeBasics): void => {
    sessions.push([a.name, z.name]);
    peersOf.get(a.name)!.push(peer(a, z));
    peersOf.get(z.name)!.push(peer(z, a));
  };
  for (let i = 0; i < b.nodes.length; i++) {
    for (let j = i + 1; j < b.nodes.length; j++) {
      const a = b.nodes[i];
      const z = b.nodes[j];
      // rr mode: reflectors peer with each other (as non-clients) and with every client; clients only with reflectors.
      if (b.mode === 'mesh' || a.role === 'rr' || z.role === 'rr') link(a, z);
    }
  }
  const total4 = b.nodes.reduce((s, x) => s + x.podBlocks.ipv4.length, 0);
  const total6 = b.nodes.reduce((s, x) => s + x.podBlocks.ipv6.length, 0);
  const nodes: SpecNode[] = b.nodes.map((x) => ({
    ...x,
    podAddresses: { ipv4: x.podBlocks.ipv4.map(firstAddress), ipv6: x.podBlocks.ipv6.map(firstAddress) },
    fib: x.impl !== 'gobgp',
    peers: peersOf.get(x.name)!,
    expectedRoutes: { ipv4: total4 - x.podBlocks.ipv4.length, ipv6: total6 - x.podBlocks.ipv6.length },
    containerName: `clab-${b.name}-${x.name}`,
    configFiles: configFilesFor(x.impl),
  }));
  return {
    name: b.name,
    mode: b.mode,
    asn: b.asn,
    ipv6: b.ipv6,
    clusterIdMode: b.clusterIdMode,
    reflectors: reflectors.map((x) => x.name),
    fabric: b.fabric,
    podPools: b.podPools,
    timers: b.timers,
    image: b.image,
    nodes,
    expectedSessions: expectedSessionCount(b.mode, b.nodes.length, reflectors.length),
    sessions,
  };
}

/**
 * The lab with absolute paths, given where its topology file is (containerlab conventions: configs in
 * `<dir>/<lab>/<node>/`, runtime state in `<dir>/clab-<lab>/<node>/`). Pure string work.
 */
export function attachPaths(spec: LabSpec, file: string): LabTopology {
  const abs = resolve(file);
  const dir = dirname(abs);
  const labDir = join(dir, `clab-${spec.name}`);
  const { image: _image, nodes, ...rest } = spec;
  return {
    ...rest,
    file: abs,
    dir,
    labDir,
    nodes: nodes.map(({ configFiles, ...n }) => {
      const configDir = join(dir, spec.name, n.name);
      const runtimeDir = join(labDir, n.name);
      return {
        ...n,
        paths: {
          configDir,
          config: join(configDir, configFiles[0]),
          files: configFiles.map((f) => join(configDir, f)),
          runtimeDir,
          controlSocket: join(runtimeDir, 'control.sock'),
          eventLog: join(runtimeDir, 'events.jsonl'),
        },
      };
    }),
  };
}
