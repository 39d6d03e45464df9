/**
 * What goes out: eBGP export (RFC 4271 §5.1), locally originated routes, IPv6 next hops, attributes
 * passed on (RFC 4271 §5 unknown transitive with Partial), and what the RIB does to received ones
 * (RFC 6793 AS4_PATH, RFC 7606 §7 checks that depend on the session type).
 */
import { describe, expect, it } from 'vitest';
import { Rib, RibError, prependAs } from '../../src/rib/index.js';
import type { AsPathSegment, PathAttributes } from '../../src/wire/types.js';

const AS = 65000;
const I = '10.0.0.2'; // iBGP peer
const E = '10.0.9.1'; // eBGP peer, AS 65100
const F = '10.0.8.1'; // another eBGP peer, AS 65200

function speaker(): Rib {
  const r = new Rib({ routerId: '10.0.0.1', asn: AS });
  r.addPeer({ address: I, asn: AS, routerId: '2.2.2.2', nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } });
  r.addPeer({ address: E, asn: 65100, routerId: '9.9.9.9', nextHopSelf: { ipv4: '10.0.9.2', ipv6: 'fd00:9::2' } });
  r.addPeer({ address: F, asn: 65200, routerId: '8.8.8.8', nextHopSelf: { ipv4: '10.0.8.2', ipv6: 'fd00:8::2' } });
  for (const p of [I, E, F]) {
    r.peerUp(p);
    r.flush(p);
  }
  return r;
}

function out(r: Rib, peer: string): Array<{ family: string; attrs: Readonly<PathAttributes>; prefixes: string[] }> {
  return r.flush(peer).announce.map((g) => ({ family: g.family, attrs: g.attrs.attrs, prefixes: g.prefixes.map((p) => p.prefix) }));
}

describe('eBGP export (RFC 4271 §5.1)', () => {
  it('§5.1.2-5.1.5: prepends our AS, sets NEXT_HOP to our session address, drops LOCAL_PREF, MED, ORIGINATOR_ID, CLUSTER_LIST', () => {
    const r = speaker();
    r.applyUpdate(
      I,
      'ipv4',
      {
        origin: 1,
        asPath: [{ type: 2, asns: [64999] }],
        nextHop: '10.0.0.7',
        localPref: 300,
        med: 40,
        originatorId: '7.7.7.7',
        clusterList: ['1.1.1.1'],
        communities: [42],
      },
      [{ prefix: '10.244.7.0/26' }],
      [],
    );
    expect(out(r, E)).toEqual([
      {
        family: 'ipv4',
        attrs: { origin: 1, asPath: [{ type: 2, asns: [AS, 64999] }], nextHop: '10.0.9.2', communities: [42] },
        prefixes: ['10.244.7.0/26'],
      },
    ]);
  });

  it('§5.1.4: a MED received from one AS is not passed to another; §5.1.2: transit gets our AS in front', () => {
    const r = speaker();
    r.applyUpdate(E, 'ipv4', { origin: 0, asPath: [{ type: 2, asns: [65100, 65101] }], nextHop: E, med: 10 }, [{ prefix: '192.0.2.0/24' }], []);
    expect(out(r, F)[0].attrs).toEqual({ origin: 0, asPath: [{ type: 2, asns: [AS, 65100, 65101] }], nextHop: '10.0.8.2' });
    // Not back to the peer it came from.
    expect(out(r, E)).toEqual([]);
    // To iBGP: next hop and MED unchanged, LOCAL_PREF ours (§5.1.5 MUST include it for internal peers).
    expect(out(r, I)[0].attrs).toEqual({ origin: 0, asPath: [{ type: 2, asns: [65100, 65101] }], nextHop: E, med: 10, localPref: 100 });
  });

  it('§5.1.2: a new AS_SEQUENCE is opened when the path starts with an AS_SET or a full segment', () => {
    expect(prependAs([], 1)).toEqual([{ type: 2, asns: [1] }]);
    expect(prependAs([{ type: 1, asns: [5, 6] }], 1)).toEqual([
      { type: 2, asns: [1] },
      { type: 1, asns: [5, 6] },
    ]);
    const full: AsPathSegment = { type: 2, asns: Array.from({ length: 255 }, (_, i) => i + 100) };
    const prepended = prependAs([full], 1);
    expect(prepended).toHaveLength(2);
    expect(prepended[0]).toEqual({ type: 2, asns: [1] });
    const almost: AsPathSegment = { type: 2, asns: Array.from({ length: 254 }, (_, i) => i + 100) };
    expect(prependAs([almost], 1)).toEqual([{ type: 2, asns: [1, ...almost.asns] }]);
  });

  it('locally originated routes: ORIGIN IGP, empty AS_PATH, LOCAL_PREF 100, our next hop per family to iBGP; our AS and no LOCAL_PREF to eBGP', () => {
    const r = speaker();
    r.originate(['10.244.1.0/26', 'fd00:10:244:1::/122']);
    const toI = out(r, I);
    expect(toI).toEqual([
      { family: 'ipv4', attrs: { origin: 0, asPath: [], nextHop: '10.0.0.1', localPref: 100 }, prefixes: ['10.244.1.0/26'] },
      { family: 'ipv6', attrs: { origin: 0, asPath: [], nextHop: 'fd00::1', localPref: 100 }, prefixes: ['fd00:10:244:1::/122'] },
    ]);
    expect(out(r, E)).toEqual([
      { family: 'ipv4', attrs: { origin: 0, asPath: [{ type: 2, asns: [AS] }], nextHop: '10.0.9.2' }, prefixes: ['10.244.1.0/26'] },
      { family: 'ipv6', attrs: { origin: 0, asPath: [{ type: 2, asns: [AS] }], nextHop: 'fd00:9::2' }, prefixes: ['fd00:10:244:1::/122'] },
    ]);
    expect(r.originated()).toEqual(['10.244.1.0/26', 'fd00:10:244:1::/122']);
  });

  it('originate validates every prefix first and names the bad one', () => {
    const r = speaker();
    expect(() => r.originate(['10.244.1.0/26', '10.244.1.1/26'])).toThrow(/originate\[1\]: "10.244.1.1\/26" has host bits set/);
    expect(() => r.originate(['nonsense'])).toThrow(RibError);
    expect(() => r.originate(['fd00::1/64'])).toThrow(/host bits/);
    expect(() => r.originate(['10.0.0.0/33'])).toThrow(/over 32/);
    expect(r.originated()).toEqual([]);
    // Canonical form for IPv6.
    r.originate(['FD00:0:0:0::/64']);
    expect(r.originated('ipv6')).toEqual(['fd00::/64']);
  });

  it('IPv6 routes take their next hop from MP_REACH_NLRI; eBGP export gives our IPv6 address', () => {
    const r = speaker();
    r.applyUpdate(
      I,
      'ipv6',
      { origin: 0, asPath: [], localPref: 100, mpReach: { afi: 2, safi: 1, nextHops: ['fd00::7', 'fe80::7'], nlri: [] } },
      [{ prefix: 'fd00:10:244:7::/122' }],
      [],
    );
    expect(r.routes('ipv6')[0]).toMatchObject({ prefix: 'fd00:10:244:7::/122', nextHop: 'fd00::7', best: true });
    expect(out(r, E)).toEqual([
      {
        family: 'ipv6',
        attrs: { origin: 0, asPath: [{ type: 2, asns: [AS] }], nextHop: 'fd00:9::2' },
        prefixes: ['fd00:10:244:7::/122'],
      },
    ]);
  });

  it('RFC 4271 §5: optional transitive unknown attributes are passed on with Partial set; non-transitive ones are dropped', () => {
    const r = speaker();
    r.applyUpdate(
      E,
      'ipv4',
      {
        origin: 0,
        asPath: [{ type: 2, asns: [65100] }],
        nextHop: E,
        unknown: [
          { flags: 0xc0, code: 99, value: Buffer.from([1, 2]) },
          { flags: 0x80, code: 98, value: Buffer.from([3]) },
        ],
      },
      [{ prefix: '192.0.2.0/24' }],
      [],
    );
    const unknown = out(r, F)[0].attrs.unknown;
    expect(unknown).toHaveLength(1);
    expect(unknown?.[0].flags).toBe(0xe0);
    expect(unknown?.[0].code).toBe(99);
    expect([...(unknown?.[0].value ?? [])]).toEqual([1, 2]);
  });

  it('RFC 7606 §7.9/7.10: ORIGINATOR_ID and CLUSTER_LIST from an eBGP peer are ignored', () => {
    const r = speaker();
    r.applyUpdate(
      E,
      'ipv4',
      { origin: 0, asPath: [{ type: 2, asns: [65100] }], nextHop: E, originatorId: '10.0.0.1', clusterList: ['1.1.1.1'] },
      [{ prefix: '192.0.2.0/24' }],
      [],
    );
    // Not treated as our own route coming back: the attribute was not honoured.
    expect(r.best('192.0.2.0/24')?.peer).toBe(E);
    expect(r.best('192.0.2.0/24')?.attrs.attrs.originatorId).toBeUndefined();
  });

  it('RFC 6793 §4.2.3: from a 2-octet peer, AS4_PATH restores the 4-octet ASes; between 4-octet peers it is discarded', () => {
    const r = new Rib({ routerId: '10.0.0.1', asn: AS });
    r.addPeer({ address: E, asn: 65100, routerId: '9.9.9.9', nextHopSelf: { ipv4: '10.0.9.2' }, families: ['ipv4'] });
    r.peerUp(E, { as4: false });
    r.applyUpdate(
      E,
      'ipv4',
      {
        origin: 0,
        asPath: [{ type: 2, asns: [65100, 23456, 23456] }],
        as4Path: [{ type: 2, asns: [4200000001, 4200000002] }],
        nextHop: E,
      },
      [{ prefix: '192.0.2.0/24' }],
      [],
    );
    expect(r.best('192.0.2.0/24')?.attrs.attrs.asPath).toEqual([{ type: 2, asns: [65100, 4200000001, 4200000002] }]);
    expect(r.best('192.0.2.0/24')?.attrs.attrs.as4Path).toBeUndefined();
    r.peerDown(E);
    r.peerUp(E, { as4: true });
    r.applyUpdate(E, 'ipv4', { origin: 0, asPath: [{ type: 2, asns: [65100] }], as4Path: [{ type: 2, asns: [1, 2, 3] }], nextHop: E }, [{ prefix: '192.0.2.0/24' }], []);
    expect(r.best('192.0.2.0/24')?.attrs.attrs.asPath).toEqual([{ type: 2, asns: [65100] }]);
  });

  it('RFC 4760 §7: routes of a family the session did not negotiate are ignored, and none are sent', () => {
    const r = new Rib({ routerId: '10.0.0.1', asn: AS });
    r.addPeer({ address: I, asn: AS, routerId: '2.2.2.2', nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } });
    r.peerUp(I, { families: ['ipv4'] });
    r.applyUpdate(I, 'ipv6', { origin: 0, asPath: [], localPref: 100, nextHop: 'fd00::2' }, [{ prefix: 'fd00:1::/64' }], []);
    expect(r.routes()).toEqual([]);
    r.originate(['fd00:10:244:1::/122', '10.244.1.0/26']);
    const batch = r.flush(I);
    expect(batch.announce.map((g) => g.family)).toEqual(['ipv4']);
    expect(batch.endOfRib).toEqual(['ipv4']);
  });

  it('validates peers and options, naming the field and value', () => {
    expect(() => new Rib({ routerId: '10.0.0', asn: AS })).toThrow(/routerId: "10.0.0"/);
    expect(() => new Rib({ routerId: '10.0.0.1', asn: 0 })).toThrow(/asn: 0/);
    expect(() => new Rib({ routerId: '10.0.0.1', asn: AS, clusterId: 'x' })).toThrow(/clusterId/);
    const r = new Rib({ routerId: '10.0.0.1', asn: AS });
    expect(() => r.addPeer({ address: '10.0.0.300', asn: AS, nextHopSelf: { ipv4: '10.0.0.1' } })).toThrow(/peer.address: "10.0.0.300"/);
    expect(() => r.addPeer({ address: I, asn: AS, nextHopSelf: { ipv4: '10.0.0.1' } })).toThrow(/nextHopSelf.ipv6 is required/);
    expect(() => r.addPeer({ address: I, asn: AS, nextHopSelf: { ipv4: 'fd00::1' }, families: ['ipv4'] })).toThrow(/not an IPv4 address/);
    expect(() => r.addPeer({ address: I, asn: AS, ebgp: true, nextHopSelf: { ipv4: '10.0.0.1' }, families: ['ipv4'] })).toThrow(/contradicts/);
    r.addPeer({ address: I, asn: AS, nextHopSelf: { ipv4: '10.0.0.1' }, families: ['ipv4'] });
    expect(() => r.peerUp(I)).toThrow(/routerId is unknown/);
    expect(() => r.applyUpdate('10.9.9.9', 'ipv4', null, [], [])).toThrow(/not configured/);
    expect(() => r.applyUpdate(I, 'ipv4', null, [], [])).toThrow(/not up/);
    r.peerUp(I, { routerId: '2.2.2.2' });
    expect(() => r.applyUpdate(I, 'toString' as 'ipv4', null, [], [])).toThrow(/family: "toString" is not ipv4 or ipv6/);
    expect(() => r.applyUpdate(I, 'ipv4', null, [{ prefix: '10.1.0.0/24' }], [])).toThrow(/attrs/);
    expect(() => r.dumpFor(I, ['ipv5' as 'ipv4'])).toThrow(/families: "ipv5"/);
  });
});
