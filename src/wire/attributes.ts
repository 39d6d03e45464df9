/**
 * Path attributes, table-driven: ATTRIBUTES has one row per attribute type we model, holding its
 * code, name, expected flags (RFC 4271 §5 and each attribute's RFC), the RFC 7606 approach for a
 * malformed value, its decoder and its encoder. To add an attribute: add a field to
 * PathAttributes (types.ts) and a row here. Attributes without a row are kept raw
 * (UnknownAttribute) with their flags.
 */
import { AS_TRANS, AttrCode, AttrFlag, ErrorCode, UpdateSubcode } from './constants.js';
import { addPathReceive } from './context.js';
import { copyRange, decodeError } from './errors.js';
import { decodeIPv4Prefixes, decodeIPv6Prefixes, maxNlriSize, writeNlri } from './nlri.js';
import { ipv4ToString, ipv6ToString, isIPv4 } from './prefix.js';
import type {
  AsPathSegment,
  CodecContext,
  DecodeError,
  ErrorAction,
  MpReach,
  MpUnreach,
  Nlri,
  PathAttributes,
  UnknownAttribute,
} from './types.js';
import { Writer, checkUint } from './writer.js';

const OPT = AttrFlag.OPTIONAL;
const TRANS = AttrFlag.TRANSITIVE;
const WELL_KNOWN = TRANS;
const OPTIONAL_TRANSITIVE = OPT | TRANS;
const OPTIONAL_NON_TRANSITIVE = OPT;

/** A malformed value: what subcode to send and, when it differs from the row's, what to do. */
export interface AttributeFailure {
  subcode: number;
  reason: string;
  action?: ErrorAction;
}

export interface AttributeSpec {
  code: number;
  name: string;
  /** Expected Optional and Transitive bits (Partial and Extended Length are not checked). */
  flags: number;
  /** RFC 7606 approach when the value is malformed (§7.x for each attribute). */
  malformed: ErrorAction;
  /** RFC 7606 §4: only AS_PATH and ATOMIC_AGGREGATE may have length zero. */
  mayBeEmpty?: boolean;
  /** RFC 7606 §7.5, §7.9, §7.10: discarded when received from an external peer. */
  discardFromEbgp?: boolean;
  /** Decodes [start, end) into attrs; returns a failure instead of setting the field. */
  decode(buf: Buffer, start: number, end: number, ctx: CodecContext, attrs: PathAttributes): AttributeFailure | undefined;
  present(attrs: PathAttributes): boolean;
  /** Writes the value (not the header). */
  encode(attrs: PathAttributes, ctx: CodecContext, w: Writer): void;
  /** Removes the field (attribute discard). */
  remove(attrs: PathAttributes): void;
}

function u32(buf: Buffer, p: number): number {
  return ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
}

function lengthFailure(name: string, len: number, expected: string): AttributeFailure {
  return { subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, reason: `${name} length ${len}, expected ${expected}` };
}

// ---------------------------------------------------------------- AS paths (RFC 4271 §4.3, 5065, 6793)

/** Parses AS path segments; returns the reason when malformed (RFC 7606 §7.2). */
export function decodeAsPathSegments(
  buf: Buffer,
  start: number,
  end: number,
  asnSize: 2 | 4,
): AsPathSegment[] | string {
  const segments: AsPathSegment[] = [];
  let p = start;
  while (p < end) {
    if (end - p < 2) return `segment header truncated at byte ${p - start} of the attribute`;
    const type = buf[p];
    const count = buf[p + 1];
    if (type < 1 || type > 4) return `unknown segment type ${type}`;
    if (count === 0) return 'segment of length 0';
    p += 2;
    if (p + count * asnSize > end) {
      return `segment of ${count} ${asnSize}-octet ASNs overruns the attribute by ${p + count * asnSize - end} bytes`;
    }
    const asns = new Array<number>(count);
    if (asnSize === 4) {
      for (let i = 0; i < count; i++, p += 4) asns[i] = u32(buf, p);
    } else {
      for (let i = 0; i < count; i++, p += 2) asns[i] = (buf[p] << 8) | buf[p + 1];
    }
    segments.push({ type: type as AsPathSegment['type'], asns });
  }
  return segments;
}

/** Writes segments, splitting any longer than 255 ASNs; with 2-octet ASNs, large ones become AS_TRANS. */
export function encodeAsPathSegments(segments: AsPathSegment[], asnSize: 2 | 4, w: Writer, field: string): void {
  for (const seg of segments) {
    if (seg.type < 1 || seg.type > 4) throw new RangeError(`${field}: invalid segment type ${String(seg.type)}`);
    const asns = seg.asns;
    for (let i = 0; i < asns.length || (i === 0 && asns.length === 0); i += 255) {
      const n = Math.min(255, asns.length - i);
      w.u8(seg.type);
      w.u8(n);
      for (let k = i; k < i + n; k++) {
        const asn = checkUint(asns[k], 32, field);
        if (asnSize === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
      if (asns.length === 0) break;
    }
  }
}

// ---------------------------------------------------------------- MP_REACH / MP_UNREACH (RFC 4760 §3, §4)

function nlriFamily(afi: number, safi: number): 'ipv4' | 'ipv6' | undefined {
  if (safi !== 1) return undefined;
  return afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : undefined;
}

function decodeMpReach(buf: Buffer, start: number, end: number, ctx: CodecContext, attrs: PathAttributes): AttributeFailure | undefined {
  const len = end - start;
  // RFC 7606 §7.11: without AFI, SAFI and the next-hop length the NLRI cannot be located.
  if (len < 5) {
    return { subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, action: 'session-reset', reason: `MP_REACH_NLRI length ${len} < 5` };
  }
  const afi = (buf[start] << 8) | buf[start + 1];
  const safi = buf[start + 2];
  const nhLen = buf[start + 3];
  const nhStart = start + 4;
  const nlriStart = nhStart + nhLen + 1; // +1: the reserved octet (RFC 4760 §3)
  if (nlriStart > end) {
    return {
      subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
      action: 'afi-safi-disable',
      reason: `MP_REACH_NLRI next hop length ${nhLen} overruns the attribute (${len} bytes)`,
    };
  }
  const family = nlriFamily(afi, safi);
  if (!family) {
    attrs.mpReach = {
      afi,
      safi,
      nextHops: [],
      nlri: [],
      unsupported: { nextHop: copyRange(buf, nhStart, nhStart + nhLen), nlri: copyRange(buf, nlriStart, end) },
    };
    return undefined;
  }
  const nextHops: string[] = [];
  // RFC 2545 §3: 16 (global) or 32 (global + link-local); 4 for IPv4. RFC 8950 allows IPv6 next
  // hops for IPv4 NLRI; we accept any of the three lengths for both families.
  if (nhLen === 4) nextHops.push(ipv4ToString(buf, nhStart));
  else if (nhLen === 16) nextHops.push(ipv6ToString(buf, nhStart));
  else if (nhLen === 32) nextHops.push(ipv6ToString(buf, nhStart), ipv6ToString(buf, nhStart + 16));
  else {
    return {
      subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
      action: 'afi-safi-disable',
      reason: `MP_REACH_NLRI next hop length ${nhLen} invalid for AFI ${afi} SAFI ${safi} (4, 16 or 32)`,
    };
  }
  const nlri: Nlri[] = [];
  const addPath = addPathReceive(ctx, afi, safi);
  const failure =
    family === 'ipv4'
      ? decodeIPv4Prefixes(buf, nlriStart, end, addPath, nlri)
      : decodeIPv6Prefixes(buf, nlriStart, end, addPath, nlri);
  if (failure) {
    // RFC 7606 §5.3: a syntactically incorrect NLRI field: AFI/SAFI disable or session reset.
    return { subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, action: 'afi-safi-disable', reason: `MP_REACH_NLRI: ${failure.reason}` };
  }
  attrs.mpReach = { afi, safi, nextHops, nlri };
  return undefined;
}

function decodeMpUnreach(buf: Buffer, start: number, end: number, ctx: CodecContext, attrs: PathAttributes): AttributeFailure | undefined {
  const len = end - start;
  if (len < 3) {
    return { subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, action: 'session-reset', reason: `MP_UNREACH_NLRI length ${len} < 3` };
  }
  const afi = (buf[start] << 8) | buf[start + 1];
  const safi = buf[start + 2];
  const family = nlriFamily(afi, safi);
  if (!family) {
    attrs.mpUnreach = { afi, safi, withdrawn: [], unsupported: { nlri: copyRange(buf, start + 3, end) } };
    return undefined;
  }
  const withdrawn: Nlri[] = [];
  const addPath = addPathReceive(ctx, afi, safi);
  const failure =
    family === 'ipv4'
      ? decodeIPv4Prefixes(buf, start + 3, end, addPath, withdrawn)
      : decodeIPv6Prefixes(buf, start + 3, end, addPath, withdrawn);
  if (failure) {
    return { subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, action: 'afi-safi-disable', reason: `MP_UNREACH_NLRI: ${failure.reason}` };
  }
  attrs.mpUnreach = { afi, safi, withdrawn };
  return undefined;
}

/** Writes the MP_REACH_NLRI value up to and including the reserved octet; NLRI follow. */
export function encodeMpReachHead(mp: Pick<MpReach, 'afi' | 'safi' | 'nextHops' | 'unsupported'>, w: Writer): void {
  w.u16(checkUint(mp.afi, 16, 'mpReach.afi'));
  w.u8(checkUint(mp.safi, 8, 'mpReach.safi'));
  if (mp.unsupported) {
    w.u8(mp.unsupported.nextHop.length);
    w.bytes(mp.unsupported.nextHop);
  } else {
    const hops = mp.nextHops;
    if (hops.length === 1 && isIPv4(hops[0])) {
      w.u8(4);
      w.ipv4(hops[0], 'mpReach.nextHops[0]');
    } else if (hops.length === 1 || hops.length === 2) {
      w.u8(16 * hops.length);
      hops.forEach((h, i) => w.ipv6(h, `mpReach.nextHops[${i}]`));
    } else {
      throw new RangeError(`mpReach.nextHops: expected 1 or 2 next hops, got ${hops.length}`);
    }
  }
  w.u8(0);
}

function writeNlriList(list: Nlri[], afi: number, safi: number, ctx: CodecContext, w: Writer): void {
  const family = nlriFamily(afi, safi);
  if (!family) throw new RangeError(`NLRI for AFI ${afi} SAFI ${safi} must be given as raw bytes`);
  const addPath = ctx.addPath[family].send;
  const max = maxNlriSize(family, addPath);
  for (const n of list) {
    w.ensure(max);
    w.pos = writeNlri(w.buf, w.pos, n, family, addPath);
  }
}

// ---------------------------------------------------------------- the table

function fixed4(
  name: string,
  get: (a: PathAttributes) => number | undefined,
  set: (a: PathAttributes, v: number | undefined) => void,
) {
  return {
    decode(buf: Buffer, start: number, end: number, _ctx: CodecContext, attrs: PathAttributes) {
      if (end - start !== 4) return lengthFailure(name, end - start, '4');
      set(attrs, u32(buf, start));
      return undefined;
    },
    present: (a: PathAttributes) => get(a) !== undefined,
    encode(a: PathAttributes, _ctx: CodecContext, w: Writer) {
      w.u32(checkUint(get(a), 32, name));
    },
    remove: (a: PathAttributes) => set(a, undefined),
  };
}

function aggregatorRow(code: number, name: string, key: 'aggregator' | 'as4Aggregator', malformed: ErrorAction): AttributeSpec {
  return {
    code,
    name,
    flags: OPTIONAL_TRANSITIVE,
    malformed,
    decode(buf, start, end, ctx, attrs) {
      // RFC 6793 §3/§4.2.2: AGGREGATOR is 8 bytes between NEW speakers, else 6; AS4_AGGREGATOR 8.
      const asnSize = key === 'aggregator' && !ctx.as4 ? 2 : 4;
      if (end - start !== asnSize + 4) return lengthFailure(name, end - start, String(asnSize + 4));
      const asn = asnSize === 4 ? u32(buf, start) : (buf[start] << 8) | buf[start + 1];
      attrs[key] = { asn, address: ipv4ToString(buf, start + asnSize) };
      return undefined;
    },
    present: (a) => a[key] !== undefined,
    encode(a, ctx, w) {
      const agg = a[key]!;
      const asn = checkUint(agg.asn, 32, `${key}.asn`);
      if (key === 'aggregator' && !ctx.as4) w.u16(asn > 0xffff ? AS_TRANS : asn);
      else w.u32(asn);
      w.ipv4(agg.address, `${key}.address`);
    },
    remove: (a) => void delete a[key],
  };
}

function asPathRow(code: number, name: string, key: 'asPath' | 'as4Path', malformed: ErrorAction): AttributeSpec {
  return {
    code,
    name,
    flags: key === 'asPath' ? WELL_KNOWN : OPTIONAL_TRANSITIVE,
    malformed,
    mayBeEmpty: key === 'asPath',
    decode(buf, start, end, ctx, attrs) {
      const asnSize = key === 'asPath' && !ctx.as4 ? 2 : 4;
      const segs = decodeAsPathSegments(buf, start, end, asnSize);
      if (typeof segs === 'string') return { subcode: UpdateSubcode.MALFORMED_AS_PATH, reason: `${name}: ${segs}` };
      if (key === 'as4Path') {
        // RFC 6793 §6: AS4_PATH must not carry confederation segments.
        if (segs.some((s) => s.type > 2)) {
          return { subcode: UpdateSubcode.MALFORMED_AS_PATH, reason: 'AS4_PATH carries confederation segments' };
        }
      } else if (ctx.session === 'ebgp' && segs.some((s) => s.type > 2)) {
        // RFC 7606 §7.2 with RFC 5065 §5: confederation segments from an external peer.
        return { subcode: UpdateSubcode.MALFORMED_AS_PATH, reason: 'AS_PATH from an external peer carries confederation segments' };
      }
      attrs[key] = segs;
      return undefined;
    },
    // An empty AS4_PATH would be malformed (RFC 7606 §4): not sent.
    present: (a) => a[key] !== undefined && (key === 'asPath' || a[key]!.length > 0),
    encode(a, ctx, w) {
      encodeAsPathSegments(a[key]!, key === 'asPath' && !ctx.as4 ? 2 : 4, w, key);
    },
    remove: (a) => void delete a[key],
  };
}

function listRow<T>(
  code: number,
  name: string,
  key: 'communities' | 'clusterList' | 'extendedCommunities' | 'largeCommunities',
  unit: number,
  flags: number,
  read: (buf: Buffer, p: number) => T,
  write: (v: T, w: Writer, field: string) => void,
  extra: Partial<AttributeSpec> = {},
): AttributeSpec {
  return {
    code,
    name,
    flags,
    malformed: 'treat-as-withdraw',
    decode(buf, start, end, _ctx, attrs) {
      const len = end - start;
      if (len % unit !== 0) return lengthFailure(name, len, `a multiple of ${unit}`);
      const out: T[] = new Array(len / unit);
      for (let i = 0, p = start; p < end; p += unit, i++) out[i] = read(buf, p);
      (attrs as Record<string, unknown>)[key] = out;
      return undefined;
    },
    present: (a) => a[key] !== undefined && (a[key] as unknown[]).length > 0,
    encode(a, _ctx, w) {
      (a[key] as T[]).forEach((v, i) => write(v, w, `${key}[${i}]`));
    },
    remove: (a) => void delete a[key],
    ...extra,
  };
}

export const ATTRIBUTES: AttributeSpec[] = [
  {
    code: AttrCode.ORIGIN,
    name: 'ORIGIN',
    flags: WELL_KNOWN,
    malformed: 'treat-as-withdraw', // RFC 7606 §7.1
    decode(buf, start, end, _ctx, attrs) {
      if (end - start !== 1) return lengthFailure('ORIGIN', end - start, '1');
      const v = buf[start];
      if (v > 2) return { subcode: UpdateSubcode.INVALID_ORIGIN, reason: `ORIGIN value ${v} undefined` };
      attrs.origin = v as 0 | 1 | 2;
      return undefined;
    },
    present: (a) => a.origin !== undefined,
    encode(a, _ctx, w) {
      if (a.origin !== 0 && a.origin !== 1 && a.origin !== 2) throw new RangeError(`origin: ${String(a.origin)} is not 0, 1 or 2`);
      w.u8(a.origin);
    },
    remove: (a) => void delete a.origin,
  },
  asPathRow(AttrCode.AS_PATH, 'AS_PATH', 'asPath', 'treat-as-withdraw'), // RFC 7606 §7.2
  {
    code: AttrCode.NEXT_HOP,
    name: 'NEXT_HOP',
    flags: WELL_KNOWN,
    malformed: 'treat-as-withdraw', // RFC 7606 §7.3 (address checks are in update.ts, they need the NLRI)
    decode(buf, start, end, _ctx, attrs) {
      if (end - start !== 4) return lengthFailure('NEXT_HOP', end - start, '4');
      attrs.nextHop = ipv4ToString(buf, start);
      return undefined;
    },
    present: (a) => a.nextHop !== undefined,
    encode(a, _ctx, w) {
      w.ipv4(a.nextHop!, 'nextHop');
    },
    remove: (a) => void delete a.nextHop,
  },
  {
    code: AttrCode.MULTI_EXIT_DISC,
    name: 'MULTI_EXIT_DISC',
    flags: OPTIONAL_NON_TRANSITIVE,
    malformed: 'treat-as-withdraw', // RFC 7606 §7.4
    ...fixed4('MULTI_EXIT_DISC', (a) => a.med, (a, v) => (v === undefined ? delete a.med : (a.med = v))),
  },
  {
    code: AttrCode.LOCAL_PREF,
    name: 'LOCAL_PREF',
    flags: WELL_KNOWN,
    malformed: 'treat-as-withdraw', // RFC 7606 §7.5
    discardFromEbgp: true,
    ...fixed4('LOCAL_PREF', (a) => a.localPref, (a, v) => (v === undefined ? delete a.localPref : (a.localPref = v))),
  },
  {
    code: AttrCode.ATOMIC_AGGREGATE,
    name: 'ATOMIC_AGGREGATE',
    flags: WELL_KNOWN,
    malformed: 'attribute-discard', // RFC 7606 §7.6
    mayBeEmpty: true,
    decode(_buf, start, end, _ctx, attrs) {
      if (end !== start) return lengthFailure('ATOMIC_AGGREGATE', end - start, '0');
      attrs.atomicAggregate = true;
      return undefined;
    },
    present: (a) => a.atomicAggregate === true,
    encode() {},
    remove: (a) => void delete a.atomicAggregate,
  },
  aggregatorRow(AttrCode.AGGREGATOR, 'AGGREGATOR', 'aggregator', 'attribute-discard'), // RFC 7606 §7.7
  listRow(AttrCode.COMMUNITIES, 'COMMUNITIES', 'communities', 4, OPTIONAL_TRANSITIVE, u32, (v, w, f) =>
    w.u32(checkUint(v, 32, f)),
  ), // RFC 7606 §7.8
  {
    code: AttrCode.ORIGINATOR_ID,
    name: 'ORIGINATOR_ID',
    flags: OPTIONAL_NON_TRANSITIVE,
    malformed: 'treat-as-withdraw', // RFC 7606 §7.9
    discardFromEbgp: true,
    decode(buf, start, end, _ctx, attrs) {
      if (end - start !== 4) return lengthFailure('ORIGINATOR_ID', end - start, '4');
      attrs.originatorId = ipv4ToString(buf, start);
      return undefined;
    },
    present: (a) => a.originatorId !== undefined,
    encode(a, _ctx, w) {
      w.ipv4(a.originatorId!, 'originatorId');
    },
    remove: (a) => void delete a.originatorId,
  },
  listRow(
    AttrCode.CLUSTER_LIST,
    'CLUSTER_LIST',
    'clusterList',
    4,
    OPTIONAL_NON_TRANSITIVE,
    (buf, p) => ipv4ToString(buf, p),
    (v, w, f) => w.ipv4(v, f),
    { discardFromEbgp: true },
  ), // RFC 7606 §7.10
  {
    code: AttrCode.MP_REACH_NLRI,
    name: 'MP_REACH_NLRI',
    flags: OPTIONAL_NON_TRANSITIVE,
    malformed: 'afi-safi-disable', // RFC 7606 §7.11 (session reset when AFI/SAFI cannot be read)
    decode: decodeMpReach,
    present: (a) => a.mpReach !== undefined,
    encode(a, ctx, w) {
      const mp = a.mpReach!;
      encodeMpReachHead(mp, w);
      if (mp.unsupported) w.bytes(mp.unsupported.nlri);
      else writeNlriList(mp.nlri, mp.afi, mp.safi, ctx, w);
    },
    remove: (a) => void delete a.mpReach,
  },
  {
    code: AttrCode.MP_UNREACH_NLRI,
    name: 'MP_UNREACH_NLRI',
    flags: OPTIONAL_NON_TRANSITIVE,
    malformed: 'afi-safi-disable', // RFC 7606 §7.12
    mayBeEmpty: false,
    decode: decodeMpUnreach,
    present: (a) => a.mpUnreach !== undefined,
    encode(a, ctx, w) {
      const mp: MpUnreach = a.mpUnreach!;
      w.u16(checkUint(mp.afi, 16, 'mpUnreach.afi'));
      w.u8(checkUint(mp.safi, 8, 'mpUnreach.safi'));
      if (mp.unsupported) w.bytes(mp.unsupported.nlri);
      else writeNlriList(mp.withdrawn, mp.afi, mp.safi, ctx, w);
    },
    remove: (a) => void delete a.mpUnreach,
  },
  listRow(
    AttrCode.EXTENDED_COMMUNITIES,
    'EXTENDED_COMMUNITIES',
    'extendedCommunities',
    8,
    OPTIONAL_TRANSITIVE,
    (buf, p) => copyRange(buf, p, p + 8),
    (v, w, f) => {
      if (!Buffer.isBuffer(v) || v.length !== 8) throw new RangeError(`${f}: an extended community is 8 bytes`);
      w.bytes(v);
    },
  ), // RFC 7606 §7.14
  asPathRow(AttrCode.AS4_PATH, 'AS4_PATH', 'as4Path', 'attribute-discard'), // RFC 6793 §6
  aggregatorRow(AttrCode.AS4_AGGREGATOR, 'AS4_AGGREGATOR', 'as4Aggregator', 'attribute-discard'), // RFC 6793 §6
  listRow(
    AttrCode.LARGE_COMMUNITY,
    'LARGE_COMMUNITY',
    'largeCommunities',
    12,
    OPTIONAL_TRANSITIVE,
    (buf, p): [number, number, number] => [u32(buf, p), u32(buf, p + 4), u32(buf, p + 8)],
    (v, w, f) => {
      if (!Array.isArray(v) || v.length !== 3) throw new RangeError(`${f}: a large community is 3 numbers`);
      for (const x of v) w.u32(checkUint(x, 32, f));
    },
  ), // RFC 8092 §5
];

/** Row by attribute code (undefined = not modelled, kept raw). */
export const ATTRIBUTE_BY_CODE: Array<AttributeSpec | undefined> = new Array(256).fill(undefined);
for (const row of ATTRIBUTES) ATTRIBUTE_BY_CODE[row.code] = row;

/** "ORIGIN", or "attribute-N" for codes we do not model. */
export function attributeName(code: number): string {
  return ATTRIBUTE_BY_CODE[code]?.name ?? `attribute-${code}`;
}

// ---------------------------------------------------------------- decoding the attribute list

export interface AttributesResult {
  attrs: PathAttributes;
  /** Parsing stopped before the end of the list (RFC 7606 §4 length errors). */
  stoppedEarly: boolean;
  /** Errors found on NEXT_HOP (their approach depends on whether IPv4 NLRI follow, RFC 4760 §3). */
  nextHopErrors: DecodeError[];
}

const seen = new Uint8Array(256);

/**
 * Decodes the path attributes in [start, end) of the message that begins at `msgStart`,
 * appending RFC 7606 errors. Returns undefined when an error forbids going on (session reset).
 */
export function decodeAttributes(
  buf: Buffer,
  start: number,
  end: number,
  msgStart: number,
  ctx: CodecContext,
  errors: DecodeError[],
): AttributesResult | undefined {
  const attrs: PathAttributes = {};
  const result: AttributesResult = { attrs, stoppedEarly: false, nextHopErrors: [] };
  seen.fill(0);
  let p = start;
  while (p < end) {
    const left = end - p;
    const flags = buf[p];
    const hdr = flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3;
    if (left < hdr) {
      // RFC 7606 §4 (second case): not enough left for an attribute header.
      errors.push(
        decodeError(ErrorCode.UPDATE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'treat-as-withdraw', p - msgStart,
          `${left} bytes left in the path attributes, too few for an attribute header`, copyRange(buf, p, end)),
      );
      result.stoppedEarly = true;
      break;
    }
    const code = buf[p + 1];
    const len = hdr === 4 ? (buf[p + 2] << 8) | buf[p + 3] : buf[p + 2];
    const vStart = p + hdr;
    const vEnd = vStart + len;
    const row = ATTRIBUTE_BY_CODE[code];
    const name = row?.name ?? `attribute ${code}`;
    if (vEnd > end) {
      // RFC 7606 §4 (first case): the attribute overruns the Total Path Attribute Length. The MP
      // attributes hold NLRI we could no longer locate: RFC 7606 §7.11/§7.12 session reset.
      const mp = code === AttrCode.MP_REACH_NLRI || code === AttrCode.MP_UNREACH_NLRI;
      errors.push(
        decodeError(ErrorCode.UPDATE, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, mp ? 'session-reset' : 'treat-as-withdraw',
          p - msgStart, `${name} length ${len} overruns the path attributes by ${vEnd - end} bytes`, copyRange(buf, p, end)),
      );
      if (mp) return undefined;
      result.stoppedEarly = true;
      break;
    }
    const offset = p - msgStart;
    const data = (): Buffer => copyRange(buf, p, vEnd);
    if (seen[code]) {
      // RFC 7606 §3 g: MP_REACH/MP_UNREACH twice is Malformed Attribute List (session reset);
      // any other repeat is discarded and the message processed.
      if (code === AttrCode.MP_REACH_NLRI || code === AttrCode.MP_UNREACH_NLRI) {
        errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'session-reset', offset,
          `${name} appears more than once`, data()));
        return undefined;
      }
      errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'attribute-discard', offset,
        `${name} appears more than once; the repeat is discarded`, data()));
      p = vEnd;
      continue;
    }
    seen[code] = 1;
    if (!row) {
      const unknown: UnknownAttribute = { flags, code, value: copyRange(buf, vStart, vEnd) };
      (attrs.unknown ??= []).push(unknown);
      if (!(flags & AttrFlag.OPTIONAL)) {
        // RFC 4271 §6.3 Unrecognized Well-known Attribute; like RFC 7606 §3 c for flags that
        // cannot be right, we treat as withdraw rather than reset (as BIRD does).
        errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, 'treat-as-withdraw',
          offset, `unrecognized attribute ${code} has the Optional bit clear (flags 0x${flags.toString(16)})`, data()));
      }
      p = vEnd;
      continue;
    }
    if (row.discardFromEbgp && ctx.session === 'ebgp') {
      // RFC 7606 §7.5, §7.9, §7.10: from an external peer these are discarded.
      errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'attribute-discard', offset,
        `${name} received from an external peer is discarded`, data()));
      p = vEnd;
      continue;
    }
    if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== row.flags) {
      // RFC 7606 §3 c: Optional/Transitive bits in conflict: treat-as-withdraw (value still read).
      errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, 'treat-as-withdraw', offset,
        `${name} flags 0x${flags.toString(16)}, expected Optional/Transitive 0x${row.flags.toString(16)}`, data()));
    }
    let failure: AttributeFailure | undefined;
    if (len === 0 && !row.mayBeEmpty) {
      // RFC 7606 §4: zero length is a syntax error except for AS_PATH and ATOMIC_AGGREGATE.
      failure = { subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, reason: `${name} has length 0`, action: row.malformed === 'afi-safi-disable' ? 'session-reset' : undefined };
    } else {
      failure = row.decode(buf, vStart, vEnd, ctx, attrs);
    }
    if (failure) {
      const action = failure.action ?? row.malformed;
      const err = decodeError(ErrorCode.UPDATE, failure.subcode, action, offset, failure.reason, data());
      errors.push(err);
      if (code === AttrCode.NEXT_HOP) result.nextHopErrors.push(err);
      row.remove(attrs);
      if (action === 'session-reset') return undefined;
    } else if (ctx.as4 && (code === AttrCode.AS4_PATH || code === AttrCode.AS4_AGGREGATOR)) {
      // RFC 6793 §3: between NEW speakers these MUST be discarded and the UPDATE processed.
      errors.push(decodeError(ErrorCode.UPDATE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, 'attribute-discard', offset,
        `${name} received on a 4-octet AS session is discarded`, data()));
      row.remove(attrs);
    }
    p = vEnd;
  }
  return result;
}

// ---------------------------------------------------------------- encoding the attribute list

/** Writes one attribute: header (extended length when needed or asked) then value. */
function writeAttribute(w: Writer, flags: number, code: number, value: (w: Writer) => void): void {
  const at = w.pos;
  w.ensure(4);
  w.pos += 4; // room for an extended-length header; moved down by one if not needed
  value(w);
  const len = w.pos - at - 4;
  if (len > 0xffff) throw new RangeError(`attribute ${attributeName(code)} value of ${len} bytes exceeds 65535`);
  if (len > 255 || flags & AttrFlag.EXTENDED_LENGTH) {
    w.buf[at] = flags | AttrFlag.EXTENDED_LENGTH;
    w.buf[at + 1] = code;
    w.buf[at + 2] = len >> 8;
    w.buf[at + 3] = len & 0xff;
  } else {
    w.buf.copy(w.buf, at + 3, at + 4, w.pos);
    w.pos -= 1;
    w.buf[at] = flags;
    w.buf[at + 1] = code;
    w.buf[at + 2] = len;
  }
}

/**
 * Writes the attribute list: MP_REACH_NLRI and MP_UNREACH_NLRI first (RFC 7606 §5.1), then the
 * rest in ascending type code (RFC 4271 §5), unknown ones among them by code with their flags.
 * `skip` leaves out the listed codes (used by the packers, which write MP attributes themselves).
 */
export function encodeAttributes(attrs: PathAttributes, ctx: CodecContext, w: Writer, skip?: ReadonlySet<number>): void {
  const first = [AttrCode.MP_REACH_NLRI, AttrCode.MP_UNREACH_NLRI];
  for (const code of first) {
    const row = ATTRIBUTE_BY_CODE[code]!;
    if (!skip?.has(code) && row.present(attrs)) writeAttribute(w, row.flags, code, (x) => row.encode(attrs, ctx, x));
  }
  const unknown = attrs.unknown ? [...attrs.unknown].sort((a, b) => a.code - b.code) : [];
  let u = 0;
  const writeUnknownUpTo = (limit: number) => {
    while (u < unknown.length && unknown[u].code <= limit) {
      const a = unknown[u++];
      if (skip?.has(a.code)) continue;
      if (!Buffer.isBuffer(a.value)) throw new RangeError(`unknown attribute ${a.code}: value must be a Buffer`);
      checkUint(a.code, 8, 'unknown.code');
      checkUint(a.flags, 8, 'unknown.flags');
      writeAttribute(w, a.flags, a.code, (x) => x.bytes(a.value)); // keeps the sender's Extended Length choice
    }
  };
  for (const row of ATTRIBUTES) {
    writeUnknownUpTo(row.code - 1);
    if (row.code === AttrCode.MP_REACH_NLRI || row.code === AttrCode.MP_UNREACH_NLRI) continue;
    if (skip?.has(row.code) || !row.present(attrs)) continue;
    writeAttribute(w, row.flags, row.code, (x) => row.encode(attrs, ctx, x));
  }
  writeUnknownUpTo(255);
}

/**
 * The unknown attributes to pass on to other peers (RFC 4271 §5): optional transitive
 * ones with the Partial bit set; optional non-transitive ones (and malformed "well-known" ones)
 * are dropped.
 */
export function propagateUnknownAttributes(unknown: UnknownAttribute[] | undefined): UnknownAttribute[] | undefined {
  if (!unknown) return undefined;
  const out = unknown
    .filter((a) => (a.flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) === (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE))
    .map((a) => ({ flags: a.flags | AttrFlag.PARTIAL, code: a.code, value: a.value }));
  return out.length > 0 ? out : undefined;
}

/** A copy of attrs ready to send on: unknown attributes as propagateUnknownAttributes says. */
export function attributesToPropagate(attrs: PathAttributes): PathAttributes {
  const out: PathAttributes = { ...attrs };
  const unknown = propagateUnknownAttributes(attrs.unknown);
  if (unknown) out.unknown = unknown;
  else delete out.unknown;
  return out;
}
