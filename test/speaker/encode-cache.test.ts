/**
 * The UPDATE cache: a group sent to many peers is encoded once, in one pass or in later ones, and what
 * each peer gets is byte for byte what encoding it alone gives; anything that changes the bytes
 * (attributes, prefixes, 4-octet AS, ADD-PATH, message size, family) is encoded apart; it never holds
 * more than its bound.
 */
import { describe, expect, it } from 'vitest';
import { Rib } from '../../src/rib/index.js';
import { UpdateEncodeCache, endOfRibMessage } from '../../src/speaker/encode-cache.js';
import { defaultContext, encodeEndOfRib, encodeUpdates, type CodecContext } from '../../src/wire/index.js';

const AS = 64512;

/** A reflector with three clients, S announcing two prefixes: the groups R and T are sent. */
function groups() {
  const rib = new Rib({ routerId: '10.0.0.1', asn: AS, clusterId: '10.0.0.1' });
  for (const p of ['10.0.0.11', '10.0.0.12', '10.0.0.13']) {
    rib.addPeer({ address: p, asn: AS, rrClient: true, routerId: p, nextHopSelf: { ipv4: '10.0.0.1' }, families: ['ipv4'] });
    rib.peerUp(p);
    rib.flush(p);
  }
  rib.applyUpdate('10.0.0.11', 'ipv4', { origin: 0, asPath: [], nextHop: '10.0.0.11', localPref: 100 }, [{ prefix: '10.1.0.0/24' }, { prefix: '10.2.0.0/24' }], []);
  return { r: rib.flush('10.0.0.12').announce, t: rib.flush('10.0.0.13').announce };
}

const ctx = (over: Partial<CodecContext> = {}): CodecContext => ({ ...defaultContext(), as4: true, ...over });

describe('UPDATE encode cache', () => {
  it('encodes a group sent to two peers once, with the bytes encoding gives', () => {
    const { r, t } = groups();
    expect(r).toHaveLength(1);
    expect(t[0].attrs).toBe(r[0].attrs);
    expect(t[0].prefixes).not.toBe(r[0].prefixes); // separate arrays, same Nlri objects
    const cache = new UpdateEncodeCache();
    const a = cache.updates('ipv4', r[0].attrs, r[0].prefixes, ctx(), 4096);
    const b = cache.updates('ipv4', t[0].attrs, t[0].prefixes, ctx(), 4096);
    expect(b).toBe(a);
    expect(cache.encoded).toBe(1);
    expect(cache.reused).toBe(1);
    expect(Buffer.concat(a)).toEqual(Buffer.concat(encodeUpdates('ipv4', r[0].attrs.attrs, r[0].prefixes, ctx(), 4096)));
  });

  it('encodes apart what differs: prefixes, 4-octet AS, ADD-PATH, message size', () => {
    const { r } = groups();
    const g = r[0];
    const cache = new UpdateEncodeCache();
    const base = cache.updates('ipv4', g.attrs, g.prefixes, ctx(), 4096);
    const variants = [
      cache.updates('ipv4', g.attrs, g.prefixes.slice(0, 1), ctx(), 4096),
      cache.updates('ipv4', g.attrs, g.prefixes, ctx({ as4: false }), 4096),
      cache.updates('ipv4', g.attrs, g.prefixes, ctx({ addPath: { ipv4: { receive: false, send: true }, ipv6: { receive: false, send: false } } }), 4096),
      cache.updates('ipv4', g.attrs, g.prefixes, ctx(), 65535),
    ];
    for (const v of variants) expect(v).not.toBe(base);
    expect(cache.encoded).toBe(5);
    expect(Buffer.concat(variants[0]).length).toBeLessThan(Buffer.concat(base).length);
  });

  it('End-of-RIB markers are the constant RFC 4724 messages', () => {
    expect(endOfRibMessage('ipv4')).toEqual(encodeEndOfRib('ipv4'));
    expect(endOfRibMessage('ipv6')).toEqual(encodeEndOfRib('ipv6'));
  });

  it('serves a later pass: a peer that comes up after the others gets the same buffers', () => {
    const { r, t } = groups();
    const cache = new UpdateEncodeCache();
    const a = cache.updates('ipv4', r[0].attrs, r[0].prefixes, ctx(), 4096);
    // The caller's array is its own: changing it afterwards does not change what the cache matches.
    const later = [...t[0].prefixes];
    (r[0].prefixes as unknown[]).length = 0;
    expect(cache.updates('ipv4', t[0].attrs, later, ctx(), 4096)).toBe(a);
    expect(cache.encoded).toBe(1);
  });

  it('holds at most maxPrefixes prefixes, dropping the oldest attribute sets first', () => {
    const rib = new Rib({ routerId: '10.0.0.1', asn: AS, clusterId: '10.0.0.1' });
    const clients = ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14', '10.0.0.20'];
    for (const p of clients) {
      rib.addPeer({ address: p, asn: AS, rrClient: true, routerId: p, nextHopSelf: { ipv4: '10.0.0.1' }, families: ['ipv4'] });
      rib.peerUp(p);
      rib.flush(p);
    }
    // Four clients announce two prefixes each, each with its own next hop: four attribute sets.
    clients.slice(0, 4).forEach((p, i) =>
      rib.applyUpdate(p, 'ipv4', { origin: 0, asPath: [], nextHop: p, localPref: 100 }, [{ prefix: `10.${i}.1.0/24` }, { prefix: `10.${i}.2.0/24` }], []),
    );
    const groupsOut = rib.flush('10.0.0.20').announce;
    expect(groupsOut).toHaveLength(4);
    const cache = new UpdateEncodeCache(5);
    const first = groupsOut.map((g) => cache.updates('ipv4', g.attrs, g.prefixes, ctx(), 4096));
    expect(cache.encoded).toBe(4);
    expect(cache.size).toBeLessThanOrEqual(5);
    // The newest two groups are still there; the oldest was dropped and is encoded again, to the same bytes.
    expect(cache.updates('ipv4', groupsOut[3].attrs, groupsOut[3].prefixes, ctx(), 4096)).toBe(first[3]);
    expect(cache.updates('ipv4', groupsOut[2].attrs, groupsOut[2].prefixes, ctx(), 4096)).toBe(first[2]);
    const again = cache.updates('ipv4', groupsOut[0].attrs, groupsOut[0].prefixes, ctx(), 4096);
    expect(again).not.toBe(first[0]);
    expect(Buffer.concat(again)).toEqual(Buffer.concat(first[0]));
    expect(cache.encoded).toBe(5);
    expect(cache.size).toBeLessThanOrEqual(5);
  });

  it('does not keep a group larger than its bound, and bounds one attribute set sent in many groups', () => {
    const { r } = groups();
    const g = r[0];
    const tiny = new UpdateEncodeCache(1);
    tiny.updates('ipv4', g.attrs, g.prefixes, ctx(), 4096);
    tiny.updates('ipv4', g.attrs, g.prefixes, ctx(), 4096);
    expect(tiny.encoded).toBe(2);
    expect(tiny.size).toBe(0);
    // Single-prefix groups of one attribute set: the newest stay, within the bound.
    const one = new UpdateEncodeCache(1);
    const a = one.updates('ipv4', g.attrs, g.prefixes.slice(0, 1), ctx(), 4096);
    one.updates('ipv4', g.attrs, g.prefixes.slice(1, 2), ctx(), 4096);
    expect(one.size).toBe(1);
    expect(one.updates('ipv4', g.attrs, g.prefixes.slice(0, 1), ctx(), 4096)).not.toBe(a);
    expect(one.encoded).toBe(3);
  });
});
