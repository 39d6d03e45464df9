/**
 * src/wire owns the BGP-4 wire format: bytes in, typed messages out, and back. It is pure (no
 * I/O, no clock): header framing (MessageReader), every message type (RFC 4271, 2918, 7313),
 * OPEN capabilities (open.ts), path attributes (one table row per attribute in attributes.ts),
 * IPv4/IPv6 unicast NLRI with ADD-PATH (nlri.ts), RFC 7606 error handling returned as values
 * (never thrown), and the packing of routes into as few UPDATEs as fit (update.ts). Everything
 * else in bgplab speaks BGP through this index.
 */
export * from './types.js';
export * from './constants.js';
export {
  defaultContext,
  maxMessageSize,
  addPathReceive,
  MAX_MESSAGE_SIZE,
  MAX_EXTENDED_MESSAGE_SIZE,
} from './context.js';
export {
  parsePrefix,
  tryParsePrefix,
  prefixFamily,
  normalizeAddress,
  isIPv4,
  isIPv6,
  ipv4ToString,
  ipv6ToString,
  ipv4PrefixToString,
  ipv6PrefixToString,
  toHex,
  type ParsedPrefix,
} from './prefix.js';
export { decodeMessage, encodeMessage, type DecodeOptions } from './codec.js';
export { MessageReader, KEEPALIVE_BYTES, HEADER_LENGTH, checkHeader, type MessageReaderOptions } from './header.js';
export {
  encodeUpdates,
  encodeWithdrawals,
  encodeEndOfRib,
  endOfRibFamily,
  endOfRibAfiSafi,
  isMartianNextHop,
} from './update.js';
export {
  ATTRIBUTES,
  attributeName,
  propagateUnknownAttributes,
  attributesToPropagate,
  type AttributeSpec,
} from './attributes.js';
export { mergeAs4Path, splitAs4Path, asPathLength } from './aspath.js';
