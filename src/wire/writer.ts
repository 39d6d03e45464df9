/**
 * A growable byte writer for encoding: one Buffer reused across calls (encoding is synchronous),
 * so building a message allocates only its final copy.
 */
import { parseIPv4Into, parseIPv6Into } from './prefix.js';

export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size = 4096) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): this {
    this.pos = 0;
    return this;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }

  u24(v: number): void {
    this.ensure(3);
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Writes a dotted quad; `field` names the value in the error when it is not one. */
  ipv4(text: string, field: string): void {
    this.ensure(4);
    if (typeof text !== 'string' || !parseIPv4Into(text, 0, text.length, this.buf, this.pos)) {
      throw new RangeError(`${field}: invalid IPv4 address "${String(text)}"`);
    }
    this.pos += 4;
  }

  ipv6(text: string, field: string): void {
    this.ensure(16);
    if (typeof text !== 'string' || !parseIPv6Into(text, 0, text.length, this.buf, this.pos)) {
      throw new RangeError(`${field}: invalid IPv6 address "${String(text)}"`);
    }
    this.pos += 16;
  }

  /** A copy of what was written (the scratch buffer is reused). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}

/** Checks an integer field before encoding it. */
export function checkUint(value: unknown, bits: 8 | 16 | 24 | 32, field: string): number {
  const max = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${field}: ${String(value)} is not an integer in 0..${max}`);
  }
  return value;
}
