/**
 * UPDATE messages (RFC 4271 §4.3): decoding with the RFC 7606 rules that need the whole message
 * (NLRI syntax §5.3, missing attributes §3 d, NEXT_HOP §7.3 with RFC 4760 §3), encoding, and the
 * packers that put as many routes sharing one attribute set into each message as fit.
 */
import { ATTRIBUTE_BY_CODE, decodeAttributes, encodeAttributes, encodeMpReachHead } from './attributes.js';
import { AttrCode, AttrFlag, ErrorCode, UpdateSubcode } from './constants.js';
import { maxMessageSize as contextMaxSize } from './context.js';
import { copyRange, decodeError } from './errors.js';
import { HEADER_LENGTH, writeHeader } from './header.js';
import { decodeIPv4Prefixes, maxNlriSize, writeNlri } from './nlri.js';
import { isIPv6 } from './prefix.js';
import type { AfiSafi, CodecContext, DecodeError, Family, Nlri, PathAttributes, UpdateMessage } from './types.js';
import { Writer } from './writer.js';

function u16(buf: Buffer, p: number): number {
  return (buf[p] << 8) | buf[p + 1];
}

/** RFC 4271 §6.3 "not a valid IP host address": 0/8, 127/8 (RFC 1122 §3.2.1.3), 224/4 and 240/4. */
export function isMartianNextHop(address: string): boolean {
  const first = parseInt(address, 10);
  return first === 0 || first === 127 || first >= 224;
}

/** Decodes the UPDATE in [start, end) (start = first marker byte), appending errors. */
export function decodeUpdate(
  buf: Buffer,
  start: number,
  end: number,
  ctx: CodecContext,
  errors: DecodeError[],
): UpdateMessage | undefined {
  const body = start + HEADER_LENGTH;
  const wLen = u16(buf, body);
  const wStart = body + 2;
  const wEnd = wStart + wLen;
  // RFC 4271 §6.3, kept by RFC 7606 §3 b: lengths that overrun the message are Malformed Attribute List.
  if (wEnd + 2 > end) {
    errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'session-reset', body - start,
      `Withdrawn Routes Length ${wLen} overruns the message (${end - wStart} bytes left)`));
    return undefined;
  }
  const aLen = u16(buf, wEnd);
  const aStart = wEnd + 2;
  const aEnd = aStart + aLen;
  if (aEnd > end) {
    errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'session-reset', wEnd - start,
      `Total Path Attribute Length ${aLen} overruns the message (${end - aStart} bytes left)`));
    return undefined;
  }
  const addPath = ctx.addPath.ipv4.receive;
  const withdrawn: Nlri[] = [];
  let failure = decodeIPv4Prefixes(buf, wStart, wEnd, addPath, withdrawn);
  if (failure) {
    // RFC 7606 §5.3: a syntactically incorrect withdrawn routes field resets the session.
    errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.INVALID_NETWORK_FIELD, 'session-reset', failure.at - start,
      `withdrawn routes: ${failure.reason}`, copyRange(buf, failure.at, wEnd)));
    return undefined;
  }
  const firstAttrError = errors.length;
  const parsed = decodeAttributes(buf, aStart, aEnd, start, ctx, errors);
  if (!parsed) return undefined;
  const nlri: Nlri[] = [];
  failure = decodeIPv4Prefixes(buf, aEnd, end, addPath, nlri);
  if (failure) {
    // RFC 7606 §5.3 (RFC 4271 §6.3 Invalid Network Field).
    errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.INVALID_NETWORK_FIELD, 'session-reset', failure.at - start,
      `NLRI: ${failure.reason}`, copyRange(buf, failure.at, end)));
    return undefined;
  }
  const attrs = parsed.attrs;
  if (nlri.length === 0) {
    // RFC 4760 §3: without IPv4 NLRI the NEXT_HOP attribute is ignored, so its errors only discard it.
    for (const e of parsed.nextHopErrors) e.action = 'attribute-discard';
  } else if (attrs.nextHop !== undefined && isMartianNextHop(attrs.nextHop)) {
    // RFC 7606 §7.3: a syntactically incorrect NEXT_HOP is treat-as-withdraw.
    errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.INVALID_NEXT_HOP, 'treat-as-withdraw', aStart - start,
      `NEXT_HOP ${attrs.nextHop} is not a valid host address`));
  }
  // RFC 7606 §3 d: missing well-known mandatory attributes are treat-as-withdraw, and only matter
  // when the message carries reachability (RFC 4760 §3 for MP_REACH_NLRI).
  const mp = attrs.mpReach;
  const reaches = nlri.length > 0 || (mp !== undefined && (mp.nlri.length > 0 || (mp.unsupported?.nlri.length ?? 0) > 0));
  if (reaches && !parsed.stoppedEarly) {
    const required = nlri.length > 0 ? [AttrCode.ORIGIN, AttrCode.AS_PATH, AttrCode.NEXT_HOP] : [AttrCode.ORIGIN, AttrCode.AS_PATH];
    for (const code of required) {
      if (ATTRIBUTE_BY_CODE[code]!.present(attrs)) continue;
      // Already reported as malformed (and removed): no second error for the same attribute.
      if (errors.slice(firstAttrError).some((e) => e.data.length > 1 && e.data[1] === code)) continue;
      errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE, 'treat-as-withdraw', aStart - start,
        `missing well-known attribute ${ATTRIBUTE_BY_CODE[code]!.name}`, Buffer.from([code])));
    }
  }
  return { type: 'UPDATE', withdrawn, attributes: attrs, nlri };
}

// ---------------------------------------------------------------- encoding

const scratch = new Writer(8192);

function writeNlriField(w: Writer, list: Nlri[], ctx: CodecContext): void {
  const addPath = ctx.addPath.ipv4.send;
  for (const n of list) {
    w.ensure(9);
    w.pos = writeNlri(w.buf, w.pos, n, 'ipv4', addPath);
  }
}

/** Encodes one UPDATE as given; throws a RangeError naming the field when it cannot be encoded or is too large. */
export function encodeUpdateMessage(msg: UpdateMessage, ctx: CodecContext): Buffer {
  const w = scratch.reset();
  w.ensure(HEADER_LENGTH + 4);
  w.pos = HEADER_LENGTH;
  const wAt = w.pos;
  w.pos += 2;
  writeNlriField(w, msg.withdrawn ?? [], ctx);
  const wLen = w.pos - wAt - 2;
  const aAt = w.pos;
  w.u16(0);
  encodeAttributes(msg.attributes ?? {}, ctx, w);
  const aLen = w.pos - aAt - 2;
  writeNlriField(w, msg.nlri ?? [], ctx);
  const max = contextMaxSize(ctx);
  if (w.pos > max) throw new RangeError(`UPDATE of ${w.pos} bytes exceeds the maximum message size ${max}`);
  if (aLen > 0xffff) throw new RangeError(`path attributes of ${aLen} bytes exceed 65535`);
  w.buf.writeUInt16BE(wLen, wAt);
  w.buf.writeUInt16BE(aLen, aAt);
  writeHeader(w.buf, 0, w.pos, 2);
  return w.take();
}

/** Message buffer for the packers, with slack so one NLRI may be written past the limit and rolled back. */
let packBuf = Buffer.allocUnsafe(4096 + 64);

function packLimit(ctx: CodecContext, maxMessageSize: number | undefined): number {
  const ctxMax = contextMaxSize(ctx);
  const limit = maxMessageSize === undefined ? ctxMax : Math.min(maxMessageSize, ctxMax);
  if (!Number.isInteger(limit) || limit < HEADER_LENGTH + 4) throw new RangeError(`maxMessageSize ${String(maxMessageSize)} too small`);
  if (packBuf.length < limit + 64) packBuf = Buffer.allocUnsafe(limit + 64);
  return limit;
}

const SKIP_MP = new Set<number>([AttrCode.MP_REACH_NLRI, AttrCode.MP_UNREACH_NLRI]);
const SKIP_MP_AND_NEXT_HOP = new Set<number>([AttrCode.MP_REACH_NLRI, AttrCode.MP_UNREACH_NLRI, AttrCode.NEXT_HOP]);

/**
 * Fills packBuf from `pos` with NLRI from list[i..] until the next one would pass `limit`.
 * Returns [new pos, new i].
 */
function fill(list: Nlri[], i: number, pos: number, limit: number, family: Family, addPath: boolean): [number, number] {
  const buf = packBuf;
  const n = list.length;
  const safe = limit - maxNlriSize(family, addPath);
  // While the largest entry surely fits, write without checks; then check each one.
  while (i < n && pos <= safe) pos = writeNlri(buf, pos, list[i++], family, addPath);
  while (i < n) {
    const next = writeNlri(buf, pos, list[i], family, addPath);
    if (next > limit) break;
    pos = next;
    i++;
  }
  return [pos, i];
}

/**
 * Packs routes sharing one attribute set into as few UPDATEs as fit (4096 bytes, or 65535 with
 * RFC 8654 extended message; `maxMessageSize` may lower it). IPv4 go in the NLRI field with
 * attrs.nextHop; IPv6 go in MP_REACH_NLRI (written first, RFC 7606 §5.1) whose next hops come
 * from attrs.mpReach.nextHops, or attrs.nextHop when that is an IPv6 address (then no NEXT_HOP
 * attribute is sent, RFC 4760 §3). Attributes are encoded once for all the messages.
 */
export function encodeUpdates(
  family: Family,
  attrs: PathAttributes,
  prefixes: Nlri[],
  ctx: CodecContext,
  maxMessageSize?: number,
): Buffer[] {
  if (prefixes.length === 0) return [];
  // RFC 4271 §5 (RFC 7606 §3 d): a receiver would treat routes without these as withdrawn.
  if (attrs.origin === undefined) throw new RangeError('attrs.origin is required to announce routes');
  if (attrs.asPath === undefined) throw new RangeError('attrs.asPath is required to announce routes (use [] for an empty path)');
  if (family === 'ipv4' && attrs.nextHop === undefined) throw new RangeError('attrs.nextHop is required to announce ipv4 routes');
  const limit = packLimit(ctx, maxMessageSize);
  const addPath = ctx.addPath[family].send;
  const w = scratch.reset();
  const out: Buffer[] = [];
  if (family === 'ipv4') {
    encodeAttributes(attrs, ctx, w, SKIP_MP);
    const attrLen = w.pos;
    const fixed = HEADER_LENGTH + 4 + attrLen;
    if (fixed + maxNlriSize(family, addPath) > limit) {
      throw new RangeError(`path attributes of ${attrLen} bytes leave no room for NLRI in ${limit}-byte messages`);
    }
    const buf = packBuf;
    writeHeader(buf, 0, 0, 2);
    buf[HEADER_LENGTH] = 0;
    buf[HEADER_LENGTH + 1] = 0;
    buf.writeUInt16BE(attrLen, HEADER_LENGTH + 2);
    w.buf.copy(buf, HEADER_LENGTH + 4, 0, attrLen);
    let i = 0;
    while (i < prefixes.length) {
      const [pos, next] = fill(prefixes, i, fixed, limit, family, addPath);
      i = next;
      buf.writeUInt16BE(pos, 16);
      out.push(Buffer.from(buf.subarray(0, pos)));
    }
    return out;
  }
  // IPv6: [header][wlen=0][alen][MP_REACH hdr(4) + head][NLRI...][other attributes]
  let nextHops = attrs.mpReach?.nextHops;
  if (!nextHops || nextHops.length === 0) {
    if (attrs.nextHop !== undefined && isIPv6(attrs.nextHop)) nextHops = [attrs.nextHop];
    else throw new RangeError('ipv6 routes need attrs.mpReach.nextHops (or an IPv6 attrs.nextHop)');
  }
  encodeAttributes(attrs, ctx, w, SKIP_MP_AND_NEXT_HOP);
  const otherLen = w.pos;
  const other = Buffer.from(w.buf.subarray(0, otherLen));
  const head = new Writer(64);
  encodeMpReachHead({ afi: 2, safi: 1, nextHops }, head);
  const buf = packBuf;
  writeHeader(buf, 0, 0, 2);
  buf[HEADER_LENGTH] = 0;
  buf[HEADER_LENGTH + 1] = 0;
  const mpAt = HEADER_LENGTH + 4;
  buf[mpAt] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
  buf[mpAt + 1] = AttrCode.MP_REACH_NLRI;
  head.buf.copy(buf, mpAt + 4, 0, head.pos);
  const nlriStart = mpAt + 4 + head.pos;
  const nlriLimit = limit - otherLen;
  if (nlriStart + maxNlriSize(family, addPath) > nlriLimit) {
    throw new RangeError(`path attributes of ${otherLen} bytes leave no room for NLRI in ${limit}-byte messages`);
  }
  let i = 0;
  while (i < prefixes.length) {
    const [pos, next] = fill(prefixes, i, nlriStart, nlriLimit, family, addPath);
    i = next;
    buf.writeUInt16BE(pos - mpAt - 4, mpAt + 2);
    other.copy(buf, pos);
    const end = pos + otherLen;
    buf.writeUInt16BE(end - HEADER_LENGTH - 4, HEADER_LENGTH + 2);
    buf.writeUInt16BE(end, 16);
    out.push(Buffer.from(buf.subarray(0, end)));
  }
  return out;
}

/** Packs withdrawals into as few UPDATEs as fit: IPv4 in Withdrawn Routes, IPv6 in MP_UNREACH_NLRI. */
export function encodeWithdrawals(family: Family, prefixes: Nlri[], ctx: CodecContext, maxMessageSize?: number): Buffer[] {
  if (prefixes.length === 0) return [];
  const limit = packLimit(ctx, maxMessageSize);
  const addPath = ctx.addPath[family].send;
  const buf = packBuf;
  const out: Buffer[] = [];
  writeHeader(buf, 0, 0, 2);
  let i = 0;
  if (family === 'ipv4') {
    const start = HEADER_LENGTH + 2;
    const limitW = limit - 2; // the Total Path Attribute Length follows
    while (i < prefixes.length) {
      const [pos, next] = fill(prefixes, i, start, limitW, family, addPath);
      i = next;
      buf.writeUInt16BE(pos - start, HEADER_LENGTH);
      buf[pos] = 0;
      buf[pos + 1] = 0;
      buf.writeUInt16BE(pos + 2, 16);
      out.push(Buffer.from(buf.subarray(0, pos + 2)));
    }
    return out;
  }
  buf[HEADER_LENGTH] = 0;
  buf[HEADER_LENGTH + 1] = 0;
  const mpAt = HEADER_LENGTH + 4;
  buf[mpAt] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
  buf[mpAt + 1] = AttrCode.MP_UNREACH_NLRI;
  buf.writeUInt16BE(2, mpAt + 4);
  buf[mpAt + 6] = 1;
  const start = mpAt + 7;
  while (i < prefixes.length) {
    const [pos, next] = fill(prefixes, i, start, limit, family, addPath);
    i = next;
    buf.writeUInt16BE(pos - mpAt - 4, mpAt + 2);
    buf.writeUInt16BE(pos - HEADER_LENGTH - 4, HEADER_LENGTH + 2);
    buf.writeUInt16BE(pos, 16);
    out.push(Buffer.from(buf.subarray(0, pos)));
  }
  return out;
}

function toAfiSafi(family: Family | AfiSafi): AfiSafi {
  if (family === 'ipv4') return { afi: 1, safi: 1 };
  if (family === 'ipv6') return { afi: 2, safi: 1 };
  return family;
}

/**
 * End-of-RIB marker (RFC 4724 §2): an empty UPDATE for IPv4 unicast, else an UPDATE whose only
 * attribute is an empty MP_UNREACH_NLRI for the AFI/SAFI.
 */
export function encodeEndOfRib(family: Family | AfiSafi): Buffer {
  const { afi, safi } = toAfiSafi(family);
  if (afi === 1 && safi === 1) {
    const buf = Buffer.alloc(HEADER_LENGTH + 4);
    writeHeader(buf, 0, buf.length, 2);
    return buf;
  }
  const buf = Buffer.alloc(HEADER_LENGTH + 4 + 6);
  writeHeader(buf, 0, buf.length, 2);
  buf.writeUInt16BE(6, HEADER_LENGTH + 2);
  buf[HEADER_LENGTH + 4] = AttrFlag.OPTIONAL;
  buf[HEADER_LENGTH + 5] = AttrCode.MP_UNREACH_NLRI;
  buf[HEADER_LENGTH + 6] = 3;
  buf.writeUInt16BE(afi, HEADER_LENGTH + 7);
  buf[HEADER_LENGTH + 9] = safi;
  return buf;
}

/** The AFI/SAFI whose End-of-RIB this UPDATE is (RFC 4724 §2), or undefined when it is not one. */
export function endOfRibAfiSafi(update: UpdateMessage): AfiSafi | undefined {
  if (update.withdrawn.length > 0 || update.nlri.length > 0) return undefined;
  let only: string | undefined;
  for (const [key, value] of Object.entries(update.attributes)) {
    if (value === undefined) continue;
    if (only !== undefined) return undefined;
    only = key;
  }
  if (only === undefined) return { afi: 1, safi: 1 };
  if (only !== 'mpUnreach') return undefined;
  const mp = update.attributes.mpUnreach!;
  if (mp.withdrawn.length > 0 || (mp.unsupported && mp.unsupported.nlri.length > 0)) return undefined;
  return { afi: mp.afi, safi: mp.safi };
}

/** 'ipv4' or 'ipv6' when the UPDATE is that unicast family's End-of-RIB, else undefined. */
export function endOfRibFamily(update: UpdateMessage): Family | undefined {
  const as = endOfRibAfiSafi(update);
  if (!as || as.safi !== 1) return undefined;
  return as.afi === 1 ? 'ipv4' : as.afi === 2 ? 'ipv6' : undefined;
}
