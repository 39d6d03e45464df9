/**
 * AS path arithmetic that users of the codec need around RFC 6793 (4-octet AS): the path length
 * used by best-path selection, merging AS4_PATH into a 2-octet AS_PATH received from an OLD
 * speaker, and splitting a path for sending to one. The codec itself only carries what is on the wire.
 */
import { AS_TRANS } from './constants.js';
import type { AsPathSegment } from './types.js';

/** RFC 4271 §9.1.2.2 a: an AS_SET counts as one; confederation segments count zero (RFC 5065 §5.3). */
export function asPathLength(segments: AsPathSegment[] | undefined): number {
  let n = 0;
  for (const s of segments ?? []) {
    if (s.type === 2) n += s.asns.length;
    else if (s.type === 1) n += 1;
  }
  return n;
}

/**
 * RFC 6793 §4.2.3: the path a NEW speaker reconstructs from an OLD speaker's AS_PATH (with
 * AS_TRANS) and AS4_PATH. When AS4_PATH is absent or longer than AS_PATH, AS_PATH stands.
 */
export function mergeAs4Path(asPath: AsPathSegment[], as4Path: AsPathSegment[] | undefined): AsPathSegment[] {
  if (!as4Path) return asPath;
  const keep = asPathLength(asPath) - asPathLength(as4Path);
  if (keep < 0) return asPath;
  const out: AsPathSegment[] = [];
  let counted = 0;
  for (const seg of asPath) {
    if (counted >= keep && seg.type <= 2) break;
    if (seg.type === 2) {
      const take = Math.min(seg.asns.length, keep - counted);
      out.push({ type: 2, asns: seg.asns.slice(0, take) });
      counted += take;
    } else {
      out.push({ type: seg.type, asns: [...seg.asns] });
      if (seg.type === 1) counted += 1;
    }
  }
  for (const seg of as4Path) {
    const last = out[out.length - 1];
    if (last && last.type === 2 && seg.type === 2 && last.asns.length + seg.asns.length <= 255) {
      last.asns.push(...seg.asns);
    } else {
      out.push({ type: seg.type, asns: [...seg.asns] });
    }
  }
  return out;
}

/**
 * RFC 6793 §4.2.2: what to send an OLD speaker: AS_PATH with AS_TRANS in place of every ASN
 * above 65535, and AS4_PATH (without confederation segments) when any substitution happened.
 */
export function splitAs4Path(asPath: AsPathSegment[]): { asPath: AsPathSegment[]; as4Path?: AsPathSegment[] } {
  const needs = asPath.some((s) => s.asns.some((a) => a > 0xffff));
  const twoOctet = asPath.map((s) => ({ type: s.type, asns: s.asns.map((a) => (a > 0xffff ? AS_TRANS : a)) }));
  if (!needs) return { asPath: twoOctet };
  const as4Path = asPath.filter((s) => s.type <= 2).map((s) => ({ type: s.type, asns: [...s.asns] }));
  return { asPath: twoOctet, as4Path };
}
