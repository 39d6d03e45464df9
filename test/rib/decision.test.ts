/**
 * The decision process: RFC 4271 §9.1.2 (degree of preference) and every tie-break of §9.1.2.2, with
 * the RFC 4456 §9 substitutions (ORIGINATOR_ID for the BGP identifier, shorter CLUSTER_LIST).
 * Each case offers the same prefix from several peers and checks which one the Loc-RIB selects.
 */
import { describe, expect, it } from 'vitest';
import { Rib } from '../../src/rib/index.js';
import type { PathAttributes } from '../../src/wire/types.js';

const P = '10.244.1.0/26';
const OUR_AS = 65000;

function rib(): Rib {
  const r = new Rib({ routerId: '10.0.0.1', asn: OUR_AS, localAddresses: ['10.0.0.1'] });
  // iBGP peers, router ids in the opposite order of their addresses where it matters.
  r.addPeer({ address: '10.0.0.2', asn: OUR_AS, routerId: '2.2.2.2', nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } });
  r.addPeer({ address: '10.0.0.3', asn: OUR_AS, routerId: '3.3.3.3', nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } });
  r.addPeer({ address: '10.0.0.4', asn: OUR_AS, routerId: '4.4.4.4', nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } });
  r.addPeer({ address: '10.0.1.5', asn: 65100, routerId: '5.5.5.5', nextHopSelf: { ipv4: '10.0.1.1', ipv6: 'fd00:1::1' } });
  r.addPeer({ address: '10.0.1.6', asn: 65200, routerId: '6.6.6.6', nextHopSelf: { ipv4: '10.0.1.1', ipv6: 'fd00:1::1' } });
  for (const a of ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.1.5', '10.0.1.6']) r.peerUp(a);
  return r;
}

function send(r: Rib, peer: string, attrs: PathAttributes, prefix = P): void {
  r.applyUpdate(peer, 'ipv4', { origin: 0, asPath: [], nextHop: peer, ...attrs }, [{ prefix }], []);
}

const seq = (...asns: number[]) => ({ type: 2 as const, asns });

describe('decision process (RFC 4271 §9.1)', () => {
  it('§9.1.2: the highest degree of preference (LOCAL_PREF) wins before AS_PATH length is looked at', () => {
    const r = rib();
    send(r, '10.0.0.2', { localPref: 200, asPath: [seq(1, 2, 3)] });
    send(r, '10.0.0.3', { localPref: 100, asPath: [] });
    expect(r.best(P)?.peer).toBe('10.0.0.2');
  });

  it('§9.1.2: an iBGP route without LOCAL_PREF counts as 100', () => {
    const r = rib();
    send(r, '10.0.0.2', { localPref: 99 });
    send(r, '10.0.0.3', {});
    expect(r.best(P)?.peer).toBe('10.0.0.3');
    expect(r.best(P)?.attrs.localPref).toBe(100);
  });

  it('§9.1.1/§5.1.5: LOCAL_PREF received over eBGP is ignored (the route gets our default 100)', () => {
    const r = rib();
    send(r, '10.0.1.5', { localPref: 500, asPath: [seq(65100)] });
    send(r, '10.0.0.2', { localPref: 150, asPath: [seq(65100, 7, 8)] });
    expect(r.best(P)?.peer).toBe('10.0.0.2');
  });

  it('§9.1.2.2 a: the shorter AS_PATH wins', () => {
    const r = rib();
    send(r, '10.0.0.2', { asPath: [seq(1, 2)] });
    send(r, '10.0.0.3', { asPath: [seq(1)] });
    expect(r.best(P)?.peer).toBe('10.0.0.3');
  });

  it('§9.1.2.2 a: an AS_SET counts as one AS whatever its size', () => {
    const r = rib();
    send(r, '10.0.0.2', { asPath: [seq(1, 2, 3)] });
    send(r, '10.0.0.3', { asPath: [seq(1), { type: 1, asns: [2, 3, 4, 5] }] });
    expect(r.best(P)?.peer).toBe('10.0.0.3');
  });

  it('§9.1.2.2 a with RFC 5065: confederation segments do not count', () => {
    const r = rib();
    send(r, '10.0.0.2', { asPath: [seq(1, 2, 3)] });
    send(r, '10.0.0.3', { asPath: [{ type: 3, asns: [64512, 64513, 64514] }, seq(1, 2)] });
    expect(r.best(P)?.peer).toBe('10.0.0.3');
  });

  it('§9.1.2.2 b: the lowest ORIGIN wins (IGP < EGP < INCOMPLETE)', () => {
    const r = rib();
    send(r, '10.0.0.2', { origin: 2 });
    send(r, '10.0.0.3', { origin: 1 });
    expect(r.best(P)?.peer).toBe('10.0.0.3');
    send(r, '10.0.0.4', { origin: 0 });
    expect(r.best(P)?.peer).toBe('10.0.0.4');
  });

  it('§9.1.2.2 c: the lowest MED wins between routes from the same neighbour AS', () => {
    const r = rib();
    send(r, '10.0.0.2', { asPath: [seq(100, 1)], med: 50 });
    send(r, '10.0.0.3', { asPath: [seq(100, 2)], med: 10 });
    expect(r.best(P)?.peer).toBe('10.0.0.3'); // despite 10.0.0.2's lower BGP identifier
  });

  it('§9.1.2.2 c: MED is not compared between different neighbour ASes', () => {
    const r = rib();
    send(r, '10.0.0.2', { asPath: [seq(100)], med: 50 });
    send(r, '10.0.0.3', { asPath: [seq(200)], med: 10 });
    expect(r.best(P)?.peer).toBe('10.0.0.2'); // decided by the BGP identifier
  });

  it('§9.1.2.2 c: a missing MED is the lowest value (0)', () => {
    const r = rib();
    send(r, '10.0.0.2', { asPath: [seq(100)], med: 5 });
    send(r, '10.0.0.3', { asPath: [seq(100)] });
    expect(r.best(P)?.peer).toBe('10.0.0.3');
  });

  it('§9.1.2.2 c: routes are eliminated in sequence (MED is not a pairwise order)', () => {
    // X (AS 100, MED 20, id 2.2.2.2), Z (AS 200, id 3.3.3.3), Y (AS 100, MED 10, id 4.4.4.4):
    // MED removes X (Y is better in AS 100); the identifier then picks Z over Y. A pairwise
    // comparison could end with X (X beats Z by identifier).
    const r = rib();
    send(r, '10.0.0.2', { asPath: [seq(100)], med: 20 });
    send(r, '10.0.0.3', { asPath: [seq(200)], med: 0 });
    send(r, '10.0.0.4', { asPath: [seq(100)], med: 10 });
    expect(r.best(P)?.peer).toBe('10.0.0.3');
  });

  it('§9.1.2.2 d: eBGP wins over iBGP', () => {
    const r = rib();
    send(r, '10.0.0.2', { asPath: [seq(65100)] });
    send(r, '10.0.1.5', { asPath: [seq(65100)] });
    expect(r.best(P)?.peer).toBe('10.0.1.5'); // though its BGP identifier 5.5.5.5 is higher
  });

  it('§9.1.2.2 f: the lowest BGP identifier wins', () => {
    const r = rib();
    send(r, '10.0.0.3', {});
    send(r, '10.0.0.2', {});
    expect(r.best(P)?.peer).toBe('10.0.0.2');
    const e = rib();
    send(e, '10.0.1.6', { asPath: [seq(65200)] });
    send(e, '10.0.1.5', { asPath: [seq(65100)] });
    expect(e.best(P)?.peer).toBe('10.0.1.5');
  });

  it('RFC 4456 §9: ORIGINATOR_ID replaces the BGP identifier in step f', () => {
    const r = rib();
    send(r, '10.0.0.2', { originatorId: '9.9.9.9' });
    send(r, '10.0.0.3', {});
    expect(r.best(P)?.peer).toBe('10.0.0.3'); // 3.3.3.3 < 9.9.9.9 although 2.2.2.2 < 3.3.3.3
  });

  it('RFC 4456 §9: with equal identifiers, the shorter CLUSTER_LIST wins', () => {
    const r = rib();
    send(r, '10.0.0.2', { originatorId: '7.7.7.7', clusterList: ['1.1.1.1', '1.1.1.2'] });
    send(r, '10.0.0.3', { originatorId: '7.7.7.7', clusterList: ['1.1.1.3'] });
    expect(r.best(P)?.peer).toBe('10.0.0.3');
  });

  it('§9.1.2.2 g: finally the lowest peer address wins (numerically, not as text)', () => {
    const r = new Rib({ routerId: '10.0.0.1', asn: OUR_AS });
    for (const a of ['10.0.0.10', '10.0.0.9']) {
      r.addPeer({ address: a, asn: OUR_AS, routerId: '7.7.7.7', nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } });
      r.peerUp(a);
    }
    send(r, '10.0.0.10', { originatorId: '8.8.8.8' });
    send(r, '10.0.0.9', { originatorId: '8.8.8.8' });
    expect(r.best(P)?.peer).toBe('10.0.0.9');
  });

  it('a locally originated route wins over any learned one', () => {
    const r = rib();
    send(r, '10.0.0.2', { localPref: 1000 });
    r.originate([P]);
    expect(r.best(P)?.peer).toBeNull();
    r.withdrawOriginated([P]);
    expect(r.best(P)?.peer).toBe('10.0.0.2');
  });

  it('§9.1.2: a route whose NEXT_HOP is our own address is never selected', () => {
    const r = rib();
    send(r, '10.0.0.2', { nextHop: '10.0.0.1' });
    expect(r.best(P)).toBeUndefined();
    send(r, '10.0.0.3', {});
    expect(r.best(P)?.peer).toBe('10.0.0.3');
    const rejected = r.routes('ipv4').find((e) => e.peer === '10.0.0.2');
    expect(rejected).toMatchObject({ best: false, rejected: 'next-hop-is-ours' });
    expect(r.peerStats('10.0.0.2')).toMatchObject({ received: 1, accepted: 0 });
  });

  it('§9.1.2: a route whose AS_PATH holds our AS is never selected (AS loop)', () => {
    const r = rib();
    send(r, '10.0.1.5', { asPath: [seq(65100, OUR_AS, 7)] });
    expect(r.best(P)).toBeUndefined();
    expect(r.routes()[0].rejected).toBe('as-path-loop');
  });

  it('re-runs the selection when the best path goes away', () => {
    const r = rib();
    send(r, '10.0.0.2', { localPref: 300 });
    send(r, '10.0.0.3', { localPref: 200 });
    send(r, '10.0.0.4', { localPref: 100 });
    expect(r.best(P)?.peer).toBe('10.0.0.2');
    r.applyUpdate('10.0.0.2', 'ipv4', null, [], [{ prefix: P }]);
    expect(r.best(P)?.peer).toBe('10.0.0.3');
    r.peerDown('10.0.0.3');
    expect(r.best(P)?.peer).toBe('10.0.0.4');
    // An implicit withdraw: 10.0.0.4 replaces its route by a worse one, 10.0.0.2 comes back.
    send(r, '10.0.0.2', { localPref: 50 });
    send(r, '10.0.0.4', { localPref: 10 });
    expect(r.best(P)?.peer).toBe('10.0.0.2');
    expect(r.routes().filter((e) => e.prefix === P)).toHaveLength(2);
  });
});
