/** Helpers shared by the wire tests: hex, message builders, fixture paths. */
import { fileURLToPath } from 'node:url';
import ipaddr from 'ipaddr.js';
import { defaultContext, type CodecContext } from '../../src/wire/index.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Bytes from hex with spaces, colons and newlines ignored. */
export function hex(text: string): Buffer {
  const clean = text.replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex: ${text.slice(0, 40)}`);
  return Buffer.from(clean, 'hex');
}

/** A whole message from a type and body (header written here). */
export function message(type: number, body: Buffer | string): Buffer {
  const b = typeof body === 'string' ? hex(body) : body;
  const out = Buffer.alloc(19 + b.length, 0xff);
  out.writeUInt16BE(19 + b.length, 16);
  out[18] = type;
  b.copy(out, 19);
  return out;
}

/** An UPDATE from withdrawn hex, attribute hex and NLRI hex (lengths computed). */
export function update(withdrawn: string, attrs: string, nlri = ''): Buffer {
  const w = hex(withdrawn);
  const a = hex(attrs);
  const n = hex(nlri);
  const body = Buffer.alloc(4 + w.length + a.length + n.length);
  body.writeUInt16BE(w.length, 0);
  w.copy(body, 2);
  body.writeUInt16BE(a.length, 2 + w.length);
  a.copy(body, 4 + w.length);
  n.copy(body, 4 + w.length + a.length);
  return message(2, body);
}

export function ctxWith(over: Partial<CodecContext> = {}): CodecContext {
  return { ...defaultContext(), ...over };
}

/** ORIGIN IGP, empty AS_PATH, NEXT_HOP 10.0.0.1: the smallest valid attribute set, as hex. */
export const BASE_ATTRS = '400101 00 400200 400304 0a000001';

/** RFC 5952 text of 16 bytes by ipaddr.js: an implementation independent of ours. */
export function v6Text(bytes: ArrayLike<number>): string {
  return (ipaddr.fromByteArray(Array.from(bytes)) as ipaddr.IPv6).toRFC5952String();
}
