/**
 * Codec contexts: what a session negotiated, which decode and encode both consult
 * (RFC 6793 4-octet AS, RFC 7911 ADD-PATH per family, RFC 8654 extended message).
 */
import type { CodecContext, Family } from './types.js';

/** RFC 4271 §4: maximum message size without RFC 8654. */
export const MAX_MESSAGE_SIZE = 4096;
/** RFC 8654 §3: maximum size of messages other than OPEN and KEEPALIVE once negotiated. */
export const MAX_EXTENDED_MESSAGE_SIZE = 65535;

/** 4-octet AS on (every speaker we meet supports it), no ADD-PATH, no extended message, no session checks. */
export function defaultContext(): CodecContext {
  return {
    as4: true,
    addPath: { ipv4: { receive: false, send: false }, ipv6: { receive: false, send: false } },
    extendedMessage: false,
  };
}

/** Largest message the context allows for UPDATE, NOTIFICATION and ROUTE-REFRESH. */
export function maxMessageSize(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_SIZE : MAX_MESSAGE_SIZE;
}

/** ADD-PATH receive flag for an AFI/SAFI (only IPv4/IPv6 unicast can carry path ids here). */
export function addPathReceive(ctx: CodecContext, afi: number, safi: number): boolean {
  if (safi !== 1) return false;
  if (afi === 1) return ctx.addPath.ipv4.receive;
  if (afi === 2) return ctx.addPath.ipv6.receive;
  return false;
}

export function addPathSend(ctx: CodecContext, family: Family): boolean {
  return ctx.addPath[family].send;
}
