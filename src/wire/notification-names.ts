/**
 * NOTIFICATION codes and subcodes by name (RFC 4271 §4.5, RFC 4486 and 8538 Cease subcodes,
 * RFC 6608 FSM subcodes, RFC 7313 ROUTE-REFRESH error, RFC 9384 BFD Down, RFC 9687 Send Hold
 * Timer), and the structure inside NOTIFICATION data that RFCs define: the shutdown communication
 * (RFC 8203, lengthened by RFC 9003), the Hard Reset wrapper (RFC 8538 §3), the maximum-prefix
 * data (RFC 4486 §4) and the header/OPEN error data of RFC 4271 §6. Pure, for display.
 * The base tables live in constants.ts (the codec's); the entries here add what display needs.
 */
import { notificationCodeName, notificationSubcodeName } from './constants.js';

const EXTRA_CODES: Record<number, string> = {
  8: 'Send Hold Timer Expired',
};

const EXTRA_SUBCODES: Record<number, Record<number, string>> = {
  1: { 0: 'Unspecific' },
  2: { 5: 'Authentication Failure (deprecated)', 8: 'Deprecated (8)', 9: 'Deprecated (9)', 10: 'Deprecated (10)' },
  3: { 7: 'AS Routing Loop (deprecated)' },
  7: { 0: 'Reserved' },
  8: { 0: 'Unspecific' },
};

export function codeName(code: number): string {
  return EXTRA_CODES[code] ?? notificationCodeName(code);
}

export function subcodeName(code: number, subcode: number): string {
  const base = notificationSubcodeName(code, subcode);
  if (!base.startsWith('Unknown')) return base;
  if (code === 4 && subcode === 0) return 'Unspecific';
  return EXTRA_SUBCODES[code]?.[subcode] ?? base;
}

/** "Cease / Administrative Shutdown" */
export function errorName(code: number, subcode: number): string {
  return `${codeName(code)} / ${subcodeName(code, subcode)}`;
}

/** What a NOTIFICATION's data field says, for the codes whose data has a defined shape. */
export interface NotificationDetails {
  /** RFC 8203/9003 shutdown communication text (Cease 2 and 4). */
  shutdownCommunication?: string;
  /** Why the data does not match its RFC shape (e.g. a length byte past the end). */
  invalid?: string;
  /** Bytes after the structured part. */
  extraData?: Buffer;
  /** RFC 8538 §3: the NOTIFICATION wrapped by a Hard Reset. */
  inner?: { code: number; subcode: number; codeName: string; subcodeName: string; data: Buffer; details?: NotificationDetails };
  /** RFC 4486 §4 maximum-prefix data. */
  maxPrefixes?: { afi: number; safi: number; limit: number };
  /** RFC 4271 §6.1: the bad length (1/2) or type (1/3); §6.2: the supported version (2/1), the bad peer AS (2/2). */
  value?: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Interpret a NOTIFICATION's data. Never throws; unknown shapes give an empty object. */
export function notificationDetails(code: number, subcode: number, data: Buffer, depth = 0): NotificationDetails {
  if (code === 6 && (subcode === 2 || subcode === 4)) return shutdownCommunication(data);
  if (code === 6 && subcode === 9) {
    if (data.length < 2) return { invalid: `hard reset data is ${data.length} bytes; the wrapped code and subcode need 2` };
    const inner = { code: data[0], subcode: data[1], codeName: codeName(data[0]), subcodeName: subcodeName(data[0], data[1]), data: data.subarray(2) };
    // A Hard Reset wrapping a Hard Reset is not meaningful; stop at one level.
    const details = depth === 0 ? notificationDetails(inner.code, inner.subcode, inner.data, 1) : {};
    return { inner: Object.keys(details).length > 0 ? { ...inner, details } : inner };
  }
  if (code === 6 && subcode === 1 && data.length >= 7) {
    const out: NotificationDetails = { maxPrefixes: { afi: data.readUInt16BE(0), safi: data[2], limit: data.readUInt32BE(3) } };
    if (data.length > 7) out.extraData = data.subarray(7);
    return out;
  }
  if (code === 1 && subcode === 2 && data.length === 2) return { value: data.readUInt16BE(0) };
  if (code === 1 && subcode === 3 && data.length === 1) return { value: data[0] };
  if (code === 2 && subcode === 1 && data.length === 2) return { value: data.readUInt16BE(0) };
  if (code === 2 && subcode === 2 && (data.length === 2 || data.length === 4)) {
    return { value: data.length === 2 ? data.readUInt16BE(0) : data.readUInt32BE(0) };
  }
  return {};
}

/** RFC 8203 §2 / RFC 9003 §2: one length octet, then that many octets of UTF-8 (up to 255). */
function shutdownCommunication(data: Buffer): NotificationDetails {
  if (data.length === 0) return {};
  const len = data[0];
  if (len === 0) return data.length > 1 ? { shutdownCommunication: '', extraData: data.subarray(1) } : { shutdownCommunication: '' };
  if (1 + len > data.length) {
    return { invalid: `shutdown communication length ${len} runs past the ${data.length - 1} bytes that follow it` };
  }
  const out: NotificationDetails = {};
  try {
    out.shutdownCommunication = UTF8.decode(data.subarray(1, 1 + len));
  } catch {
    out.invalid = 'shutdown communication is not valid UTF-8';
  }
  if (data.length > 1 + len) out.extraData = data.subarray(1 + len);
  return out;
}
