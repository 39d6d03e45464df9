import { describe, expect, it } from 'vitest';
import { parseCidr4, parseCidr6, contains4, contains6, v4FromString, v6FromString } from '../../src/topo/addr.js';
import { bridgeName, generateLab, meshPassive, resolveTimers, type LabSpec, type TopoRequest } from '../../src/topo/gen.js';
import { expectedSessionCount, TopologyError } from '../../src/topo/model.js';

const SIZES = [2, 3, 5, 10, 50, 100, 250, 500];

/** Invariants every generated lab must hold, whatever its shape. */
function checkInvariants(lab: LabSpec): void {
  const n = lab.nodes.length;
  const r = lab.reflectors.length;
  // Session count: the formula, the enumerated sessions and the peers agree.
  expect(lab.expectedSessions).toBe(lab.mode === 'mesh' ? (n * (n - 1)) / 2 : r * (n - r) + (r * (r - 1)) / 2);
  expect(lab.sessions.length).toBe(lab.expectedSessions);
  expect(lab.nodes.reduce((s, x) => s + x.peers.length, 0)).toBe(2 * lab.expectedSessions);
  expect(new Set(lab.sessions.map(([a, b]) => `${a}|${b}`)).size).toBe(lab.sessions.length);

  // Unique names, addresses, MACs, router ids, bridge ports.
  for (const key of ['name', 'routerId'] as const) expect(new Set(lab.nodes.map((x) => x[key])).size).toBe(n);
  expect(new Set(lab.nodes.map((x) => x.fabric.ipv4)).size).toBe(n);
  expect(new Set(lab.nodes.map((x) => x.fabric.mac)).size).toBe(n);
  expect(new Set(lab.nodes.map((x) => x.fabric.bridgePort)).size).toBe(n);
  if (lab.ipv6) expect(new Set(lab.nodes.map((x) => x.fabric.ipv6)).size).toBe(n);
  for (const x of lab.nodes) {
    expect(x.fabric.mac).toMatch(/^aa:c1:ab:00:[0-9a-f]{2}:[0-9a-f]{2}$/);
    expect(x.fabric.bridgePort.length).toBeLessThanOrEqual(15);
  }

  // Fabric addresses inside the fabric subnets.
  const fab4 = parseCidr4(lab.fabric.ipv4Subnet);
  if (typeof fab4 === 'string') throw new Error(fab4);
  for (const x of lab.nodes) expect(contains4(fab4, v4FromString(x.fabric.ipv4)!)).toBe(true);
  if (lab.ipv6) {
    const fab6 = parseCidr6(lab.fabric.ipv6Subnet!);
    if (typeof fab6 === 'string') throw new Error(fab6);
    for (const x of lab.nodes) expect(contains6(fab6, v6FromString(x.fabric.ipv6!)!)).toBe(true);
  }

  // Pod blocks: one per node and family, of the block length, inside the pool, disjoint.
  const pool4 = parseCidr4(lab.podPools.ipv4.cidr);
  if (typeof pool4 === 'string') throw new Error(pool4);
  const bases4 = new Set<number>();
  for (const x of lab.nodes) {
    expect(x.podBlocks.ipv4).toHaveLength(1);
    const b = parseCidr4(x.podBlocks.ipv4[0]);
    if (typeof b === 'string') throw new Error(b);
    expect(b.length).toBe(lab.podPools.ipv4.blockLength);
    expect(contains4(pool4, b.base)).toBe(true);
    bases4.add(b.base);
    expect(x.podAddresses.ipv4[0]).toBe(x.podBlocks.ipv4[0].replace(/\.(\d+)\/\d+$/, (_, o) => `.${Number(o) + 1}`));
  }
  expect(bases4.size).toBe(n); // same length + distinct bases = disjoint
  if (lab.ipv6) {
    const pool6 = parseCidr6(lab.podPools.ipv6!.cidr);
    if (typeof pool6 === 'string') throw new Error(pool6);
    const bases6 = new Set<bigint>();
    for (const x of lab.nodes) {
      const b = parseCidr6(x.podBlocks.ipv6[0]);
      if (typeof b === 'string') throw new Error(b);
      expect(b.length).toBe(lab.podPools.ipv6!.blockLength);
      expect(contains6(pool6, b.base)).toBe(true);
      bases6.add(b.base);
    }
    expect(bases6.size).toBe(n);
  } else {
    for (const x of lab.nodes) expect(x.podBlocks.ipv6).toEqual([]);
  }
  // Every node expects the other nodes' blocks.
  for (const x of lab.nodes) expect(x.expectedRoutes).toEqual({ ipv4: n - 1, ipv6: lab.ipv6 ? n - 1 : 0 });
}

describe('topology generation: session counts and invariants', () => {
  for (const n of SIZES) {
    it(`mesh of ${n}: N(N-1)/2 sessions, one active side per pair`, () => {
      const lab = generateLab({ name: `m${n}`, mode: 'mesh', nodes: n });
      checkInvariants(lab);
      expect(lab.nodes.map((x) => x.name)).toEqual(Array.from({ length: n }, (_, i) => `node${i + 1}`));
      // Calico's one-directional mesh: of each pair exactly one side is passive.
      const peer = new Map(lab.nodes.flatMap((x) => x.peers.map((p) => [`${x.name}>${p.node}`, p] as const)));
      const wrong = lab.sessions.filter(([a, b]) => {
        const ab = peer.get(`${a}>${b}`)!;
        const ba = peer.get(`${b}>${a}`)!;
        return ab.passive === ba.passive || ab.rrClient || ba.rrClient;
      });
      expect(wrong).toEqual([]);
    });
  }
  for (const n of SIZES) {
    for (const r of [1, 2, 3]) {
      if (r >= n) continue;
      it(`rr: ${r} reflectors of ${n} nodes: R(N-R) + R(R-1)/2 sessions`, () => {
        const lab = generateLab({ name: `r${r}-${n}`, mode: 'rr', nodes: n, rr: r, clusterId: r === 3 ? 'per-rr' : 'shared' });
        checkInvariants(lab);
        expect(lab.reflectors).toEqual(Array.from({ length: r }, (_, i) => `rr${i + 1}`));
        for (const x of lab.nodes) {
          if (x.role === 'rr') {
            // A reflector: every other node is a peer; clients are rr clients, reflectors are not.
            expect(x.peers).toHaveLength(n - 1);
            for (const p of x.peers) expect(p.rrClient).toBe(!p.node.startsWith('rr'));
            expect(x.clusterId).toBe(r === 3 ? `244.0.0.${x.index + 1}` : '244.0.0.1');
          } else {
            expect(x.role).toBe('client');
            expect(x.peers.map((p) => p.node)).toEqual(lab.reflectors);
            expect(x.peers.every((p) => !p.rrClient && !p.passive)).toBe(true);
            expect(x.clusterId).toBeNull();
          }
        }
      });
    }
  }

  it('IPv4-only labs carry one family and no IPv6 anywhere', () => {
    const lab = generateLab({ name: 'v4', mode: 'rr', nodes: 10, ipv6: false });
    checkInvariants(lab);
    expect(lab.fabric.ipv6Subnet).toBeNull();
    expect(lab.podPools.ipv6).toBeNull();
    for (const x of lab.nodes) {
      expect(x.fabric.ipv6).toBeNull();
      for (const p of x.peers) expect(p.families).toEqual(['ipv4']);
    }
  });

  it('formula helper agrees with the enumeration', () => {
    expect(expectedSessionCount('mesh', 500, 0)).toBe(124750);
    expect(expectedSessionCount('rr', 200, 3)).toBe(3 * 197 + 3);
  });

  it('a 500-node lab is generated quickly (mesh and rr)', () => {
    const t0 = performance.now();
    generateLab({ name: 'big', mode: 'mesh', nodes: 500 });
    generateLab({ name: 'big', mode: 'rr', nodes: 500, rr: 3 });
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('implementations per role, custom addressing and timers are honoured', () => {
    const lab = generateLab({
      name: 'custom',
      mode: 'rr',
      nodes: 6,
      rr: 2,
      rrImpl: 'bird',
      clientImpl: 'frr',
      asn: 65001,
      fabricIpv4: '192.168.100.0/24',
      fabricIpv6: 'fd12:3456::/64',
      podPoolIpv4: '172.16.0.0/20',
      podBlockIpv4: 24,
      podPoolIpv6: 'fd99::/48',
      podBlockIpv6: 64,
      profile: 'rfc',
      hold: 30,
    });
    checkInvariants(lab);
    expect(lab.nodes.map((x) => x.impl)).toEqual(['bird', 'bird', 'frr', 'frr', 'frr', 'frr']);
    expect(lab.nodes[0].fabric.ipv4).toBe('192.168.100.1');
    expect(lab.nodes[5].podBlocks).toEqual({ ipv4: ['172.16.5.0/24'], ipv6: ['fd99:0:0:5::/64'] });
    expect(lab.timers).toMatchObject({ profile: 'rfc', hold: 30, keepalive: 10 });
    expect(lab.nodes.every((x) => x.asn === 65001)).toBe(true);
  });

  it('GoBGP nodes have no FIB; others do', () => {
    const lab = generateLab({ name: 'g', mode: 'rr', nodes: 4, rrImpl: 'gobgp', clientImpl: 'bird' });
    expect(lab.nodes.map((x) => x.fib)).toEqual([false, false, true, true]);
  });

  it('mesh passive side follows Calico: peer address greater as a string', () => {
    expect(meshPassive('10.0.0.1', '10.0.0.2')).toBe(true);
    expect(meshPassive('10.0.0.10', '10.0.0.9')).toBe(true); // "9" > "1": string order, not numeric
    expect(meshPassive('10.0.0.9', '10.0.0.10')).toBe(false);
  });

  it('timer profiles', () => {
    expect(resolveTimers('fast')).toMatchObject({ hold: 9, keepalive: 3, connectDelay: 1 });
    expect(resolveTimers('calico')).toMatchObject({ hold: 240, keepalive: 80, connectDelay: 2, connectRetry: 5, errorWait: [5, 30] });
    expect(resolveTimers('rfc')).toMatchObject({ hold: 90, keepalive: 30 });
    expect(resolveTimers('fast', 12)).toMatchObject({ hold: 12, keepalive: 4 });
    expect(resolveTimers('calico', undefined, 20)).toMatchObject({ hold: 240, keepalive: 20 });
  });

  it('bridge names fit IFNAMSIZ and stay stable', () => {
    expect(bridgeName('rr2-20')).toBe('br-rr2-20');
    const long = bridgeName('calico-bird-rr-20');
    expect(long.length).toBeLessThanOrEqual(15);
    expect(bridgeName('calico-bird-rr-20')).toBe(long);
    expect(bridgeName('calico-bird-rr-21')).not.toBe(long);
  });
});

describe('topology generation: bad requests are refused with the reason', () => {
  const base: TopoRequest = { name: 'x', mode: 'rr', nodes: 10 };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['R >= N', { nodes: 3, rr: 3 }, /--rr 3: needs fewer reflectors than nodes \(3\)/],
    ['R = 0', { rr: 0 }, /--rr 0: must be between 1/],
    ['one node', { nodes: 1 }, /--nodes 1: must be between 2/],
    ['fractional nodes', { nodes: 2.5 }, /--nodes 2.5: must be an integer/],
    ['NaN nodes', { nodes: Number.NaN }, /--nodes NaN: must be an integer/],
    ['unknown impl', { clientImpl: 'quagga' }, /--client-impl "quagga": unknown implementation \(choose bgplab, bird, frr, gobgp\)/],
    ['unknown rr impl', { rrImpl: 'openbgpd' }, /--rr-impl "openbgpd": unknown implementation/],
    ['bad mode', { mode: 'star' }, /--mode "star": must be "mesh" or "rr"/],
    ['bad cluster mode', { clusterId: 'each' }, /--cluster-id "each": must be "shared" or "per-rr"/],
    ['IPv4 pool too small', { nodes: 100, podPoolIpv4: '10.244.0.0/24' }, /--pod-pool-ipv4 "10.244.0.0\/24": holds 4 \/26 blocks, 100 nodes need one each/],
    ['default IPv4 pool too small', { nodes: 1025 }, /holds 1024 \/26 blocks, 1025 nodes/],
    ['IPv6 pool too small', { podPoolIpv6: 'fd00:10:244::/120', podBlockIpv6: 122 }, /--pod-pool-ipv6 "fd00:10:244::\/120": holds 4 \/122 blocks/],
    ['fabric too small', { fabricIpv4: '10.0.0.0/29' }, /--fabric-ipv4 "10.0.0.0\/29": holds 6 node addresses, 10 needed/],
    ['host bits', { fabricIpv4: '10.0.0.1/16' }, /host bits set \(did you mean 10.0.0.0\/16\?\)/],
    ['not a prefix', { podPoolIpv4: '10.244.0.0' }, /--pod-pool-ipv4 "10.244.0.0": expected an IPv4 prefix/],
    ['v6 as v4', { fabricIpv4: 'fd00::/64' }, /is not an IPv4 address/],
    ['overlap', { fabricIpv4: '10.244.0.0/16' }, /--pod-pool-ipv4 "10.244.0.0\/16": overlaps the fabric subnet/],
    ['block shorter than pool', { podBlockIpv4: 8 }, /--pod-block-ipv4 8: blocks must be inside the pool/],
    ['v6 flags with no ipv6', { ipv6: false, podPoolIpv6: 'fd00:10:244::/56' }, /--pod-pool-ipv6 .*IPv6 is off/],
    ['hold too small', { hold: 2 }, /--hold 2: must be between 3 and 65535/],
    ['keepalive >= hold', { hold: 9, keepalive: 9 }, /--keepalive 9: must be less than the hold time 9/],
    ['unknown profile', { profile: 'turbo' }, /--profile "turbo": unknown timers profile/],
    ['bad asn', { asn: 0 }, /--asn 0: must be between 1/],
    ['bad name', { name: 'bad name' }, /--name "bad name": lab name must be/],
    ['name too long', { name: 'a'.repeat(41) }, /--name/],
    ['rr in mesh', { mode: 'mesh', rr: 2 }, /--rr 2: reflectors only exist in mode rr/],
    ['rr impl in mesh', { mode: 'mesh', rrImpl: 'bird' }, /--rr-impl "bird": reflectors only exist/],
    ['huge mesh', { mode: 'mesh', nodes: 1001 }, /--nodes 1001: a full mesh of more than 1000 nodes/],
    ['bad image', { image: 'img $(x)' }, /--image "img \$\(x\)": not a container image reference/],
  ];
  for (const [what, over, re] of cases) {
    it(what, () => {
      let err: unknown;
      try {
        generateLab({ ...base, ...over } as TopoRequest);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TopologyError);
      expect((err as Error).message).toMatch(re);
    });
  }
  it('a request that is not an object', () => {
    expect(() => generateLab(null as unknown as TopoRequest)).toThrow(TopologyError);
  });
});
