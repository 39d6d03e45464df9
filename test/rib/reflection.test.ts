/**
 * Route reflection (RFC 4456) and iBGP split horizon (RFC 4271 §9.2) on one reflector: who gets a
 * route, with which ORIGINATOR_ID and CLUSTER_LIST, and which received routes are ignored as loops.
 */
import { describe, expect, it } from 'vitest';
import { Rib, RibError } from '../../src/rib/index.js';
import type { OutboundBatch } from '../../src/rib/index.js';
import type { PathAttributes } from '../../src/wire/types.js';

const P = '10.244.1.0/26';
const AS = 65000;
const CLUSTER = '1.1.1.1';
const C1 = '10.0.0.11';
const C2 = '10.0.0.12';
const N1 = '10.0.0.21';
const N2 = '10.0.0.22';
const E = '10.0.9.1';

function reflector(): Rib {
  const r = new Rib({ routerId: '10.0.0.1', asn: AS, clusterId: CLUSTER });
  const nh = { ipv4: '10.0.0.1', ipv6: 'fd00::1' };
  r.addPeer({ address: C1, asn: AS, rrClient: true, routerId: '11.11.11.11', nextHopSelf: nh });
  r.addPeer({ address: C2, asn: AS, rrClient: true, routerId: '12.12.12.12', nextHopSelf: nh });
  r.addPeer({ address: N1, asn: AS, routerId: '21.21.21.21', nextHopSelf: nh });
  r.addPeer({ address: N2, asn: AS, routerId: '22.22.22.22', nextHopSelf: nh });
  r.addPeer({ address: E, asn: 65100, routerId: '9.9.9.9', nextHopSelf: { ipv4: '10.0.9.2', ipv6: 'fd00:9::2' } });
  for (const p of [C1, C2, N1, N2, E]) {
    r.peerUp(p);
    r.flush(p); // initial End-of-RIB
  }
  return r;
}

const ibgp = (nextHop: string, extra: PathAttributes = {}): PathAttributes => ({
  origin: 0,
  asPath: [],
  nextHop,
  localPref: 120,
  med: 7,
  ...extra,
});

/** What each peer is sent for P after one flush: its attributes, or undefined. */
function sentTo(r: Rib, peers: string[]): Record<string, Readonly<PathAttributes> | undefined> {
  const out: Record<string, Readonly<PathAttributes> | undefined> = {};
  for (const p of peers) {
    const batch: OutboundBatch = r.flush(p);
    out[p] = batch.announce.find((g) => g.prefixes.some((n) => n.prefix === P))?.attrs.attrs;
  }
  return out;
}

describe('route reflection (RFC 4456)', () => {
  it('§6: a route from a client is reflected to the other clients and to non-clients, never back', () => {
    const r = reflector();
    r.applyUpdate(C1, 'ipv4', ibgp(C1), [{ prefix: P }], []);
    const sent = sentTo(r, [C1, C2, N1, N2]);
    expect(sent[C1]).toBeUndefined();
    for (const p of [C2, N1, N2]) expect(sent[p]).toBeDefined();
  });

  it('§6: a route from a non-client is reflected to clients only', () => {
    const r = reflector();
    r.applyUpdate(N1, 'ipv4', ibgp(N1), [{ prefix: P }], []);
    const sent = sentTo(r, [C1, C2, N1, N2]);
    expect(sent[C1]).toBeDefined();
    expect(sent[C2]).toBeDefined();
    expect(sent[N1]).toBeUndefined();
    expect(sent[N2]).toBeUndefined();
  });

  it('§6: a route from an eBGP peer goes to every iBGP peer, without reflection attributes', () => {
    const r = reflector();
    r.applyUpdate(E, 'ipv4', { origin: 0, asPath: [{ type: 2, asns: [65100] }], nextHop: E, med: 3 }, [{ prefix: P }], []);
    const sent = sentTo(r, [C1, C2, N1, N2]);
    for (const p of [C1, C2, N1, N2]) {
      expect(sent[p]).toEqual({ origin: 0, asPath: [{ type: 2, asns: [65100] }], nextHop: E, med: 3, localPref: 100 });
    }
  });

  it('§8: reflecting sets ORIGINATOR_ID to the router id of the peer it came from and prepends our CLUSTER_ID; NEXT_HOP, LOCAL_PREF, MED, AS_PATH unchanged', () => {
    const r = reflector();
    r.applyUpdate(C1, 'ipv4', ibgp(C1, { asPath: [{ type: 2, asns: [64999] }], communities: [65000 * 65536 + 1] }), [{ prefix: P }], []);
    const sent = sentTo(r, [C2]);
    expect(sent[C2]).toEqual({
      origin: 0,
      asPath: [{ type: 2, asns: [64999] }],
      nextHop: C1,
      localPref: 120,
      med: 7,
      communities: [65000 * 65536 + 1],
      originatorId: '11.11.11.11',
      clusterList: [CLUSTER],
    });
  });

  it('§8: an ORIGINATOR_ID already present is kept, and our CLUSTER_ID goes in front of the list', () => {
    const r = reflector();
    r.applyUpdate(N1, 'ipv4', ibgp(N1, { originatorId: '30.30.30.30', clusterList: ['2.2.2.2'] }), [{ prefix: P }], []);
    const sent = sentTo(r, [C1]);
    expect(sent[C1]?.originatorId).toBe('30.30.30.30');
    expect(sent[C1]?.clusterList).toEqual([CLUSTER, '2.2.2.2']);
  });

  it('§8: a route carrying our BGP identifier as ORIGINATOR_ID is ignored', () => {
    const r = reflector();
    r.applyUpdate(N1, 'ipv4', ibgp(N1, { originatorId: '10.0.0.1', clusterList: ['2.2.2.2'] }), [{ prefix: P }], []);
    expect(r.best(P)).toBeUndefined();
    expect(r.routes()[0].rejected).toBe('originator-id-is-ours');
    expect(sentTo(r, [C1, C2])).toEqual({ [C1]: undefined, [C2]: undefined });
  });

  it('§8: a route whose CLUSTER_LIST holds our CLUSTER_ID is ignored (and withdraws the earlier one)', () => {
    const r = reflector();
    r.applyUpdate(N1, 'ipv4', ibgp(N1), [{ prefix: P }], []);
    expect(r.best(P)?.peer).toBe(N1);
    sentTo(r, [C1]);
    r.applyUpdate(N1, 'ipv4', ibgp(N1, { clusterList: ['3.3.3.3', CLUSTER] }), [{ prefix: P }], []);
    expect(r.best(P)).toBeUndefined();
    expect(r.routes()[0].rejected).toBe('cluster-loop');
    expect(r.flush(C1).withdraw).toEqual([{ family: 'ipv4', prefixes: [{ prefix: P }] }]);
  });

  it('§8: a route is not sent to the client whose router id is its ORIGINATOR_ID (it would ignore it)', () => {
    const r = reflector();
    r.applyUpdate(N1, 'ipv4', ibgp(N1, { originatorId: '11.11.11.11', clusterList: ['2.2.2.2'] }), [{ prefix: P }], []);
    const sent = sentTo(r, [C1, C2]);
    expect(sent[C1]).toBeUndefined();
    expect(sent[C2]?.originatorId).toBe('11.11.11.11');
  });

  it('§8: reflected routes to several peers share one interned attribute set', () => {
    const r = reflector();
    r.applyUpdate(C1, 'ipv4', ibgp(C1), [{ prefix: P }, { prefix: '10.244.2.0/26' }], []);
    const a = r.flush(C2).announce;
    const b = r.flush(N1).announce;
    expect(a).toHaveLength(1);
    expect(a[0].prefixes).toHaveLength(2);
    expect(b[0].attrs).toBe(a[0].attrs);
    expect(Object.isFrozen(a[0].attrs)).toBe(true);
    expect(Object.isFrozen(a[0].attrs.attrs)).toBe(true);
  });

  it('RFC 4271 §9.2: without reflection an iBGP-learned route is never sent to another iBGP peer', () => {
    const r = new Rib({ routerId: '10.0.0.1', asn: AS });
    const nh = { ipv4: '10.0.0.1', ipv6: 'fd00::1' };
    for (const [address, rid] of [
      [N1, '21.21.21.21'],
      [N2, '22.22.22.22'],
    ]) {
      r.addPeer({ address, asn: AS, routerId: rid, nextHopSelf: nh });
      r.peerUp(address);
    }
    r.addPeer({ address: E, asn: 65100, routerId: '9.9.9.9', nextHopSelf: { ipv4: '10.0.9.2', ipv6: 'fd00:9::2' } });
    r.peerUp(E);
    r.applyUpdate(N1, 'ipv4', ibgp(N1), [{ prefix: P }], []);
    expect(r.best(P)?.peer).toBe(N1);
    expect(r.flush(N2).announce).toEqual([]);
    expect(r.flush(E).announce[0].attrs.attrs.asPath).toEqual([{ type: 2, asns: [AS] }]);
  });

  it('§7: a client needs a CLUSTER_ID on the reflector; clients are iBGP peers', () => {
    const r = new Rib({ routerId: '10.0.0.1', asn: AS });
    expect(() => r.addPeer({ address: C1, asn: AS, rrClient: true, nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } })).toThrow(RibError);
    expect(() => r.addPeer({ address: C1, asn: AS, rrClient: true, nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } })).toThrow(/clusterId/);
    const rr = reflector();
    expect(() => rr.addPeer({ address: '10.0.9.9', asn: 65300, rrClient: true, nextHopSelf: { ipv4: '10.0.9.2' }, families: ['ipv4'] })).toThrow(
      /only for iBGP/,
    );
  });

  it('§6: when the best path changes source, peers get the new reflection (or a withdrawal)', () => {
    const r = reflector();
    r.applyUpdate(C1, 'ipv4', ibgp(C1, { localPref: 200 }), [{ prefix: P }], []);
    r.applyUpdate(N1, 'ipv4', ibgp(N1), [{ prefix: P }], []);
    expect(r.best(P)?.peer).toBe(C1);
    expect(sentTo(r, [N2])[N2]?.originatorId).toBe('11.11.11.11');
    // Best moves to the non-client N1: N2 (non-client) must now be withdrawn.
    r.applyUpdate(C1, 'ipv4', null, [], [{ prefix: P }]);
    expect(r.best(P)?.peer).toBe(N1);
    const batch = r.flush(N2);
    expect(batch.announce).toEqual([]);
    expect(batch.withdraw[0].prefixes).toEqual([{ prefix: P }]);
    // ...and C1, which was not sent C1's own route, now gets N1's.
    expect(sentTo(r, [C1])[C1]?.originatorId).toBe('21.21.21.21');
  });
});
