/**
 * Interned attribute sets (src/rib/attrs.ts): one frozen set per distinct attributes, normalization
 * of received attributes, RFC 6793 AS4_PATH reconstruction, and the sweep that forgets sets no route
 * uses any more.
 */
import { describe, expect, it } from 'vitest';
import { AttrTable, mergeAs4Path, normalizeReceived } from '../../src/rib/attrs.js';
import { Rib } from '../../src/rib/index.js';
import type { PathAttributes } from '../../src/wire/types.js';

const ctx = { asn: 65000, routerId: '10.0.0.1', clusterId: '1.1.1.1' };

describe('AttrTable', () => {
  it('returns the same frozen set for equal attributes and different ones otherwise', () => {
    const t = new AttrTable(ctx);
    const a = t.intern({ origin: 0, asPath: [{ type: 2, asns: [1, 2] }], nextHop: '10.0.0.2', communities: [5] });
    const b = t.intern({ origin: 0, asPath: [{ type: 2, asns: [1, 2] }], nextHop: '10.0.0.2', communities: [5] });
    expect(b).toBe(a);
    expect(t.intern({ origin: 0, asPath: [{ type: 2, asns: [1] }, { type: 2, asns: [2] }], nextHop: '10.0.0.2', communities: [5] })).not.toBe(a);
    expect(t.intern({ origin: 0, asPath: [{ type: 1, asns: [1, 2] }], nextHop: '10.0.0.2', communities: [5] })).not.toBe(a);
    expect(t.intern({ origin: 0, asPath: [{ type: 2, asns: [1, 2] }], nextHop: '10.0.0.2', communities: [5], med: 0 })).not.toBe(a);
    expect(t.intern({ origin: 0, asPath: [{ type: 2, asns: [12] }], nextHop: '10.0.0.2', communities: [5] })).not.toBe(a);
    expect(Object.isFrozen(a.attrs.asPath?.[0].asns)).toBe(true);
    expect(t.get(a.id)).toBe(a);
  });

  it('copies what it keeps: changing the caller\'s object later does not change the set', () => {
    const t = new AttrTable(ctx);
    const raw: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [1] }], nextHop: '10.0.0.2', extendedCommunities: [Buffer.alloc(8, 1)] };
    const a = t.intern(raw);
    raw.asPath?.[0].asns.push(99);
    raw.extendedCommunities?.[0].fill(7);
    expect(a.attrs.asPath).toEqual([{ type: 2, asns: [1] }]);
    expect([...(a.attrs.extendedCommunities?.[0] ?? [])]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('precomputes the decision inputs and the loop checks (RFC 4271 §9.1.2.2, RFC 4456 §8)', () => {
    const t = new AttrTable(ctx);
    const s = t.intern({ origin: 1, asPath: [{ type: 2, asns: [7, 8] }, { type: 1, asns: [1, 2, 3] }], nextHop: '10.0.0.2', originatorId: '9.9.9.9', clusterList: ['2.2.2.2'] });
    expect(s).toMatchObject({ origin: 1, asPathLength: 3, neighborAs: 7, med: 0, localPref: 100, originatorId: 0x09090909, clusterListLength: 1, loop: null });
    expect(t.intern({ origin: 0, asPath: [], nextHop: '10.0.0.2' }).neighborAs).toBe(65000);
    expect(t.intern({ origin: 0, asPath: [], nextHop: '10.0.0.2', originatorId: '10.0.0.1' }).loop).toBe('originator-id-is-ours');
    expect(t.intern({ origin: 0, asPath: [], nextHop: '10.0.0.2', clusterList: ['3.3.3.3', '1.1.1.1'] }).loop).toBe('cluster-loop');
    expect(t.intern({ origin: 0, asPath: [{ type: 1, asns: [65000] }], nextHop: '10.0.0.2' }).loop).toBe('as-path-loop');
    expect(t.intern({ origin: 0, asPath: [] }).loop).toBe('no-next-hop');
  });
});

describe('normalizeReceived', () => {
  it('keeps the family\'s next hop only, without MP_REACH/MP_UNREACH', () => {
    const a = normalizeReceived(
      {
        origin: 0,
        asPath: [],
        nextHop: '10.0.0.2',
        localPref: 100,
        mpReach: { afi: 2, safi: 1, nextHops: ['fd00::2', 'fe80::2'], nlri: [{ prefix: 'fd00:1::/64' }] },
        mpUnreach: { afi: 2, safi: 1, withdrawn: [] },
      },
      'ipv6',
      { ebgp: false, as4: true },
    );
    expect(a).toEqual({ origin: 0, asPath: [], nextHop: 'fd00::2', localPref: 100 });
  });

  it('RFC 6793 §4.2.3: AS4_PATH is ignored when AGGREGATOR holds a real 2-octet AS', () => {
    const raw: PathAttributes = {
      origin: 0,
      asPath: [{ type: 2, asns: [100, 23456] }],
      as4Path: [{ type: 2, asns: [4200000000] }],
      aggregator: { asn: 100, address: '10.0.0.9' },
      as4Aggregator: { asn: 4200000000, address: '10.0.0.9' },
      nextHop: '10.0.0.2',
    };
    expect(normalizeReceived(raw, 'ipv4', { ebgp: true, as4: false }).asPath).toEqual([{ type: 2, asns: [100, 23456] }]);
    const trans = { ...raw, aggregator: { asn: 23456, address: '10.0.0.9' } };
    const n = normalizeReceived(trans, 'ipv4', { ebgp: true, as4: false });
    expect(n.asPath).toEqual([{ type: 2, asns: [100, 4200000000] }]);
    expect(n.aggregator).toEqual({ asn: 4200000000, address: '10.0.0.9' });
  });

  it('RFC 6793 §4.2.3: an AS4_PATH longer than AS_PATH is ignored; an AS_SET counts one', () => {
    expect(mergeAs4Path([{ type: 2, asns: [1] }], [{ type: 2, asns: [2, 3] }])).toEqual([{ type: 2, asns: [1] }]);
    expect(mergeAs4Path([{ type: 2, asns: [1, 23456] }, { type: 1, asns: [23456, 23456] }], [{ type: 2, asns: [5] }, { type: 1, asns: [6, 7] }])).toEqual([
      { type: 2, asns: [1, 5] },
      { type: 1, asns: [6, 7] },
    ]);
  });
});

describe('sweep', () => {
  it('attribute sets no route uses any more are forgotten; those in use keep their identity', () => {
    const r = new Rib({ routerId: '10.0.0.1', asn: 65000, clusterId: '10.0.0.1' });
    for (const p of ['10.0.0.11', '10.0.0.12']) {
      r.addPeer({ address: p, asn: 65000, rrClient: true, routerId: p, nextHopSelf: { ipv4: '10.0.0.1' }, families: ['ipv4'] });
      r.peerUp(p);
    }
    const kept = { origin: 0 as const, asPath: [], nextHop: '10.0.0.11', localPref: 100, med: 1_000_000 };
    r.applyUpdate('10.0.0.11', 'ipv4', kept, [{ prefix: '10.255.0.0/24' }], []);
    r.flush('10.0.0.12');
    const keptSet = r.best('10.255.0.0/24')?.attrs;
    // Churn: 20,000 distinct attribute sets, each replaced by the next.
    for (let i = 0; i < 20_000; i++) {
      r.applyUpdate('10.0.0.11', 'ipv4', { origin: 0, asPath: [], nextHop: '10.0.0.11', localPref: 100, med: i }, [{ prefix: '10.1.0.0/24' }], []);
      if (i % 100 === 0) r.flush('10.0.0.12');
    }
    expect(r.attributeSets).toBeLessThan(10_000);
    expect(r.best('10.255.0.0/24')?.attrs).toBe(keptSet);
    // The reflected set the peer was sent survived too: withdrawn and re-announced before the next
    // flush, the prefix is derived again into the very set already sent, so nothing goes out.
    r.flush('10.0.0.12');
    r.applyUpdate('10.0.0.11', 'ipv4', null, [], [{ prefix: '10.255.0.0/24' }]);
    r.applyUpdate('10.0.0.11', 'ipv4', { ...kept }, [{ prefix: '10.255.0.0/24' }], []);
    expect(r.best('10.255.0.0/24')?.attrs).toBe(keptSet);
    expect(r.flush('10.0.0.12')).toEqual({ withdraw: [], announce: [], endOfRib: [] });
  });
});
