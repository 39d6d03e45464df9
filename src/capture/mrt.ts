/**
 * MRT routing dumps (RFC 6396, with RFC 8050 ADD-PATH): what RIPE RIS, RouteViews, BIRD, Quagga and
 * OpenBGPD write. Pure: over a Buffer (decodeMrt) or over chunks as they arrive (decodeMrtStream, for
 * dumps of gigabytes); no I/O here. Every record becomes one item, and a record this file does not
 * decode, or cannot, becomes an item that says so and the next record is read: the 12-byte header
 * gives each record's length, so one bad record never hides the rest.
 *
 * Decoded: BGP4MP and BGP4MP_ET (messages as received or sent, ADD-PATH and 4-octet AS variants, and
 * FSM state changes), TABLE_DUMP_V2 (PEER_INDEX_TABLE and the IPv4/IPv6 unicast RIBs, ADD-PATH ones
 * included) and the legacy TABLE_DUMP. Embedded BGP messages go through the codec with the context
 * the subtype states (RFC 6396 §4.4: *_AS4 subtypes carry 4-octet AS_PATHs; RFC 8050 §3: *_ADDPATH
 * ones carry path identifiers); RIB entries' attributes go through the codec's attribute decoder,
 * always with 4-octet AS numbers in TABLE_DUMP_V2 (RFC 6396 §4.3.4) and 2-octet in TABLE_DUMP.
 */
import { decodeAttributes } from '../wire/attributes.js';
import { decodeMessage } from '../wire/codec.js';
import { ipv4ToString, ipv6ToString } from '../wire/prefix.js';
import type { CodecContext, DecodeError, DecodeResult, Family, PathAttributes } from '../wire/types.js';

export const MRT_TYPES: Record<number, string> = {
  11: 'OSPFv2',
  12: 'TABLE_DUMP',
  13: 'TABLE_DUMP_V2',
  16: 'BGP4MP',
  17: 'BGP4MP_ET',
  32: 'ISIS',
  33: 'ISIS_ET',
  48: 'OSPFv3',
  49: 'OSPFv3_ET',
};

const BGP4MP_SUBTYPES: Record<number, string> = {
  0: 'STATE_CHANGE',
  1: 'MESSAGE',
  4: 'MESSAGE_AS4',
  5: 'STATE_CHANGE_AS4',
  6: 'MESSAGE_LOCAL',
  7: 'MESSAGE_AS4_LOCAL',
  8: 'MESSAGE_ADDPATH',
  9: 'MESSAGE_AS4_ADDPATH',
  10: 'MESSAGE_LOCAL_ADDPATH',
  11: 'MESSAGE_AS4_LOCAL_ADDPATH',
};

const TABLE_DUMP_V2_SUBTYPES: Record<number, string> = {
  1: 'PEER_INDEX_TABLE',
  2: 'RIB_IPV4_UNICAST',
  3: 'RIB_IPV4_MULTICAST',
  4: 'RIB_IPV6_UNICAST',
  5: 'RIB_IPV6_MULTICAST',
  6: 'RIB_GENERIC',
  8: 'RIB_IPV4_UNICAST_ADDPATH',
  9: 'RIB_IPV4_MULTICAST_ADDPATH',
  10: 'RIB_IPV6_UNICAST_ADDPATH',
  11: 'RIB_IPV6_MULTICAST_ADDPATH',
  12: 'RIB_GENERIC_ADDPATH',
};

/** RFC 4271 §8.2.2 states, as BGP4MP_STATE_CHANGE numbers them (RFC 6396 §4.4.1). */
export const BGP_STATE_NAMES: Record<number, string> = { 1: 'Idle', 2: 'Connect', 3: 'Active', 4: 'OpenSent', 5: 'OpenConfirm', 6: 'Established' };

/** The record header and where the record sits in the file. */
export interface MrtRecordInfo {
  /** 1-based position in the file. */
  index: number;
  /** Byte offset of the record header in the file. */
  offset: number;
  /** Seconds since the epoch (header), with microseconds for the _ET types. */
  seconds: number;
  microseconds?: number;
  type: number;
  subtype: number;
  typeName: string;
  subtypeName: string;
  /** Length of the record body (after the 12-byte header). */
  length: number;
}

export interface MrtSpeaker {
  address: string;
  asn: number;
}

/** A peer of a TABLE_DUMP_V2 PEER_INDEX_TABLE; RIB entries name it by index. */
export interface MrtIndexedPeer extends MrtSpeaker {
  index: number;
  bgpId: string;
}

export interface MrtRibEntry {
  peerIndex: number;
  /** From the last PEER_INDEX_TABLE (TABLE_DUMP_V2); given in the entry itself in TABLE_DUMP. */
  peer?: MrtSpeaker & { bgpId?: string };
  /** Seconds since the epoch. */
  originated: number;
  /** RFC 8050 *_ADDPATH subtypes. */
  pathId?: number;
  attributes: PathAttributes;
  errors: DecodeError[];
}

export type MrtItem =
  | {
      kind: 'bgp4mp-message';
      record: MrtRecordInfo;
      peer: MrtSpeaker;
      local: MrtSpeaker;
      interfaceIndex: number;
      /** *_LOCAL subtypes: the message was sent by the local speaker, not received from the peer. */
      sent: boolean;
      bytes: Buffer;
      result: DecodeResult;
      /** ADD-PATH assumed although the subtype does not say so (see `bgp4mp`). */
      guessedAddPath?: true;
    }
  | { kind: 'bgp4mp-state'; record: MrtRecordInfo; peer: MrtSpeaker; local: MrtSpeaker; interfaceIndex: number; oldState: number; newState: number }
  | { kind: 'peer-index'; record: MrtRecordInfo; collectorId: string; viewName: string; peers: MrtIndexedPeer[] }
  | { kind: 'rib'; record: MrtRecordInfo; family: Family; sequence: number; prefix: string; entries: MrtRibEntry[] }
  /** A record of a type or subtype not decoded here (kept as what the header says). */
  | { kind: 'unsupported'; record: MrtRecordInfo; reason: string }
  /** A record that does not parse; `record` is absent when even the header is cut short. */
  | { kind: 'malformed'; record?: MrtRecordInfo; offset: number; reason: string };

const HEADER = 12;

/** A record whose fields do not fit its length or hold impossible values. */
class MalformedRecord extends Error {}

/** Bounds-checked reads over one record body. */
class Cursor {
  constructor(
    readonly buf: Buffer,
    public p: number,
    readonly end: number,
  ) {}

  need(n: number, what: string): void {
    if (this.p + n > this.end) throw new MalformedRecord(`${what}: needs ${n} bytes, ${this.end - this.p} left in the record`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.p++];
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.p);
    this.p += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.p);
    this.p += 4;
    return v;
  }
  address(family: Family, what: string): string {
    const n = family === 'ipv4' ? 4 : 16;
    this.need(n, what);
    const s = family === 'ipv4' ? ipv4ToString(this.buf, this.p) : ipv6ToString(this.buf, this.p);
    this.p += n;
    return s;
  }
  /** A prefix as MRT writes it: length in bits, then only the bytes that length covers. */
  prefix(family: Family, what: string): string {
    const bits = this.u8(`${what} length`);
    const max = family === 'ipv4' ? 32 : 128;
    if (bits > max) throw new MalformedRecord(`${what}: length ${bits} exceeds ${max}`);
    const bytes = (bits + 7) >> 3;
    this.need(bytes, what);
    const full = Buffer.alloc(max / 8);
    this.buf.copy(full, 0, this.p, this.p + bytes);
    this.p += bytes;
    if (bits % 8 !== 0) full[bytes - 1] &= (0xff << (8 - (bits % 8))) & 0xff; // host bits a writer left set
    return `${family === 'ipv4' ? ipv4ToString(full, 0) : ipv6ToString(full, 0)}/${bits}`;
  }
}

function afiFamily(afi: number): Family | undefined {
  return afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : undefined;
}

function context(as4: boolean, addPath: boolean): CodecContext {
  return {
    as4,
    addPath: { ipv4: { receive: addPath, send: addPath }, ipv6: { receive: addPath, send: addPath } },
    // Collectors record what they received; RFC 8654 messages may be longer than 4096 bytes.
    extendedMessage: true,
  };
}

/**
 * No record is this long: the largest real ones, TABLE_DUMP_V2 RIB records of collectors with hundreds
 * of peers, are well under 1 MiB. A larger length is damage, and a stream must not buffer it.
 */
const MAX_RECORD = 64 * 1024 * 1024;

/** The bytes start like an MRT dump: a known record type and a plausible length. */
function plausibleHeader(buf: Buffer, offset = 0): boolean {
  return buf.length - offset >= HEADER && MRT_TYPES[buf.readUInt16BE(offset + 4)] !== undefined && buf.readUInt32BE(offset + 8) <= MAX_RECORD;
}

/** The decoding state a dump carries from record to record, and the decoding of one record. */
class MrtDecoder {
  private index = 0;
  private peers: MrtIndexedPeer[] | undefined;
  private readonly addPathPeers = new Set<string>();

  /** The record whose header starts at `start` of `buf` (the whole record is there); `offset` in the file. */
  record(buf: Buffer, start: number, offset: number): MrtItem {
    const type = buf.readUInt16BE(start + 4);
    const subtype = buf.readUInt16BE(start + 6);
    const length = buf.readUInt32BE(start + 8);
    const subtypes = type === 16 || type === 17 ? BGP4MP_SUBTYPES : type === 13 ? TABLE_DUMP_V2_SUBTYPES : type === 12 ? { 1: 'AFI_IPv4', 2: 'AFI_IPv6' } : {};
    const record: MrtRecordInfo = {
      index: ++this.index,
      offset,
      seconds: buf.readUInt32BE(start),
      type,
      subtype,
      typeName: MRT_TYPES[type] ?? `type ${type}`,
      subtypeName: (subtypes as Record<number, string>)[subtype] ?? `subtype ${subtype}`,
      length,
    };
    const c = new Cursor(buf, start + HEADER, start + HEADER + length);
    try {
      if (type === 17 || type === 33 || type === 49) record.microseconds = c.u32('extended timestamp');
      if (type === 16 || type === 17) return bgp4mp(c, record, this.addPathPeers);
      if (type === 13) {
        if (subtype !== 1) return ribV2(c, record, this.peers);
        const item = peerIndexTable(c, record);
        this.peers = item.peers;
        return item;
      }
      if (type === 12) return tableDump(c, record);
      return { kind: 'unsupported', record, reason: `MRT type ${record.typeName} is not decoded` };
    } catch (err) {
      // Anything else is a bug of ours; it is reported on the record all the same, never thrown at the reader.
      const why = err instanceof MalformedRecord ? err.message : `internal error: ${(err as Error).message}`;
      return { kind: 'malformed', record, offset, reason: `${record.typeName} ${record.subtypeName}: ${why}` };
    }
  }

  /** What is left after the last whole record (`left` bytes from `offset`): the end of a cut dump. */
  cut(buf: Buffer, start: number, offset: number): MrtItem {
    const left = buf.length - start;
    if (left < HEADER) return { kind: 'malformed', offset, reason: `${left} bytes left after the last record, too few for a 12-byte MRT header` };
    const length = buf.readUInt32BE(start + 8);
    const why = length > MAX_RECORD ? `record length ${length} is not believable (over ${MAX_RECORD} bytes): the dump is damaged here` : `record length ${length} runs past the end of the file (${left - HEADER} bytes left)`;
    return { kind: 'malformed', offset, reason: `record ${this.index + 1}: ${why}` };
  }
}

/** Decode every record of an MRT dump held in memory, in order. */
export function* decodeMrt(buf: Buffer): Generator<MrtItem> {
  const d = new MrtDecoder();
  let p = 0;
  while (p < buf.length) {
    if (buf.length - p < HEADER || buf.readUInt32BE(p + 8) > buf.length - p - HEADER) {
      yield d.cut(buf, p, p);
      return;
    }
    yield d.record(buf, p, p);
    p += HEADER + buf.readUInt32BE(p + 8);
  }
}

/** Thrown by decodeMrtStream before any item when the bytes do not start like an MRT dump. */
export class NotMrtError extends Error {}

/**
 * Decode an MRT dump as its bytes arrive (a file, stdin, a gunzip stream): a RIPE RIS full-table dump
 * is gigabytes once decompressed, and only the record being decoded is held.
 */
export async function* decodeMrtStream(chunks: AsyncIterable<Buffer>): AsyncGenerator<MrtItem> {
  const d = new MrtDecoder();
  let pending: Buffer = Buffer.alloc(0);
  let base = 0; // file offset of pending[0]
  let first = true;
  for await (const chunk of chunks) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (first) {
      if (pending.length < HEADER) continue;
      if (!plausibleHeader(pending)) throw new NotMrtError(`first record header ${pending.subarray(0, HEADER).toString('hex')}: unknown type or an impossible length`);
      first = false;
    }
    let p = 0;
    while (pending.length - p >= HEADER) {
      const length = pending.readUInt32BE(p + 8);
      if (length > MAX_RECORD) {
        yield d.cut(pending, p, base + p);
        return;
      }
      if (pending.length - p - HEADER < length) break;
      yield d.record(pending, p, base + p);
      p += HEADER + length;
    }
    pending = pending.subarray(p);
    base += p;
  }
  if (first && pending.length > 0) throw new NotMrtError(`${pending.length} bytes, too few for an MRT record header`);
  if (pending.length > 0) yield d.cut(pending, 0, base);
}

/**
 * RFC 6396 §4.4 (and RFC 8050 §3 for the ADD-PATH subtypes). Dumps written before RFC 8050 (BIRD's,
 * for one) record ADD-PATH sessions with the plain MESSAGE subtypes: a message that does not decode
 * as the subtype says but decodes cleanly with path identifiers is taken that way and marked, and so
 * is every later message of that peer (`addPathPeers`). Reading it without them would turn each path
 * identifier into bogus prefixes (bgpdump 1.6 prints 0.0.0.0/0 three times for path id 1).
 */
function bgp4mp(c: Cursor, record: MrtRecordInfo, addPathPeers: Set<string>): MrtItem {
  const st = record.subtype;
  if (BGP4MP_SUBTYPES[st] === undefined) return { kind: 'unsupported', record, reason: `BGP4MP subtype ${st} is not decoded` };
  const as4Header = st === 4 || st === 5 || st === 7 || st === 9 || st === 11;
  const peerAs = as4Header ? c.u32('peer AS') : c.u16('peer AS');
  const localAs = as4Header ? c.u32('local AS') : c.u16('local AS');
  const interfaceIndex = c.u16('interface index');
  const afi = c.u16('address family');
  const family = afiFamily(afi);
  if (!family) throw new MalformedRecord(`address family ${afi} is neither IPv4 (1) nor IPv6 (2)`);
  const peer = { address: c.address(family, 'peer address'), asn: peerAs };
  const local = { address: c.address(family, 'local address'), asn: localAs };
  if (st === 0 || st === 5) {
    const oldState = c.u16('old state');
    const newState = c.u16('new state');
    return { kind: 'bgp4mp-state', record, peer, local, interfaceIndex, oldState, newState };
  }
  const bytes = c.buf.subarray(c.p, c.end);
  const sent = st === 6 || st === 7 || st === 10 || st === 11;
  const key = `${peer.address}|${local.address}|${sent}`;
  const stated = st >= 8;
  let result = decodeMessage(bytes, context(as4Header, stated || addPathPeers.has(key)));
  let guessedAddPath = !stated && addPathPeers.has(key);
  if (!stated && !guessedAddPath && result.errors.length > 0 && bytes.length > 18 && bytes[18] === 2) {
    const retry = decodeMessage(bytes, context(as4Header, true));
    if (retry.errors.length === 0) {
      result = retry;
      guessedAddPath = true;
      addPathPeers.add(key);
    }
  }
  const item: MrtItem = { kind: 'bgp4mp-message', record, peer, local, interfaceIndex, sent, bytes, result };
  if (guessedAddPath) item.guessedAddPath = true;
  return item;
}

/** RFC 6396 §4.3.1. */
function peerIndexTable(c: Cursor, record: MrtRecordInfo): Extract<MrtItem, { kind: 'peer-index' }> {
  const collectorId = c.address('ipv4', 'collector BGP ID');
  const nameLength = c.u16('view name length');
  c.need(nameLength, 'view name');
  const viewName = c.buf.toString('utf8', c.p, c.p + nameLength);
  c.p += nameLength;
  const count = c.u16('peer count');
  const peers: MrtIndexedPeer[] = [];
  for (let i = 0; i < count; i++) {
    const peerType = c.u8(`peer ${i} type`);
    const bgpId = c.address('ipv4', `peer ${i} BGP ID`);
    const address = c.address(peerType & 1 ? 'ipv6' : 'ipv4', `peer ${i} address`);
    const asn = peerType & 2 ? c.u32(`peer ${i} AS`) : c.u16(`peer ${i} AS`);
    peers.push({ index: i, bgpId, address, asn });
  }
  return { kind: 'peer-index', record, collectorId, viewName, peers };
}

/** RFC 6396 §4.3.2 and §4.3.4; RFC 8050 §4 for the ADD-PATH subtypes. */
function ribV2(c: Cursor, record: MrtRecordInfo, peers: MrtIndexedPeer[] | undefined): MrtItem {
  const st = record.subtype;
  const family: Family | undefined = st === 2 || st === 8 ? 'ipv4' : st === 4 || st === 10 ? 'ipv6' : undefined;
  if (!family) {
    const name = TABLE_DUMP_V2_SUBTYPES[st];
    return { kind: 'unsupported', record, reason: name ? `TABLE_DUMP_V2 ${name} is not decoded (IPv4 and IPv6 unicast are)` : `TABLE_DUMP_V2 subtype ${st} is not decoded` };
  }
  const addPath = st >= 8;
  const sequence = c.u32('sequence number');
  const prefix = c.prefix(family, 'prefix');
  const count = c.u16('entry count');
  const ctx = context(true, false);
  const entries: MrtRibEntry[] = [];
  for (let i = 0; i < count; i++) {
    const peerIndex = c.u16(`entry ${i} peer index`);
    const originated = c.u32(`entry ${i} originated time`);
    const pathId = addPath ? c.u32(`entry ${i} path identifier`) : undefined;
    const attrLength = c.u16(`entry ${i} attribute length`);
    c.need(attrLength, `entry ${i} attributes`);
    const { attributes, errors } = ribAttributes(c.buf.subarray(c.p, c.p + attrLength), family, ctx);
    c.p += attrLength;
    const p = peers?.[peerIndex];
    const entry: MrtRibEntry = { peerIndex, originated, attributes, errors };
    if (p) entry.peer = { address: p.address, asn: p.asn, bgpId: p.bgpId }; // else: no such peer (the renderer says so)
    if (pathId !== undefined) entry.pathId = pathId;
    entries.push(entry);
  }
  return { kind: 'rib', record, family, sequence, prefix, entries };
}

/** RFC 6396 §4.2: one route per record, 2-octet AS numbers. */
function tableDump(c: Cursor, record: MrtRecordInfo): MrtItem {
  const family = afiFamily(record.subtype);
  if (!family) return { kind: 'unsupported', record, reason: `TABLE_DUMP subtype ${record.subtype} is not decoded (AFI_IPv4 and AFI_IPv6 are)` };
  c.u16('view number');
  const sequence = c.u16('sequence number');
  const address = c.address(family, 'prefix');
  const bits = c.u8('prefix length');
  if (bits > (family === 'ipv4' ? 32 : 128)) throw new MalformedRecord(`prefix length ${bits} is too long for ${family}`);
  c.u8('status');
  const originated = c.u32('originated time');
  const peerAddress = c.address(family, 'peer address');
  const peerAs = c.u16('peer AS');
  const attrLength = c.u16('attribute length');
  c.need(attrLength, 'attributes');
  const { attributes, errors } = ribAttributes(c.buf.subarray(c.p, c.p + attrLength), family, context(false, false));
  c.p += attrLength;
  const entry: MrtRibEntry = { peerIndex: 0, peer: { address: peerAddress, asn: peerAs }, originated, attributes, errors };
  return { kind: 'rib', record, family, sequence, prefix: `${address}/${bits}`, entries: [entry] };
}

/**
 * A RIB entry's attributes. RFC 6396 §4.3.4: MP_REACH_NLRI keeps only its next hop length and next
 * hop; it is expanded to the RFC 4760 form (the family's AFI/SAFI, the reserved octet, no NLRI) so
 * the codec decodes it as any other. Some writers keep the full form: told apart by its length.
 */
function ribAttributes(raw: Buffer, family: Family, ctx: CodecContext): { attributes: PathAttributes; errors: DecodeError[] } {
  const bytes = expandMpReach(raw, family);
  const errors: DecodeError[] = [];
  const result = decodeAttributes(bytes, 0, bytes.length, 0, ctx, errors);
  return { attributes: result?.attrs ?? {}, errors };
}

function expandMpReach(raw: Buffer, family: Family): Buffer {
  const parts: Buffer[] = [];
  let p = 0;
  let changed = false;
  while (p + 3 <= raw.length) {
    const flags = raw[p];
    const code = raw[p + 1];
    const ext = (flags & 0x10) !== 0;
    const hdr = ext ? 4 : 3;
    if (p + hdr > raw.length) break;
    const len = ext ? raw.readUInt16BE(p + 2) : raw[p + 2];
    const valueStart = p + hdr;
    if (valueStart + len > raw.length) break; // the codec reports it
    if (code === 14 && len >= 1 && raw[valueStart] === len - 1) {
      // Abbreviated: [next hop length][next hop]. Rebuilt with an extended length (always fits).
      const nh = raw.subarray(valueStart + 1, valueStart + len);
      const value = Buffer.alloc(3 + 1 + nh.length + 1);
      value.writeUInt16BE(family === 'ipv4' ? 1 : 2, 0);
      value[2] = 1; // unicast
      value[3] = nh.length;
      nh.copy(value, 4);
      const head = Buffer.from([0x90, 14, 0, 0]);
      head.writeUInt16BE(value.length, 2);
      parts.push(head, value);
      changed = true;
    } else parts.push(raw.subarray(p, valueStart + len));
    p = valueStart + len;
  }
  if (!changed) return raw;
  if (p < raw.length) parts.push(raw.subarray(p));
  return Buffer.concat(parts);
}
