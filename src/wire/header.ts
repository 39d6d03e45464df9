/**
 * The 19-byte message header (RFC 4271 §4.1) and its checks (§6.1), and MessageReader, which
 * cuts a TCP byte stream into whole messages.
 */
import { ErrorCode, HeaderSubcode } from './constants.js';
import { MAX_EXTENDED_MESSAGE_SIZE, MAX_MESSAGE_SIZE } from './context.js';
import { decodeError, u16Data } from './errors.js';
import type { DecodeError } from './types.js';

export const HEADER_LENGTH = 19;

/** A complete KEEPALIVE message (RFC 4271 §4.4), shared: do not modify. */
export const KEEPALIVE_BYTES: Buffer = Buffer.from('ffffffffffffffffffffffffffffffff001304', 'hex');

/** Smallest valid length per message type (RFC 4271 §4.2-4.5, RFC 2918 §3). */
const MIN_LENGTH = [0, 29, 23, 21, 19, 23];

/** Writes marker, length and type at `off`. */
export function writeHeader(buf: Buffer, off: number, length: number, type: number): void {
  buf.fill(0xff, off, off + 16);
  buf[off + 16] = (length >>> 8) & 0xff;
  buf[off + 17] = length & 0xff;
  buf[off + 18] = type;
}

export interface HeaderCheck {
  /** Declared message length. */
  length: number;
  type: number;
  error?: DecodeError;
}

/**
 * Checks the header at `off` (caller guarantees 19 bytes). RFC 4271 §6.1: marker not all ones
 * 1/1; length below 19, above the maximum, or wrong for the type 1/2 (data: the length field);
 * unknown type 1/3 (data: the type). RFC 8654 §4: OPEN and KEEPALIVE stay within 4096.
 */
export function checkHeader(buf: Buffer, off: number, extendedMessage: boolean, checkMarker = true): HeaderCheck {
  const length = (buf[off + 16] << 8) | buf[off + 17];
  const type = buf[off + 18];
  if (checkMarker) {
    for (let i = 0; i < 16; i++) {
      if (buf[off + i] !== 0xff) {
        return {
          length,
          type,
          error: decodeError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'session-reset', i,
            `marker byte ${i} is 0x${buf[off + i].toString(16).padStart(2, '0')}, not 0xff`),
        };
      }
    }
  }
  const max = extendedMessage && type !== 1 && type !== 4 ? MAX_EXTENDED_MESSAGE_SIZE : MAX_MESSAGE_SIZE;
  if (length < HEADER_LENGTH || length > max) {
    return {
      length,
      type,
      error: decodeError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, 'session-reset', 16,
        `message length ${length} outside ${HEADER_LENGTH}..${max}`, u16Data(length)),
    };
  }
  if (type < 1 || type > 5) {
    return {
      length,
      type,
      error: decodeError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_TYPE, 'session-reset', 18,
        `unknown message type ${type}`, Buffer.from([type])),
    };
  }
  if (length < MIN_LENGTH[type] || (type === 4 && length !== HEADER_LENGTH)) {
    const names = ['', 'OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH'];
    return {
      length,
      type,
      error: decodeError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, 'session-reset', 16,
        type === 4 ? `KEEPALIVE length ${length}, must be 19` : `${names[type]} length ${length} below the minimum ${MIN_LENGTH[type]}`,
        u16Data(length)),
    };
  }
  return { length, type };
}

export interface MessageReaderOptions {
  /** RFC 8654 negotiated: UPDATE/NOTIFICATION/ROUTE-REFRESH up to 65535 bytes. Can be changed later. */
  extendedMessage?: boolean;
  /** Check the marker (default true). */
  checkMarker?: boolean;
}

/**
 * Cuts a byte stream into messages. push() TCP chunks; next() returns one complete message (a
 * view into the pushed bytes, copied only when it spans chunks) or undefined when more bytes are
 * needed or framing failed. After a header error next() keeps returning undefined and `error`
 * holds it (RFC 4271 §6.1: the session must be reset; the stream cannot be resynchronised).
 */
export class MessageReader {
  error: DecodeError | undefined;
  extendedMessage: boolean;
  private readonly checkMarker: boolean;
  private buf: Buffer = Buffer.alloc(0);
  private off = 0;

  constructor(options: MessageReaderOptions = {}) {
    this.extendedMessage = options.extendedMessage ?? false;
    this.checkMarker = options.checkMarker ?? true;
  }

  /** Bytes received but not yet returned as messages. */
  get buffered(): number {
    return this.buf.length - this.off;
  }

  push(chunk: Buffer): void {
    if (this.error || chunk.length === 0) return;
    if (this.off >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.off), chunk]);
    }
    this.off = 0;
  }

  next(): Buffer | undefined {
    if (this.error) return undefined;
    const avail = this.buf.length - this.off;
    if (avail < HEADER_LENGTH) return undefined;
    const check = checkHeader(this.buf, this.off, this.extendedMessage, this.checkMarker);
    if (check.error) {
      this.error = check.error;
      return undefined;
    }
    if (avail < check.length) return undefined;
    const frame = this.buf.subarray(this.off, this.off + check.length);
    this.off += check.length;
    return frame;
  }

  *[Symbol.iterator](): IterableIterator<Buffer> {
    for (;;) {
      const frame = this.next();
      if (!frame) return;
      yield frame;
    }
  }
}
