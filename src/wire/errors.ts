/**
 * Building DecodeError values: the RFC 4271 §6 NOTIFICATION code/subcode/data, the RFC 7606 §2
 * approach, and where in the message the problem was found.
 */
import type { DecodeError, ErrorAction } from './types.js';

export function decodeError(
  code: number,
  subcode: number,
  action: ErrorAction,
  offset: number,
  reason: string,
  data: Buffer = Buffer.alloc(0),
): DecodeError {
  return { code, subcode, data, action, offset, reason };
}

/** 2-byte big-endian value as NOTIFICATION data (RFC 4271 §6.1 Bad Message Length). */
export function u16Data(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v & 0xffff);
  return b;
}

/** Copy of a byte range (error data must not alias the input). */
export function copyRange(buf: Buffer, start: number, end: number): Buffer {
  return Buffer.from(buf.subarray(start, Math.min(end, buf.length)));
}
