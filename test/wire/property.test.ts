/**
 * Property tests (fast-check): decode(encode(m)) equals m for generated valid messages of every
 * type, every capability and every attribute; random and mutated bytes always give a message or
 * an error value, never an exception, within a time bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES,
  MessageReader,
  decodeMessage,
  encodeMessage,
  encodeUpdates,
  type AsPathSegment,
  type BgpMessage,
  type Capability,
  type CodecContext,
  type DecodeResult,
  type MpReach,
  type MpUnreach,
  type Nlri,
  type PathAttributes,
  type UpdateMessage,
} from '../../src/wire/index.js';
import { ctxWith, v6Text } from './helpers.js';

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (max: number, min = 0) => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));

/** A host address that is a valid NEXT_HOP (RFC 4271 §6.3: not 0/8, 127/8, 224/3). */
const hostV4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }).filter((a) => a !== 127), u8, u8, u8)
  .map((b) => b.join('.'));
const anyV4 = fc.tuple(u8, u8, u8, u8).map((b) => b.join('.'));
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => v6Text(b));

/** Canonical prefixes built independently of the codec (ipaddr.js for IPv6 text). */
function prefixArb(family: 'ipv4' | 'ipv6'): fc.Arbitrary<string> {
  const size = family === 'ipv4' ? 4 : 16;
  return fc
    .tuple(fc.uint8Array({ minLength: size, maxLength: size }), fc.integer({ min: 0, max: size * 8 }))
    .map(([raw, len]) => {
      const b = [...raw].map((x, i) => {
        const keep = Math.max(0, Math.min(8, len - i * 8));
        return keep === 0 ? 0 : x & ((0xff << (8 - keep)) & 0xff);
      });
      const addr = family === 'ipv4' ? b.join('.') : v6Text(b);
      return `${addr}/${len}`;
    });
}

function nlriList(family: 'ipv4' | 'ipv6', addPath: boolean, max: number, min = 0): fc.Arbitrary<Nlri[]> {
  const one = addPath
    ? fc.record({ prefix: prefixArb(family), pathId: u32 })
    : fc.record({ prefix: prefixArb(family) });
  return fc.array(one, { minLength: min, maxLength: max });
}

function asPathArb(asn: fc.Arbitrary<number>, types: Array<1 | 2 | 3 | 4>, minLength = 0): fc.Arbitrary<AsPathSegment[]> {
  return fc.array(fc.record({ type: fc.constantFrom(...types), asns: fc.array(asn, { minLength: 1, maxLength: 8 }) }), {
    minLength,
    maxLength: 4,
  });
}

const ctxArb: fc.Arbitrary<CodecContext> = fc
  .record({ as4: fc.boolean(), ap4: fc.boolean(), ap6: fc.boolean(), ext: fc.boolean() })
  .map(({ as4, ap4, ap6, ext }) => {
    const ctx = ctxWith({ as4, extendedMessage: ext });
    ctx.addPath.ipv4 = { receive: ap4, send: ap4 };
    ctx.addPath.ipv6 = { receive: ap6, send: ap6 };
    return ctx;
  });

const MODELLED = new Set(ATTRIBUTES.map((a) => a.code));

function mpReachArb(ctx: CodecContext): fc.Arbitrary<MpReach> {
  const v6reach = fc.record({
    afi: fc.constant(2),
    safi: fc.constant(1),
    nextHops: fc.oneof(fc.tuple(v6), fc.tuple(v6, v6)).map((t) => [...t]),
    nlri: nlriList('ipv6', ctx.addPath.ipv6.receive, 12),
  });
  const v4reach = fc.record({
    afi: fc.constant(1),
    safi: fc.constant(1),
    nextHops: anyV4.map((a) => [a]),
    nlri: nlriList('ipv4', ctx.addPath.ipv4.receive, 12),
  });
  const unsupported = fc
    .record({
      afi: u16,
      safi: u8,
      nh: bytes(32),
      nlri: bytes(40),
    })
    .filter((r) => !((r.afi === 1 || r.afi === 2) && r.safi === 1))
    .map((r): MpReach => ({ afi: r.afi, safi: r.safi, nextHops: [], nlri: [], unsupported: { nextHop: r.nh, nlri: r.nlri } }));
  return fc.oneof(v6reach, v4reach, unsupported);
}

function mpUnreachArb(ctx: CodecContext): fc.Arbitrary<MpUnreach> {
  return fc.oneof(
    fc.record({ afi: fc.constant(2), safi: fc.constant(1), withdrawn: nlriList('ipv6', ctx.addPath.ipv6.receive, 12) }),
    fc
      .record({ afi: u16, safi: u8, nlri: bytes(40) })
      .filter((r) => !((r.afi === 1 || r.afi === 2) && r.safi === 1))
      .map((r): MpUnreach => ({ afi: r.afi, safi: r.safi, withdrawn: [], unsupported: { nlri: r.nlri } })),
  );
}

/** Every attribute, each present or not, consistent with the context and with RFC 7606. */
function attributesArb(ctx: CodecContext): fc.Arbitrary<PathAttributes> {
  const asn = ctx.as4 ? u32 : u16;
  const unknown = fc
    .uniqueArray(
      fc.record({
        code: fc.integer({ min: 0, max: 255 }).filter((c) => !MODELLED.has(c)),
        // Optional always (an unknown well-known one is an error); Transitive, Partial, Extended Length free.
        flags: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()).map(([t, p, e]) => 0x80 | (t ? 0x40 : 0) | (p ? 0x20 : 0) | (e ? 0x10 : 0)),
        value: bytes(300),
      }),
      { selector: (u) => u.code, maxLength: 3 },
    )
    .map((list) => list.sort((a, b) => a.code - b.code));
  const parts = {
    origin: fc.constantFrom(0 as const, 1 as const, 2 as const),
    asPath: asPathArb(asn, [1, 2, 3, 4]),
    nextHop: hostV4,
    med: u32,
    localPref: u32,
    atomicAggregate: fc.constant(true),
    aggregator: fc.record({ asn, address: anyV4 }),
    communities: fc.array(u32, { minLength: 1, maxLength: 6 }),
    originatorId: anyV4,
    clusterList: fc.array(anyV4, { minLength: 1, maxLength: 4 }),
    mpReach: mpReachArb(ctx),
    mpUnreach: mpUnreachArb(ctx),
    extendedCommunities: fc.array(bytes(8, 8), { minLength: 1, maxLength: 4 }),
    largeCommunities: fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 4 }),
    unknown: unknown.filter((l) => l.length > 0),
    // RFC 6793 §3: only OLD sessions carry these.
    ...(ctx.as4 ? {} : { as4Path: asPathArb(u32, [1, 2], 1), as4Aggregator: fc.record({ asn: u32, address: anyV4 }) }),
  };
  return fc.record(parts, { requiredKeys: [] }) as fc.Arbitrary<PathAttributes>;
}

function updateArb(ctx: CodecContext): fc.Arbitrary<UpdateMessage> {
  return fc
    .record({
      withdrawn: nlriList('ipv4', ctx.addPath.ipv4.receive, 10),
      attributes: attributesArb(ctx),
      nlri: nlriList('ipv4', ctx.addPath.ipv4.receive, 10),
    })
    .map((u): UpdateMessage => {
      // RFC 7606 §3 d: reachability needs the well-known mandatory attributes.
      const a = u.attributes;
      const mpNlri = a.mpReach && (a.mpReach.nlri.length > 0 || (a.mpReach.unsupported?.nlri.length ?? 0) > 0);
      if (u.nlri.length > 0 || mpNlri) {
        a.origin ??= 0;
        a.asPath ??= [];
      }
      if (u.nlri.length > 0) a.nextHop ??= '10.0.0.1';
      return { type: 'UPDATE', ...u };
    });
}

const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ code: fc.constant(1 as const), name: fc.constant('multiprotocol' as const), afi: u16, safi: u8 }),
  fc.constant<Capability>({ code: 2, name: 'route-refresh' }),
  fc.constant<Capability>({ code: 6, name: 'extended-message' }),
  fc.constant<Capability>({ code: 70, name: 'enhanced-route-refresh' }),
  fc.record({
    code: fc.constant(64 as const),
    name: fc.constant('graceful-restart' as const),
    restarting: fc.boolean(),
    notification: fc.boolean(),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(fc.record({ afi: u16, safi: u8, forwardingPreserved: fc.boolean() }), { maxLength: 4 }),
  }),
  fc.record({ code: fc.constant(65 as const), name: fc.constant('four-octet-as' as const), asn: u32 }),
  fc.record({
    code: fc.constant(69 as const),
    name: fc.constant('add-path' as const),
    families: fc.array(fc.record({ afi: u16, safi: u8, sendReceive: fc.constantFrom(1 as const, 2 as const, 3 as const) }), {
      minLength: 1,
      maxLength: 4,
    }),
  }),
  fc.record({
    code: fc.constant(71 as const),
    name: fc.constant('long-lived-graceful-restart' as const),
    families: fc.array(
      fc.record({ afi: u16, safi: u8, forwardingPreserved: fc.boolean(), staleTime: fc.integer({ min: 0, max: 0xffffff }) }),
      { maxLength: 4 },
    ),
  }),
  fc.record({
    code: fc.constant(73 as const),
    name: fc.constant('fqdn' as const),
    hostname: fc.string({ maxLength: 40 }),
    domain: fc.string({ maxLength: 40 }),
  }),
  fc.record({
    code: fc.integer({ min: 0, max: 255 }).filter((c) => ![1, 2, 6, 64, 65, 69, 70, 71, 73].includes(c)),
    name: fc.constant('unknown' as const),
    data: bytes(60),
  }),
);

const messageArb = (ctx: CodecContext): fc.Arbitrary<BgpMessage> =>
  fc.oneof(
    fc.record({
      type: fc.constant('OPEN' as const),
      version: fc.constant(4),
      myAs: u16,
      holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
      bgpId: hostV4,
      capabilities: fc.array(capabilityArb, { maxLength: 40 }),
    }),
    updateArb(ctx),
    fc.record({ type: fc.constant('NOTIFICATION' as const), code: u8, subcode: u8, data: bytes(100) }),
    fc.constant<BgpMessage>({ type: 'KEEPALIVE' }),
    fc
      .record({ afi: u16, subtype: u8, safi: u8, data: bytes(20) })
      .map(({ afi, subtype, safi, data }): BgpMessage => {
        const rr: BgpMessage = { type: 'ROUTE-REFRESH', afi, subtype, safi };
        if (data.length > 0 && subtype !== 1 && subtype !== 2) rr.data = data;
        return rr;
      }),
  );

describe('decode(encode(m)) equals m', () => {
  it('for every message type, capability and attribute, in every context', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        ctxArb.chain((ctx) => fc.tuple(fc.constant(ctx), messageArb(ctx))),
        ([ctx, msg]) => {
          const buf = encodeMessage(msg, ctx);
          const res = decodeMessage(buf, ctx);
          expect(res.errors).toEqual([]);
          expect(res.length).toBe(buf.length);
          expect(res.message).toEqual(msg);
          seen.add(msg.type);
          if (msg.type === 'UPDATE') for (const k of Object.keys(msg.attributes)) seen.add(k);
          if (msg.type === 'OPEN') for (const c of msg.capabilities) seen.add(c.name);
        },
      ),
      { numRuns: 1500 },
    );
    // The generators reached everything.
    for (const name of ['OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH', 'fqdn', 'add-path', 'unknown', 'as4Path', 'mpUnreach', 'largeCommunities']) {
      expect(seen.has(name), name).toBe(true);
    }
  });

  it('for packed UPDATEs: every prefix comes back once, with the shared attributes', () => {
    fc.assert(
      fc.property(
        ctxArb,
        fc.constantFrom('ipv4' as const, 'ipv6' as const),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 120, max: 4096 }),
        (ctx, family, n, max) => {
          const list = fc.sample(nlriList(family, ctx.addPath[family].send, n, n), { numRuns: 1, seed: n })[0];
          const attrs: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], localPref: 100 };
          if (family === 'ipv4') attrs.nextHop = '10.0.0.1';
          else attrs.mpReach = { afi: 2, safi: 1, nextHops: ['fd00::1'], nlri: [] };
          const bufs = encodeUpdates(family, attrs, list, ctx, max);
          const back: Nlri[] = [];
          for (const b of bufs) {
            expect(b.length).toBeLessThanOrEqual(max);
            const res = decodeMessage(b, ctx);
            expect(res.errors).toEqual([]);
            const u = res.message as UpdateMessage;
            back.push(...(family === 'ipv4' ? u.nlri : u.attributes.mpReach!.nlri));
          }
          expect(back).toEqual(list);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** Decoding must return a value: a message, or errors; never throw, never report an internal error. */
function checkDecode(buf: Buffer, ctx: CodecContext, checkMarker = true): DecodeResult {
  const res = decodeMessage(buf, ctx, 0, { checkMarker });
  expect(res.length).toBeGreaterThanOrEqual(0);
  expect(res.length).toBeLessThanOrEqual(buf.length);
  if (res.length > 0) expect(res.message !== undefined || res.errors.length > 0).toBe(true);
  for (const e of res.errors) {
    expect(e.reason).not.toMatch(/internal decoder error/);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThan(Math.max(res.length, 19));
  }
  return res;
}

describe('hostile bytes', () => {
  it('random bytes after a valid header: a message or errors, never an exception', () => {
    const t0 = Date.now();
    fc.assert(
      fc.property(ctxArb, fc.integer({ min: 1, max: 5 }), bytes(300), (ctx, type, body) => {
        const buf = Buffer.alloc(19 + body.length, 0xff);
        buf.writeUInt16BE(buf.length, 16);
        buf[18] = type;
        body.copy(buf, 19);
        checkDecode(buf, ctx);
      }),
      { numRuns: 5000 },
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('mutated valid messages (bytes flipped, cut, length re-stamped): never an exception', () => {
    fc.assert(
      fc.property(
        ctxArb.chain((ctx) => fc.tuple(fc.constant(ctx), messageArb(ctx))),
        fc.array(fc.tuple(fc.nat(), u8), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.boolean(),
        ([ctx, msg], flips, cut, restamp) => {
          const buf = Buffer.from(encodeMessage(msg, ctx));
          for (const [at, v] of flips) buf[19 + (at % Math.max(1, buf.length - 19))] = v;
          const len = Math.max(19, buf.length - (cut % 8));
          const m = buf.subarray(0, Math.min(len, buf.length));
          if (restamp) m.writeUInt16BE(m.length, 16);
          checkDecode(m, ctx);
          checkDecode(m, ctx, false);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('entirely random streams through MessageReader and decodeMessage', () => {
    fc.assert(
      fc.property(bytes(600), fc.integer({ min: 1, max: 64 }), (stream, chunk) => {
        const reader = new MessageReader({ checkMarker: false });
        for (let i = 0; i < stream.length; i += chunk) {
          reader.push(stream.subarray(i, i + chunk));
          for (const f of reader) checkDecode(f, ctxWith(), false);
        }
        let off = 0;
        while (off < stream.length) {
          const res = decodeMessage(stream, ctxWith(), off, { checkMarker: false });
          if (res.length === 0) break;
          off += res.length;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
