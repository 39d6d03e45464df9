/**
 * IPv4/IPv6 unicast NLRI lists (RFC 4271 §4.3 prefix encoding, RFC 4760 §5 for MP, RFC 7911 §3
 * path identifiers). Decoding builds each prefix string straight from the bytes; encoding
 * writes straight into the caller's buffer. These loops run once per route.
 */
import { ipv4PrefixToString, ipv6PrefixToString, tryParsePrefix, writeNlriPrefix } from './prefix.js';
import type { Family, Nlri } from './types.js';

/** Mask for the last significant byte of a prefix whose length mod 8 is the index. */
const LAST_MASK = [0xff, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe];

const v4 = new Uint8Array(4);

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
  while (p < end) {
    const at = p;
    let pathId = 0;
    if (addPath) {
      if (end - p < 5) return { at, reason: `ADD-PATH NLRI truncated: ${end - p} bytes left` };
      pathId = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
      p += 4;
    }
    const len = buf[p++];
    if (len > 32) return { at, reason: `IPv4 prefix length ${len} > 32` };
    const nb = (len + 7) >> 3;
    if (p + nb > end) return { at, reason: `prefix /${len} needs ${nb} bytes, ${end - p} left` };
    // Significant bytes, host bits cleared, the rest zero (RFC 4271 §4.3).
    v4[0] = v4[1] = v4[2] = v4[3] = 0;
    for (let i = 0; i < nb; i++) v4[i] = buf[p + i];
    if (nb > 0) v4[nb - 1] &= LAST_MASK[len & 7];
    const s = ipv4PrefixToString(v4, 0, len);
    p += nb;
    out.push(addPath ? { prefix: s, pathId } : { prefix: s });
  }
  return undefined;
}

const v6 = new Uint8Array(16);

/** Decodes IPv6 prefixes in [p, end) into `out` (RFC 4760 §5 with RFC 2545 addresses). */
export function decodeIPv6Prefixes(
  buf: Buffer,
  p: number,
  end: number,
  addPath: boolean,
  out: Nlri[],
): NlriFailure | undefined {
  while (p < end) {
    const at = p;
    let pathId = 0;
    if (addPath) {
      if (end - p < 5) return { at, reason: `ADD-PATH NLRI truncated: ${end - p} bytes left` };
      pathId = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
      p += 4;
    }
    const len = buf[p++];
    if (len > 128) return { at, reason: `IPv6 prefix length ${len} > 128` };
    const nb = (len + 7) >> 3;
    if (p + nb > end) return { at, reason: `prefix /${len} needs ${nb} bytes, ${end - p} left` };
    for (let i = 0; i < nb; i++) v6[i] = buf[p + i];
    for (let i = nb; i < 16; i++) v6[i] = 0;
    if (nb > 0) v6[nb - 1] &= LAST_MASK[len & 7];
    p += nb;
    const s = ipv6PrefixToString(v6, 0, len);
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
