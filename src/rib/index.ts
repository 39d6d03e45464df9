/**
 * src/rib: the routing core of one bgplab speaker, pure and synchronous (no I/O, no clock, no timers).
 * It owns the Adj-RIB-In per peer, the Loc-RIB with the RFC 4271 §9.1 decision process and the RFC 4456
 * §9 tie-breaks, route reflection (RFC 4456 §6, §8) and iBGP split horizon, eBGP export (RFC 4271 §5.1),
 * the Adj-RIB-Out per peer with coalescing update generation, and the stream of best-path changes the
 * FIB and the event log consume. Attribute sets are interned (attrs.ts) so everything per attribute set
 * (normalizing, deriving, encoding) happens once per set, not per prefix.
 *
 * How a speaker drives it:
 *   const rib = new Rib({ routerId, asn, clusterId?, localAddresses? });
 *   rib.addPeer({ address, asn, rrClient?, nextHopSelf: { ipv4, ipv6 }, families?, routerId? });
 *   rib.originate(['10.244.1.0/26', 'fd00:10:244:1::/122']);      // withdrawOriginated(...) to stop
 *   on Established:   rib.peerUp(addr, { routerId, families, as4 })  // schedules full table + End-of-RIB
 *   on UPDATE:        rib.applyUpdate(addr, family, attrs, nlri, withdrawn)   // once per family in it
 *   on ROUTE-REFRESH: rib.dumpFor(addr, [family])
 *   on session down:  rib.peerDown(addr)       // or peerDown(addr, { retainStale: families }) when
 *     RFC 4724 graceful restart applies: the routes stay, stale, until re-announced or purgeStale(addr,
 *     family?) (End-of-RIB, restart timer; the speaker owns the clock); staleCount(addr, family?).
 *   after each batch of input: for each up peer, rib.flush(addr) -> { withdraw[], announce[{family,
 *     attrs: AttrSet, prefixes: Nlri[]}], endOfRib[] } to encode (withdrawals, then announcements, then
 *     EoR); rib.takeBestChanges() -> [{op: add|replace|del, family, nextHop, peer, local,
 *     prefixes[]}] (coalesced per prefix, grouped) for the FIB and the event log.
 *   reading an announce group: group.attrs.id is stable while the set lives, so an encoder can cache
 *     the encoded attribute block per set (the codec's encodeUpdates may key a cache on it).
 *   control socket: rib.routes(family?), rib.peerStats(addr), rib.stats().
 * In an AttrSet, `attrs.nextHop` is the next hop of the group's family (IPv6 global for ipv6); the
 * encoder puts it in MP_REACH_NLRI for IPv6. Errors in arguments throw RibError naming field and value.
 */
export { Rib, RibError } from './rib.js';
export type {
  AnnounceGroup,
  BestChangeGroup,
  OutboundBatch,
  PeerDownOptions,
  PeerOptions,
  PeerRibStats,
  PeerUpOptions,
  RibOptions,
  RouteEntry,
  WithdrawGroup,
} from './rib.js';
export type { AttrSet, RejectReason } from './attrs.js';
export { attrKey, mergeAs4Path, prependAs } from './attrs.js';
export { selectBest } from './decision.js';
export { requirePrefix, canonicalAddress } from './address.js';
