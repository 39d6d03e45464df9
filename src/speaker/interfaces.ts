/**
 * Our interface addresses in this network namespace, for next hop self (RFC 4271 §5.1.3; the other
 * family's next hop over MP-BGP, RFC 4760 §3).
 *
 * os.networkInterfaces() (libuv) lists only interfaces that are up and RUNNING, and the kernel marks a
 * new link RUNNING from its link-watch work, up to ~1 s after the carrier comes up. A speaker started in
 * that second (a lab creates links and starts daemons at once) saw no address at all, and a session that
 * came up meanwhile carried IPv4 (its socket's own address) and silently no IPv6. The kernel's tables
 * in /proc/net list addresses whatever the link state: every IPv6 address in if_inet6, and the
 * interface of an IPv4 address from its connected route in /proc/net/route. Both show the namespace of
 * the reading process. Parsers are pure; the readers at the bottom do the I/O.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import { parseIpv4Routes, RTF_GATEWAY, RTF_UP } from '../fib/proc-routes.js';
import { ipv4ToNumber } from '../rib/address.js';
import { canonicalAddress } from './config.js';

export interface InterfaceAddress {
  address: string;
  family: 'ipv4' | 'ipv6';
  cidr: ipaddr.IPv4 | ipaddr.IPv6;
  prefixLength: number;
  iface: string;
}

/** An IPv4 route with no gateway (on-link) from /proc/net/route. */
export interface ConnectedRoute {
  iface: string;
  network: number;
  mask: number;
}

/** IFA_F_DADFAILED (linux/if_addr.h): an address duplicate address detection rejected; never usable. */
const IFA_F_DADFAILED = 0x08;

/**
 * /proc/net/if_inet6: "ADDRESS(32 hex) IFINDEX PREFIXLEN SCOPE FLAGS IFNAME" per line. Loopback and
 * addresses that failed duplicate address detection are left out; tentative ones are kept (advertising
 * one as a next hop is right: it is ours, and usable once detection ends).
 */
export function parseIfInet6(text: string): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^[0-9a-f]{32}$/i.test(f[0])) continue;
    const iface = f[5];
    const prefixLength = parseInt(f[2], 16);
    const flags = parseInt(f[4], 16);
    if (iface === 'lo' || !Number.isInteger(prefixLength) || prefixLength > 128 || flags & IFA_F_DADFAILED) continue;
    const groups = f[0].match(/.{4}/g)!.join(':');
    const canon = canonicalAddress(groups);
    if (!canon || canon.family !== 'ipv6') continue;
    out.push({ address: canon.address, family: 'ipv6', cidr: ipaddr.parse(canon.address), prefixLength, iface });
  }
  return out;
}

/** /proc/net/route: on-link IPv4 routes (up, no gateway, a mask), as parsed by src/fib/proc-routes.ts. */
export function parseConnectedRoutes(text: string, littleEndian?: boolean): ConnectedRoute[] {
  const out: ConnectedRoute[] = [];
  for (const r of parseIpv4Routes(text, littleEndian)) {
    if (!r.readable || r.gateway !== 0 || !(r.flags & RTF_UP) || r.flags & RTF_GATEWAY || r.mask === 0) continue;
    out.push({ iface: r.iface, network: (r.destination & r.mask) >>> 0, mask: r.mask });
  }
  return out;
}

/** The interface of the most specific connected route holding `address` (IPv4), if any. */
export function connectedIface(routes: readonly ConnectedRoute[], address: string): string | undefined {
  const v = ipv4ToNumber(address);
  if (v === undefined) return undefined;
  let best: ConnectedRoute | undefined;
  for (const r of routes) {
    if (((v & r.mask) >>> 0) !== r.network) continue;
    if (!best || r.mask >>> 0 > best.mask >>> 0) best = r;
  }
  return best?.iface;
}

/** What libuv lists, plus the IPv6 addresses of interfaces it does not list yet (not RUNNING). Pure. */
export function mergeInterfaceAddresses(listed: readonly InterfaceAddress[], fromIfInet6: readonly InterfaceAddress[]): InterfaceAddress[] {
  const ifaces = new Set(listed.map((a) => a.iface));
  return [...listed, ...fromIfInet6.filter((a) => !ifaces.has(a.iface))];
}

function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // no /proc (or no IPv6): what libuv lists is all we know
  }
}

/** Our addresses in this namespace: libuv's list (no fork), completed from /proc/net/if_inet6. */
export function localInterfaceAddresses(): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const [iface, list] of Object.entries(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      const family = a.family === 'IPv4' ? 'ipv4' : 'ipv6';
      const prefixLength = Number(a.cidr?.split('/')[1] ?? (family === 'ipv4' ? 32 : 128));
      try {
        const parsed = ipaddr.parse(a.address.split('%')[0]);
        out.push({ address: canonicalAddress(a.address.split('%')[0])?.address ?? a.address, family, cidr: parsed, prefixLength, iface });
      } catch {
        /* not an address we can use */
      }
    }
  }
  return mergeInterfaceAddresses(out, parseIfInet6(readProc('/proc/net/if_inet6')));
}

/** The interface holding IPv4 `address` on-link, from the kernel's routing table (any link state). */
export function ipv4InterfaceOf(address: string): string | undefined {
  return connectedIface(parseConnectedRoutes(readProc('/proc/net/route')), address);
}
