/**
 * Hand-built capture files for the capture tests: frames (Ethernet, VLAN, SLL, SLL2, raw, NULL,
 * LOOP, PPP, IPv4/IPv6 with extension headers, TCP) and pcap/pcapng containers in either byte
 * order. Small and explicit so each test shows exactly the bytes it feeds in.
 */

export interface TcpSpec {
  src?: string;
  dst?: string;
  srcPort?: number;
  dstPort?: number;
  seq: number;
  ack?: number;
  /** TCP flag bits: FIN 1, SYN 2, RST 4, PSH 8, ACK 16. */
  flags?: number;
  payload?: Buffer;
}

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export function tcp(spec: TcpSpec): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(spec.srcPort ?? 40000, 0);
  h.writeUInt16BE(spec.dstPort ?? 179, 2);
  h.writeUInt32BE(spec.seq >>> 0, 4);
  h.writeUInt32BE((spec.ack ?? 0) >>> 0, 8);
  h[12] = 5 << 4;
  h[13] = spec.flags ?? ACK | PSH;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, spec.payload ?? Buffer.alloc(0)]);
}

function ipv4Bytes(a: string): Buffer {
  return Buffer.from(a.split('.').map(Number));
}

function ipv6Bytes(a: string): Buffer {
  const [head, tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

export function ipv4(spec: TcpSpec, opts: { moreFragments?: boolean } = {}): Buffer {
  const t = tcp(spec);
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + t.length, 2);
  h.writeUInt16BE(opts.moreFragments ? 0x2000 : 0x4000, 6);
  h[8] = 64;
  h[9] = 6;
  ipv4Bytes(spec.src ?? '10.0.0.1').copy(h, 12);
  ipv4Bytes(spec.dst ?? '10.0.0.2').copy(h, 16);
  return Buffer.concat([h, t]);
}

/** IPv6 with a hop-by-hop and a destination-options header before TCP when `extensions` is set. */
export function ipv6(spec: TcpSpec, extensions = false): Buffer {
  const t = tcp({ src: undefined, dst: undefined, ...spec });
  const ext = extensions
    ? Buffer.concat([
        Buffer.from([60, 0, 1, 4, 0, 0, 0, 0]), // hop-by-hop → dest opts, PadN
        Buffer.from([6, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), // dest opts (16 bytes) → TCP
      ])
    : Buffer.alloc(0);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(ext.length + t.length, 4);
  h[6] = extensions ? 0 : 6;
  h[7] = 64;
  ipv6Bytes(spec.src ?? 'fd00::1').copy(h, 8);
  ipv6Bytes(spec.dst ?? 'fd00::2').copy(h, 24);
  return Buffer.concat([h, ext, t]);
}

export function ethernet(ip: Buffer, vlanTags = 0): Buffer {
  const type = (ip[0] >> 4) === 6 ? 0x86dd : 0x0800;
  const macs = Buffer.from('020000000002020000000001', 'hex');
  const tags: Buffer[] = [];
  for (let i = 0; i < vlanTags; i++) tags.push(Buffer.from([0x81, 0x00, 0x00, 10 + i]));
  const et = Buffer.alloc(2);
  et.writeUInt16BE(type);
  return Buffer.concat([macs, ...tags, et, ip]);
}

export function sll(ip: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0);
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE((ip[0] >> 4) === 6 ? 0x86dd : 0x0800, 14);
  return Buffer.concat([h, ip]);
}

export function sll2(ip: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE((ip[0] >> 4) === 6 ? 0x86dd : 0x0800, 0);
  h.writeUInt32BE(3, 4);
  h.writeUInt16BE(1, 8);
  h[11] = 6;
  return Buffer.concat([h, ip]);
}

/** BSD NULL (host byte order family) and LOOP (network order). */
export function loopback(ip: Buffer, networkOrder: boolean): Buffer {
  const h = Buffer.alloc(4);
  const family = (ip[0] >> 4) === 6 ? 24 : 2;
  if (networkOrder) h.writeUInt32BE(family);
  else h.writeUInt32LE(family);
  return Buffer.concat([h, ip]);
}

export function ppp(ip: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0x03, 0x00, (ip[0] >> 4) === 6 ? 0x57 : 0x21]), ip]);
}

export interface Frame {
  data: Buffer;
  /** Seconds since the epoch (fractional). */
  ts?: number;
  /** Length on the wire when the capture cut the frame. */
  origLen?: number;
  /** Captured bytes to keep (snap length). */
  capLen?: number;
}

export function pcap(linkType: number, frames: Frame[], opts: { bigEndian?: boolean; nanos?: boolean } = {}): Buffer {
  const be = opts.bigEndian ?? false;
  const w32 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
  const w16 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  const g = Buffer.alloc(24);
  w32(g, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(g, 2, 4);
  w16(g, 4, 6);
  w32(g, 262144, 16);
  w32(g, linkType, 20);
  const parts: Buffer[] = [g];
  frames.forEach((f, i) => {
    const ts = f.ts ?? 1_700_000_000 + i;
    const sec = Math.floor(ts);
    const frac = Math.round((ts - sec) * (opts.nanos ? 1e9 : 1e6));
    const data = f.capLen !== undefined ? f.data.subarray(0, f.capLen) : f.data;
    const r = Buffer.alloc(16);
    w32(r, sec, 0);
    w32(r, frac, 4);
    w32(r, data.length, 8);
    w32(r, f.origLen ?? f.data.length, 12);
    parts.push(r, data);
  });
  return Buffer.concat(parts);
}

function pad4(b: Buffer): Buffer {
  return b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]);
}

/**
 * pcapng with one section: an IDB (with if_tsresol when given, as a power of 10), then an EPB
 * per frame, or an SPB for frames marked `simple`.
 */
export function pcapng(
  linkType: number,
  frames: Array<Frame & { simple?: boolean }>,
  opts: { bigEndian?: boolean; tsresol?: number } = {},
): Buffer {
  const be = opts.bigEndian ?? false;
  const w32 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
  const w16 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  const block = (type: number, body: Buffer): Buffer => {
    const b = pad4(body);
    const out = Buffer.alloc(12 + b.length);
    w32(out, type, 0);
    w32(out, out.length, 4);
    b.copy(out, 8);
    w32(out, out.length, out.length - 4);
    return out;
  };
  const shbBody = Buffer.alloc(16);
  w32(shbBody, 0x1a2b3c4d, 0);
  w16(shbBody, 1, 4);
  w16(shbBody, 0, 6);
  shbBody.fill(0xff, 8, 16); // section length unknown
  const idbHead = Buffer.alloc(8);
  w16(idbHead, linkType, 0);
  w32(idbHead, 0, 4);
  const opts2: Buffer[] = [];
  if (opts.tsresol !== undefined) {
    const o = Buffer.alloc(8);
    w16(o, 9, 0);
    w16(o, 1, 2);
    o[4] = opts.tsresol;
    opts2.push(o, Buffer.alloc(4)); // opt_endofopt
  }
  const parts = [block(0x0a0d0d0a, shbBody), block(1, Buffer.concat([idbHead, ...opts2]))];
  const unitsPerSecond = 10 ** (opts.tsresol ?? 6);
  frames.forEach((f, i) => {
    const data = f.capLen !== undefined ? f.data.subarray(0, f.capLen) : f.data;
    if (f.simple) {
      const h = Buffer.alloc(4);
      w32(h, f.origLen ?? f.data.length, 0);
      parts.push(block(3, Buffer.concat([h, data])));
      return;
    }
    const ts = BigInt(Math.round((f.ts ?? 1_700_000_000 + i) * 1e6)) * BigInt(unitsPerSecond) / 1_000_000n;
    const h = Buffer.alloc(20);
    w32(h, 0, 0);
    w32(h, Number(ts >> 32n), 4);
    w32(h, Number(ts & 0xffffffffn), 8);
    w32(h, data.length, 12);
    w32(h, f.origLen ?? f.data.length, 16);
    parts.push(block(6, Buffer.concat([h, pad4(data)])));
  });
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- BGP messages (hand-written hex)

export const KEEPALIVE = Buffer.from('ffffffffffffffffffffffffffffffff001304', 'hex');

/** UPDATE: ORIGIN IGP, 4-octet AS_PATH [asn], NEXT_HOP, one IPv4 /26 prefix (a.b.c.d/26). */
export function update(prefix: [number, number, number, number], asn = 65001, nextHop = '10.0.0.1'): Buffer {
  const attrs = Buffer.concat([
    Buffer.from('40010100', 'hex'),
    Buffer.from('4002060201', 'hex'),
    (() => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(asn);
      return b;
    })(),
    Buffer.from('400304', 'hex'),
    ipv4Bytes(nextHop),
  ]);
  const nlri = Buffer.from([26, ...prefix]);
  const body = Buffer.concat([Buffer.from([0, 0, 0, attrs.length]), attrs, nlri]);
  const header = Buffer.alloc(19, 0xff);
  header.writeUInt16BE(19 + body.length, 16);
  header[18] = 2;
  return Buffer.concat([header, body]);
}

/** OPEN, AS 65001, hold 90, id 10.0.0.1, with the 4-octet AS capability (65001). */
export const OPEN = Buffer.from('ffffffffffffffffffffffffffffffff002501' + '04fde9005a0a000001' + '08' + '0206' + '41040000fde9', 'hex');
