/**
 * Pure planning of a netns deployment from the lab model: namespace names, the `ip -batch` lines of the
 * fabric namespace and of each node namespace, pod interface addresses, and containerlab's
 * topology-data.json. No I/O, so all of it is unit-tested without root.
 */
import ipaddr from 'ipaddr.js';
import type { LabNode, LabTopology } from '../topo/model.js';

/** Interfaces inside a node namespace besides eth1: the pod interface and its in-namespace veth peer. */
export const POD_IFACE = 'pod0';
export const POD_PEER_IFACE = 'pod0-peer';

/** containerlab's container name prefix; ours doubles as the namespace name. */
export function nodeNamespace(lab: string, node: string): string {
  return `clab-${lab}-${node}`;
}

/** The namespace that holds the fabric bridge (never the root namespace). */
export function fabricNamespace(lab: string): string {
  return `clab-${lab}-fabric`;
}

/** Deterministic MAC of the bridge-side end of node #index's veth (eth1 has aa:c1:ab:…). */
export function bridgePortMac(index: number): string {
  const n = index + 1;
  const h = (b: number): string => b.toString(16).padStart(2, '0');
  return `aa:c1:ac:00:${h((n >> 8) & 255)}:${h(n & 255)}`;
}

/** The first host address of a block (network + 1): the address a pod of that block gets. */
export function firstHostAddress(cidr: string): string {
  const [addr] = ipaddr.parseCIDR(cidr);
  const bytes = addr.toByteArray();
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = (bytes[i] + 1) & 255;
    if (bytes[i] !== 0) break;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

export interface PodAddresses {
  ipv4: string[];
  ipv6: string[];
}

export function podAddresses(node: Pick<LabNode, 'podBlocks'>): PodAddresses {
  return { ipv4: node.podBlocks.ipv4.map(firstHostAddress), ipv6: node.podBlocks.ipv6.map(firstHostAddress) };
}

/**
 * IPv6 settings of a node namespace, applied to its `default` and `all` conf before eth1 (created with its
 * peer directly in this namespace) and pod0 exist, so both inherit them. Every address is static and
 * unique and every fabric neighbour is pinned, so the kernel's own IPv6 chatter only floods the bridge:
 * 100 nodes x (MLD reports, router solicitations, DAD probes) x 100 ports overran the machine-wide
 * backlog (netdev_max_backlog) and lost BGP handshakes.
 * - accept_ra 0, router_solicitations 0: no router discovery (RFC 4861 §6.3.7), nobody sends RAs.
 * - accept_dad 0, dad_transmits 0: no DAD probes (RFC 4862 §5.4): addresses are planned unique.
 * - addr_gen_mode 1 (none): no link-local address, hence no link-local DAD/MLD/RS; ND, BGP next hops and
 *   pings use the global addresses, which is all a lab needs (tested: IPv6 ND and BGP work without it).
 * - mldv{1,2}_unsolicited_report_interval 1 h: joining the solicited-node group of the global address still
 *   sends one MLD report (RFC 3810 §6.1), but its one robustness repeat (§9.1, Linux mld_qrv 2, a
 *   machine-wide sysctl we leave alone) is pushed to a random point in the hour instead of within a second of
 *   every other node's (nobody on the fabric queries or snoops).
 */
export const NODE_NS_SYSCTLS: ReadonlyArray<readonly [key: string, value: number]> = [
  ['accept_ra', 0],
  ['router_solicitations', 0],
  ['accept_dad', 0],
  ['dad_transmits', 0],
  ['addr_gen_mode', 1],
  ['mldv1_unsolicited_report_interval', 3_600_000],
  ['mldv2_unsolicited_report_interval', 3_600_000],
];

/** The fabric namespace is a switch, not a host: no IPv6 on the bridge or its ports at all. */
export const FABRIC_NS_SYSCTLS: ReadonlyArray<readonly [key: string, value: number]> = [['disable_ipv6', 1]];

function sysctlLine(ns: string, settings: ReadonlyArray<readonly [string, number]>): string {
  const kv = settings.flatMap(([k, v]) => ['all', 'default'].map((scope) => `net.ipv6.conf.${scope}.${k}=${v}`));
  return `netns exec ${ns} sysctl -q -w ${kv.join(' ')}`;
}

/** Root-namespace `ip -batch` lines creating the fabric and node namespaces. */
export function namespacesBatch(topo: LabTopology): string[] {
  return [`netns add ${fabricNamespace(topo.name)}`, ...topo.nodes.map((n) => `netns add ${n.containerName}`)];
}

/**
 * Root-namespace `ip -batch` lines setting each lab namespace's own IPv6 defaults (`netns exec` in a batch
 * forks one sysctl per namespace; no sysctl of the root namespace is touched). Independent lines, so they
 * may be split across parallel batches. Must run before fabricBatch, whose veths take these defaults.
 */
export function namespaceSysctlBatch(topo: LabTopology): string[] {
  return [
    sysctlLine(fabricNamespace(topo.name), FABRIC_NS_SYSCTLS),
    ...topo.nodes.map((n) => sysctlLine(n.containerName, NODE_NS_SYSCTLS)),
  ];
}

/**
 * Fabric namespace: the bridge, then one veth per node created with its node end (eth1) directly in the
 * node's namespace, both ends with the lab MTU and deterministic MACs, bridge end enslaved and up.
 */
export function fabricBatch(topo: LabTopology): string[] {
  const br = topo.fabric.bridge;
  const mtu = topo.fabric.mtu;
  const lines = [
    'link set lo up',
    // No STP and no forwarding delay: ports forward at once (a lab, not a campus). No multicast snooping:
    // without a querier it never limits flooding, and each node sends one MLD report and one repeat within the
    // hour (NODE_NS_SYSCTLS).
    `link add name ${br} mtu ${mtu} type bridge stp_state 0 forward_delay 0 mcast_snooping 0`,
  ];
  for (const n of topo.nodes) {
    lines.push(
      `link add name ${n.fabric.bridgePort} address ${bridgePortMac(n.index)} mtu ${n.fabric.mtu} type veth ` +
        `peer name ${n.fabric.iface} address ${n.fabric.mac} mtu ${n.fabric.mtu} netns ${n.containerName}`,
      `link set ${n.fabric.bridgePort} master ${br} up`,
    );
  }
  lines.push(`link set ${br} up`);
  return lines;
}

/**
 * Node namespace: loopback, fabric addresses on eth1 (IPv6 without DAD so daemons can bind at once),
 * the pod veth pair holding the first address of each pod block, and every other node's fabric
 * addresses pinned as permanent neighbours: the neighbour table's GC limit (gc_thresh3) is machine-wide,
 * and pinned entries are exempt, so a large mesh never hits "neighbor table overflow". All nodes, not
 * only BGP peers: behind a reflector the next hop of a route is the originating client.
 */
export function nodeBatch(topo: LabTopology, node: LabNode): string[] {
  const f = node.fabric;
  const lines = ['link set lo up', `addr add ${f.ipv4}/${f.ipv4PrefixLength} dev ${f.iface}`];
  if (f.ipv6 && f.ipv6PrefixLength !== null) lines.push(`addr add ${f.ipv6}/${f.ipv6PrefixLength} dev ${f.iface} nodad`);
  lines.push(`link set ${f.iface} up`);
  const pods = podAddresses(node);
  if (pods.ipv4.length || pods.ipv6.length) {
    lines.push(`link add name ${POD_IFACE} type veth peer name ${POD_PEER_IFACE}`);
    for (const a of pods.ipv4) lines.push(`addr add ${a}/32 dev ${POD_IFACE}`);
    for (const a of pods.ipv6) lines.push(`addr add ${a}/128 dev ${POD_IFACE} nodad`);
    lines.push(`link set ${POD_PEER_IFACE} up`, `link set ${POD_IFACE} up`);
  }
  // GoBGP has no FIB: blackhole its own blocks here, as Calico does and as the other daemons do themselves.
  if (node.impl === 'gobgp') {
    for (const b of [...node.podBlocks.ipv4, ...(f.ipv6 ? node.podBlocks.ipv6 : [])]) lines.push(`route replace blackhole ${b}`);
  }
  for (const other of topo.nodes) {
    if (other.name === node.name) continue;
    lines.push(`neigh replace ${other.fabric.ipv4} lladdr ${other.fabric.mac} dev ${f.iface} nud permanent`);
    if (other.fabric.ipv6 && f.ipv6) {
      lines.push(`neigh replace ${other.fabric.ipv6} lladdr ${other.fabric.mac} dev ${f.iface} nud permanent`);
    }
  }
  return lines;
}

/** containerlab's topology-data.json (the parts tools read), for a lab deployed with namespaces. */
export function topologyData(
  topo: LabTopology,
  labels: Record<string, Record<string, string>> = {},
): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  topo.nodes.forEach((n) => {
    nodes[n.name] = {
      index: String(n.index),
      shortname: n.name,
      longname: n.containerName,
      fqdn: `${n.name}.${topo.name}.io`,
      group: '',
      labdir: n.paths.runtimeDir,
      kind: 'linux',
      image: 'bgplab:latest',
      'mgmt-net': '',
      'mgmt-intf': '',
      // No management network in netns mode: the fabric addresses are how nodes are reached.
      'mgmt-ipv4-address': n.fabric.ipv4,
      'mgmt-ipv4-prefix-length': n.fabric.ipv4PrefixLength,
      'mgmt-ipv6-address': n.fabric.ipv6 ?? '',
      'mgmt-ipv6-prefix-length': n.fabric.ipv6PrefixLength ?? 0,
      'mac-address': n.fabric.mac,
      labels: {
        ...(labels[n.name] ?? {}),
        'clab-node-name': n.name,
        'clab-node-longname': n.containerName,
        'clab-node-kind': 'linux',
        'clab-node-group': '',
        'clab-node-type': '',
        'clab-node-lab-dir': n.paths.runtimeDir,
        'clab-topo-file': topo.file,
        containerlab: topo.name,
      },
      'port-bindings': [],
    };
  });
  nodes[topo.fabric.bridge] = {
    index: String(topo.nodes.length),
    shortname: topo.fabric.bridge,
    longname: topo.fabric.bridge,
    fqdn: `${topo.fabric.bridge}.${topo.name}.io`,
    group: '',
    labdir: `${topo.labDir}/${topo.fabric.bridge}`,
    kind: 'bridge',
    image: '',
    'mgmt-net': '',
    'mgmt-intf': '',
    'mgmt-ipv4-address': '',
    'mgmt-ipv4-prefix-length': 0,
    'mgmt-ipv6-address': '',
    'mgmt-ipv6-prefix-length': 0,
    'mac-address': '',
    labels: { ...(labels[topo.fabric.bridge] ?? {}), 'clab-node-name': topo.fabric.bridge, 'clab-node-kind': 'bridge', containerlab: topo.name },
    'port-bindings': [],
  };
  return {
    name: topo.name,
    type: 'clab',
    clab: {
      config: {
        prefix: 'clab',
        mgmt: {
          network: fabricNamespace(topo.name),
          bridge: topo.fabric.bridge,
          'ipv4-subnet': topo.fabric.ipv4Subnet,
          'ipv6-subnet': topo.fabric.ipv6Subnet ?? '',
          mtu: topo.fabric.mtu,
          'external-access': false,
        },
      },
    },
    'ssh-pub-keys': [],
    nodes,
    links: topo.nodes.map((n) => ({
      a: { node: n.name, interface: n.fabric.iface, mac: n.fabric.mac, peer: 'z' },
      z: { node: topo.fabric.bridge, interface: n.fabric.bridgePort, mac: bridgePortMac(n.index), peer: 'a' },
    })),
  };
}
