/**
 * Addresses and prefixes as text and as wire bytes, without ipaddr.js: these run once per route
 * in the codec's hot paths, so they parse character codes in one pass without allocating, and
 * write text as character codes into a scratch buffer that becomes one flat string. Text forms
 * are canonical: IPv4 dotted quad, IPv6 RFC 5952 (lower case, longest run of two or more zero
 * groups compressed, first run on a tie), prefixes with host bits cleared.
 */
import type { Family } from './types.js';

/** Lower-case hex of 0..255 with two digits (toHex). */
const HEX2: string[] = [];
for (let i = 0; i < 256; i++) HEX2.push(i.toString(16).padStart(2, '0'));
/** Character code of the lower-case hex digit 0..15. */
const HEX_CODE = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

// ---------------------------------------------------------------- bytes -> text

/*
 * Text is written as Latin-1 codes into one scratch buffer and turned into a string by a single
 * latin1Slice. Concatenating ten small pieces instead makes a V8 cons string (a tree of pieces)
 * that is flattened, copied and hashed the first time it is used as a Map key, which is what the
 * RIB does with every prefix; a slice is flat from the start. The longest text written is eight
 * four-digit groups plus "/128": 39 + 4 characters.
 */
const TEXT = Buffer.allocUnsafe(64);
type Latin1Slicer = (end: number) => string;
/**
 * Buffer#latin1Slice is the undocumented method behind toString('latin1') (present since Node 8);
 * calling it directly skips the encoding lookup, about 3x cheaper per call. Fall back if absent.
 */
const sliceText: Latin1Slicer =
  typeof (TEXT as unknown as { latin1Slice?: unknown }).latin1Slice === 'function'
    ? (end) => (TEXT as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(0, end)
    : (end) => TEXT.toString('latin1', 0, end);

/** Writes 0..255 in decimal at `p` of TEXT; returns the position after it. */
function writeDecimal(v: number, p: number): number {
  if (v >= 100) {
    const h = (v / 100) | 0;
    const rest = v - h * 100;
    const t = (rest / 10) | 0;
    TEXT[p] = 48 + h;
    TEXT[p + 1] = 48 + t;
    TEXT[p + 2] = 48 + rest - t * 10;
    return p + 3;
  }
  if (v >= 10) {
    const t = (v / 10) | 0;
    TEXT[p] = 48 + t;
    TEXT[p + 1] = 48 + v - t * 10;
    return p + 2;
  }
  TEXT[p] = 48 + v;
  return p + 1;
}

/** Writes the dotted quad of the 4 bytes at `off` into TEXT at `p`; returns the end. */
function writeIPv4Text(buf: Uint8Array, off: number, p: number): number {
  p = writeDecimal(buf[off], p);
  TEXT[p++] = 46;
  p = writeDecimal(buf[off + 1], p);
  TEXT[p++] = 46;
  p = writeDecimal(buf[off + 2], p);
  TEXT[p++] = 46;
  return writeDecimal(buf[off + 3], p);
}

/** Writes the RFC 5952 text of the 16 bytes at `off` into TEXT from 0; returns the end. */
function writeIPv6Text(buf: Uint8Array, off: number): number {
  // Longest run (>= 2) of zero groups, first one on a tie: RFC 5952 §4.2.2 forbids compressing a
  // single group and §4.2.3 picks the first of equal runs.
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    if (buf[off + 2 * g] === 0 && buf[off + 2 * g + 1] === 0) {
      if (runStart < 0) runStart = g;
      if (g - runStart + 1 > bestLen) {
        bestLen = g - runStart + 1;
        bestStart = runStart;
      }
    } else runStart = -1;
  }
  let p = 0;
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      // "::" at the start; otherwise the previous group already wrote one colon.
      if (g === 0) TEXT[p++] = 58;
      TEXT[p++] = 58;
      g += bestLen - 1;
      continue;
    }
    const hi = buf[off + 2 * g];
    const lo = buf[off + 2 * g + 1];
    // Leading zeros suppressed (RFC 5952 §4.1), lower case (§4.3).
    if (hi >= 16) {
      TEXT[p++] = HEX_CODE[hi >> 4];
      TEXT[p++] = HEX_CODE[hi & 15];
      TEXT[p++] = HEX_CODE[lo >> 4];
    } else if (hi !== 0) {
      TEXT[p++] = HEX_CODE[hi];
      TEXT[p++] = HEX_CODE[lo >> 4];
    } else if (lo >= 16) TEXT[p++] = HEX_CODE[lo >> 4];
    TEXT[p++] = HEX_CODE[lo & 15];
    if (g < 7) TEXT[p++] = 58;
  }
  return p;
}

/** Appends "/len" (0..128) at `p` of TEXT; returns the end. */
function writeSlashLength(len: number, p: number): number {
  TEXT[p] = 47;
  return writeDecimal(len, p + 1);
}

/** Dotted quad of 4 bytes at `off` (caller guarantees they exist). */
export function ipv4ToString(buf: Uint8Array, off: number): string {
  return sliceText(writeIPv4Text(buf, off, 0));
}

/** The 16 bytes at `off` in RFC 5952 form (caller guarantees they exist). */
export function ipv6ToString(buf: Uint8Array, off: number): string {
  return sliceText(writeIPv6Text(buf, off));
}

/**
 * "a.b.c.d/len" of the 4 bytes at `off`, as one flat string. The caller has cleared the host bits
 * and guarantees len <= 32.
 */
export function ipv4PrefixToString(buf: Uint8Array, off: number, len: number): string {
  return sliceText(writeSlashLength(len, writeIPv4Text(buf, off, 0)));
}

/**
 * RFC 5952 "addr/len" of the 16 bytes at `off`, as one flat string. The caller has cleared the
 * host bits and guarantees len <= 128.
 */
export function ipv6PrefixToString(buf: Uint8Array, off: number, len: number): string {
  return sliceText(writeSlashLength(len, writeIPv6Text(buf, off)));
}

/** Lower-case hex of a byte range (for errors and unknown values). */
export function toHex(buf: Uint8Array, start = 0, end = buf.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX2[buf[i]];
  return s;
}

// ---------------------------------------------------------------- text -> bytes

/**
 * Parses a dotted quad into `out` at `off`. Returns false (writing nothing meaningful) when the
 * text is not exactly four decimal octets 0..255 without leading zeros beyond "0".
 */
export function parseIPv4Into(text: string, start: number, end: number, out: Uint8Array, off: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return false;
      out[off + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return false; // leading zero: ambiguous (octal in some tools)
      value = value * 10 + (c - 48);
      if (value > 255 || ++digits > 3) return false;
    } else return false;
  }
  if (digits === 0 || part !== 3) return false;
  out[off + 3] = value;
  return true;
}

/**
 * Parses an IPv6 address (RFC 4291 §2.2: hex groups, at most one "::", optional embedded IPv4
 * tail) into 16 bytes at `off`. Returns false when the text is not one; the 16 bytes are then
 * scratch. Allocates nothing: groups are written in place and, when there is a "::", the groups
 * after it are moved to the end and the gap zeroed.
 */
export function parseIPv6Into(text: string, start: number, end: number, out: Uint8Array, off: number): boolean {
  if (end - start < 2) return false;
  let i = start;
  let n = 0; // groups written so far
  let gap = -1; // group index where "::" stands
  if (text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      for (let k = 0; k < 16; k++) out[off + k] = 0;
      return true;
    }
  }
  for (;;) {
    // One group of 1..4 hex digits, or an IPv4 tail.
    let j = i;
    let value = 0;
    while (j < end) {
      const c = text.charCodeAt(j);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      if (j - i === 4) return false;
      value = (value << 4) | d;
      j++;
    }
    if (j < end && text.charCodeAt(j) === 46) {
      // Embedded IPv4 (RFC 4291 §2.2 form 3): the last 32 bits, so it ends the text.
      if (n > 6 || !parseIPv4Into(text, i, end, out, off + 2 * n)) return false;
      n += 2;
      break;
    }
    if (j === i || n === 8) return false;
    out[off + 2 * n] = value >> 8;
    out[off + 2 * n + 1] = value & 0xff;
    n++;
    i = j;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return false;
    if (++i === end) return false; // trailing single colon
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return false; // a second "::"
      gap = n;
      if (++i === end) break;
    }
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false; // "::" must stand for at least one group (RFC 4291 §2.2 form 2)
  const shift = 2 * (8 - n);
  for (let k = off + 2 * n - 1; k >= off + 2 * gap; k--) out[k + shift] = out[k];
  for (let k = off + 2 * gap, e = k + shift; k < e; k++) out[k] = 0;
  return true;
}

const scratch16 = new Uint8Array(16);

/** Canonical text of an IPv4 or IPv6 address, or undefined when it is not one. */
export function normalizeAddress(text: string): string | undefined {
  if (text.indexOf(':') >= 0) {
    return parseIPv6Into(text, 0, text.length, scratch16, 0) ? ipv6ToString(scratch16, 0) : undefined;
  }
  return parseIPv4Into(text, 0, text.length, scratch16, 0) ? ipv4ToString(scratch16, 0) : undefined;
}

export function isIPv4(text: string): boolean {
  return text.indexOf(':') < 0 && parseIPv4Into(text, 0, text.length, scratch16, 0);
}

export function isIPv6(text: string): boolean {
  return text.indexOf(':') >= 0 && parseIPv6Into(text, 0, text.length, scratch16, 0);
}

// ---------------------------------------------------------------- prefixes

export interface ParsedPrefix {
  family: Family;
  /** Canonical "address/len" (host bits cleared). */
  prefix: string;
  /** Canonical network address. */
  address: string;
  length: number;
  /** The ceil(length/8) significant bytes, as they go on the wire (RFC 4271 §4.3). */
  bytes: Buffer;
}

/** 'ipv6' when the text holds a colon, else 'ipv4' (cheap: no validation). */
export function prefixFamily(prefix: string): Family {
  return prefix.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
}

/**
 * Parses "address/len". Throws a RangeError naming the value when it is not a prefix, or when
 * host bits are set unless `clearHostBits` (then they are cleared).
 */
export function parsePrefix(text: string, options: { clearHostBits?: boolean } = {}): ParsedPrefix {
  const result = tryParsePrefix(text, options);
  if (typeof result === 'string') throw new RangeError(`invalid prefix "${text}": ${result}`);
  return result;
}

/**
 * Parses the decimal length after the slash in [start, end): 1..3 digits, no leading zero, at most
 * `max`. Returns -1 when it is not one.
 */
function parseLength(text: string, start: number, end: number, max: number): number {
  const digits = end - start;
  if (digits < 1 || digits > 3) return -1;
  let length = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    length = length * 10 + (c - 48);
  }
  if (digits > 1 && text.charCodeAt(start) === 48) return -1; // "/08": leading zero
  return length <= max ? length : -1;
}

/** Like parsePrefix but returns the reason as a string instead of throwing. */
export function tryParsePrefix(text: string, options: { clearHostBits?: boolean } = {}): ParsedPrefix | string {
  if (typeof text !== 'string') return 'not a string';
  const slash = text.indexOf('/');
  if (slash < 0) return 'missing "/length"';
  const family = prefixFamily(text);
  const max = family === 'ipv4' ? 32 : 128;
  const length = parseLength(text, slash + 1, text.length, 999);
  if (length < 0) return `bad length "${text.slice(slash + 1)}"`;
  if (length > max) return `length ${length} exceeds ${max}`;
  const raw = new Uint8Array(16);
  const ok =
    family === 'ipv4' ? parseIPv4Into(text, 0, slash, raw, 0) : parseIPv6Into(text, 0, slash, raw, 0);
  if (!ok) return `bad ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address "${text.slice(0, slash)}"`;
  const size = family === 'ipv4' ? 4 : 16;
  let hostBits = false;
  for (let i = 0; i < size; i++) {
    const keep = Math.max(0, Math.min(8, length - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    if ((raw[i] & ~mask & 0xff) !== 0) hostBits = true;
    raw[i] &= mask;
  }
  if (hostBits && !options.clearHostBits) return 'host bits set';
  const address = family === 'ipv4' ? ipv4ToString(raw, 0) : ipv6ToString(raw, 0);
  return {
    family,
    prefix: family === 'ipv4' ? ipv4PrefixToString(raw, 0, length) : ipv6PrefixToString(raw, 0, length),
    address,
    length,
    bytes: Buffer.from(raw.subarray(0, (length + 7) >> 3)),
  };
}

/**
 * Writes one prefix in NLRI form (length byte, then the significant bytes, RFC 4271 §4.3) at
 * `off`. Returns the offset after it, or -1 when the text is not a prefix of `family` (host bits
 * are cleared silently: the wire form cannot carry them). The caller guarantees 17 bytes of room.
 * This runs once per advertised route: one pass over the characters, no allocation.
 */
export function writeNlriPrefix(buf: Uint8Array, off: number, text: string, family: Family): number {
  if (typeof text !== 'string') return -1;
  const slash = text.indexOf('/');
  if (slash < 0) return -1;
  let length: number;
  if (family === 'ipv4') {
    length = parseLength(text, slash + 1, text.length, 32);
    if (length < 0 || !parseIPv4Into(text, 0, slash, scratch16, 0)) return -1;
  } else {
    length = parseLength(text, slash + 1, text.length, 128);
    if (length < 0 || !parseIPv6Into(text, 0, slash, scratch16, 0)) return -1;
  }
  const nb = (length + 7) >> 3;
  buf[off] = length;
  for (let i = 0; i < nb; i++) buf[off + 1 + i] = scratch16[i];
  const rem = length & 7;
  if (rem !== 0) buf[off + nb] &= (0xff << (8 - rem)) & 0xff;
  return off + 1 + nb;
}
