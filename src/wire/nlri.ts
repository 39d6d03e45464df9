/**
 * IPv4/IPv6 unicast NLRI lists (RFC 4271 §4.3 prefix encoding, RFC 4760 §5 for MP, RFC 7911 §3
 * path identifiers). Decoding builds each prefix string straight from the bytes; encoding
 * writes straight into the caller's buffer. These loops run once per route.
 */
import { ipv4PrefixToString, ipv6PrefixToString, tryParsePrefix, writeNlriPrefix } from './prefix.js';
import type { Family, Nlri } from './types.js';

/** Mask for the last significant byte of a prefix whose length mod 8 is the index. */
const LAST_MASK = [0xff, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe];

/** Scratch address bytes, one per family: decoding allocates nothing per prefix but its string. */
const v4 = new Uint8Array(4);
const v6 = new Uint8Array(16);

/** Why an NLRI list failed (RFC 7606 §5.3 "syntactically incorrect"). */
export interface NlriFailure {
  /** Offset of the bad entry in the buffer. */
  at: number;
  reason: string;
}

/**
 * Decodes IPv4 prefixes in [p, end) and appends them to `out`. Returns undefined on success.
 * Host bits beyond the prefix length are cleared (they carry no meaning on the wire).
 */
export function decodeIPv4Prefixes(
  buf: Buffer,
  p: number,
  end: number,
  addPath: boolean,
  out: Nlri[],
): NlriFailure | undefined {
  return decodeList(buf, p, end, addPath, out, false);
}

/** Decodes IPv6 prefixes in [p, end) into `out` (RFC 4760 §5 with RFC 2545 addresses). */
export function decodeIPv6Prefixes(
  buf: Buffer,
  p: number,
  end: number,
  addPath: boolean,
  out: Nlri[],
): NlriFailure | undefined {
  return decodeList(buf, p, end, addPath, out, true);
}

/**
 * The one loop for both families: the family only picks the length limit, the scratch bytes and the
 * text form (a branch per prefix on a loop-invariant flag; no closure, no allocation).
 */
function decodeList(
  buf: Buffer,
  p: number,
  end: number,
  addPath: boolean,
  out: Nlri[],
  ipv6: boolean,
): NlriFailure | undefined {
  const maxLen = ipv6 ? 128 : 32;
  const addr = ipv6 ? v6 : v4;
  const size = addr.length;
  while (p < end) {
    const at = p;
    let pathId = 0;
    if (addPath) {
      if (end - p < 5) return { at, reason: `ADD-PATH NLRI truncated: ${end - p} bytes left` };
      pathId = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
      p += 4;
    }
    const len = buf[p++];
    if (len > maxLen) return { at, reason: `${ipv6 ? 'IPv6' : 'IPv4'} prefix length ${len} > ${maxLen}` };
    const nb = (len + 7) >> 3;
    if (p + nb > end) return { at, reason: `prefix /${len} needs ${nb} bytes, ${end - p} left` };
    // Significant bytes, host bits cleared, the rest zero (RFC 4271 §4.3).
    for (let i = 0; i < nb; i++) addr[i] = buf[p + i];
    for (let i = nb; i < size; i++) addr[i] = 0;
    if (nb > 0) addr[nb - 1] &= LAST_MASK[len & 7];
    p += nb;
    const s = ipv6 ? ipv6PrefixToString(addr, 0, len) : ipv4PrefixToString(addr, 0, len);
    out.push(addPath ? { prefix: s, pathId } : { prefix: s });
  }
  return undefined;
}

/** Decodes a list for the family (afi 1 = IPv4, 2 = IPv6). */
export function decodePrefixes(
  family: Family,
  buf: Buffer,
  p: number,
  end: number,
  addPath: boolean,
  out: Nlri[],
): NlriFailure | undefined {
  return family === 'ipv4'
    ? decodeIPv4Prefixes(buf, p, end, addPath, out)
    : decodeIPv6Prefixes(buf, p, end, addPath, out);
}

/** Largest encoded size of one NLRI entry. */
export function maxNlriSize(family: Family, addPath: boolean): number {
  return (family === 'ipv4' ? 5 : 17) + (addPath ? 4 : 0);
}

/**
 * Writes one NLRI entry at `off` (room for maxNlriSize guaranteed by the caller) and returns the
 * offset after it. Throws a RangeError naming the value when it is not a prefix of the family.
 */
export function writeNlri(buf: Buffer, off: number, nlri: Nlri, family: Family, addPath: boolean): number {
  if (addPath) {
    const id = nlri.pathId ?? 0;
    buf[off] = id >>> 24;
    buf[off + 1] = (id >>> 16) & 0xff;
    buf[off + 2] = (id >>> 8) & 0xff;
    buf[off + 3] = id & 0xff;
    off += 4;
  }
  const next = writeNlriPrefix(buf, off, nlri.prefix, family);
  if (next < 0) throw new RangeError(invalidPrefixMessage(nlri.prefix, family));
  return next;
}

/** Why `text` is not a prefix of `family`, for the RangeError (only built on failure). */
function invalidPrefixMessage(text: unknown, family: Family): string {
  if (typeof text !== 'string') return `invalid ${family} prefix ${String(text)}: not a string`;
  const parsed = tryParsePrefix(text, { clearHostBits: true });
  const reason = typeof parsed === 'string' ? parsed : `not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} prefix`;
  return `invalid ${family} prefix "${text}": ${reason}`;
}
