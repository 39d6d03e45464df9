/**
 * Address arithmetic for topology generation: IPv4 as 32-bit numbers, IPv6 as bigints, prefixes as
 * {base, length}. Pure; parsing errors are returned as messages so callers can name the field.
 */
import ipaddr from 'ipaddr.js';

export interface Cidr4 {
  family: 'ipv4';
  base: number;
  length: number;
}
export interface Cidr6 {
  family: 'ipv6';
  base: bigint;
  length: number;
}

const MASK128 = (1n << 128n) - 1n;

export function v4ToString(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function v4FromString(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255 || (m[i].length > 1 && m[i][0] === '0')) return undefined;
    n = n * 256 + o;
  }
  return n;
}

/** RFC 5952 text form. */
export function v6ToString(n: bigint): string {
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  return ipaddr.fromByteArray(parts.flatMap((p) => [p >> 8, p & 255])).toString();
}

export function v6FromString(s: string): bigint | undefined {
  if (!ipaddr.IPv6.isValid(s) || s.includes('%')) return undefined;
  const bytes = ipaddr.IPv6.parse(s).toByteArray();
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** Parse "a.b.c.d/len" with host bits clear; returns an error message otherwise. */
export function parseCidr4(s: string): Cidr4 | string {
  const [addr, len, extra] = s.split('/');
  if (extra !== undefined || len === undefined || !/^\d{1,2}$/.test(len)) return 'expected an IPv4 prefix a.b.c.d/len';
  const base = v4FromString(addr);
  const length = Number(len);
  if (base === undefined) return `"${addr}" is not an IPv4 address`;
  if (length > 32) return 'prefix length must be 0-32';
  const hostMask = length === 32 ? 0 : 2 ** (32 - length) - 1;
  if (base % (hostMask + 1) !== 0) return `host bits set (did you mean ${v4ToString(base - (base % (hostMask + 1)))}/${length}?)`;
  return { family: 'ipv4', base, length };
}

/** Parse "x::/len" with host bits clear; returns an error message otherwise. */
export function parseCidr6(s: string): Cidr6 | string {
  const [addr, len, extra] = s.split('/');
  if (extra !== undefined || len === undefined || !/^\d{1,3}$/.test(len)) return 'expected an IPv6 prefix x::/len';
  const base = v6FromString(addr);
  const length = Number(len);
  if (base === undefined) return `"${addr}" is not an IPv6 address`;
  if (length > 128) return 'prefix length must be 0-128';
  const hostMask = (1n << BigInt(128 - length)) - 1n;
  if ((base & hostMask) !== 0n) return `host bits set (did you mean ${v6ToString(base & (MASK128 ^ hostMask))}/${length}?)`;
  return { family: 'ipv6', base, length };
}

export function cidr4ToString(c: { base: number; length: number }): string {
  return `${v4ToString(c.base)}/${c.length}`;
}
export function cidr6ToString(c: { base: bigint; length: number }): string {
  return `${v6ToString(c.base)}/${c.length}`;
}

/** Number of addresses in an IPv4 prefix (as a JS number, exact up to 2^32). */
export function size4(length: number): number {
  return 2 ** (32 - length);
}
export function size6(length: number): bigint {
  return 1n << BigInt(128 - length);
}

export function overlaps4(a: Cidr4, b: Cidr4): boolean {
  const aEnd = a.base + size4(a.length);
  const bEnd = b.base + size4(b.length);
  return a.base < bEnd && b.base < aEnd;
}
export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  const aEnd = a.base + size6(a.length);
  const bEnd = b.base + size6(b.length);
  return a.base < bEnd && b.base < aEnd;
}

/** Is the address inside the prefix? */
export function contains4(c: Cidr4, addr: number): boolean {
  return addr >= c.base && addr < c.base + size4(c.length);
}
export function contains6(c: Cidr6, addr: bigint): boolean {
  return addr >= c.base && addr < c.base + size6(c.length);
}
