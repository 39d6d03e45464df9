/**
 * Address and prefix helpers for the RIB: strict validation of configured values (router ids, cluster
 * ids, peer addresses, originated prefixes) and the order keys the decision process compares. Used at
 * configuration time, never per route.
 */
import ipaddr from 'ipaddr.js';
import type { Family } from '../wire/types.js';

/** A bad argument given to the RIB; the message names the field and the value. */
export class RibError extends Error {
  override name = 'RibError';
}

/** Dotted quad to unsigned 32-bit integer, or undefined when not a strict dotted quad. */
export function ipv4ToNumber(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    // No leading zeros, no signs, no spaces: "010" is octal in some parsers, refuse the ambiguity.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function isIPv4(text: string): boolean {
  return ipv4ToNumber(text) !== undefined;
}

export function isIPv6(text: string): boolean {
  return typeof text === 'string' && text.includes(':') && ipaddr.IPv6.isValid(text);
}

/** Canonical form of an address (RFC 5952 for IPv6), or undefined when invalid. */
export function canonicalAddress(text: string): string | undefined {
  if (isIPv4(text)) return text;
  if (isIPv6(text)) return ipaddr.IPv6.parse(text).toRFC5952String();
  return undefined;
}

/**
 * A string that sorts like the address (RFC 4271 §9.1.2.2 g: lowest peer address): IPv4 before
 * IPv6, then numerically.
 */
export function addressOrderKey(address: string): string {
  const v4 = ipv4ToNumber(address);
  if (v4 !== undefined) return '4' + v4.toString(16).padStart(8, '0');
  const bytes = ipaddr.IPv6.parse(address).toByteArray();
  return '6' + bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Validates a dotted-quad identifier (router id, cluster id) and returns it as a number. */
export function requireId(field: string, value: unknown): number {
  const n = typeof value === 'string' ? ipv4ToNumber(value) : undefined;
  if (n === undefined) throw new RibError(`${field}: ${JSON.stringify(value)} is not a dotted-quad IPv4 identifier`);
  return n;
}

export function requireAsn(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 0xffffffff) {
    throw new RibError(`${field}: ${JSON.stringify(value)} is not an AS number (1..4294967295)`);
  }
  return value;
}

export function requireAddress(field: string, value: unknown, family?: Family): string {
  const canonical = typeof value === 'string' ? canonicalAddress(value) : undefined;
  if (canonical === undefined) throw new RibError(`${field}: ${JSON.stringify(value)} is not an IP address`);
  if (family === 'ipv4' && !isIPv4(canonical)) throw new RibError(`${field}: ${JSON.stringify(value)} is not an IPv4 address`);
  if (family === 'ipv6' && isIPv4(canonical)) throw new RibError(`${field}: ${JSON.stringify(value)} is not an IPv6 address`);
  return canonical;
}

/**
 * Parses "address/len", requiring host bits to be clear, and returns the canonical prefix string and
 * its family. Throws RibError naming the field and value.
 */
export function requirePrefix(field: string, value: unknown): { prefix: string; family: Family } {
  const bad = (why: string): never => {
    throw new RibError(`${field}: ${JSON.stringify(value)} ${why}`);
  };
  if (typeof value !== 'string') return bad('is not a prefix string');
  const slash = value.indexOf('/');
  if (slash < 0) return bad('has no /length');
  const addr = value.slice(0, slash);
  const lenText = value.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return bad('has a bad prefix length');
  const len = Number(lenText);
  const v4 = ipv4ToNumber(addr);
  if (v4 !== undefined) {
    if (len > 32) return bad('has a prefix length over 32');
    const hostMask = len === 32 ? 0 : 0xffffffff >>> len;
    if ((v4 & hostMask) !== 0) return bad('has host bits set');
    return { prefix: `${addr}/${len}`, family: 'ipv4' };
  }
  if (!isIPv6(addr)) return bad('is not an IPv4 or IPv6 prefix');
  if (len > 128) return bad('has a prefix length over 128');
  const bytes = ipaddr.IPv6.parse(addr).toByteArray();
  for (let bit = len; bit < 128; bit++) {
    if ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1) return bad('has host bits set');
  }
  return { prefix: `${ipaddr.IPv6.parse(addr).toRFC5952String()}/${len}`, family: 'ipv6' };
}
