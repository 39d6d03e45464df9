/**
 * Capture file formats: classic libpcap (microsecond and nanosecond magic, both byte orders, and
 * the "modified" Kuznetzov variant) and pcapng (Section Header, Interface Description, Enhanced,
 * Simple and obsolete Packet blocks; several sections; if_tsresol and if_tsoffset).
 * Pure: the whole file is a Buffer; a damaged file yields the packets before the damage plus a
 * warning, never an exception.
 */

/** One captured frame, as the file stores it. */
export interface CapturedPacket {
  /** 1-based frame number in the file (tcpdump -# and Wireshark numbering). */
  frame: number;
  /** Capture time in nanoseconds since the Unix epoch; undefined when the format has none (SPB). */
  tsNs: bigint | undefined;
  /** LINKTYPE_* value of the interface that captured it. */
  linkType: number;
  /** The captured bytes (possibly fewer than went over the wire, see origLen). */
  data: Buffer;
  /** Length of the frame on the wire. */
  origLen: number;
}

export interface CaptureFile {
  format: 'pcap' | 'pcapng';
  packets: CapturedPacket[];
  /** Problems met while reading (truncated file, unknown block…); packets before them are kept. */
  warnings: string[];
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Is this a capture file we read (by its first four bytes)? */
export function isCaptureFile(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  const be = buf.readUInt32BE(0);
  const le = buf.readUInt32LE(0);
  return (
    be === PCAPNG_SHB ||
    [PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_MODIFIED].includes(be) ||
    [PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_MODIFIED].includes(le)
  );
}

/** Read a pcap or pcapng file. Throws only for a file that is neither (the caller reports it). */
export function readCapture(buf: Buffer): CaptureFile {
  if (buf.length >= 4 && buf.readUInt32BE(0) === PCAPNG_SHB) return readPcapng(buf);
  if (isCaptureFile(buf)) return readPcap(buf);
  const head = buf.subarray(0, 4).toString('hex') || '(empty)';
  throw new Error(`not a pcap or pcapng file (first bytes ${head})`);
}

// ---------------------------------------------------------------- classic pcap

function readPcap(buf: Buffer): CaptureFile {
  const warnings: string[] = [];
  const packets: CapturedPacket[] = [];
  if (buf.length < 24) return { format: 'pcap', packets, warnings: ['pcap global header truncated'] };
  const magicBE = buf.readUInt32BE(0);
  const little = magicBE !== PCAP_MAGIC_US && magicBE !== PCAP_MAGIC_NS && magicBE !== PCAP_MAGIC_MODIFIED;
  const u32 = (off: number): number => (little ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const magic = u32(0);
  const nanos = magic === PCAP_MAGIC_NS;
  const recordHeader = magic === PCAP_MAGIC_MODIFIED ? 24 : 16;
  // LinkType field: low 16 bits are the link type; bits 26-31 may carry an FCS length (pcap spec §4).
  const network = u32(20);
  const linkType = network & 0xffff;
  const fcsLen = network & 0x04000000 ? ((network >>> 28) & 0xf) * 2 : 0;

  let off = 24;
  let frame = 0;
  while (off < buf.length) {
    if (off + recordHeader > buf.length) {
      warnings.push(`pcap record header truncated at byte ${off}`);
      break;
    }
    const sec = u32(off);
    const frac = u32(off + 4);
    const inclLen = u32(off + 8);
    const origLen = u32(off + 12);
    off += recordHeader;
    if (inclLen > buf.length - off) {
      warnings.push(`pcap record ${frame + 1} claims ${inclLen} bytes but only ${buf.length - off} remain`);
      break;
    }
    frame++;
    const data = buf.subarray(off, off + Math.max(0, inclLen - fcsLen));
    off += inclLen;
    const tsNs = BigInt(sec) * 1_000_000_000n + BigInt(frac) * (nanos ? 1n : 1000n);
    packets.push({ frame, tsNs, linkType, data, origLen: Math.max(0, origLen - fcsLen) });
  }
  return { format: 'pcap', packets, warnings };
}

// ---------------------------------------------------------------- pcapng

interface Interface {
  linkType: number;
  snapLen: number;
  /** Timestamp units per second as (numerator of ns per unit) expressed for exact bigint math. */
  tsUnitsPerSecond: bigint;
  tsOffsetSeconds: bigint;
  fcsLen: number;
}

function readPcapng(buf: Buffer): CaptureFile {
  const warnings: string[] = [];
  const packets: CapturedPacket[] = [];
  let little = true;
  let interfaces: Interface[] = [];
  let frame = 0;
  let off = 0;
  const u16 = (o: number): number => (little ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));

  while (off < buf.length) {
    if (off + 12 > buf.length) {
      warnings.push(`pcapng block header truncated at byte ${off}`);
      break;
    }
    const rawType = buf.readUInt32BE(off);
    if (rawType === PCAPNG_SHB) {
      // A new section: its byte-order magic decides how everything up to the next SHB is read.
      const bom = buf.readUInt32LE(off + 8);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) little = true;
      else if (buf.readUInt32BE(off + 8) === PCAPNG_BYTE_ORDER_MAGIC) little = false;
      else {
        warnings.push(`pcapng section header at byte ${off} has a bad byte-order magic`);
        break;
      }
      interfaces = [];
    }
    const type = u32(off);
    const total = u32(off + 4);
    if (total < 12 || total % 4 !== 0 || total > buf.length - off) {
      warnings.push(`pcapng block at byte ${off} (type 0x${type.toString(16)}) has bad length ${total}`);
      break;
    }
    const body = off + 8;
    const bodyEnd = off + total - 4;
    switch (type) {
      case PCAPNG_SHB:
        break;
      case 1: {
        // Interface Description Block.
        if (bodyEnd - body < 8) {
          warnings.push(`pcapng interface block at byte ${off} is too short`);
          break;
        }
        const iface: Interface = {
          linkType: u16(body),
          snapLen: u32(body + 4),
          tsUnitsPerSecond: 1_000_000n,
          tsOffsetSeconds: 0n,
          fcsLen: 0,
        };
        forEachOption(buf, body + 8, bodyEnd, u16, (code, o, len) => {
          if (code === 9 && len >= 1) {
            // if_tsresol: MSB clear = negative power of 10, set = negative power of 2.
            const v = buf[o];
            const exp = BigInt(v & 0x7f);
            if (exp <= 60n) iface.tsUnitsPerSecond = v & 0x80 ? 1n << exp : 10n ** exp;
          } else if (code === 14 && len >= 8) {
            iface.tsOffsetSeconds = little ? buf.readBigInt64LE(o) : buf.readBigInt64BE(o);
          } else if (code === 13 && len >= 1) {
            iface.fcsLen = buf[o];
          }
        });
        interfaces.push(iface);
        break;
      }
      case 6:
      case 2: {
        // Enhanced Packet Block (6) and the obsolete Packet Block (2).
        if (bodyEnd - body < 20) {
          warnings.push(`pcapng packet block at byte ${off} is too short`);
          break;
        }
        const ifId = type === 6 ? u32(body) : u16(body);
        const tsHigh = u32(body + 4);
        const tsLow = u32(body + 8);
        const capLen = u32(body + 12);
        const origLen = u32(body + 16);
        const dataStart = body + 20;
        const iface = interfaces[ifId];
        frame++;
        if (!iface) {
          warnings.push(`frame ${frame}: interface ${ifId} was not described`);
          break;
        }
        if (capLen > bodyEnd - dataStart) {
          warnings.push(`frame ${frame}: captured length ${capLen} runs past its block`);
          break;
        }
        const units = (BigInt(tsHigh) << 32n) | BigInt(tsLow);
        const tsNs = (units * 1_000_000_000n) / iface.tsUnitsPerSecond + iface.tsOffsetSeconds * 1_000_000_000n;
        const data = buf.subarray(dataStart, dataStart + Math.max(0, capLen - iface.fcsLen));
        packets.push({ frame, tsNs, linkType: iface.linkType, data, origLen: Math.max(0, origLen - iface.fcsLen) });
        break;
      }
      case 3: {
        // Simple Packet Block: interface 0, no timestamp; captured length is what fits (pcapng §4.4).
        if (bodyEnd - body < 4) break;
        frame++;
        const iface = interfaces[0];
        if (!iface) {
          warnings.push(`frame ${frame}: simple packet block before any interface`);
          break;
        }
        const origLen = u32(body);
        let capLen = Math.min(origLen, bodyEnd - body - 4);
        if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
        const data = buf.subarray(body + 4, body + 4 + Math.max(0, capLen - iface.fcsLen));
        packets.push({ frame, tsNs: undefined, linkType: iface.linkType, data, origLen });
        break;
      }
      default:
        // Name resolution, statistics, decryption secrets, custom blocks: nothing we need.
        break;
    }
    off += total;
  }
  return { format: 'pcapng', packets, warnings };
}

/** Walk pcapng options (code, length, value padded to 4) until opt_endofopt or the end. */
function forEachOption(
  buf: Buffer,
  start: number,
  end: number,
  u16: (o: number) => number,
  visit: (code: number, valueOffset: number, length: number) => void,
): void {
  let o = start;
  while (o + 4 <= end) {
    const code = u16(o);
    const len = u16(o + 2);
    if (code === 0) return;
    if (o + 4 + len > end) return;
    visit(code, o + 4, len);
    o += 4 + ((len + 3) & ~3);
  }
}
