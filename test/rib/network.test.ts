/**
 * Several speakers' RIBs wired together (test/rib/harness.ts): two route reflectors with a shared
 * CLUSTER_ID and with distinct ones (RFC 4456 §7, §8 loop prevention), full mesh split horizon
 * (RFC 4271 §9.2), reflector failure, and an eBGP edge (RFC 4271 §5.1).
 */
import { describe, expect, it } from 'vitest';
import { Net } from './harness.js';

const AS = 64512;
const P1 = '10.244.1.0/26';
const P1v6 = 'fd00:10:244:1::/122';

/** Two reflectors (rr1 = node 1, rr2 = node 2) peered as non-clients; three clients on both. */
function twoReflectors(cluster1: string, cluster2: string): Net {
  const net = new Net();
  net.add({ name: 'rr1', n: 1, asn: AS, clusterId: cluster1 });
  net.add({ name: 'rr2', n: 2, asn: AS, clusterId: cluster2 });
  for (const [name, n] of [
    ['c1', 11],
    ['c2', 12],
    ['c3', 13],
  ] as const) {
    net.add({ name, n, asn: AS });
    net.link(name, 'rr1', { aClientOfB: true });
    net.link(name, 'rr2', { aClientOfB: true });
  }
  net.link('rr1', 'rr2');
  net.node('c1').rib.originate([P1, P1v6]);
  return net;
}

function pathsAt(net: Net, node: string, prefix: string) {
  return net.node(node).rib.routes().filter((r) => r.prefix === prefix);
}

describe('two route reflectors (RFC 4456)', () => {
  it('§7 shared CLUSTER_ID: each reflector ignores the other\'s reflection of a client route; clients get both reflections', () => {
    const net = twoReflectors('1.1.1.1', '1.1.1.1');
    net.converge();
    for (const rr of ['rr1', 'rr2']) {
      const paths = pathsAt(net, rr, P1);
      // Direct from c1 (selected) and the other reflector's copy, ignored as a cluster loop (§8).
      expect(paths.find((p) => p.best)?.peer).toBe('10.0.0.11');
      expect(paths.find((p) => !p.best)).toMatchObject({ rejected: 'cluster-loop', attributes: { clusterList: ['1.1.1.1'] } });
    }
    for (const c of ['c2', 'c3']) {
      for (const prefix of [P1, P1v6]) {
        const paths = pathsAt(net, c, prefix);
        expect(paths).toHaveLength(2);
        const best = paths.find((p) => p.best);
        expect(best?.nextHop).toBe(prefix === P1 ? '10.0.0.11' : 'fd00::11');
        expect(best?.attributes.originatorId).toBe('11.11.11.11');
        expect(best?.attributes.clusterList).toEqual(['1.1.1.1']);
        expect(best?.peer).toBe('10.0.0.1'); // equal ORIGINATOR_ID and CLUSTER_LIST: lowest peer address
      }
    }
    // c1 never gets its own route back (not to the source, and ORIGINATOR_ID is c1's).
    expect(pathsAt(net, 'c1', P1)).toEqual([expect.objectContaining({ local: true, best: true })]);
  });

  it('§7 distinct CLUSTER_IDs: each reflector keeps the other\'s copy as a longer-CLUSTER_LIST backup; no loop', () => {
    const net = twoReflectors('1.1.1.1', '2.2.2.2');
    net.converge();
    const rr2 = pathsAt(net, 'rr2', P1);
    expect(rr2).toHaveLength(2);
    expect(rr2.find((p) => p.best)?.peer).toBe('10.0.0.11'); // RFC 4456 §9: shorter CLUSTER_LIST
    expect(rr2.find((p) => !p.best)).toMatchObject({ rejected: null, peer: '10.0.0.1', attributes: { clusterList: ['1.1.1.1'] } });
    const c2best = pathsAt(net, 'c2', P1).find((p) => p.best);
    expect(c2best?.attributes.clusterList).toEqual(['1.1.1.1']);
    // Withdrawal converges to nothing everywhere: no reflector keeps the other's stale copy alive.
    net.node('c1').rib.withdrawOriginated([P1]);
    net.converge();
    for (const name of ['rr1', 'rr2', 'c1', 'c2', 'c3']) expect(pathsAt(net, name, P1)).toEqual([]);
    expect(pathsAt(net, 'c3', P1v6).some((p) => p.best)).toBe(true);
  });

  it('distinct CLUSTER_IDs with the client cut from one reflector: that reflector learns it through the other (CLUSTER_LIST of two)', () => {
    const net = twoReflectors('1.1.1.1', '2.2.2.2');
    net.converge();
    net.down('c1', 'rr1');
    net.converge();
    const rr1best = pathsAt(net, 'rr1', P1).find((p) => p.best);
    expect(rr1best).toMatchObject({ peer: '10.0.0.2', nextHop: '10.0.0.11', attributes: { originatorId: '11.11.11.11', clusterList: ['2.2.2.2'] } });
    // rr1 reflects it to c2 with both cluster ids; c2 prefers rr2's shorter list.
    const c2 = pathsAt(net, 'c2', P1);
    expect(c2.find((p) => p.peer === '10.0.0.1')?.attributes.clusterList).toEqual(['1.1.1.1', '2.2.2.2']);
    expect(c2.find((p) => p.best)?.peer).toBe('10.0.0.2');
  });

  it('shared CLUSTER_ID with the client cut from one reflector: that reflector cannot use the other\'s copy (§8), the clients still reach it', () => {
    const net = twoReflectors('1.1.1.1', '1.1.1.1');
    net.converge();
    net.down('c1', 'rr1');
    net.converge();
    expect(pathsAt(net, 'rr1', P1).some((p) => p.best)).toBe(false);
    expect(pathsAt(net, 'c2', P1).find((p) => p.best)?.peer).toBe('10.0.0.2');
  });

  it('a reflector dies: clients keep every route through the other one, then it comes back', () => {
    const net = twoReflectors('1.1.1.1', '1.1.1.1');
    net.node('c2').rib.originate(['10.244.2.0/26']);
    net.converge();
    net.kill('rr1');
    net.converge();
    for (const c of ['c1', 'c3']) expect(net.node(c).rib.best('10.244.2.0/26')?.peer).toBe('10.0.0.2');
    expect(pathsAt(net, 'c3', P1)).toHaveLength(1);
    net.up('c1', 'rr1');
    net.up('c2', 'rr1');
    net.up('c3', 'rr1');
    net.up('rr1', 'rr2');
    net.converge();
    expect(pathsAt(net, 'c3', P1)).toHaveLength(2);
    expect(net.node('c3').rib.best(P1)?.peer).toBe('10.0.0.1');
  });
});

describe('full mesh (RFC 4271 §9.2)', () => {
  it('iBGP-learned routes are not passed on: a node reaches a prefix only through its originator', () => {
    const net = new Net();
    for (let n = 1; n <= 4; n++) net.add({ name: `n${n}`, n, asn: AS });
    for (let a = 1; a <= 4; a++) for (let b = a + 1; b <= 4; b++) net.link(`n${a}`, `n${b}`);
    for (let n = 1; n <= 4; n++) net.node(`n${n}`).rib.originate([`10.244.${n}.0/26`]);
    net.converge();
    for (let n = 1; n <= 4; n++) {
      const routes = net.node(`n${n}`).rib.routes();
      expect(routes).toHaveLength(4);
      for (let m = 1; m <= 4; m++) {
        if (m === n) continue;
        const r = routes.filter((e) => e.prefix === `10.244.${m}.0/26`);
        expect(r).toHaveLength(1);
        expect(r[0]).toMatchObject({ peer: `10.0.0.${m}`, nextHop: `10.0.0.${m}`, best: true });
        expect(r[0].attributes).toEqual({ origin: 0, asPath: [], nextHop: `10.0.0.${m}`, localPref: 100 });
      }
    }
    // Losing a session loses exactly the routes of that peer.
    net.down('n1', 'n2');
    net.converge();
    expect(net.node('n1').rib.best('10.244.2.0/26')).toBeUndefined();
    expect(net.node('n1').rib.best('10.244.3.0/26')?.peer).toBe('10.0.0.3');
  });
});

describe('eBGP edge (RFC 4271 §5.1)', () => {
  it('AS_PATH grows by one AS per eBGP hop, next hop is reset at each AS border and kept inside the AS', () => {
    const net = new Net();
    net.add({ name: 'tor', n: 1, asn: 65001 });
    net.add({ name: 'a', n: 2, asn: AS });
    net.add({ name: 'b', n: 3, asn: AS });
    net.add({ name: 'far', n: 4, asn: 65003 });
    net.link('tor', 'a');
    net.link('a', 'b');
    net.link('b', 'far');
    net.node('tor').rib.originate(['0.0.0.0/0']);
    net.converge();
    expect(net.node('a').rib.best('0.0.0.0/0')?.attrs.attrs).toEqual({
      origin: 0,
      asPath: [{ type: 2, asns: [65001] }],
      nextHop: '10.0.0.1',
      localPref: 100,
    });
    expect(net.node('b').rib.best('0.0.0.0/0')?.attrs.attrs).toEqual({
      origin: 0,
      asPath: [{ type: 2, asns: [65001] }],
      nextHop: '10.0.0.1',
      localPref: 100,
    });
    expect(net.node('far').rib.best('0.0.0.0/0')?.attrs.attrs).toEqual({
      origin: 0,
      asPath: [{ type: 2, asns: [AS, 65001] }],
      nextHop: '10.0.0.3',
      localPref: 100,
    });
    // Nobody sends tor its own route back.
    expect(net.node('tor').rib.routes()).toHaveLength(1);
    // A second border between far and tor: far now prefers tor directly (shorter AS_PATH) and tor
    // never accepts its route back through far (its AS would be in the path, §9.1.2).
    net.link('far', 'tor');
    net.converge();
    expect(net.node('far').rib.best('0.0.0.0/0')?.peer).toBe('10.0.0.1');
    expect(net.node('tor').rib.routes()).toHaveLength(1);
    expect(net.node('b').rib.routes().filter((r) => r.prefix === '0.0.0.0/0')).toHaveLength(2);
    expect(net.node('b').rib.best('0.0.0.0/0')?.peer).toBe('10.0.0.2');
  });
});
