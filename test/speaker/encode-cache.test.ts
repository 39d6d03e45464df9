/**
 * The per-pass UPDATE cache: a group sent to many peers is encoded once, and what each peer gets is
 * byte for byte what encoding it alone gives; anything that changes the bytes (attributes, prefixes,
 * 4-octet AS, ADD-PATH, message size, family) is encoded apart.
 */
import { describe, expect, it } from 'vitest';
import { Rib } from '../../src/rib/index.js';
import { PassEncodeCache, endOfRibMessage } from '../../src/speaker/encode-cache.js';
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

describe('per-pass UPDATE cache', () => {
  it('encodes a group sent to two peers once, with the bytes encoding gives', () => {
    const { r, t } = groups();
    expect(r).toHaveLength(1);
    expect(t[0].attrs).toBe(r[0].attrs);
    expect(t[0].prefixes).not.toBe(r[0].prefixes); // separate arrays, same Nlri objects
    const cache = new PassEncodeCache();
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
    const cache = new PassEncodeCache();
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
});
