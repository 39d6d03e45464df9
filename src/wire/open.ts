/**
 * OPEN messages (RFC 4271 §4.2) with optional parameters (RFC 9072 extended length) and
 * capabilities (RFC 5492). Each modelled capability has one entry in CAPABILITIES; others, and
 * modelled ones whose value does not parse, are kept as { name: 'unknown', code, data }.
 */
import { CapabilityCode, ErrorCode, OpenSubcode } from './constants.js';
import { copyRange, decodeError, u16Data } from './errors.js';
import { HEADER_LENGTH, writeHeader } from './header.js';
import { ipv4ToString } from './prefix.js';
import type { Capability, DecodeError, OpenMessage } from './types.js';
import { Writer, checkUint } from './writer.js';

interface CapabilitySpec {
  /** Returns the capability, or undefined when the value is malformed (then kept raw). */
  decode(buf: Buffer, start: number, end: number): Capability | undefined;
  encode(cap: Capability, w: Writer): void;
}

function u16(buf: Buffer, p: number): number {
  return (buf[p] << 8) | buf[p + 1];
}

const empty = (code: 2 | 6 | 70, name: 'route-refresh' | 'extended-message' | 'enhanced-route-refresh'): CapabilitySpec => ({
  decode: (_b, s, e) => (e === s ? ({ code, name } as Capability) : undefined),
  encode() {},
});

const CAPABILITIES: Record<number, CapabilitySpec> = {
  // RFC 4760 §8: AFI, reserved, SAFI.
  [CapabilityCode.MULTIPROTOCOL]: {
    decode: (b, s, e) => (e - s === 4 && b[s + 2] === 0 ? { code: 1, name: 'multiprotocol', afi: u16(b, s), safi: b[s + 3] } : undefined),
    encode(c, w) {
      const cap = c as Extract<Capability, { code: 1 }>;
      w.u16(checkUint(cap.afi, 16, 'multiprotocol.afi'));
      w.u8(0);
      w.u8(checkUint(cap.safi, 8, 'multiprotocol.safi'));
    },
  },
  [CapabilityCode.ROUTE_REFRESH]: empty(2, 'route-refresh'), // RFC 2918 §2
  [CapabilityCode.EXTENDED_MESSAGE]: empty(6, 'extended-message'), // RFC 8654 §3
  [CapabilityCode.ENHANCED_ROUTE_REFRESH]: empty(70, 'enhanced-route-refresh'), // RFC 7313 §3
  // RFC 4724 §3 (N bit: RFC 8538 §2): flags(4 bits) + restart time(12), then AFI, SAFI, flags per family.
  [CapabilityCode.GRACEFUL_RESTART]: {
    decode(b, s, e) {
      if (e - s < 2 || (e - s - 2) % 4 !== 0) return undefined;
      if (b[s] & 0x30) return undefined; // reserved bits we could not round-trip
      const families: Array<{ afi: number; safi: number; forwardingPreserved: boolean }> = [];
      for (let p = s + 2; p < e; p += 4) {
        if (b[p + 3] & 0x7f) return undefined;
        families.push({ afi: u16(b, p), safi: b[p + 2], forwardingPreserved: (b[p + 3] & 0x80) !== 0 });
      }
      return {
        code: 64,
        name: 'graceful-restart',
        restarting: (b[s] & 0x80) !== 0,
        notification: (b[s] & 0x40) !== 0,
        restartTime: u16(b, s) & 0x0fff,
        families,
      };
    },
    encode(c, w) {
      const cap = c as Extract<Capability, { code: 64 }>;
      const time = checkUint(cap.restartTime, 16, 'graceful-restart.restartTime');
      if (time > 0x0fff) throw new RangeError(`graceful-restart.restartTime: ${time} exceeds 4095`);
      w.u16((cap.restarting ? 0x8000 : 0) | (cap.notification ? 0x4000 : 0) | time);
      for (const f of cap.families) {
        w.u16(checkUint(f.afi, 16, 'graceful-restart.afi'));
        w.u8(checkUint(f.safi, 8, 'graceful-restart.safi'));
        w.u8(f.forwardingPreserved ? 0x80 : 0);
      }
    },
  },
  // RFC 6793 §3.
  [CapabilityCode.FOUR_OCTET_AS]: {
    decode: (b, s, e) => (e - s === 4 ? { code: 65, name: 'four-octet-as', asn: b.readUInt32BE(s) } : undefined),
    encode(c, w) {
      w.u32(checkUint((c as Extract<Capability, { code: 65 }>).asn, 32, 'four-octet-as.asn'));
    },
  },
  // RFC 7911 §4: AFI, SAFI, Send/Receive (1 receive, 2 send, 3 both).
  [CapabilityCode.ADD_PATH]: {
    decode(b, s, e) {
      if ((e - s) % 4 !== 0 || e === s) return undefined;
      const families: Array<{ afi: number; safi: number; sendReceive: 1 | 2 | 3 }> = [];
      for (let p = s; p < e; p += 4) {
        const sr = b[p + 3];
        if (sr < 1 || sr > 3) return undefined;
        families.push({ afi: u16(b, p), safi: b[p + 2], sendReceive: sr as 1 | 2 | 3 });
      }
      return { code: 69, name: 'add-path', families };
    },
    encode(c, w) {
      for (const f of (c as Extract<Capability, { code: 69 }>).families) {
        w.u16(checkUint(f.afi, 16, 'add-path.afi'));
        w.u8(checkUint(f.safi, 8, 'add-path.safi'));
        if (f.sendReceive !== 1 && f.sendReceive !== 2 && f.sendReceive !== 3) {
          throw new RangeError(`add-path.sendReceive: ${String(f.sendReceive)} is not 1, 2 or 3`);
        }
        w.u8(f.sendReceive);
      }
    },
  },
  // RFC 9494 §2: AFI, SAFI, flags (F bit), 24-bit long-lived stale time, per family.
  [CapabilityCode.LONG_LIVED_GRACEFUL_RESTART]: {
    decode(b, s, e) {
      if ((e - s) % 7 !== 0) return undefined;
      const families: Array<{ afi: number; safi: number; forwardingPreserved: boolean; staleTime: number }> = [];
      for (let p = s; p < e; p += 7) {
        if (b[p + 3] & 0x7f) return undefined;
        families.push({
          afi: u16(b, p),
          safi: b[p + 2],
          forwardingPreserved: (b[p + 3] & 0x80) !== 0,
          staleTime: (b[p + 4] << 16) | (b[p + 5] << 8) | b[p + 6],
        });
      }
      return { code: 71, name: 'long-lived-graceful-restart', families };
    },
    encode(c, w) {
      for (const f of (c as Extract<Capability, { code: 71 }>).families) {
        w.u16(checkUint(f.afi, 16, 'long-lived-graceful-restart.afi'));
        w.u8(checkUint(f.safi, 8, 'long-lived-graceful-restart.safi'));
        w.u8(f.forwardingPreserved ? 0x80 : 0);
        w.u24(checkUint(f.staleTime, 24, 'long-lived-graceful-restart.staleTime'));
      }
    },
  },
  // draft-walton-bgp-hostname-capability: hostname length + hostname, domain length + domain.
  [CapabilityCode.FQDN]: {
    decode(b, s, e) {
      if (e - s < 2) return undefined;
      const hl = b[s];
      if (s + 1 + hl + 1 > e) return undefined;
      const dl = b[s + 1 + hl];
      if (s + 2 + hl + dl !== e) return undefined;
      const hostname = b.toString('utf8', s + 1, s + 1 + hl);
      const domain = b.toString('utf8', s + 2 + hl, e);
      // Keep it raw unless the text round-trips (invalid UTF-8 would not).
      if (!Buffer.from(hostname).equals(b.subarray(s + 1, s + 1 + hl))) return undefined;
      if (!Buffer.from(domain).equals(b.subarray(s + 2 + hl, e))) return undefined;
      return { code: 73, name: 'fqdn', hostname, domain };
    },
    encode(c, w) {
      const cap = c as Extract<Capability, { code: 73 }>;
      for (const [text, field] of [[cap.hostname, 'fqdn.hostname'], [cap.domain, 'fqdn.domain']] as const) {
        const bytes = Buffer.from(String(text), 'utf8');
        if (bytes.length > 255) throw new RangeError(`${field}: ${bytes.length} bytes exceeds 255`);
        w.u8(bytes.length);
        w.bytes(bytes);
      }
    },
  },
};

/** Decodes one capability value (code known); malformed or unmodelled ones come back raw. */
export function decodeCapability(code: number, buf: Buffer, start: number, end: number): Capability {
  const spec = CAPABILITIES[code];
  const cap = spec?.decode(buf, start, end);
  return cap ?? { code, name: 'unknown', data: copyRange(buf, start, end) };
}

function encodeCapability(cap: Capability, w: Writer): void {
  checkUint(cap.code, 8, 'capability.code');
  const at = w.pos;
  w.u8(cap.code);
  w.u8(0);
  if (cap.name === 'unknown') {
    if (!Buffer.isBuffer(cap.data)) throw new RangeError(`capability ${cap.code}: data must be a Buffer`);
    w.bytes(cap.data);
  } else {
    const spec = CAPABILITIES[cap.code];
    if (!spec) throw new RangeError(`capability ${cap.code} (${cap.name}) is not modelled; give it as unknown with data`);
    spec.encode(cap, w);
  }
  const len = w.pos - at - 2;
  if (len > 255) throw new RangeError(`capability ${cap.code} value of ${len} bytes exceeds 255`);
  w.buf[at + 1] = len;
}

/** Decodes the OPEN in [start, end); OPEN errors are always session reset (RFC 4271 §6.2). */
export function decodeOpen(buf: Buffer, start: number, end: number, errors: DecodeError[]): OpenMessage | undefined {
  const fail = (subcode: number, at: number, reason: string, data?: Buffer): undefined => {
    errors.push(decodeError(ErrorCode.OPEN, subcode, 'session-reset', at - start, reason, data));
    return undefined;
  };
  const b = start + HEADER_LENGTH;
  const version = buf[b];
  const myAs = u16(buf, b + 1);
  const holdTime = u16(buf, b + 3);
  const bgpId = ipv4ToString(buf, b + 5);
  let optLen = buf[b + 9];
  let p = b + 10;
  // RFC 9072 §2: Non-Ext OP Len 255 and Non-Ext OP Type 255 announce 2-byte lengths.
  let extended = false;
  if (optLen === 255 && p < end && buf[p] === 255) {
    if (p + 3 > end) return fail(OpenSubcode.UNSPECIFIC, p, 'extended optional parameters length truncated');
    extended = true;
    optLen = u16(buf, p + 1);
    p += 3;
  }
  // Structure first: the parameters must fill the rest of the message exactly.
  if (p + optLen !== end) {
    return fail(OpenSubcode.UNSPECIFIC, b + 9,
      `optional parameters length ${optLen} does not match the ${end - p} bytes left in the message`);
  }
  const capabilities: Capability[] = [];
  const otherParameters: Array<{ type: number; data: Buffer }> = [];
  const hdr = extended ? 3 : 2;
  while (p < end) {
    if (end - p < hdr) return fail(OpenSubcode.UNSPECIFIC, p, `optional parameter header truncated (${end - p} bytes)`);
    const type = buf[p];
    const len = extended ? u16(buf, p + 1) : buf[p + 1];
    const vStart = p + hdr;
    const vEnd = vStart + len;
    if (vEnd > end) return fail(OpenSubcode.UNSPECIFIC, p, `optional parameter length ${len} overruns the message by ${vEnd - end}`);
    if (type === 2) {
      // RFC 5492 §4: one parameter may carry several capabilities.
      let q = vStart;
      while (q < vEnd) {
        if (vEnd - q < 2) return fail(OpenSubcode.UNSPECIFIC, q, 'capability header truncated');
        const code = buf[q];
        const clen = buf[q + 1];
        if (q + 2 + clen > vEnd) {
          return fail(OpenSubcode.UNSPECIFIC, q, `capability ${code} length ${clen} overruns its parameter by ${q + 2 + clen - vEnd}`);
        }
        capabilities.push(decodeCapability(code, buf, q + 2, q + 2 + clen));
        q += 2 + clen;
      }
    } else {
      otherParameters.push({ type, data: copyRange(buf, vStart, vEnd) });
    }
    p = vEnd;
  }
  // Then the values (RFC 4271 §6.2).
  if (version !== 4) return fail(OpenSubcode.UNSUPPORTED_VERSION, b, `BGP version ${version}, only 4 supported`, u16Data(4));
  if (holdTime === 1 || holdTime === 2) return fail(OpenSubcode.UNACCEPTABLE_HOLD_TIME, b + 3, `hold time ${holdTime} (must be 0 or >= 3)`);
  // RFC 6286 §2.2: the BGP Identifier is a non-zero 32-bit value.
  if (bgpId === '0.0.0.0') return fail(OpenSubcode.BAD_BGP_IDENTIFIER, b + 5, 'BGP Identifier 0.0.0.0');
  if (otherParameters.length > 0) {
    // RFC 4271 §6.2 / RFC 5492 §5: only Capabilities (type 2) is defined today.
    const t = otherParameters[0].type;
    return fail(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, b + 10, `unsupported optional parameter type ${t}`);
  }
  const open: OpenMessage = { type: 'OPEN', version, myAs, holdTime, bgpId, capabilities };
  return open;
}

/**
 * Encodes an OPEN: each capability in its own parameter (RFC 5492 §4 allows either), other
 * parameters after them; RFC 9072 extended lengths only when the parameters exceed 255 bytes.
 */
export function encodeOpen(msg: OpenMessage): Buffer {
  const params = new Writer(512);
  const caps = new Writer(256);
  const paramList: Array<{ type: number; data: Buffer }> = [];
  for (const cap of msg.capabilities ?? []) {
    caps.reset();
    encodeCapability(cap, caps);
    paramList.push({ type: 2, data: caps.take() });
  }
  for (const o of msg.otherParameters ?? []) paramList.push({ type: checkUint(o.type, 8, 'otherParameters.type'), data: o.data });
  let total = 0;
  for (const prm of paramList) total += 2 + prm.data.length;
  const extended = total > 255 || paramList.some((prm) => prm.data.length > 255);
  for (const prm of paramList) {
    params.u8(prm.type);
    if (extended) params.u16(checkUint(prm.data.length, 16, 'optional parameter length'));
    else params.u8(prm.data.length);
    params.bytes(prm.data);
  }
  const w = new Writer(HEADER_LENGTH + 13 + params.pos);
  w.pos = HEADER_LENGTH;
  w.u8(checkUint(msg.version, 8, 'version'));
  w.u16(checkUint(msg.myAs, 16, 'myAs'));
  w.u16(checkUint(msg.holdTime, 16, 'holdTime'));
  w.ipv4(msg.bgpId, 'bgpId');
  if (extended) {
    w.u8(255);
    w.u8(255);
    w.u16(checkUint(params.pos, 16, 'optional parameters length'));
  } else {
    w.u8(params.pos);
  }
  w.bytes(params.buf.subarray(0, params.pos));
  if (w.pos > 4096) throw new RangeError(`OPEN of ${w.pos} bytes exceeds 4096`);
  writeHeader(w.buf, 0, w.pos, 1);
  return w.take();
}
