/**
 * The kernel's route tables as /proc/net shows them to the reading process's network namespace:
 * /proc/net/route (IPv4, main table) and /proc/net/ipv6_route. Pure parsers, one row per line; a line
 * whose fields cannot be read becomes a row with `readable: false`, so that callers deciding something
 * conservative (is a stale route possible?) can count it, and callers listing routes can skip it.
 */
import { endianness } from 'node:os';

/** Route flags (linux/route.h, ipv6_route.h). */
export const RTF_UP = 0x1;
export const RTF_GATEWAY = 0x2;
export const RTF_REJECT = 0x200;

export interface Ipv4RouteRow {
  readable: boolean;
  /** Device name; "*" for routes without one (blackhole, unreachable, prohibit). */
  iface: string;
  /** Addresses as 32-bit numbers in network order (10.0.2.1 is 0x0a000201). */
  destination: number;
  gateway: number;
  mask: number;
  flags: number;
}

export interface Ipv6RouteRow {
  readable: boolean;
  iface: string;
  /** 32 hex digits. */
  destination: string;
  prefixLength: number;
  /** 32 hex digits, all zero when on-link. */
  nextHop: string;
  /** 8 hex digits: the kernel's own null entry has ffffffff. */
  metric: string;
  flags: number;
}

const HEX8 = /^[0-9a-f]{8}$/i;

/**
 * /proc/net/route after its header: "Iface Destination Gateway Flags RefCnt Use Metric Mask ...".
 * Destination, gateway and mask are the kernel's 32-bit words printed in host byte order;
 * `littleEndian` says how to read them back (little-endian hosts print 10.0.2.1 as 0102000A).
 */
export function parseIpv4Routes(text: string, littleEndian = endianness() === 'LE'): Ipv4RouteRow[] {
  const word = (hex: string): number => {
    if (!HEX8.test(hex)) return Number.NaN;
    const v = parseInt(hex, 16) >>> 0;
    return littleEndian ? (((v & 0xff) << 24) | (((v >>> 8) & 0xff) << 16) | (((v >>> 16) & 0xff) << 8) | (v >>> 24)) >>> 0 : v;
  };
  const rows: Ipv4RouteRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[0] === '') continue;
    const flags = /^[0-9a-f]{1,8}$/i.test(f[3]) ? parseInt(f[3], 16) : Number.NaN;
    const destination = word(f[1]);
    const gateway = word(f[2]);
    const mask = f.length >= 8 ? word(f[7]) : Number.NaN;
    const readable = ![flags, destination, gateway, mask].some(Number.isNaN);
    rows.push({ readable, iface: f[0], destination, gateway, mask, flags });
  }
  return rows;
}

/** /proc/net/ipv6_route: "DEST PLEN SRC SLEN NEXTHOP METRIC REFCNT USE FLAGS IFACE" per line, all hex. */
export function parseIpv6Routes(text: string): Ipv6RouteRow[] {
  const rows: Ipv6RouteRow[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const flags = /^[0-9a-f]{1,8}$/i.test(f[8]) ? parseInt(f[8], 16) : Number.NaN;
    const prefixLength = /^[0-9a-f]{2}$/i.test(f[1]) ? parseInt(f[1], 16) : Number.NaN;
    const readable = /^[0-9a-f]{32}$/i.test(f[0]) && /^[0-9a-f]{32}$/i.test(f[4]) && HEX8.test(f[5]) && !Number.isNaN(flags) && !Number.isNaN(prefixLength);
    rows.push({ readable, iface: f[9], destination: f[0], prefixLength, nextHop: f[4], metric: f[5].toLowerCase(), flags });
  }
  return rows;
}
