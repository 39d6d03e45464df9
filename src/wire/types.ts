/**
 * Typed BGP-4 messages: the contract between the codec (src/wire) and everything that
 * speaks BGP (fsm, rib, speaker, decode CLI). Plain data only: no I/O, no classes, so that
 * messages can be compared, cloned and generated in property tests.
 *
 * Addresses are strings in canonical form (IPv4 dotted quad, IPv6 RFC 5952 compressed);
 * prefixes are "address/len" strings with host bits cleared (`10.244.3.0/26`, `fd00:10::/122`).
 */

/** RFC 4271 §4.1 message type codes (ROUTE-REFRESH: RFC 2918). */
export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;

export const AFI = { IPV4: 1, IPV6: 2 } as const;
export const SAFI = { UNICAST: 1 } as const;

/** The two families bgplab routes. Other AFI/SAFIs are carried as raw, "unsupported" values. */
export type Family = 'ipv4' | 'ipv6';

/** One NLRI entry. `pathId` is present only when ADD-PATH (RFC 7911) is in effect for the family. */
export interface Nlri {
  prefix: string;
  pathId?: number;
}

// ---------------------------------------------------------------- OPEN and capabilities

export interface AfiSafi {
  afi: number;
  safi: number;
}

export type Capability =
  | { code: 1; name: 'multiprotocol'; afi: number; safi: number }
  | { code: 2; name: 'route-refresh' }
  | { code: 6; name: 'extended-message' }
  | {
      code: 64;
      name: 'graceful-restart';
      /** R bit (restart state) and N bit (RFC 8538 notification) as booleans. */
      restarting: boolean;
      notification: boolean;
      restartTime: number;
      families: Array<AfiSafi & { forwardingPreserved: boolean }>;
    }
  | { code: 65; name: 'four-octet-as'; asn: number }
  | { code: 69; name: 'add-path'; families: Array<AfiSafi & { sendReceive: 1 | 2 | 3 }> }
  | { code: 70; name: 'enhanced-route-refresh' }
  | {
      code: 71;
      name: 'long-lived-graceful-restart';
      families: Array<AfiSafi & { forwardingPreserved: boolean; staleTime: number }>;
    }
  | { code: 73; name: 'fqdn'; hostname: string; domain: string }
  /** Any capability we do not model, kept as code and raw value (also for malformed known ones we keep). */
  | { code: number; name: 'unknown'; data: Buffer };

export interface OpenMessage {
  type: 'OPEN';
  version: number;
  /** The 2-octet My Autonomous System field as sent (AS_TRANS 23456 when the real AS needs 4 octets). */
  myAs: number;
  holdTime: number;
  bgpId: string;
  capabilities: Capability[];
  /** Optional parameters other than capabilities (type 2), kept raw. */
  otherParameters?: Array<{ type: number; data: Buffer }>;
}

// ---------------------------------------------------------------- UPDATE and path attributes

/** RFC 4271 §4.3 (types 1, 2) and RFC 5065 (3, 4). */
export const AsPathSegmentType = { AS_SET: 1, AS_SEQUENCE: 2, AS_CONFED_SEQUENCE: 3, AS_CONFED_SET: 4 } as const;

export interface AsPathSegment {
  type: 1 | 2 | 3 | 4;
  asns: number[];
}

export interface MpReach {
  afi: number;
  safi: number;
  /** One next hop, or for IPv6 the global then the link-local (RFC 2545 §3). Empty for unsupported families. */
  nextHops: string[];
  nlri: Nlri[];
  /** For families we do not decode: the raw next hop and NLRI bytes. */
  unsupported?: { nextHop: Buffer; nlri: Buffer };
}

export interface MpUnreach {
  afi: number;
  safi: number;
  withdrawn: Nlri[];
  unsupported?: { nlri: Buffer };
}

export interface UnknownAttribute {
  flags: number;
  code: number;
  value: Buffer;
}

/** The path attributes of one UPDATE. Absent field = attribute absent. */
export interface PathAttributes {
  /** 0 IGP, 1 EGP, 2 INCOMPLETE (RFC 4271 §5.1.1). */
  origin?: 0 | 1 | 2;
  asPath?: AsPathSegment[];
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  /** RFC 1997 communities as 32-bit unsigned integers. */
  communities?: number[];
  originatorId?: string;
  clusterList?: string[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** RFC 4360: each exactly 8 bytes. */
  extendedCommunities?: Buffer[];
  as4Path?: AsPathSegment[];
  as4Aggregator?: { asn: number; address: string };
  /** RFC 8092: [global administrator, local data 1, local data 2]. */
  largeCommunities?: Array<[number, number, number]>;
  /** Attributes we do not model, in the order received, with their flags (Partial set when passed on). */
  unknown?: UnknownAttribute[];
}

export interface UpdateMessage {
  type: 'UPDATE';
  /** IPv4 withdrawn routes field. */
  withdrawn: Nlri[];
  attributes: PathAttributes;
  /** IPv4 NLRI field. */
  nlri: Nlri[];
}

// ---------------------------------------------------------------- the rest

export interface NotificationMessage {
  type: 'NOTIFICATION';
  code: number;
  subcode: number;
  data: Buffer;
}

export interface KeepaliveMessage {
  type: 'KEEPALIVE';
}

export interface RouteRefreshMessage {
  type: 'ROUTE-REFRESH';
  afi: number;
  /** RFC 7313: 0 normal request, 1 BoRR, 2 EoRR. */
  subtype: number;
  safi: number;
  /** Bytes after AFI/reserved/SAFI (RFC 5291 ORF entries), kept raw; absent when none. */
  data?: Buffer;
}

export type BgpMessage =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage;

// ---------------------------------------------------------------- codec context and errors

/** What the session negotiated; decode and encode both take it (RFC 6793, 7911, 8654). */
export interface CodecContext {
  /** Both sides sent the 4-octet AS capability: AS_PATH and AGGREGATOR carry 4-octet ASNs. */
  as4: boolean;
  /** ADD-PATH per family: receive = path ids present in what we decode, send = in what we encode. */
  addPath: { ipv4: { receive: boolean; send: boolean }; ipv6: { receive: boolean; send: boolean } };
  /** RFC 8654: messages other than OPEN/KEEPALIVE may be up to 65535 bytes. */
  extendedMessage: boolean;
  /** Session type, for the checks of RFC 7606 §7 that depend on it; undefined = do not check. */
  session?: 'ibgp' | 'ebgp';
}

/** RFC 7606 §2 approaches, plus session reset (RFC 4271 §6) for what cannot be treated otherwise. */
export type ErrorAction = 'session-reset' | 'treat-as-withdraw' | 'attribute-discard' | 'afi-safi-disable';

/** A decode failure as a value: what to send (RFC 4271 §6 code/subcode/data), what to do, and where. */
export interface DecodeError {
  code: number;
  subcode: number;
  data: Buffer;
  action: ErrorAction;
  /** Byte offset in the message (from the first marker byte) where the problem was found. */
  offset: number;
  reason: string;
}

export interface DecodeResult {
  /** Present unless an error made the message unusable (action session-reset). */
  message?: BgpMessage;
  /** Empty for a clean message; treat-as-withdraw and attribute-discard leave `message` decoded. */
  errors: DecodeError[];
  /** Bytes this message occupied in the input (header length); 0 when more bytes are needed. */
  length: number;
}
