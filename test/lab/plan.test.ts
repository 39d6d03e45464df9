/** Netns deployment planning (pure): batches, addresses, MACs, topology-data.json. */
import { describe, expect, it } from 'vitest';
import {
  bridgePortMac,
  fabricBatch,
  fabricNamespace,
  firstHostAddress,
  namespacesBatch,
  namespaceSysctlBatch,
  nodeBatch,
  nodeNamespace,
  podAddresses,
  topologyData,
} from '../../src/lab/plan.js';
import { generateLab } from '../../src/topo/gen.js';
import type { LabTopology } from '../../src/topo/model.js';

/** A LabTopology without touching the disk: paths are computed as loadTopology would. */
function labOf(req: Parameters<typeof generateLab>[0]): LabTopology {
  const spec = generateLab(req);
  const dir = '/labs';
  const labDir = `${dir}/clab-${spec.name}`;
  const { image: _i, ...rest } = spec;
  return {
    ...rest,
    file: `${dir}/${spec.name}.clab.yml`,
    dir,
    labDir,
    nodes: spec.nodes.map(({ configFiles, ...n }) => ({
      ...n,
      paths: {
        configDir: `${dir}/${spec.name}/${n.name}`,
        config: `${dir}/${spec.name}/${n.name}/${configFiles[0]}`,
        files: configFiles,
        runtimeDir: `${labDir}/${n.name}`,
        controlSocket: `${labDir}/${n.name}/control.sock`,
        eventLog: `${labDir}/${n.name}/events.jsonl`,
      },
    })),
  };
}

describe('names and addresses', () => {
  it('mirrors containerlab naming; the fabric has its own namespace', () => {
    expect(nodeNamespace('lab1', 'node3')).toBe('clab-lab1-node3');
    expect(fabricNamespace('lab1')).toBe('clab-lab1-fabric');
  });

  it('gives pods the first host address of each block', () => {
    expect(firstHostAddress('10.244.0.64/26')).toBe('10.244.0.65');
    expect(firstHostAddress('10.244.255.192/26')).toBe('10.244.255.193');
    expect(firstHostAddress('fd00:10:244::c0/122')).toBe('fd00:10:244::c1');
    expect(firstHostAddress('fd00:10:244::ffff:ffff:ffff:ffff/64')).toBe('fd00:10:244:1::');
  });

  it('derives distinct locally administered bridge-port MACs', () => {
    const macs = new Set(Array.from({ length: 4096 }, (_, i) => bridgePortMac(i)));
    expect(macs.size).toBe(4096);
    expect(bridgePortMac(0)).toBe('aa:c1:ac:00:00:01');
    // Bit 1 of the first octet (locally administered) set, bit 0 (multicast) clear.
    expect(parseInt(bridgePortMac(7).slice(0, 2), 16) & 3).toBe(2);
  });
});

describe('ip -batch lines', () => {
  const topo = labOf({ name: 'p', mode: 'rr', nodes: 5, rr: 2, rrImpl: 'bird', clientImpl: 'gobgp' });

  it('fabric: one bridge, one veth per node with its node end created in the node namespace', () => {
    const lines = fabricBatch(topo);
    expect(lines.filter((l) => l.includes('type bridge'))).toHaveLength(1);
    const veths = lines.filter((l) => l.includes('type veth'));
    expect(veths).toHaveLength(5);
    const n1 = topo.nodes[2];
    expect(veths[2]).toBe(
      `link add name ${n1.fabric.bridgePort} address ${bridgePortMac(2)} mtu 9500 type veth ` +
        `peer name eth1 address ${n1.fabric.mac} mtu 9500 netns clab-p-node1`,
    );
    expect(lines.filter((l) => l.includes(`master ${topo.fabric.bridge} up`))).toHaveLength(5);
  });

  it('node: addresses, pod veth pair inside the namespace, every other node pinned permanent', () => {
    const node = topo.nodes[3];
    const lines = nodeBatch(topo, node);
    expect(lines).toContain(`addr add ${node.fabric.ipv4}/16 dev eth1`);
    expect(lines).toContain(`addr add ${node.fabric.ipv6}/64 dev eth1 nodad`);
    expect(lines).toContain('link add name pod0 type veth peer name pod0-peer');
    const pods = podAddresses(node);
    expect(lines).toContain(`addr add ${pods.ipv4[0]}/32 dev pod0`);
    expect(lines).toContain(`addr add ${pods.ipv6[0]}/128 dev pod0 nodad`);
    const neigh = lines.filter((l) => l.startsWith('neigh replace'));
    expect(neigh).toHaveLength(2 * (topo.nodes.length - 1));
    expect(neigh.every((l) => l.endsWith('nud permanent'))).toBe(true);
    expect(neigh.some((l) => l.includes(node.fabric.ipv4 + ' '))).toBe(false);
    // GoBGP has no FIB: its blocks are blackholed by the lab.
    expect(lines).toContain(`route replace blackhole ${node.podBlocks.ipv4[0]}`);
    expect(nodeBatch(topo, topo.nodes[0]).some((l) => l.includes('blackhole'))).toBe(false);
  });

  it('namespaces: created first, then each gets its own quiet IPv6 defaults (root sysctls untouched)', () => {
    expect(namespacesBatch(topo)).toEqual(['netns add clab-p-fabric', ...topo.nodes.map((n) => `netns add ${n.containerName}`)]);
    const sysctl = namespaceSysctlBatch(topo);
    expect(sysctl).toHaveLength(6);
    // Every sysctl runs inside a lab namespace, never bare (which would change the root namespace).
    expect(sysctl.every((l) => /^netns exec clab-p-\S+ sysctl -q -w /.test(l))).toBe(true);
    expect(sysctl[0]).toBe('netns exec clab-p-fabric sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1');
    const node = sysctl.find((l) => l.includes('clab-p-node2 '))!;
    for (const kv of ['accept_ra=0', 'router_solicitations=0', 'accept_dad=0', 'dad_transmits=0', 'addr_gen_mode=1', 'mldv2_unsolicited_report_interval=3600000']) {
      expect(node).toContain(`net.ipv6.conf.default.${kv}`);
      expect(node).toContain(`net.ipv6.conf.all.${kv}`);
    }
    // The bridge does no multicast snooping (no querier: it would flood anyway).
    expect(fabricBatch(topo).find((l) => l.includes('type bridge'))).toContain('mcast_snooping 0');
  });

  it('IPv4-only labs get no IPv6 lines', () => {
    const v4 = labOf({ name: 'q', mode: 'mesh', nodes: 3, clientImpl: 'bird', ipv6: false });
    const lines = nodeBatch(v4, v4.nodes[0]);
    // No IPv6 address anywhere (MACs have colons too: look at the address words only).
    expect(lines.filter((l) => /^(addr add|neigh replace) [0-9a-f]*:/.test(l))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('neigh'))).toHaveLength(2);
  });
});

describe('topology-data.json', () => {
  it('has containerlab shape: nodes with longname/mgmt addresses, the bridge node, a/z links', () => {
    const topo = labOf({ name: 'd', mode: 'mesh', nodes: 3, clientImpl: 'bird' });
    const d = topologyData(topo, { node1: { 'bgplab.role': 'mesh' } }) as any;
    expect(d.name).toBe('d');
    expect(d.type).toBe('clab');
    expect(d.clab.config.prefix).toBe('clab');
    expect(Object.keys(d.nodes)).toEqual(['node1', 'node2', 'node3', topo.fabric.bridge]);
    expect(d.nodes.node2).toMatchObject({
      index: '1',
      shortname: 'node2',
      longname: 'clab-d-node2',
      kind: 'linux',
      'mgmt-ipv4-address': topo.nodes[1].fabric.ipv4,
    });
    expect(d.nodes.node1.labels['bgplab.role']).toBe('mesh');
    expect(d.nodes[topo.fabric.bridge].kind).toBe('bridge');
    expect(d.links).toHaveLength(3);
    expect(d.links[0].a).toMatchObject({ node: 'node1', interface: 'eth1', mac: topo.nodes[0].fabric.mac });
    expect(d.links[0].z).toMatchObject({ node: topo.fabric.bridge, interface: topo.nodes[0].fabric.bridgePort });
  });
});
