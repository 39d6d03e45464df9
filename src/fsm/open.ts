/**
 * OPEN handling, pure: build our OPEN (RFC 4271 §4.2 with the capabilities of RFC 5492), check the
 * peer's (RFC 4271 §6.2, RFC 6793 §4, RFC 6286 §2.2, RFC 7607, RFC 5492 §3) and work out what the two
 * agreed (RFC 4271 §4.2 hold time, RFC 4760, 6793, 2918, 7313, 8654, 4724, 7911).
 */
import { AS_TRANS, ErrorCode, OpenSubcode } from '../wire/constants.js';
import type { AfiSafi, Capability, CodecContext, Family, OpenMessage } from '../wire/types.js';
import type { AddPathMode, LocalOpenConfig, Negotiated, NotificationError, PeerGracefulRestart } from './types.js';

/** The only BGP version there is (RFC 4271). */
export const BGP_VERSION = 4;
export const DEFAULT_HOLD_TIME = 90;
export const DEFAULT_RESTART_TIME = 120;
export const MAX_AS = 4294967295;

const FAMILY_AFI_SAFI: Record<Family, AfiSafi> = { ipv4: { afi: 1, safi: 1 }, ipv6: { afi: 2, safi: 1 } };

/** ipv4 / ipv6 unicast, or undefined for any other AFI/SAFI. */
export function familyOf(afi: number, safi: number): Family | undefined {
  if (safi !== 1) return undefined;
  return afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : undefined;
}

export function afiSafiOf(family: Family): AfiSafi {
  return { ...FAMILY_AFI_SAFI[family] };
}

/** Dotted quad to an unsigned 32-bit integer (RFC 4271 §4.2 BGP Identifier), or undefined if malformed. */
export function ipv4ToUint32(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

function isAsn(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_AS;
}

function isHoldTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && (v === 0 || (v >= 3 && v <= 65535));
}

// ---------------------------------------------------------------- buildOpen

/** Our OPEN for a session. Throws RangeError naming the field and value on bad configuration. */
export function buildOpen(config: LocalOpenConfig): OpenMessage {
  const where = 'buildOpen';
  if (!isAsn(config.asn)) throw new RangeError(`${where}: asn ${String(config.asn)} is not an AS number (1-${MAX_AS})`);
  const id = ipv4ToUint32(config.routerId);
  if (id === undefined || id === 0) {
    throw new RangeError(`${where}: routerId ${JSON.stringify(config.routerId)} is not a non-zero dotted-quad BGP identifier`);
  }
  const holdTime = config.holdTime ?? DEFAULT_HOLD_TIME;
  if (!isHoldTime(holdTime)) {
    throw new RangeError(`${where}: holdTime ${String(holdTime)} must be 0 or 3-65535 seconds (RFC 4271 §4.2)`);
  }
  const families = checkFamilies(config.families ?? ['ipv4', 'ipv6'], `${where}: families`);

  const caps: Capability[] = families.map((f) => ({ code: 1, name: 'multiprotocol', ...afiSafiOf(f) }) as Capability);
  if (config.routeRefresh ?? true) caps.push({ code: 2, name: 'route-refresh' });
  if (config.enhancedRouteRefresh ?? true) caps.push({ code: 70, name: 'enhanced-route-refresh' });
  caps.push({ code: 65, name: 'four-octet-as', asn: config.asn });
  const gr = config.gracefulRestart ?? {};
  if (gr !== false) {
    const restartTime = gr.restartTime ?? DEFAULT_RESTART_TIME;
    if (!Number.isInteger(restartTime) || restartTime < 0 || restartTime > 4095) {
      throw new RangeError(`${where}: gracefulRestart.restartTime ${String(restartTime)} must be 0-4095 seconds (12 bits, RFC 4724 §3)`);
    }
    const grFamilies = (gr.families ?? []).map((f, i) => {
      if (!(f.family in FAMILY_AFI_SAFI)) {
        throw new RangeError(`${where}: gracefulRestart.families[${i}].family ${JSON.stringify(f.family)} is not ipv4 or ipv6`);
      }
      return { ...afiSafiOf(f.family), forwardingPreserved: !!f.forwardingPreserved };
    });
    caps.push({
      code: 64,
      name: 'graceful-restart',
      restarting: !!gr.restarting,
      notification: false,
      restartTime,
      families: grFamilies,
    });
  }
  if (config.extendedMessage ?? true) caps.push({ code: 6, name: 'extended-message' });
  const addPath = config.addPath ?? {};
  const addPathFamilies: Array<AfiSafi & { sendReceive: 1 | 2 | 3 }> = [];
  for (const [family, mode] of Object.entries(addPath) as Array<[Family, AddPathMode | undefined]>) {
    if (mode === undefined) continue;
    if (!(family in FAMILY_AFI_SAFI)) throw new RangeError(`${where}: addPath.${family} is not ipv4 or ipv6`);
    const sendReceive = ({ receive: 1, send: 2, both: 3 } as const)[mode];
    if (sendReceive === undefined) throw new RangeError(`${where}: addPath.${family} ${JSON.stringify(mode)} must be receive, send or both`);
    addPathFamilies.push({ ...afiSafiOf(family), sendReceive });
  }
  if (addPathFamilies.length > 0) caps.push({ code: 69, name: 'add-path', families: addPathFamilies });

  return {
    type: 'OPEN',
    version: BGP_VERSION,
    // RFC 6793 §4.1: an AS that does not fit in 2 octets is sent as AS_TRANS, the real one in the capability.
    myAs: config.asn > 0xffff ? AS_TRANS : config.asn,
    holdTime,
    bgpId: config.routerId,
    capabilities: caps,
  };
}

function checkFamilies(families: unknown, where: string): Family[] {
  if (!Array.isArray(families) || families.length === 0) {
    throw new RangeError(`${where} ${JSON.stringify(families)} must list at least one of ipv4, ipv6`);
  }
  const out: Family[] = [];
  for (const f of families) {
    if (f !== 'ipv4' && f !== 'ipv6') throw new RangeError(`${where}: ${JSON.stringify(f)} is not ipv4 or ipv6`);
    if (!out.includes(f)) out.push(f);
  }
  return out;
}

// ---------------------------------------------------------------- reading an OPEN

function caps(open: OpenMessage): Capability[] {
  return Array.isArray(open.capabilities) ? open.capabilities : [];
}

function findCap<C extends Capability['code']>(open: OpenMessage, code: C): Extract<Capability, { code: C }> | undefined {
  // Capabilities we keep raw ('unknown', e.g. a malformed known one) do not count as the capability.
  return caps(open).find((c) => c.code === code && c.name !== 'unknown') as Extract<Capability, { code: C }> | undefined;
}

/** The AS a speaker claims in its OPEN: the 4-octet AS capability if present (RFC 6793 §4), else My AS. */
export function openAs(open: OpenMessage): number {
  return findCap(open, 65)?.asn ?? open.myAs;
}

/** Families an OPEN offers: its MP capabilities, or IPv4 unicast alone when it has none (RFC 4760 §8). */
export function openFamilies(open: OpenMessage): Family[] {
  const mp = caps(open).filter((c) => c.code === 1 && c.name === 'multiprotocol') as Array<Extract<Capability, { code: 1 }>>;
  if (mp.length === 0) return ['ipv4'];
  const out: Family[] = [];
  for (const c of mp) {
    const f = familyOf(c.afi, c.safi);
    if (f && !out.includes(f)) out.push(f);
  }
  return out;
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v & 0xffff);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

/** A Multiprotocol capability TLV as it appears in an OPEN (RFC 4760 §8): code 1, length 4, AFI, 0, SAFI. */
function mpCapabilityBytes(family: Family): Buffer {
  const { afi, safi } = afiSafiOf(family);
  return Buffer.from([1, 4, afi >> 8, afi & 0xff, 0, safi]);
}

function err(subcode: number, data: Buffer, reason: string): NotificationError {
  return { code: ErrorCode.OPEN, subcode, data, reason };
}

export interface OpenCheckLocal {
  asn: number;
  routerId: string;
}

export interface OpenCheckPeer {
  /** The AS configured for the peer. */
  asn: number;
  /** Families we offer the peer; at least one must be common (RFC 5492 §3). Omit to skip that check. */
  families?: Family[];
}

/**
 * Check a received OPEN. Returns the NOTIFICATION to send, or undefined when the OPEN is acceptable.
 * In order: version (2/1, data = the version we support, RFC 4271 §6.2), optional parameters other than
 * capabilities (2/4), the peer's AS (2/2, data = the AS it claimed, 2 or 4 octets), the BGP Identifier
 * (2/3, RFC 6286 §2.2), the hold time (2/6), and a common family (2/7, data = our MP capabilities,
 * RFC 5492 §3). Capabilities we do not know are ignored (RFC 5492 §3).
 */
export function validateOpen(open: OpenMessage, local: OpenCheckLocal, peer: OpenCheckPeer): NotificationError | undefined {
  // RFC 4271 §6.2: data = the largest supported version below the bid, or our smallest if all are above it.
  // We support only 4, so it is 4 either way.
  if (open.version !== BGP_VERSION) {
    return err(OpenSubcode.UNSUPPORTED_VERSION, u16(BGP_VERSION), `peer offered BGP version ${String(open.version)}; we support ${BGP_VERSION}`);
  }
  if (Array.isArray(open.otherParameters) && open.otherParameters.length > 0) {
    const types = open.otherParameters.map((p) => p.type).join(', ');
    return err(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, Buffer.alloc(0), `unsupported optional parameter type ${types} (only capabilities, type 2, are known)`);
  }

  const myAs = open.myAs;
  if (!Number.isInteger(myAs) || myAs < 0 || myAs > 0xffff) {
    return err(OpenSubcode.BAD_PEER_AS, Buffer.alloc(0), `My Autonomous System ${String(myAs)} is not a 2-octet value`);
  }
  const as4 = findCap(open, 65);
  if (as4) {
    const claimed = as4.asn;
    if (!Number.isInteger(claimed) || claimed < 0 || claimed > MAX_AS) {
      return err(OpenSubcode.BAD_PEER_AS, Buffer.alloc(0), `4-octet AS capability value ${String(claimed)} is not an AS number`);
    }
    // RFC 7607: AS 0 in the capability is a Bad Peer AS.
    if (claimed === 0) return err(OpenSubcode.BAD_PEER_AS, u32(0), 'peer claimed AS 0 in its 4-octet AS capability (RFC 7607)');
    // RFC 6793 §4: AS_TRANS stands in for a 4-octet AS in My AS; it is not an AS a speaker can have.
    if (claimed === AS_TRANS && peer.asn !== AS_TRANS) {
      return err(OpenSubcode.BAD_PEER_AS, u32(claimed), `peer claimed AS_TRANS (${AS_TRANS}) in its 4-octet AS capability (RFC 6793 §4)`);
    }
    if (claimed !== peer.asn) {
      return err(OpenSubcode.BAD_PEER_AS, u32(claimed), `peer AS ${claimed} (4-octet AS capability) is not the configured ${peer.asn}`);
    }
    // RFC 6793 §4.1: My AS carries the AS itself if it fits in 2 octets, otherwise AS_TRANS.
    const expectedMyAs = claimed > 0xffff ? AS_TRANS : claimed;
    if (myAs !== expectedMyAs) {
      return err(OpenSubcode.BAD_PEER_AS, u16(myAs), `My Autonomous System ${myAs} contradicts the 4-octet AS capability ${claimed} (expected ${expectedMyAs}, RFC 6793 §4.1)`);
    }
  } else {
    if (myAs === 0) return err(OpenSubcode.BAD_PEER_AS, u16(0), 'peer claimed AS 0 (RFC 7607)');
    if (myAs !== peer.asn) {
      const hint = peer.asn > 0xffff ? ' (the configured AS needs 4 octets but the peer sent no 4-octet AS capability)' : '';
      return err(OpenSubcode.BAD_PEER_AS, u16(myAs), `peer AS ${myAs} is not the configured ${peer.asn}${hint}`);
    }
  }

  // RFC 6286 §2.2: zero is bad; our own identifier is bad from an internal peer (and allowed from an external one).
  const id = ipv4ToUint32(open.bgpId);
  if (id === undefined) return err(OpenSubcode.BAD_BGP_IDENTIFIER, Buffer.alloc(0), `BGP identifier ${JSON.stringify(open.bgpId)} is not a dotted quad`);
  if (id === 0) return err(OpenSubcode.BAD_BGP_IDENTIFIER, Buffer.alloc(0), 'BGP identifier 0.0.0.0 (RFC 6286 §2.2)');
  if (peer.asn === local.asn && id === ipv4ToUint32(local.routerId)) {
    return err(OpenSubcode.BAD_BGP_IDENTIFIER, Buffer.alloc(0), `BGP identifier ${open.bgpId} is ours, from an internal peer (RFC 6286 §2.2)`);
  }

  // RFC 4271 §6.2: hold times of 1 and 2 seconds MUST be rejected.
  const hold = open.holdTime;
  if (!Number.isInteger(hold) || hold < 0 || hold > 65535 || hold === 1 || hold === 2) {
    return err(OpenSubcode.UNACCEPTABLE_HOLD_TIME, Buffer.alloc(0), `hold time ${String(hold)} s is unacceptable (0 or at least 3, RFC 4271 §4.2)`);
  }

  if (peer.families) {
    const theirs = openFamilies(open);
    const common = peer.families.filter((f) => theirs.includes(f));
    if (common.length === 0) {
      return err(
        OpenSubcode.UNSUPPORTED_CAPABILITY,
        Buffer.concat(peer.families.map(mpCapabilityBytes)),
        `no common address family: we offer ${peer.families.join(', ')}, the peer ${theirs.length > 0 ? theirs.join(', ') : 'none we support'}`,
      );
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- negotiate

export interface NegotiateOptions {
  /** Our configured keepalive interval in seconds; default a third of our hold time (RFC 4271 §4.4). */
  keepaliveTime?: number;
}

/**
 * What two OPENs agree. Hold time: the smaller of the two (RFC 4271 §4.2). Keepalive: our configured
 * keepalive/hold ratio applied to the negotiated hold time (a third by default), at least 1 s and below the hold
 * time; 0 with a 0 hold time. Capabilities count when both sides sent them, except route refresh which only needs the
 * peer's (it says the peer can receive ROUTE-REFRESH). Does not validate: call validateOpen first.
 */
export function negotiate(localOpen: OpenMessage, remoteOpen: OpenMessage, options: NegotiateOptions = {}): Negotiated {
  const holdTime = Math.min(localOpen.holdTime, remoteOpen.holdTime);
  let keepaliveMs = 0;
  if (holdTime > 0) {
    const ratio = options.keepaliveTime !== undefined && localOpen.holdTime > 0 ? options.keepaliveTime / localOpen.holdTime : 1 / 3;
    keepaliveMs = Math.max(1000, Math.floor(holdTime * 1000 * ratio));
    // A keepalive interval as long as the hold time would let the peer's hold timer expire.
    if (keepaliveMs >= holdTime * 1000) keepaliveMs = Math.max(1000, Math.floor((holdTime * 1000) / 3));
  }

  const ours = openFamilies(localOpen);
  const theirs = openFamilies(remoteOpen);
  const families = ours.filter((f) => theirs.includes(f));

  const both = (code: 2 | 6 | 65 | 70) => findCap(localOpen, code) !== undefined && findCap(remoteOpen, code) !== undefined;
  const as4 = both(65);
  const extendedMessage = both(6);

  const addPath: CodecContext['addPath'] = { ipv4: { receive: false, send: false }, ipv6: { receive: false, send: false } };
  const localAp = findCap(localOpen, 69);
  const remoteAp = findCap(remoteOpen, 69);
  if (localAp && remoteAp) {
    for (const f of families) {
      const { afi, safi } = afiSafiOf(f);
      const l = localAp.families.find((x) => x.afi === afi && x.safi === safi)?.sendReceive ?? 0;
      const r = remoteAp.families.find((x) => x.afi === afi && x.safi === safi)?.sendReceive ?? 0;
      // RFC 7911 §4: we receive path ids if we said receive (1/3) and they said send (2/3); and vice versa.
      addPath[f] = { receive: (l & 1) !== 0 && (r & 2) !== 0, send: (l & 2) !== 0 && (r & 1) !== 0 };
    }
  }

  let gracefulRestart: PeerGracefulRestart | undefined;
  const gr = findCap(remoteOpen, 64);
  if (gr) {
    const grFamilies: PeerGracefulRestart['families'] = [];
    for (const f of gr.families ?? []) {
      const fam = familyOf(f.afi, f.safi);
      if (fam) grFamilies.push({ family: fam, forwardingPreserved: !!f.forwardingPreserved });
    }
    gracefulRestart = { restartTime: gr.restartTime, restarting: gr.restarting, notification: gr.notification, families: grFamilies };
  }

  const localAs = openAs(localOpen);
  const peerAs = openAs(remoteOpen);
  const session: 'ibgp' | 'ebgp' = localAs === peerAs ? 'ibgp' : 'ebgp';
  return {
    holdTime,
    holdTimeMs: holdTime * 1000,
    keepaliveMs,
    families,
    as4,
    routeRefresh: findCap(remoteOpen, 2) !== undefined,
    enhancedRouteRefresh: both(70),
    extendedMessage,
    maxMessageSize: extendedMessage ? 65535 : 4096,
    gracefulRestart,
    addPath,
    session,
    localAs,
    peerAs,
    localBgpId: localOpen.bgpId,
    peerBgpId: remoteOpen.bgpId,
    codec: { as4, addPath, extendedMessage, session },
  };
}
