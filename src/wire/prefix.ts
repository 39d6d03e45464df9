/**
 * Addresses and prefixes as text and as wire bytes, without ipaddr.js: these run once per route
 * in the codec's hot paths, so they parse character codes and build strings from small
 * precomputed tables. Text forms are canonical: IPv4 dotted quad, IPv6 RFC 5952 (lower case,
 * longest run of two or more zero groups compressed, first run on a tie), prefixes with host
 * bits cleared.
 */
import type { Family } from './types.js';

/** '0'..'255' */
const DEC: string[] = [];
/** '0.'..'255.' */
const DEC_DOT: string[] = [];
/** '/0'..'/128' */
export const SLASH_LEN: string[] = [];
for (let i = 0; i < 256; i++) {
  DEC.push(String(i));
  DEC_DOT.push(`${i}.`);
}
for (let i = 0; i <= 128; i++) SLASH_LEN.push(`/${i}`);
/** Lower-case hex of 0..255 without leading zeros, and with two digits. */
const HEX: string[] = [];
const HEX2: string[] = [];
for (let i = 0; i < 256; i++) {
  HEX.push(i.toString(16));
  HEX2.push(i.toString(16).padStart(2, '0'));
}

// ---------------------------------------------------------------- bytes -> text

/** Dotted quad of 4 bytes at `off` (caller guarantees they exist). */
export function ipv4ToString(buf: Uint8Array, off: number): string {
  return DEC_DOT[buf[off]] + DEC_DOT[buf[off + 1]] + DEC_DOT[buf[off + 2]] + DEC[buf[off + 3]];
}

/** The 16 bytes at `off` in RFC 5952 form (caller guarantees they exist). */
export function ipv6ToString(buf: Uint8Array, off: number): string {
  // Find the longest run (>= 2) of zero groups; RFC 5952 §4.2.2 forbids compressing one group.
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    const zero = buf[off + 2 * g] === 0 && buf[off + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
      const len = g - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else runStart = -1;
  }
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      s += g === 0 ? '::' : ':';
      g += bestLen - 1;
      continue;
    }
    const hi = buf[off + 2 * g];
    const lo = buf[off + 2 * g + 1];
    s += hi === 0 ? HEX[lo] : HEX[hi] + HEX2[lo];
    if (g < 7) s += ':';
  }
  return s;
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

/** Parses an IPv6 address (with optional embedded IPv4 tail) into 16 bytes at `off`. */
export function parseIPv6Into(text: string, start: number, end: number, out: Uint8Array, off: number): boolean {
  const groups: number[] = [];
  let gap = -1;
  let i = start;
  if (end - start < 2) return false;
  if (text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      out.fill(0, off, off + 16);
      return true;
    }
  }
  while (i < end) {
    // One group, or an IPv4 tail.
    let j = i;
    let value = 0;
    while (j < end && j - i < 5) {
      const c = text.charCodeAt(j);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      value = value * 16 + d;
      j++;
    }
    if (j < end && text.charCodeAt(j) === 46) {
      // Embedded IPv4 (RFC 4291 §2.2 form 3): must be the last 32 bits.
      if (groups.length > 6) return false;
      const tmp = new Uint8Array(4);
      if (!parseIPv4Into(text, i, end, tmp, 0)) return false;
      groups.push((tmp[0] << 8) | tmp[1], (tmp[2] << 8) | tmp[3]);
      i = end;
      break;
    }
    if (j === i || j - i > 4) return false;
    groups.push(value);
    if (groups.length > 8) return false;
    i = j;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && text.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = groups.length;
      i++;
      if (i === end) break;
    } else if (i === end) return false; // trailing single colon
  }
  let total = groups.length;
  if (gap < 0 ? total !== 8 : total > 7) return false;
  const zeros = 8 - total;
  let g = 0;
  for (let k = 0; k < 8; k++) {
    let v: number;
    if (gap >= 0 && k >= gap && k < gap + zeros) v = 0;
    else v = groups[g++];
    out[off + 2 * k] = v >> 8;
    out[off + 2 * k + 1] = v & 0xff;
  }
  total = 0;
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

/** Like parsePrefix but returns the reason as a string instead of throwing. */
export function tryParsePrefix(text: string, options: { clearHostBits?: boolean } = {}): ParsedPrefix | string {
  if (typeof text !== 'string') return 'not a string';
  const slash = text.indexOf('/');
  if (slash < 0) return 'missing "/length"';
  const family = prefixFamily(text);
  const max = family === 'ipv4' ? 32 : 128;
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return `bad length "${lenText}"`;
  const length = Number(lenText);
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
    prefix: address + SLASH_LEN[length],
    address,
    length,
    bytes: Buffer.from(raw.subarray(0, (length + 7) >> 3)),
  };
}

/**
 * Writes one prefix in NLRI form (length byte, then the significant bytes) at `off`.
 * Returns the offset after it, or -1 when the text is not a prefix of `family` (host bits are
 * cleared silently: the wire form cannot carry them). The caller guarantees 17 bytes of room.
 */
export function writeNlriPrefix(buf: Uint8Array, off: number, text: string, family: Family): number {
  const slash = text.indexOf('/');
  if (slash < 0) return -1;
  const end = text.length;
  let length = 0;
  if (slash + 1 === end || end - slash > 4) return -1;
  for (let i = slash + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    length = length * 10 + (c - 48);
  }
  const nb = (length + 7) >> 3;
  if (family === 'ipv4') {
    if (length > 32) return -1;
    // Fast path: parse the dotted quad straight into place, then drop the unused bytes.
    if (!parseIPv4Into(text, 0, slash, scratch16, 0)) return -1;
    buf[off] = length;
    for (let i = 0; i < nb; i++) buf[off + 1 + i] = scratch16[i];
  } else {
    if (length > 128) return -1;
    if (!parseIPv6Into(text, 0, slash, scratch16, 0)) return -1;
    buf[off] = length;
    for (let i = 0; i < nb; i++) buf[off + 1 + i] = scratch16[i];
  }
  const rem = length & 7;
  if (rem !== 0) buf[off + nb] &= (0xff << (8 - rem)) & 0xff;
  return off + 1 + nb;
}
