/**
 * From a captured frame to a TCP segment: link layers (Ethernet with 802.1Q/QinQ tags and
 * 802.3 LLC/SNAP, Linux cooked SLL and SLL2, raw IP, BSD NULL/loopback, PPP, Cisco HDLC,
 * Juniper Ethernet, MPLS label stacks), IPv4 and IPv6 (with extension headers), then TCP.
 * Pure and bounded: every read is checked against the captured length; anything we cannot follow
 * (fragments, other protocols, truncated headers) yields `undefined` with a reason.
 */
import { ipv4ToString, ipv6ToString } from '../wire/prefix.js';

export interface TcpSegment {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  /** Payload bytes present in the capture. */
  payload: Buffer;
  /** Payload bytes the segment carried on the wire (more than payload.length when the snap length cut it). */
  payloadLength: number;
  /**
   * The segment continues in IP fragments we do not reassemble (a first fragment): its real length
   * is unknown, so the stream has a gap of unknown size after `payload`.
   */
  tailUnknown?: boolean;
}

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export type PacketResult = { segment: TcpSegment } | { skip: string };

// LINKTYPE_* values (https://www.tcpdump.org/linktypes.html).
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  RAW_OPENBSD: 12,
  RAW_BSDOS: 14,
  PPP_HDLC: 50,
  RAW: 101,
  C_HDLC: 104,
  LOOP: 108,
  LINUX_SLL: 113,
  JUNIPER_ETHER: 178,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8, 0x9100, 0x9200];
const ETHERTYPE_MPLS = [0x8847, 0x8848];

/** Decode one frame down to TCP. `origLen` lets us tell a snap-length cut from a short segment. */
export function decodePacket(linkType: number, data: Buffer, origLen: number): PacketResult {
  const ip = linkToIp(linkType, data);
  if ('skip' in ip) return ip;
  // Bytes of the frame that the capture cut off: they belong to the end of the IP packet.
  const cut = Math.max(0, origLen - data.length);
  return ipToTcp(data, ip.offset, ip.version, cut);
}

type IpStart = { offset: number; version: 4 | 6 } | { skip: string };

function linkToIp(linkType: number, d: Buffer): IpStart {
  switch (linkType) {
    case LinkType.ETHERNET:
      return ethernet(d, 0);
    case LinkType.LINUX_SLL:
      // 16-byte cooked header; protocol (an EtherType for IP) in the last two bytes.
      if (d.length < 16) return { skip: 'truncated SLL header' };
      return etherType(d, d.readUInt16BE(14), 16);
    case LinkType.LINUX_SLL2:
      // 20-byte cooked v2 header; protocol first.
      if (d.length < 20) return { skip: 'truncated SLL2 header' };
      return etherType(d, d.readUInt16BE(0), 20);
    case LinkType.RAW:
    case LinkType.RAW_OPENBSD:
    case LinkType.RAW_BSDOS:
      return byVersion(d, 0);
    case LinkType.IPV4:
      return { offset: 0, version: 4 };
    case LinkType.IPV6:
      return { offset: 0, version: 6 };
    case LinkType.NULL:
    case LinkType.LOOP:
      // A 4-byte address family whose byte order (NULL) and values (AF_INET6 is 10, 24, 28 or 30)
      // depend on the capturing host: the IP version nibble is the reliable signal.
      if (d.length < 4) return { skip: 'truncated loopback header' };
      return byVersion(d, 4);
    case LinkType.PPP:
    case LinkType.PPP_HDLC:
      return ppp(d);
    case LinkType.C_HDLC:
      if (d.length < 4) return { skip: 'truncated Cisco HDLC header' };
      return etherType(d, d.readUInt16BE(2), 4);
    case LinkType.JUNIPER_ETHER:
      return juniperEther(d);
    default:
      return { skip: `link type ${linkType} not supported` };
  }
}

function byVersion(d: Buffer, off: number): IpStart {
  if (off >= d.length) return { skip: 'no IP header' };
  const v = d[off] >> 4;
  if (v === 4) return { offset: off, version: 4 };
  if (v === 6) return { offset: off, version: 6 };
  return { skip: `not IP (version ${v})` };
}

function ethernet(d: Buffer, off: number): IpStart {
  if (d.length < off + 14) return { skip: 'truncated Ethernet header' };
  let type = d.readUInt16BE(off + 12);
  let o = off + 14;
  if (type <= 1500) {
    // IEEE 802.3 length field: only LLC/SNAP (AA AA 03 + OUI) can carry an EtherType.
    if (d.length < o + 8 || d[o] !== 0xaa || d[o + 1] !== 0xaa || d[o + 2] !== 0x03) {
      return { skip: '802.3 frame without SNAP' };
    }
    type = d.readUInt16BE(o + 6);
    o += 8;
  }
  return etherType(d, type, o);
}

function etherType(d: Buffer, type: number, off: number): IpStart {
  let o = off;
  // 802.1Q / 802.1ad tags, possibly stacked: bounded by the frame length.
  while (ETHERTYPE_VLAN.includes(type)) {
    if (d.length < o + 4) return { skip: 'truncated VLAN tag' };
    type = d.readUInt16BE(o + 2);
    o += 4;
  }
  if (type === ETHERTYPE_IPV4) return { offset: o, version: 4 };
  if (type === ETHERTYPE_IPV6) return { offset: o, version: 6 };
  if (ETHERTYPE_MPLS.includes(type)) return mpls(d, o);
  return { skip: `EtherType 0x${type.toString(16).padStart(4, '0')} is not IP` };
}

function mpls(d: Buffer, off: number): IpStart {
  let o = off;
  // RFC 3032: 4-byte label entries until the bottom-of-stack bit; then IP, told by its version.
  for (;;) {
    if (d.length < o + 4) return { skip: 'truncated MPLS label stack' };
    const bottom = (d[o + 2] & 0x01) !== 0;
    o += 4;
    if (bottom) return byVersion(d, o);
  }
}

function ppp(d: Buffer): IpStart {
  let o = 0;
  if (d.length >= 2 && d[0] === 0xff && d[1] === 0x03) o = 2; // HDLC address/control
  if (d.length < o + 1) return { skip: 'truncated PPP header' };
  let proto: number;
  if (d[o] & 0x01) {
    proto = d[o]; // protocol field compression (RFC 1661 §6.5)
    o += 1;
  } else {
    if (d.length < o + 2) return { skip: 'truncated PPP header' };
    proto = d.readUInt16BE(o);
    o += 2;
  }
  if (proto === 0x21) return { offset: o, version: 4 };
  if (proto === 0x57) return { offset: o, version: 6 };
  if (proto === 0x281 || proto === 0x283) return mpls(d, o);
  return { skip: `PPP protocol 0x${proto.toString(16)} is not IP` };
}

function juniperEther(d: Buffer): IpStart {
  // "MGC" magic, flags; with the extension flag a 2-byte length of TLVs follows (tcpdump print-juniper.c).
  if (d.length < 4 || d[0] !== 0x4d || d[1] !== 0x47 || d[2] !== 0x43) return { skip: 'bad Juniper header' };
  const flags = d[3];
  let o = 4;
  if (flags & 0x80) {
    if (d.length < o + 2) return { skip: 'truncated Juniper header' };
    o += 2 + d.readUInt16BE(o);
  }
  if (flags & 0x02) return byVersion(d, o + 4); // no L2 header: a 4-byte protocol family, then IP
  return ethernet(d, o);
}

// ---------------------------------------------------------------- IP and TCP

const IPPROTO_TCP = 6;
/** IPv6 extension headers we can step over (RFC 8200 §4, RFC 4302 for AH). */
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;
const IPV6_DEST_OPTS = 60;
const IPV6_MOBILITY = 135;
const IPV6_HIP = 139;
const IPV6_SHIM6 = 140;

function ipToTcp(d: Buffer, off: number, version: 4 | 6, cut: number): PacketResult {
  let proto: number;
  let o: number;
  /** End of the IP packet within the captured bytes. */
  let end: number;
  /** The IP packet's length on the wire beyond what was captured. */
  let missing: number;
  let src: string;
  let dst: string;
  let tailUnknown = false;
  if (version === 4) {
    if (d.length < off + 20) return { skip: 'truncated IPv4 header' };
    if (d[off] >> 4 !== 4) return { skip: 'bad IPv4 version' };
    const ihl = (d[off] & 0x0f) * 4;
    const total = d.readUInt16BE(off + 2);
    if (ihl < 20 || d.length < off + ihl) return { skip: 'bad IPv4 header length' };
    if (total < ihl) return { skip: `bad IPv4 total length ${total}` };
    const fragment = d.readUInt16BE(off + 6);
    // Later fragments carry no TCP header; a first fragment is decoded as far as it goes.
    if ((fragment & 0x1fff) !== 0) return { skip: 'IPv4 non-first fragment (not reassembled)' };
    tailUnknown = (fragment & 0x2000) !== 0;
    proto = d[off + 9];
    src = ipv4ToString(d, off + 12);
    dst = ipv4ToString(d, off + 16);
    o = off + ihl;
    const wanted = off + total;
    end = Math.min(wanted, d.length);
    // Ethernet pads short frames: the IP total length, not the frame, bounds the packet.
    missing = wanted > d.length ? Math.min(wanted - d.length, cut) : 0;
  } else {
    if (d.length < off + 40) return { skip: 'truncated IPv6 header' };
    const payloadLen = d.readUInt16BE(off + 4);
    proto = d[off + 6];
    src = ipv6ToString(d, off + 8);
    dst = ipv6ToString(d, off + 24);
    o = off + 40;
    // Payload length 0 means a jumbogram (RFC 2675): take what was captured.
    const wanted = payloadLen === 0 ? d.length + cut : off + 40 + payloadLen;
    end = Math.min(wanted, d.length);
    missing = wanted > d.length ? Math.min(wanted - d.length, cut) : 0;
    // Walk extension headers; each step moves forward, so the loop is bounded by the packet.
    for (;;) {
      if (proto === IPV6_HOP_BY_HOP || proto === IPV6_ROUTING || proto === IPV6_DEST_OPTS || proto === IPV6_MOBILITY || proto === IPV6_HIP || proto === IPV6_SHIM6) {
        if (end < o + 2) return { skip: 'truncated IPv6 extension header' };
        const next = d[o];
        o += (d[o + 1] + 1) * 8;
        proto = next;
      } else if (proto === IPV6_FRAGMENT) {
        if (end < o + 8) return { skip: 'truncated IPv6 fragment header' };
        const fo = d.readUInt16BE(o + 2);
        if ((fo & 0xfff8) !== 0) return { skip: 'IPv6 non-first fragment (not reassembled)' };
        tailUnknown = (fo & 0x1) !== 0; // M flag: more fragments follow (an atomic fragment, RFC 6946, has none)
        proto = d[o];
        o += 8;
      } else if (proto === IPV6_AH) {
        if (end < o + 2) return { skip: 'truncated IPv6 AH header' };
        const next = d[o];
        o += (d[o + 1] + 2) * 4;
        proto = next;
      } else break;
      if (o > end) return { skip: 'IPv6 extension headers run past the packet' };
    }
  }
  if (proto !== IPPROTO_TCP) return { skip: `IP protocol ${proto} is not TCP` };
  if (end < o + 20) return { skip: 'truncated TCP header' };
  const dataOffset = (d[o + 12] >> 4) * 4;
  if (dataOffset < 20) return { skip: `bad TCP data offset ${dataOffset}` };
  if (end < o + dataOffset) return { skip: 'truncated TCP options' };
  const payload = d.subarray(o + dataOffset, end);
  return {
    segment: {
      src,
      dst,
      srcPort: d.readUInt16BE(o),
      dstPort: d.readUInt16BE(o + 2),
      seq: d.readUInt32BE(o + 4),
      ack: d.readUInt32BE(o + 8),
      flags: d[o + 13],
      payload,
      payloadLength: payload.length + missing,
      ...(tailUnknown ? { tailUnknown } : {}),
    },
  };
}
