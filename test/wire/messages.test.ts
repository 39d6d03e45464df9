/**
 * Header framing (RFC 4271 §4.1, §6.1), MessageReader, OPEN and capabilities (RFC 5492, 9072),
 * NOTIFICATION, KEEPALIVE, ROUTE-REFRESH (RFC 2918, 7313), UPDATE packing, End-of-RIB (RFC 4724).
 */
import { describe, expect, it } from 'vitest';
import {
  KEEPALIVE_BYTES,
  MessageReader,
  decodeMessage,
  defaultContext,
  encodeEndOfRib,
  encodeMessage,
  encodeUpdates,
  encodeWithdrawals,
  endOfRibAfiSafi,
  endOfRibFamily,
  type Capability,
  type DecodeResult,
  type Nlri,
  type OpenMessage,
  type PathAttributes,
  type UpdateMessage,
} from '../../src/wire/index.js';
import { ctxWith, hex, message } from './helpers.js';

const ctx = defaultContext();

function errorOf(res: DecodeResult): [number, number] {
  expect(res.message).toBeUndefined();
  expect(res.errors).toHaveLength(1);
  return [res.errors[0].code, res.errors[0].subcode];
}

describe('header (RFC 4271 §4.1, §6.1)', () => {
  it('a KEEPALIVE decodes and KEEPALIVE_BYTES is one', () => {
    expect(decodeMessage(KEEPALIVE_BYTES, ctx)).toEqual({ message: { type: 'KEEPALIVE' }, errors: [], length: 19 });
    expect(encodeMessage({ type: 'KEEPALIVE' }, ctx).equals(KEEPALIVE_BYTES)).toBe(true);
  });
  it('fewer bytes than the header or the declared length: length 0, more needed', () => {
    expect(decodeMessage(KEEPALIVE_BYTES.subarray(0, 18), ctx)).toEqual({ errors: [], length: 0 });
    const open = encodeMessage({ type: 'OPEN', version: 4, myAs: 65001, holdTime: 90, bgpId: '10.0.0.1', capabilities: [] }, ctx);
    expect(decodeMessage(open.subarray(0, open.length - 1), ctx).length).toBe(0);
  });
  it('decodes at an offset, and the error offset counts from that message', () => {
    const two = Buffer.concat([KEEPALIVE_BYTES, message(2, '0000 0004 40010103')]);
    const res = decodeMessage(two, ctx, 19);
    expect(res.length).toBe(two.length - 19);
    expect(res.errors[0].offset).toBe(23);
  });
  it('marker not all ones: Connection Not Synchronized 1/1', () => {
    const b = Buffer.from(KEEPALIVE_BYTES);
    b[5] = 0;
    expect(errorOf(decodeMessage(b, ctx))).toEqual([1, 1]);
    expect(decodeMessage(b, ctx, 0, { checkMarker: false }).message).toEqual({ type: 'KEEPALIVE' });
  });
  it('length below 19 or above 4096: Bad Message Length 1/2 with the length as data', () => {
    const b = Buffer.from(KEEPALIVE_BYTES);
    b.writeUInt16BE(18, 16);
    let res = decodeMessage(b, ctx);
    expect(errorOf(res)).toEqual([1, 2]);
    expect(res.errors[0].data.toString('hex')).toBe('0012');
    const big = message(2, Buffer.alloc(5000));
    res = decodeMessage(big, ctx);
    expect(errorOf(res)).toEqual([1, 2]);
    expect(res.errors[0].data.readUInt16BE(0)).toBe(5019);
  });
  it('RFC 8654: with extended message an UPDATE may be 65535 bytes, an OPEN still not above 4096', () => {
    const ext = ctxWith({ extendedMessage: true });
    const big = message(2, Buffer.concat([hex('0000'), Buffer.from([0x13, 0x88]), Buffer.alloc(5000)]));
    expect(decodeMessage(big, ext).errors[0]?.code).not.toBe(1);
    const bigOpen = message(1, Buffer.alloc(5000));
    expect(errorOf(decodeMessage(bigOpen, ext))).toEqual([1, 2]);
  });
  it('KEEPALIVE of 20 bytes, UPDATE of 22: Bad Message Length', () => {
    expect(errorOf(decodeMessage(message(4, '00'), ctx))).toEqual([1, 2]);
    expect(errorOf(decodeMessage(message(2, '000000'), ctx))).toEqual([1, 2]);
    expect(errorOf(decodeMessage(message(3, '06'), ctx))).toEqual([1, 2]);
  });
  it('unknown type: Bad Message Type 1/3 with the type as data; framing kept', () => {
    const res = decodeMessage(message(7, '0102'), ctx);
    expect(errorOf(res)).toEqual([1, 3]);
    expect([...res.errors[0].data]).toEqual([7]);
    expect(res.length).toBe(21);
  });
});

describe('MessageReader', () => {
  it('cuts a stream split at every byte into the same messages', () => {
    const msgs = [
      KEEPALIVE_BYTES,
      encodeMessage({ type: 'NOTIFICATION', code: 6, subcode: 2, data: Buffer.from('bye') }, ctx),
      ...encodeUpdates('ipv4', { origin: 0, asPath: [], nextHop: '10.0.0.1' }, [{ prefix: '10.1.0.0/16' }], ctx),
    ];
    const stream = Buffer.concat(msgs);
    const reader = new MessageReader();
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) {
      reader.push(stream.subarray(i, i + 1));
      for (const f of reader) got.push(Buffer.from(f));
    }
    expect(got.map((b) => b.toString('hex'))).toEqual(msgs.map((b) => b.toString('hex')));
    expect(reader.buffered).toBe(0);
    expect(reader.error).toBeUndefined();
  });
  it('returns whole chunks without copying when messages do not span chunks', () => {
    const chunk = Buffer.concat([KEEPALIVE_BYTES, KEEPALIVE_BYTES]);
    const reader = new MessageReader();
    reader.push(chunk);
    const f = reader.next()!;
    expect(f.buffer).toBe(chunk.buffer);
  });
  it('reports header errors and then stops', () => {
    const reader = new MessageReader();
    reader.push(Buffer.concat([KEEPALIVE_BYTES, message(9, '')]));
    expect(reader.next()).toBeDefined();
    expect(reader.next()).toBeUndefined();
    expect(reader.error).toMatchObject({ code: 1, subcode: 3 });
    reader.push(KEEPALIVE_BYTES);
    expect(reader.next()).toBeUndefined();
  });
  it('checks lengths against the extended message setting, which can change after OPEN', () => {
    const big = message(2, Buffer.concat([hex('0000 0000'), Buffer.alloc(5000)]));
    const reader = new MessageReader();
    reader.extendedMessage = true;
    reader.push(big);
    expect(reader.next()?.length).toBe(big.length);
    const strict = new MessageReader();
    strict.push(big);
    expect(strict.next()).toBeUndefined();
    expect(strict.error).toMatchObject({ code: 1, subcode: 2 });
  });
});

const ALL_CAPS: Capability[] = [
  { code: 1, name: 'multiprotocol', afi: 1, safi: 1 },
  { code: 1, name: 'multiprotocol', afi: 2, safi: 1 },
  { code: 2, name: 'route-refresh' },
  { code: 6, name: 'extended-message' },
  {
    code: 64,
    name: 'graceful-restart',
    restarting: true,
    notification: true,
    restartTime: 120,
    families: [{ afi: 1, safi: 1, forwardingPreserved: true }],
  },
  { code: 65, name: 'four-octet-as', asn: 4200000001 },
  { code: 69, name: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }, { afi: 2, safi: 1, sendReceive: 1 }] },
  { code: 70, name: 'enhanced-route-refresh' },
  { code: 71, name: 'long-lived-graceful-restart', families: [{ afi: 2, safi: 1, forwardingPreserved: false, staleTime: 86400 }] },
  { code: 73, name: 'fqdn', hostname: 'node-1', domain: 'lab.example' },
  { code: 128, name: 'unknown', data: Buffer.alloc(0) },
  { code: 75, name: 'unknown', data: Buffer.from('\x05hello') },
];

describe('OPEN (RFC 4271 §4.2) and capabilities (RFC 5492)', () => {
  const open: OpenMessage = { type: 'OPEN', version: 4, myAs: 23456, holdTime: 90, bgpId: '10.0.0.1', capabilities: ALL_CAPS };

  it('round-trips every modelled capability', () => {
    const buf = encodeMessage(open, ctx);
    const res = decodeMessage(buf, ctx);
    expect(res.errors).toEqual([]);
    expect(res.message).toEqual(open);
  });
  it('decodes several capabilities in one parameter (as BIRD sends them)', () => {
    const res = decodeMessage(message(1, '04 fde9 005a 0a000001 12 0210 0104000100010200 0600 41040000fde9'), ctx);
    expect(res.errors).toEqual([]);
    expect((res.message as OpenMessage).capabilities.map((c) => c.name)).toEqual(['multiprotocol', 'route-refresh', 'extended-message', 'four-octet-as']);
  });
  it('keeps a malformed known capability raw', () => {
    const res = decodeMessage(message(1, '04 fde9 005a 0a000001 05 0203 010100'), ctx);
    expect((res.message as OpenMessage).capabilities).toEqual([{ code: 1, name: 'unknown', data: hex('00') }]);
  });
  it('RFC 9072: extended optional parameters length, decoded and chosen when over 255 bytes', () => {
    const many: OpenMessage = {
      ...open,
      capabilities: Array.from({ length: 70 }, (_, i) => ({ code: 1 as const, name: 'multiprotocol' as const, afi: 1, safi: i + 1 })),
    };
    const buf = encodeMessage(many, ctx);
    expect(buf[28]).toBe(255);
    expect(buf[29]).toBe(255);
    expect(buf.readUInt16BE(30)).toBe(70 * 9);
    expect(decodeMessage(buf, ctx).message).toEqual(many);
    // A small one in the extended form (allowed, RFC 9072 §2) decodes too.
    const small = message(1, '04 fde9 005a 0a000001 ff ff 0007 02 0004 02000600'.replace(/ /g, ''));
    const res = decodeMessage(small, ctx);
    expect(res.errors).toEqual([]);
    expect((res.message as OpenMessage).capabilities.map((c) => c.code)).toEqual([2, 6]);
  });
  it('unsupported version: 2/1 with the highest supported version as data', () => {
    const res = decodeMessage(message(1, '03 fde9 005a 0a000001 00'), ctx);
    expect(errorOf(res)).toEqual([2, 1]);
    expect(res.errors[0].data.readUInt16BE(0)).toBe(4);
  });
  it('hold time 1 or 2: Unacceptable Hold Time 2/6', () => {
    expect(errorOf(decodeMessage(message(1, '04 fde9 0002 0a000001 00'), ctx))).toEqual([2, 6]);
    expect(decodeMessage(message(1, '04 fde9 0000 0a000001 00'), ctx).errors).toEqual([]);
  });
  it('BGP Identifier 0: Bad BGP Identifier 2/3 (RFC 6286 §2.2)', () => {
    expect(errorOf(decodeMessage(message(1, '04 fde9 005a 00000000 00'), ctx))).toEqual([2, 3]);
  });
  it('optional parameter other than capabilities: Unsupported Optional Parameter 2/4', () => {
    expect(errorOf(decodeMessage(message(1, '04 fde9 005a 0a000001 03 010100'), ctx))).toEqual([2, 4]);
  });
  it('parameters that overrun or do not fill the message: 2/0', () => {
    expect(errorOf(decodeMessage(message(1, '04 fde9 005a 0a000001 04 0203 0100'), ctx))).toEqual([2, 0]);
    expect(errorOf(decodeMessage(message(1, '04 fde9 005a 0a000001 02 0200 00'), ctx))).toEqual([2, 0]);
    expect(errorOf(decodeMessage(message(1, '04 fde9 005a 0a000001 03 0201 00'), ctx))).toEqual([2, 0]);
  });
});

describe('NOTIFICATION, ROUTE-REFRESH', () => {
  it('NOTIFICATION round-trips with its data', () => {
    const n = { type: 'NOTIFICATION' as const, code: 6, subcode: 2, data: Buffer.from('\x03bye') };
    expect(decodeMessage(encodeMessage(n, ctx), ctx).message).toEqual(n);
  });
  it('ROUTE-REFRESH subtypes 0, 1 (BoRR), 2 (EoRR) round-trip (RFC 7313 §3)', () => {
    for (const subtype of [0, 1, 2]) {
      const rr = { type: 'ROUTE-REFRESH' as const, afi: 2, subtype, safi: 1 };
      expect(decodeMessage(encodeMessage(rr, ctx), ctx).message).toEqual(rr);
    }
  });
  it('BoRR longer than 23 bytes: ROUTE-REFRESH Message Error 7/1 with the message as data (RFC 7313 §5)', () => {
    const buf = message(5, '0001 01 01 00');
    const res = decodeMessage(buf, ctx);
    expect(errorOf(res)).toEqual([7, 1]);
    expect(res.errors[0].data.equals(buf)).toBe(true);
  });
  it('a normal request with ORF entries keeps them raw (RFC 5291)', () => {
    const res = decodeMessage(message(5, '0001 00 01 01 40 0005'), ctx);
    expect(res.message).toEqual({ type: 'ROUTE-REFRESH', afi: 1, subtype: 0, safi: 1, data: hex('01400005') });
  });
});

function prefixes(n: number, len = 24): Nlri[] {
  return Array.from({ length: n }, (_, i) => ({ prefix: `10.${(i >> 8) & 255}.${i & 255}.0/${len}` }));
}

function decodeAll(bufs: Buffer[], c = ctx): UpdateMessage[] {
  return bufs.map((b) => {
    const res = decodeMessage(b, c);
    expect(res.errors).toEqual([]);
    return res.message as UpdateMessage;
  });
}

describe('packing UPDATEs', () => {
  const attrs: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '10.0.0.1', localPref: 100 };

  it('IPv4: as few messages as fit 4096 bytes, every prefix once, in order', () => {
    const list = prefixes(3000);
    const bufs = encodeUpdates('ipv4', attrs, list, ctx);
    // 4096 - 23 - 27 bytes of attributes = 4046 bytes: 1011 four-byte /24 entries per message.
    expect(bufs.map((b) => b.length)).toEqual([4094, 4094, 23 + 27 + 978 * 4]);
    const msgs = decodeAll(bufs);
    expect(msgs.flatMap((m) => m.nlri)).toEqual(list);
    expect(msgs[0].attributes).toEqual(attrs);
  });
  it('fills the last bytes exactly with mixed prefix lengths', () => {
    const list = [...prefixes(1100, 24), ...prefixes(500, 32), ...prefixes(300, 8)];
    const bufs = encodeUpdates('ipv4', attrs, list, ctx);
    expect(decodeAll(bufs).flatMap((m) => m.nlri)).toEqual(
      list.map((n) => ({ prefix: n.prefix.replace(/^10\.\d+\.\d+\.0\/8$/, '10.0.0.0/8') })),
    );
    for (const b of bufs.slice(0, -1)) expect(b.length).toBeGreaterThan(4096 - 5);
  });
  it('extended message: one UPDATE up to 65535 bytes; maxMessageSize lowers the limit', () => {
    const ext = ctxWith({ extendedMessage: true });
    expect(encodeUpdates('ipv4', attrs, prefixes(15000), ext)).toHaveLength(1);
    const small = encodeUpdates('ipv4', attrs, prefixes(100), ctx, 200);
    expect(small.length).toBe(Math.ceil(100 / Math.floor((200 - 48) / 4)));
    expect(Math.max(...small.map((b) => b.length))).toBeLessThanOrEqual(200);
  });
  it('IPv6 in MP_REACH_NLRI (first attribute, RFC 7606 §5.1), no NEXT_HOP attribute', () => {
    const list = Array.from({ length: 600 }, (_, i) => ({ prefix: `fd00:${(i + 1).toString(16)}::/64` }));
    const v6attrs: PathAttributes = { ...attrs, mpReach: { afi: 2, safi: 1, nextHops: ['fd00::1', 'fe80::1'], nlri: [] } };
    const bufs = encodeUpdates('ipv6', v6attrs, list, ctx);
    // 4096 - 23 - 41 (MP_REACH up to its NLRI) - 20 (other attributes) = 4012 bytes: 445 /64s.
    expect(bufs.map((b) => b.length)).toEqual([23 + 41 + 20 + 445 * 9, 23 + 41 + 20 + 155 * 9]);
    expect(bufs[0][23 + 1]).toBe(14);
    const msgs = decodeAll(bufs);
    expect(msgs.flatMap((m) => m.attributes.mpReach!.nlri)).toEqual(list);
    expect(msgs[0].attributes.nextHop).toBeUndefined();
    expect(msgs[0].attributes.mpReach!.nextHops).toEqual(['fd00::1', 'fe80::1']);
    expect(msgs[0].attributes.localPref).toBe(100);
  });
  it('ADD-PATH send puts path identifiers in, and they decode with ADD-PATH receive (RFC 7911 §3)', () => {
    const ap = ctxWith();
    ap.addPath.ipv4 = { receive: true, send: true };
    const list = [
      { prefix: '10.0.0.0/24', pathId: 1 },
      { prefix: '10.0.0.0/24', pathId: 4294967295 },
    ];
    expect(decodeAll(encodeUpdates('ipv4', attrs, list, ap), ap)[0].nlri).toEqual(list);
  });
  it('withdrawals: IPv4 in Withdrawn Routes, IPv6 in MP_UNREACH_NLRI', () => {
    const w4 = decodeAll(encodeWithdrawals('ipv4', prefixes(2000), ctx));
    expect(w4.length).toBe(2);
    expect(w4.flatMap((m) => m.withdrawn)).toEqual(prefixes(2000));
    const list6 = [{ prefix: 'fd00:10::/122' }, { prefix: '::/0' }];
    const w6 = decodeAll(encodeWithdrawals('ipv6', list6, ctx));
    expect(w6[0].attributes.mpUnreach).toEqual({ afi: 2, safi: 1, withdrawn: list6 });
  });
  it('nothing to send: no messages', () => {
    expect(encodeUpdates('ipv4', attrs, [], ctx)).toEqual([]);
    expect(encodeWithdrawals('ipv6', [], ctx)).toEqual([]);
  });
  it('rejects a prefix that is not one, naming it', () => {
    expect(() => encodeUpdates('ipv4', attrs, [{ prefix: '10.0.0/24' }], ctx)).toThrow(/10\.0\.0\/24/);
    expect(() => encodeUpdates('ipv4', attrs, [{ prefix: 'fd00::/64' }], ctx)).toThrow(/fd00/);
    expect(() => encodeUpdates('ipv6', attrs, [{ prefix: 'fd00::/64' }], ctx)).toThrow(/nextHops/);
    expect(() => encodeUpdates('ipv4', { origin: 0, asPath: [] }, [{ prefix: '10.0.0.0/8' }], ctx)).toThrow(/attrs\.nextHop/);
    expect(() => encodeUpdates('ipv4', { asPath: [], nextHop: '10.0.0.1' }, [{ prefix: '10.0.0.0/8' }], ctx)).toThrow(/attrs\.origin/);
  });
});

describe('End-of-RIB (RFC 4724 §2)', () => {
  it('IPv4 is an empty UPDATE; others an empty MP_UNREACH_NLRI', () => {
    expect(encodeEndOfRib('ipv4').toString('hex')).toBe('ff'.repeat(16) + '0017' + '02' + '00000000');
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const m = decodeMessage(encodeEndOfRib(fam), ctx).message as UpdateMessage;
      expect(endOfRibFamily(m)).toBe(fam);
    }
    const vpn = decodeMessage(encodeEndOfRib({ afi: 1, safi: 128 }), ctx).message as UpdateMessage;
    expect(endOfRibFamily(vpn)).toBeUndefined();
    expect(endOfRibAfiSafi(vpn)).toEqual({ afi: 1, safi: 128 });
  });
  it('recognises ExaBGP-style ones with an Extended Length MP_UNREACH_NLRI', () => {
    const m = decodeMessage(message(2, '0000 0007 900f0003000201'), ctx).message as UpdateMessage;
    expect(endOfRibFamily(m)).toBe('ipv6');
  });
  it('is not a withdrawal or an UPDATE with attributes', () => {
    const w = decodeAll(encodeWithdrawals('ipv6', [{ prefix: 'fd00::/64' }], ctx))[0];
    expect(endOfRibFamily(w)).toBeUndefined();
    expect(endOfRibFamily({ type: 'UPDATE', withdrawn: [], nlri: [], attributes: { origin: 0 } })).toBeUndefined();
  });
});
