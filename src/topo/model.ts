/**
 * The normalized lab model: what `bgplab topo gen` decides and what `loadTopology(file)` returns after
 * reading a containerlab topology file back (src/topo/load.ts). LAB (deploy/status) and MEASURE read
 * only these types, never the YAML, so the containerlab encoding (labels are strings) stays private to
 * src/topo. Every path here is absolute; every address is a plain string (no prefix length) with the
 * prefix length beside it.
 */

/** `mesh`: Calico's node-to-node full mesh. `rr`: R route reflectors (RFC 4456), every other node a client. */
export type TopoMode = 'mesh' | 'rr';
/** `rr` reflector, `client` of the reflectors, or `mesh` member (mode mesh). */
export type NodeRole = 'rr' | 'client' | 'mesh';
/** Which daemon runs on the node. */
export type NodeImpl = 'bgplab' | 'bird' | 'frr' | 'gobgp';
export const NODE_IMPLS: readonly NodeImpl[] = ['bgplab', 'bird', 'frr', 'gobgp'];
/** `shared`: every reflector uses one CLUSTER_ID; `per-rr`: each reflector uses its own (RFC 4456 §7). */
export type ClusterIdMode = 'shared' | 'per-rr';
export type TimersProfileName = 'fast' | 'calico' | 'rfc';
export type Family = 'ipv4' | 'ipv6';

/** BGP timers of every session in the lab (seconds). */
export interface LabTimers {
  profile: TimersProfileName;
  /** Hold time (RFC 4271 §4.2: 0 or >= 3). */
  hold: number;
  /** Keepalive interval (normally hold/3, RFC 4271 §10). */
  keepalive: number;
  /** Delay before the first outgoing connection (BIRD `connect delay time`, min 1). */
  connectDelay: number;
  /** Retry interval / back-off ceiling for outgoing connections. */
  connectRetry: number;
  /** BIRD `error wait time` min,max after a session error. */
  errorWait: [number, number];
}

/** One BGP session end as seen from a node. One session per node pair carries both families (MP-BGP). */
export interface LabPeer {
  /** Name of the peer node. */
  node: string;
  /** The peer's fabric IPv4 address: every session runs over IPv4 TCP. */
  address: string;
  asn: number;
  /** The peer is this node's route-reflector client (only set on a reflector's client sessions). */
  rrClient: boolean;
  /** This node never connects out to the peer (Calico's one-directional BIRD mesh). */
  passive: boolean;
  /** Families negotiated on the session: ['ipv4'] or ['ipv4','ipv6']. */
  families: Family[];
}

/** Absolute paths of one node's files. Configs are beside the topology file; runtime state under clab-<lab>/<node>/. */
export interface LabNodePaths {
  /** Directory with this node's configuration files: `<topodir>/<lab>/<node>/`. */
  configDir: string;
  /** The daemon's main config: bgplab.json | bird.conf | frr.conf | gobgpd.toml. */
  config: string;
  /** Every generated file of the node (main config first), e.g. frr also has `daemons`, all have start.sh. */
  files: string[];
  /** Runtime directory `<topodir>/clab-<lab>/<node>/` (logs, pid files, sockets, event log). */
  runtimeDir: string;
  /**
   * bgplab: control socket and event log. The speaker config names them relative ("control.sock",
   * "events.jsonl") so the same file works in containerlab (cwd /var/run/bgplab) and netns (cwd runtimeDir):
   * start the speaker with cwd = runtimeDir. These are the resulting absolute paths.
   */
  controlSocket: string;
  eventLog: string;
}

export interface LabNode {
  name: string;
  role: NodeRole;
  impl: NodeImpl;
  /** Index within the lab, 0-based, in file order (rr1..rrR then node1..). Drives addresses and MACs. */
  index: number;
  asn: number;
  /** BGP identifier (RFC 4271 §4.2) = fabric IPv4 address. */
  routerId: string;
  /** Reflectors only: CLUSTER_ID (dotted quad); null otherwise. */
  clusterId: string | null;
  /** The fabric interface (eth1) of the node, linked to the fabric bridge. */
  fabric: {
    iface: string;
    ipv4: string;
    ipv4PrefixLength: number;
    /** null when the lab is IPv4-only. */
    ipv6: string | null;
    ipv6PrefixLength: number | null;
    /** Deterministic locally administered MAC of eth1 (so neighbours can be pinned permanent). */
    mac: string;
    mtu: number;
    /** Name of the bridge-side end of the node's eth1 veth (the link endpoint on the bridge node). */
    bridgePort: string;
  };
  /** Pod CIDR blocks this node originates (Calico: one IPv4 /26 and one IPv6 /122 per node). */
  podBlocks: { ipv4: string[]; ipv6: string[] };
  /**
   * First address of each pod block, held by the node's pod interface (POD_IFACE, one end of a veth pair
   * kept inside the node) as /32 and /128 so pods can be pinged; a /26 there would clash with the blackhole.
   */
  podAddresses: { ipv4: string[]; ipv6: string[] };
  /** false for GoBGP (no kernel FIB of its own): its kernel never gets the learned routes. */
  fib: boolean;
  peers: LabPeer[];
  /**
   * Routes this node should learn from BGP once converged, per family (the other nodes' blocks). Its
   * kernel should hold as many learned routes when `fib` is true, none when false (GoBGP).
   */
  expectedRoutes: { ipv4: number; ipv6: number };
  paths: LabNodePaths;
  /** containerlab's container name, also the netns name: `clab-<lab>-<node>`. */
  containerName: string;
}

export interface LabTopology {
  name: string;
  /** Absolute path of the topology file. */
  file: string;
  /** Directory of the topology file (containerlab resolves binds against it). */
  dir: string;
  /** `<dir>/clab-<name>`: containerlab's lab directory (topology-data.json lives here). */
  labDir: string;
  mode: TopoMode;
  asn: number;
  ipv6: boolean;
  clusterIdMode: ClusterIdMode | null;
  /** Names of the reflectors (empty in mesh mode). */
  reflectors: string[];
  fabric: {
    /** Name of the `kind: bridge` node that plays the L2 fabric. */
    bridge: string;
    ipv4Subnet: string;
    ipv6Subnet: string | null;
    mtu: number;
  };
  podPools: {
    ipv4: { cidr: string; blockLength: number };
    ipv6: { cidr: string; blockLength: number } | null;
  };
  timers: LabTimers;
  nodes: LabNode[];
  /** Distinct BGP sessions: mesh N(N-1)/2; rr R(N-R) + R(R-1)/2. */
  expectedSessions: number;
  /** Every session once, as [nodeA, nodeB] in node order. */
  sessions: Array<[string, string]>;
}

/** The pod interface inside each node (and its veth peer, also inside the node). */
export const POD_IFACE = 'pod0';
export const POD_IFACE_PEER = 'pod0-peer';

/** Thrown for a bad topology file or a bad generation request; the message names the field and value. */
export class TopologyError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'TopologyError';
  }
}

/** Session count formulas (used by gen, load, and MEASURE's "measured vs formula"). */
export function expectedSessionCount(mode: TopoMode, nodes: number, reflectors: number): number {
  if (mode === 'mesh') return (nodes * (nodes - 1)) / 2;
  return reflectors * (nodes - reflectors) + (reflectors * (reflectors - 1)) / 2;
}

/**
 * Signature implemented in src/topo/load.ts:
 *   export function loadTopology(file: string, opts?: { checkFiles?: boolean }): LabTopology
 * (synchronous; throws TopologyError naming the field and value; checkFiles (default true) also requires
 * every node's config files to exist). Re-exported from src/topo/index.ts.
 */
export type LoadTopology = (file: string) => LabTopology;
