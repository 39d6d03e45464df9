/**
 * decodeMessage and encodeMessage: one whole message at a time, dispatching on the header type.
 * NOTIFICATION (RFC 4271 §4.5), KEEPALIVE (§4.4) and ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3)
 * are small enough to live here.
 */
import { ErrorCode } from './constants.js';
import { maxMessageSize } from './context.js';
import { copyRange, decodeError } from './errors.js';
import { HEADER_LENGTH, KEEPALIVE_BYTES, checkHeader, writeHeader } from './header.js';
import { decodeOpen, encodeOpen } from './open.js';
import type { BgpMessage, CodecContext, DecodeError, DecodeResult, RouteRefreshMessage } from './types.js';
import { decodeUpdate, encodeUpdateMessage } from './update.js';
import { checkUint } from './writer.js';

export interface DecodeOptions {
  /** Check the 16-byte all-ones marker (RFC 4271 §4.1); default true. */
  checkMarker?: boolean;
}

/**
 * Decodes the message starting at `offset`. `length` 0 means more bytes are needed. On a header
 * error the framing is lost: `length` is then the declared length when it is plausible and
 * present, else all remaining bytes. Never throws, never reads outside [offset, buf.length).
 */
export function decodeMessage(buf: Buffer, ctx: CodecContext, offset = 0, options: DecodeOptions = {}): DecodeResult {
  try {
    return decode(buf, ctx, offset, options);
  } catch (err) {
    // A bug must not take a session down with an exception: report it as a value.
    const avail = Math.max(0, buf.length - offset);
    return {
      errors: [decodeError(ErrorCode.MESSAGE_HEADER, 0, 'session-reset', 0, `internal decoder error: ${String(err)}`)],
      length: avail,
    };
  }
}

function decode(buf: Buffer, ctx: CodecContext, offset: number, options: DecodeOptions): DecodeResult {
  const avail = buf.length - offset;
  if (!Number.isInteger(offset) || offset < 0 || avail < HEADER_LENGTH) return { errors: [], length: 0 };
  const check = checkHeader(buf, offset, ctx.extendedMessage, options.checkMarker ?? true);
  if (check.error) {
    const length = check.length >= HEADER_LENGTH && check.length <= avail ? check.length : avail;
    return { errors: [check.error], length };
  }
  if (check.length > avail) return { errors: [], length: 0 };
  const end = offset + check.length;
  const errors: DecodeError[] = [];
  let message: BgpMessage | undefined;
  switch (check.type) {
    case 1:
      message = decodeOpen(buf, offset, end, errors);
      break;
    case 2:
      message = decodeUpdate(buf, offset, end, ctx, errors);
      break;
    case 3:
      message = {
        type: 'NOTIFICATION',
        code: buf[offset + HEADER_LENGTH],
        subcode: buf[offset + HEADER_LENGTH + 1],
        data: copyRange(buf, offset + HEADER_LENGTH + 2, end),
      };
      break;
    case 4:
      message = { type: 'KEEPALIVE' };
      break;
    case 5:
      message = decodeRouteRefresh(buf, offset, end, errors);
      break;
  }
  if (errors.some((e) => e.action === 'session-reset')) message = undefined;
  return message ? { message, errors, length: check.length } : { errors, length: check.length };
}

function decodeRouteRefresh(buf: Buffer, start: number, end: number, errors: DecodeError[]): RouteRefreshMessage | undefined {
  const b = start + HEADER_LENGTH;
  const subtype = buf[b + 2];
  // RFC 7313 §5: BoRR/EoRR must be exactly 4 bytes of body: ROUTE-REFRESH Message Error /
  // Invalid Message Length, with the whole message as data.
  if ((subtype === 1 || subtype === 2) && end - b !== 4) {
    errors.push(decodeError(ErrorCode.ROUTE_REFRESH, 1, 'session-reset', 16,
      `ROUTE-REFRESH subtype ${subtype} length ${end - start}, must be 23`, copyRange(buf, start, end)));
    return undefined;
  }
  const msg: RouteRefreshMessage = { type: 'ROUTE-REFRESH', afi: (buf[b] << 8) | buf[b + 1], subtype, safi: buf[b + 3] };
  // RFC 5291 §4: ORF entries may follow a normal request; kept raw.
  if (end > b + 4) msg.data = copyRange(buf, b + 4, end);
  return msg;
}

/** Encodes one message. Throws a RangeError naming the field when a value cannot be encoded. */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Buffer {
  switch (msg.type) {
    case 'OPEN':
      return encodeOpen(msg);
    case 'UPDATE':
      return encodeUpdateMessage(msg, ctx);
    case 'KEEPALIVE':
      return Buffer.from(KEEPALIVE_BYTES);
    case 'NOTIFICATION': {
      const data = msg.data ?? Buffer.alloc(0);
      const length = HEADER_LENGTH + 2 + data.length;
      const max = maxMessageSize(ctx);
      if (length > max) throw new RangeError(`NOTIFICATION data of ${data.length} bytes exceeds the ${max}-byte message`);
      const buf = Buffer.alloc(length);
      writeHeader(buf, 0, length, 3);
      buf[HEADER_LENGTH] = checkUint(msg.code, 8, 'code');
      buf[HEADER_LENGTH + 1] = checkUint(msg.subcode, 8, 'subcode');
      data.copy(buf, HEADER_LENGTH + 2);
      return buf;
    }
    case 'ROUTE-REFRESH': {
      const data = msg.data ?? Buffer.alloc(0);
      const length = HEADER_LENGTH + 4 + data.length;
      if (length > maxMessageSize(ctx)) throw new RangeError(`ROUTE-REFRESH of ${length} bytes too large`);
      const buf = Buffer.alloc(length);
      writeHeader(buf, 0, length, 5);
      buf.writeUInt16BE(checkUint(msg.afi, 16, 'afi'), HEADER_LENGTH);
      buf[HEADER_LENGTH + 2] = checkUint(msg.subtype, 8, 'subtype');
      buf[HEADER_LENGTH + 3] = checkUint(msg.safi, 8, 'safi');
      data.copy(buf, HEADER_LENGTH + 4);
      return buf;
    }
    default:
      throw new RangeError(`unknown message type ${String((msg as { type?: unknown }).type)}`);
  }
}
