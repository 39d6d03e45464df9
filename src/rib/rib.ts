/**
 * The routing core of one speaker: Adj-RIB-In per peer, the Loc-RIB with the decision process,
 * route reflection and eBGP export, Adj-RIB-Out per peer with coalescing update generation, and a
 * stream of best-path changes for the FIB and the event log. Pure and synchronous; see index.ts for
 * the API and how a speaker drives it.
 */
import type { Family, Nlri, PathAttributes } from '../wire/types.js';
import {
  RibError,
  addressOrderKey,
  requireAddress,
  requireAsn,
  requireId,
  requirePrefix,
} from './address.js';
import {
  AttrTable,
  type AttrSet,
  type RejectReason,
  ebgpExportAttrs,
  normalizeReceived,
  originatedAttrs,
  reflectedAttrs,
} from './attrs.js';
import { type Path, type PathSource, isEligible, selectBest } from './decision.js';

export { RibError };

const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];
const FAMILY_INDEX: Record<Family, 0 | 1> = { ipv4: 0, ipv6: 1 };

export interface RibOptions {
  /** Our BGP identifier (dotted quad). */
  routerId: string;
  asn: number;
  /** Present: we are a route reflector with this CLUSTER_ID (RFC 4456 §7). */
  clusterId?: string;
  /** Our own addresses: a received route whose NEXT_HOP is one of them is never selected. The
   *  peers' `nextHopSelf` addresses are added automatically. */
  localAddresses?: string[];
}

export interface PeerOptions {
  /** Key used in every call; default the address. */
  id?: string;
  address: string;
  asn: number;
  /** Usually learned from the OPEN; may be given here or to peerUp. */
  routerId?: string;
  /** The peer is our route-reflector client (RFC 4456 §6); needs `clusterId` on the RIB. */
  rrClient?: boolean;
  /** Defaults to `asn !== our asn`; given explicitly it must agree. */
  ebgp?: boolean;
  /** Our address on this session per family: NEXT_HOP of originated routes and of eBGP exports. */
  nextHopSelf: { ipv4?: string; ipv6?: string };
  /** Families configured for the peer; default both. Each needs its `nextHopSelf`. */
  families?: Family[];
}

export interface PeerUpOptions {
  /** Families both sides negotiated (RFC 4760); default the configured ones. */
  families?: Family[];
  /** The peer's BGP identifier from its OPEN. */
  routerId?: string;
  /** 4-octet AS negotiated (RFC 6793); default true. False: AS4_PATH is merged on receipt. */
  as4?: boolean;
}

/** Prefixes sharing one interned attribute set, to be packed into as few UPDATEs as fit. */
export interface AnnounceGroup {
  family: Family;
  attrs: AttrSet;
  prefixes: Nlri[];
}

export interface WithdrawGroup {
  family: Family;
  prefixes: Nlri[];
}

/** What one peer must be sent now: withdrawals first, then announcements, then End-of-RIB markers. */
export interface OutboundBatch {
  withdraw: WithdrawGroup[];
  announce: AnnounceGroup[];
  /** Families whose full-table dump (new session or ROUTE-REFRESH) completed in this batch. */
  endOfRib: Family[];
}

/**
 * Loc-RIB best-path changes since the previous takeBestChanges(), coalesced per prefix and grouped
 * by (op, peer, next hop) so the FIB can batch them.
 */
export interface BestChangeGroup {
  /** 'add': no best before; 'replace': another peer or next hop; 'del': no best any more. */
  op: 'add' | 'replace' | 'del';
  family: Family;
  /** Next hop of the new best (add, replace) or of the removed one (del); null for local routes. */
  nextHop: string | null;
  /** Address of the peer the route (new best, or removed best) came from; null when local. */
  peer: string | null;
  /** Routes we originate (install as blackhole / leave alone in the FIB). */
  local: boolean;
  prefixes: string[];
}

/** One path, for the control socket's `routes`. */
export interface RouteEntry {
  prefix: string;
  family: Family;
  nextHop: string | null;
  peer: string | null;
  local: boolean;
  best: boolean;
  /** Why the path is not considered (loop, own next hop); null when usable. */
  rejected: RejectReason | null;
  /** Kept after the peer's session ended, awaiting its re-announcement (RFC 4724 §4.2). */
  stale: boolean;
  attributes: Readonly<PathAttributes>;
}

export interface PeerRibStats {
  received: number;
  accepted: number;
  sent: number;
}

export interface PeerDownOptions {
  /**
   * RFC 4724 §4.2 (Receiving Speaker): families whose routes are kept, marked stale, instead of being
   * withdrawn (the session ended without a NOTIFICATION and the peer advertised Graceful Restart for
   * them). Stale routes stay in the decision process and are still advertised; they go when the peer
   * re-announces them (fresh again), at purgeStale (End-of-RIB, restart timer), or when the peer goes
   * down again without graceful restart.
   */
  retainStale?: readonly Family[];
}

// ---------------------------------------------------------------- internal records
//
// Storage layout (what makes 100k routes cheap): one Map from prefix to destination per family (the
// only hash insert per new prefix); the Adj-RIB-In of a peer is its path in each destination's short
// linked list (a reflector or mesh node holds one or two paths per prefix); the Adj-RIB-Out of a peer
// is an Int32Array indexed by destination slot holding the id of the attribute set it was sent (0 =
// not advertised): 4 bytes per route and peer, no hashing on output.

interface Peer extends PathSource {
  readonly id: string;
  readonly address: string;
  readonly asn: number;
  readonly ebgp: boolean;
  readonly rrClient: boolean;
  routerId: string;
  routerIdNumber: number;
  readonly addressKey: string;
  readonly nextHopSelf: [string | undefined, string | undefined];
  readonly families: Family[];
  up: boolean;
  as4: boolean;
  negotiated: [boolean, boolean];
  /** Adj-RIB-Out: attribute set id sent, per destination slot. */
  sent: [Int32Array, Int32Array];
  sentCount: [number, number];
  received: [number, number];
  accepted: [number, number];
  /** Absolute log position up to which this peer has been flushed. */
  cursor: [number, number];
  /** 0 none, 1 full-table dump pending, 2 dump pending that resends what was already sent. */
  dump: [number, number];
  ignoredUpdates: number;
  /** Destinations holding a stale path of this peer (RFC 4724 §4.2), per family; null = none. */
  stale: [Set<Dest> | null, Set<Dest> | null];
}

/** One prefix of the Loc-RIB. */
interface Dest {
  /** Reused in every UPDATE we send for this prefix (no per-flush NLRI objects). */
  readonly nlri: Nlri;
  /** Slot in the family's destination array and the peers' Adj-RIB-Out arrays. */
  readonly slot: number;
  head: Path<Peer> | null;
  best: Path<Peer> | null;
  /** Absolute position of this destination's latest entry in the family's change log, -1 none. */
  seq: number;
  /** The best path last reported by takeBestChanges(). */
  fib: Path<Peer> | null;
  dirty: boolean;
}

/**
 * Per-family state. Changes to the Loc-RIB are recorded once in a shared change log (destinations,
 * not per-peer copies); each peer keeps a cursor into it and flush() computes what the peer must be
 * sent from the current best path, so a prefix that changes several times before a flush goes out
 * once, and a prefix announced then withdrawn before being sent goes out not at all.
 */
class FamilyTable {
  readonly locRib = new Map<string, Dest>();
  /** Destinations by slot; null = free slot. */
  dests: Array<Dest | null> = [];
  readonly freeSlots: number[] = [];
  /** Destinations without any path, kept until no peer has them in its Adj-RIB-Out. */
  emptyDests = 0;
  reclaimAt = 1024;
  bestCount = 0;
  readonly local = new Map<string, Path<Peer>>();
  log: Dest[] = [];
  /** Absolute position of log[0]. */
  base = 0;
  /** Highest cursor any peer reached: entries below it were consumed by someone. */
  flushedTo = 0;
  /**
   * Absolute position of the latest log entry an iBGP peer may need, -1 none. Only a reflector passes
   * iBGP-learned routes to iBGP peers (RFC 4271 §9.2, RFC 4456 §6): elsewhere a change between two
   * iBGP-learned best paths (or none) is quiet for them, and a full-mesh speaker's log is all quiet
   * entries but its own routes. Peers with nothing loud past their cursor skip the log without a scan.
   */
  lastIbgpLoud = -1;
  /** Log end when skipQuietChanges() last walked the peers. */
  quietSkippedTo = 0;
  /**
   * The lowest cursor of the peers that consume the log (up, negotiated, no dump pending) as compact()
   * last found it, and how many peers sit there; -1: unknown (the peer set or a cursor changed other
   * than by flush). Lets flush() skip compact()'s walk of every peer when the lowest cursor cannot have
   * moved: one walk per pass instead of one per peer (O(peers) rather than O(peers²) on a reflector).
   */
  minCursor = -1;
  atMin = 0;
  upPeers = 0;
  dirty: Dest[] = [];
  constructor(readonly family: Family) {}
}

/** Collects one family's output for one peer, grouping prefixes by attribute set. */
class BatchBuilder {
  readonly groups = new Map<AttrSet, Nlri[]>();
  readonly withdrawn: Nlri[] = [];
  private lastAttrs: AttrSet | null = null;
  private lastList: Nlri[] | null = null;
  delta = 0;

  constructor(private readonly sent: Int32Array) {}

  /** Brings the Adj-RIB-Out entry of `dest` to `desired` (null: not advertised). */
  apply(dest: Dest, desired: AttrSet | null, resend: boolean): void {
    const sent = this.sent;
    const slot = dest.slot;
    const previous = sent[slot];
    if (desired !== null) {
      if (previous === desired.id && !resend) return;
      if (previous === 0) this.delta++;
      sent[slot] = desired.id;
      let list = this.lastList;
      if (desired !== this.lastAttrs) {
        list = this.groups.get(desired) ?? null;
        if (list === null) {
          list = [];
          this.groups.set(desired, list);
        }
        this.lastAttrs = desired;
        this.lastList = list;
      }
      (list as Nlri[]).push(dest.nlri);
    } else if (previous !== 0) {
      sent[slot] = 0;
      this.delta--;
      this.withdrawn.push(dest.nlri);
    }
  }
}

const SWEEP_MINIMUM = 4096;
const EMPTY = new Int32Array(0);

export class Rib {
  readonly routerId: string;
  readonly asn: number;
  readonly clusterId: string | undefined;
  private version = 0;
  private ebgpUp = 0;
  private readonly selfAddresses = new Set<string>();
  private readonly peers = new Map<string, Peer>();
  private readonly tables: [FamilyTable, FamilyTable] = [new FamilyTable('ipv4'), new FamilyTable('ipv6')];
  private readonly attrTable: AttrTable;
  /** Export results per (transform, source set, parameter): each transform runs once per set. */
  private derived = new Map<string, AttrSet>();
  private readonly localSet: AttrSet;
  private sweepAt = SWEEP_MINIMUM;
  private logWalks_ = 0;

  constructor(options: RibOptions) {
    if (options === null || typeof options !== 'object') throw new RibError('options: must be an object');
    requireId('routerId', options.routerId);
    this.routerId = options.routerId;
    this.asn = requireAsn('asn', options.asn);
    if (options.clusterId !== undefined) requireId('clusterId', options.clusterId);
    this.clusterId = options.clusterId;
    if (options.localAddresses !== undefined) {
      if (!Array.isArray(options.localAddresses)) throw new RibError('localAddresses: must be an array of addresses');
      options.localAddresses.forEach((a, i) => this.selfAddresses.add(requireAddress(`localAddresses[${i}]`, a)));
    }
    this.attrTable = new AttrTable({ asn: this.asn, routerId: this.routerId, clusterId: this.clusterId });
    this.localSet = this.attrTable.intern({ origin: 0, asPath: [], localPref: 100 });
  }

  // ------------------------------------------------------------ peers

  addPeer(options: PeerOptions): void {
    if (options === null || typeof options !== 'object') throw new RibError('peer: must be an object');
    const address = requireAddress('peer.address', options.address);
    const id = options.id ?? address;
    if (typeof id !== 'string' || id === '') throw new RibError(`peer.id: ${JSON.stringify(options.id)} must be a non-empty string`);
    if (this.peers.has(id)) throw new RibError(`peer.id: ${JSON.stringify(id)} is already configured`);
    const asn = requireAsn(`peer ${id}: asn`, options.asn);
    const ebgp = asn !== this.asn;
    if (options.ebgp !== undefined && options.ebgp !== ebgp) {
      throw new RibError(`peer ${id}: ebgp ${options.ebgp} contradicts asn ${asn} (ours is ${this.asn})`);
    }
    const rrClient = options.rrClient === true;
    if (rrClient && this.clusterId === undefined) throw new RibError(`peer ${id}: rrClient needs a clusterId on this speaker`);
    if (rrClient && ebgp) throw new RibError(`peer ${id}: rrClient is only for iBGP peers (asn ${asn} is external)`);
    const families = options.families ?? ['ipv4', 'ipv6'];
    if (!Array.isArray(families) || families.length === 0 || families.some((f) => f !== 'ipv4' && f !== 'ipv6')) {
      throw new RibError(`peer ${id}: families ${JSON.stringify(options.families)} must list ipv4 and/or ipv6`);
    }
    const nhs = options.nextHopSelf ?? {};
    const nextHopSelf: [string | undefined, string | undefined] = [undefined, undefined];
    for (const family of families) {
      const given = nhs[family];
      if (given === undefined) throw new RibError(`peer ${id}: nextHopSelf.${family} is required for family ${family}`);
      nextHopSelf[FAMILY_INDEX[family]] = requireAddress(`peer ${id}: nextHopSelf.${family}`, given, family);
    }
    for (const a of nextHopSelf) if (a !== undefined) this.selfAddresses.add(a);
    let routerId = '0.0.0.0';
    let routerIdNumber = 0;
    if (options.routerId !== undefined) {
      routerIdNumber = requireId(`peer ${id}: routerId`, options.routerId);
      routerId = options.routerId;
    }
    const peer: Peer = {
      id,
      address,
      asn,
      ebgp,
      rrClient,
      routerId,
      routerIdNumber,
      addressKey: addressOrderKey(address),
      nextHopSelf,
      families: [...new Set(families)],
      up: false,
      as4: true,
      negotiated: [false, false],
      sent: [EMPTY, EMPTY],
      sentCount: [0, 0],
      received: [0, 0],
      accepted: [0, 0],
      cursor: [0, 0],
      dump: [0, 0],
      ignoredUpdates: 0,
      stale: [null, null],
    };
    this.peers.set(id, peer);
  }

  /** peerDown (if up), drop its stale routes, and forget the peer. */
  removePeer(id: string): void {
    this.peerDown(id);
    this.purgeStale(id);
    this.peers.delete(id);
  }

  /** How many times the change log's compaction walked the peers (each walk is O(peers)). */
  get logWalks(): number {
    return this.logWalks_;
  }

  /** Entries of a family's change log not yet consumed by every peer, or kept until the next compaction. */
  changeLogLength(family: Family): number {
    return this.tables[familyIndex('family', family)].log.length;
  }

  /**
   * Changes whenever a flush may have something new for some peer: a change an iBGP peer may need (see
   * FamilyTable.lastIbgpLoud), any change while an eBGP peer is up, a session up, a refresh. A caller
   * that flushed every peer hasPending() named while the version was V may skip passes until it moves:
   * a full-mesh speaker learning 200 routes from 99 peers does not walk its 99 peers 200 times.
   */
  get outputVersion(): number {
    return this.version;
  }

  /** The session is Established: the peer gets a full-table dump and End-of-RIB at its next flush. */
  peerUp(id: string, options: PeerUpOptions = {}): void {
    const peer = this.requirePeer(id);
    if (peer.up) throw new RibError(`peer ${id}: already up (call peerDown first)`);
    if (options.routerId !== undefined) {
      peer.routerIdNumber = requireId(`peer ${id}: routerId`, options.routerId);
      peer.routerId = options.routerId;
    }
    if (peer.routerId === '0.0.0.0') throw new RibError(`peer ${id}: routerId is unknown (give it to addPeer or peerUp)`);
    const families = options.families ?? peer.families;
    if (!Array.isArray(families) || families.some((f) => f !== 'ipv4' && f !== 'ipv6')) {
      throw new RibError(`peer ${id}: families ${JSON.stringify(options.families)} must list ipv4 and/or ipv6`);
    }
    peer.up = true;
    peer.as4 = options.as4 ?? true;
    if (peer.ebgp) this.ebgpUp++;
    this.version++;
    for (const family of families) {
      if (!peer.families.includes(family)) continue; // never offered, cannot have been negotiated
      const fi = FAMILY_INDEX[family];
      if (peer.negotiated[fi]) continue;
      const table = this.tables[fi];
      peer.negotiated[fi] = true;
      peer.cursor[fi] = table.base + table.log.length;
      peer.dump[fi] = 1;
      table.minCursor = -1;
      peer.sent[fi] = new Int32Array(Math.max(64, table.dests.length));
      table.upPeers++;
    }
  }

  /**
   * The session is gone: all its routes leave the Adj-RIB-In and the Loc-RIB (best paths are
   * recomputed; other peers get withdrawals or replacements at their next flush; the FIB changes
   * come out of takeBestChanges), and its Adj-RIB-Out is forgotten. Families in
   * `options.retainStale` keep their routes, marked stale (RFC 4724 §4.2); any other family's routes,
   * stale ones included, go.
   */
  peerDown(id: string, options: PeerDownOptions = {}): void {
    const peer = this.requirePeer(id);
    if (!peer.up) return;
    const retain = options.retainStale ?? [];
    if (!Array.isArray(retain) || retain.some((f) => f !== 'ipv4' && f !== 'ipv6')) {
      throw new RibError(`peer ${id}: retainStale ${JSON.stringify(options.retainStale)} must list ipv4 and/or ipv6`);
    }
    for (let fi = 0; fi < 2; fi++) {
      const table = this.tables[fi];
      const keep = peer.negotiated[fi] && retain.includes(table.family);
      if (keep) {
        // Every path of the peer in this family becomes stale (already-stale ones stay stale: a second
        // restart before the first one's End-of-RIB).
        if (peer.received[fi] > 0) {
          const stale = peer.stale[fi] ?? new Set<Dest>();
          for (const dest of table.dests) {
            if (dest !== null && dest.head !== null && findPath(dest, peer) !== null) stale.add(dest);
          }
          peer.stale[fi] = stale.size > 0 ? stale : null;
        }
      } else {
        if (peer.received[fi] > 0) {
          const dests = table.dests;
          for (let i = 0; i < dests.length; i++) {
            const dest = dests[i];
            if (dest === null || dest.head === null) continue;
            const path = findPath(dest, peer);
            if (path === null) continue;
            unlink(dest, path);
            if (dest.head === null) table.emptyDests++;
            this.reselect(table, dest);
          }
        }
        peer.received[fi] = 0;
        peer.accepted[fi] = 0;
        peer.stale[fi] = null;
      }
      peer.sent[fi] = EMPTY;
      peer.sentCount[fi] = 0;
      if (peer.negotiated[fi]) {
        peer.negotiated[fi] = false;
        peer.dump[fi] = 0;
        table.minCursor = -1;
        table.upPeers--;
        if (table.upPeers === 0) resetLog(table);
      }
    }
    peer.up = false;
    if (peer.ebgp) this.ebgpUp--;
    this.version++;
  }

  /**
   * Removes the peer's remaining stale routes (RFC 4724 §4.2): of one family on its End-of-RIB, of
   * every family when the restart timer expires or the restarted peer does not preserve forwarding
   * state. The caller owns the clock. Returns how many routes went.
   */
  purgeStale(id: string, family?: Family): number {
    const peer = this.requirePeer(id);
    const only = family === undefined ? -1 : familyIndex('family', family);
    let purged = 0;
    for (let fi = 0; fi < 2; fi++) {
      if (only !== -1 && only !== fi) continue;
      const stale = peer.stale[fi];
      if (stale === null) continue;
      peer.stale[fi] = null;
      const table = this.tables[fi];
      for (const dest of stale) {
        const path = findPath(dest, peer);
        if (path === null) continue;
        unlink(dest, path);
        peer.received[fi]--;
        if (isEligible(path, this.selfAddresses)) peer.accepted[fi]--;
        if (dest.head === null) table.emptyDests++;
        this.reselect(table, dest);
        purged++;
      }
    }
    return purged;
  }

  /** Stale routes the peer still has (one family or all). */
  staleCount(id: string, family?: Family): number {
    const peer = this.requirePeer(id);
    if (family !== undefined) return peer.stale[familyIndex('family', family)]?.size ?? 0;
    return (peer.stale[0]?.size ?? 0) + (peer.stale[1]?.size ?? 0);
  }

  // ------------------------------------------------------------ input

  /**
   * One UPDATE's worth of routes from a peer for one family: `withdrawn` first, then `announced`
   * with `attrs` (RFC 4271 §4.3: a prefix in both is announced). For IPv6 the next hop is taken from
   * attrs.mpReach, for IPv4 from NEXT_HOP (or MP_REACH when it carries IPv4). Prefixes must be
   * canonical and of `family` (the codec guarantees both). The RIB keeps the Nlri objects of new
   * destinations and reuses them for output: do not mutate them afterwards. Routes of a family that
   * was not negotiated are ignored (RFC 4760 §7).
   * Routes that loop (RFC 4456 §8, RFC 4271 §9.1.2) or whose next hop is ours are kept in the
   * Adj-RIB-In (and replace an earlier route for the prefix, an implicit withdraw) but are never selected.
   */
  applyUpdate(peerId: string, family: Family, attrs: PathAttributes | null, announced: readonly Nlri[], withdrawn: readonly Nlri[]): void {
    const peer = this.requirePeer(peerId);
    if (!peer.up) throw new RibError(`peer ${peerId}: UPDATE for a peer that is not up`);
    const fi = familyIndex('family', family);
    if (!peer.negotiated[fi]) {
      peer.ignoredUpdates++;
      return;
    }
    const table = this.tables[fi];
    const locRib = table.locRib;
    const self = this.selfAddresses;
    // RFC 4724 §4.2: what the restarted peer sends again replaces its stale route (no longer stale).
    const stale = peer.stale[fi];
    for (let i = 0; i < withdrawn.length; i++) {
      const dest = locRib.get(withdrawn[i].prefix);
      if (dest === undefined) continue;
      const old = findPath(dest, peer);
      if (old === null) continue;
      if (stale !== null) stale.delete(dest);
      unlink(dest, old);
      peer.received[fi]--;
      if (isEligible(old, self)) peer.accepted[fi]--;
      if (dest.head === null) table.emptyDests++;
      this.reselect(table, dest);
    }
    if (announced.length === 0) return;
    if (attrs === null || typeof attrs !== 'object') throw new RibError('attrs: announced routes need path attributes');
    // Once per UPDATE: every prefix below shares this one interned set.
    const set = this.attrTable.intern(normalizeReceived(attrs, family, peer));
    const eligible = set.loop === null && !self.has(set.nextHop as string);
    const dests = table.dests;
    const freeSlots = table.freeSlots;
    let received = 0;
    let accepted = 0;
    for (let i = 0; i < announced.length; i++) {
      const nlri = announced[i];
      const prefix = nlri.prefix;
      let dest = locRib.get(prefix);
      if (dest === undefined) {
        // New prefix (the bulk of a table transfer): one path, selected if usable.
        const path: Path<Peer> = { peer, attrs: set, next: null };
        const slot = freeSlots.length > 0 ? (freeSlots.pop() as number) : dests.length;
        dest = { nlri: nlri.pathId === undefined ? nlri : { prefix }, slot, head: path, best: null, seq: -1, fib: null, dirty: false };
        dests[slot] = dest;
        locRib.set(prefix, dest);
        received++;
        if (eligible) {
          accepted++;
          this.setBest(table, dest, path);
        }
        continue;
      }
      let old: Path<Peer> | null = null;
      if (dest.head === null) {
        table.emptyDests--;
      } else {
        old = findPath(dest, peer);
        if (old !== null && stale !== null) stale.delete(dest);
        if (old !== null && old.attrs === set) continue; // identical re-announcement
      }
      const path: Path<Peer> = { peer, attrs: set, next: null };
      if (old !== null) {
        replace(dest, old, path);
        if (isEligible(old, self)) accepted--;
      } else {
        path.next = dest.head;
        dest.head = path;
        received++;
      }
      if (eligible) accepted++;
      this.reselect(table, dest);
    }
    peer.received[fi] += received;
    peer.accepted[fi] += accepted;
    if (this.attrTable.size > this.sweepAt) this.sweep();
  }

  /** Announce prefixes as ours (Calico pod blocks). Validated first: a bad prefix changes nothing. */
  originate(prefixes: readonly string[]): void {
    const parsed = this.parsePrefixes('originate', prefixes);
    for (const { prefix, family } of parsed) {
      const table = this.tables[FAMILY_INDEX[family]];
      if (table.local.has(prefix)) continue;
      const path: Path<Peer> = { peer: null, attrs: this.localSet, next: null };
      table.local.set(prefix, path);
      let dest = table.locRib.get(prefix);
      if (dest === undefined) dest = this.newDest(table, { prefix });
      else if (dest.head === null) table.emptyDests--;
      path.next = dest.head;
      dest.head = path;
      this.reselect(table, dest);
    }
  }

  /** Stop announcing prefixes we originated (others are ignored). */
  withdrawOriginated(prefixes: readonly string[]): void {
    const parsed = this.parsePrefixes('withdrawOriginated', prefixes);
    for (const { prefix, family } of parsed) {
      const table = this.tables[FAMILY_INDEX[family]];
      const path = table.local.get(prefix);
      if (path === undefined) continue;
      table.local.delete(prefix);
      const dest = table.locRib.get(prefix) as Dest;
      unlink(dest, path);
      if (dest.head === null) table.emptyDests++;
      this.reselect(table, dest);
    }
  }

  /** Prefixes we originate, per family. */
  originated(family?: Family): string[] {
    const out: string[] = [];
    for (const table of this.tables) if (family === undefined || table.family === family) out.push(...table.local.keys());
    return out;
  }

  // ------------------------------------------------------------ output

  /**
   * Best-path changes since the last call, coalesced per prefix and grouped by (op, peer, next hop).
   * A change that only touches attributes other than the next hop, or that is undone before this
   * call, is not reported.
   */
  takeBestChanges(): BestChangeGroup[] {
    const out: BestChangeGroup[] = [];
    for (const table of this.tables) {
      const dirty = table.dirty;
      if (dirty.length === 0) continue;
      table.dirty = [];
      const family = table.family;
      const groups = new Map<string, BestChangeGroup>();
      let lastOp = '';
      let lastPath: Path<Peer> | null = null;
      let lastGroup: BestChangeGroup | null = null;
      for (let i = 0; i < dirty.length; i++) {
        const dest = dirty[i];
        dest.dirty = false;
        const before = dest.fib;
        const after = dest.best;
        if (before === after) continue;
        dest.fib = after;
        let op: BestChangeGroup['op'];
        let path: Path<Peer>;
        if (after === null) {
          op = 'del';
          path = before as Path<Peer>;
        } else if (before === null) {
          op = 'add';
          path = after;
        } else if (before.peer !== after.peer || before.attrs.nextHop !== after.attrs.nextHop) {
          op = 'replace';
          path = after;
        } else {
          continue;
        }
        if (op !== lastOp || lastPath === null || path.peer !== lastPath.peer || path.attrs.nextHop !== lastPath.attrs.nextHop) {
          const local = path.peer === null;
          const nextHop = local ? null : (path.attrs.nextHop ?? null);
          const peer = local ? null : (path.peer as Peer).address;
          const key = `${op}|${peer}|${nextHop}`;
          let group = groups.get(key);
          if (group === undefined) {
            group = { op, family, nextHop, peer, local, prefixes: [] };
            groups.set(key, group);
            out.push(group);
          }
          lastOp = op;
          lastPath = path;
          lastGroup = group;
        }
        (lastGroup as BestChangeGroup).prefixes.push(dest.nlri.prefix);
      }
    }
    return out;
  }

  /**
   * Everything the peer must be sent now, against what it was already sent (its Adj-RIB-Out):
   * withdrawals, announcements grouped by interned attribute set, and End-of-RIB for each family
   * whose full-table dump (after peerUp or dumpFor) this batch completes. Empty when the peer is down.
   */
  flush(peerId: string): OutboundBatch {
    const peer = this.requirePeer(peerId);
    const batch: OutboundBatch = { withdraw: [], announce: [], endOfRib: [] };
    if (!peer.up) return batch;
    for (let fi = 0; fi < 2; fi++) {
      if (!peer.negotiated[fi]) continue;
      const table = this.tables[fi];
      if (peer.sent[fi].length < table.dests.length) {
        const grown = new Int32Array(Math.max(table.dests.length, peer.sent[fi].length * 2));
        grown.set(peer.sent[fi]);
        peer.sent[fi] = grown;
      }
      const builder = new BatchBuilder(peer.sent[fi]);
      const oldCursor = peer.dump[fi] === 0 ? peer.cursor[fi] : -1; // -1: not consuming the log
      if (peer.dump[fi] !== 0) {
        this.dump(peer, fi, builder, peer.dump[fi] === 2);
        peer.dump[fi] = 0;
        batch.endOfRib.push(table.family);
      } else {
        this.scanLog(peer, fi, builder);
      }
      peer.sentCount[fi] += builder.delta;
      const end = table.base + table.log.length;
      peer.cursor[fi] = end;
      if (end > table.flushedTo) table.flushedTo = end;
      if (builder.withdrawn.length > 0) batch.withdraw.push({ family: table.family, prefixes: builder.withdrawn });
      for (const [attrs, prefixes] of builder.groups) batch.announce.push({ family: table.family, attrs, prefixes });
      // The lowest cursor moves only when the last peer at it leaves it; until then compacting finds
      // nothing more to drop than it did last time.
      if (table.minCursor < 0 || table.atMin <= 0) this.compact(table, fi);
      else if (oldCursor === table.minCursor) {
        if (--table.atMin === 0) this.compact(table, fi);
      } else if (oldCursor < 0 && end === table.minCursor) table.atMin++;
    }
    return batch;
  }

  /**
   * Resend the table to the peer at its next flush, followed by End-of-RIB (ROUTE-REFRESH, RFC 2918
   * §4: answered from the Adj-RIB-Out, so every advertised prefix goes out again). Default: every
   * negotiated family.
   */
  dumpFor(peerId: string, families?: Family[]): void {
    const peer = this.requirePeer(peerId);
    if (!peer.up) return;
    for (const family of families ?? FAMILIES) {
      const fi = familyIndex('families', family);
      if (peer.negotiated[fi]) {
        peer.dump[fi] = 2;
        this.tables[fi].minCursor = -1;
      }
    }
    this.version++;
  }

  /** True when flush(peerId) may have something to send. */
  hasPending(peerId: string): boolean {
    const peer = this.requirePeer(peerId);
    if (!peer.up) return false;
    for (let fi = 0; fi < 2; fi++) {
      if (!peer.negotiated[fi]) continue;
      const table = this.tables[fi];
      if (peer.dump[fi] !== 0) return true;
      const cursor = peer.cursor[fi];
      if (cursor < table.base + table.log.length && (peer.ebgp || table.lastIbgpLoud >= cursor)) return true;
    }
    return false;
  }

  /**
   * Moves every iBGP peer past log entries that are all quiet for it (see FamilyTable.lastIbgpLoud), as
   * a flush would with nothing to send, so the log can be compacted. Call once per processing pass,
   * after flushing the peers hasPending() named. O(peers), no scan of the log, and only once at least
   * QUIET_SKIP_MIN entries came since the last time: a few quiet entries may wait in the log.
   */
  skipQuietChanges(): void {
    for (let fi = 0; fi < 2; fi++) {
      const table = this.tables[fi];
      const end = table.base + table.log.length;
      if (end - table.quietSkippedTo < QUIET_SKIP_MIN) continue;
      table.quietSkippedTo = end;
      let moved = false;
      for (const peer of this.peers.values()) {
        if (!peer.up || !peer.negotiated[fi] || peer.dump[fi] !== 0 || peer.ebgp) continue;
        const cursor = peer.cursor[fi];
        if (cursor < end && table.lastIbgpLoud < cursor) {
          peer.cursor[fi] = end;
          table.minCursor = -1;
          moved = true;
        }
      }
      if (!moved) continue;
      if (end > table.flushedTo) table.flushedTo = end;
      this.compact(table, fi);
    }
  }

  // ------------------------------------------------------------ inspection

  /** Every path of the Loc-RIB (all peers' accepted and rejected routes, and ours), with the best flag. */
  routes(family?: Family): RouteEntry[] {
    const out: RouteEntry[] = [];
    for (const table of this.tables) {
      if (family !== undefined && table.family !== family) continue;
      const fi = FAMILY_INDEX[table.family];
      for (const dest of table.locRib.values()) {
        for (let p = dest.head; p !== null; p = p.next) {
          const local = p.peer === null;
          out.push({
            prefix: dest.nlri.prefix,
            family: table.family,
            nextHop: local ? null : (p.attrs.nextHop ?? null),
            peer: local ? null : (p.peer as Peer).address,
            local,
            best: p === dest.best,
            rejected: local ? null : (p.attrs.loop ?? (this.selfAddresses.has(p.attrs.nextHop as string) ? 'next-hop-is-ours' : null)),
            stale: !local && ((p.peer as Peer).stale[fi]?.has(dest) ?? false),
            attributes: p.attrs.attrs,
          });
        }
      }
    }
    return out;
  }

  /** The best path of one prefix, or undefined. */
  best(prefix: string): { peer: string | null; attrs: AttrSet } | undefined {
    const family: Family = prefix.includes(':') ? 'ipv6' : 'ipv4';
    const best = this.tables[FAMILY_INDEX[family]].locRib.get(prefix)?.best;
    if (best === undefined || best === null) return undefined;
    return { peer: best.peer === null ? null : best.peer.address, attrs: best.attrs };
  }

  /** What the peer sent us for a family (its Adj-RIB-In): prefix to interned attributes. */
  adjRibIn(peerId: string, family: Family): Map<string, AttrSet> {
    const peer = this.requirePeer(peerId);
    const out = new Map<string, AttrSet>();
    for (const dest of this.tables[familyIndex('family', family)].locRib.values()) {
      const path = findPath(dest, peer);
      if (path !== null) out.set(dest.nlri.prefix, path.attrs);
    }
    return out;
  }

  /** What the peer has been sent (as of its last flush) for a family (its Adj-RIB-Out). */
  adjRibOut(peerId: string, family: Family): Map<string, AttrSet> {
    const peer = this.requirePeer(peerId);
    const fi = familyIndex('family', family);
    const sent = peer.sent[fi];
    const dests = this.tables[fi].dests;
    const out = new Map<string, AttrSet>();
    for (let slot = 0; slot < sent.length; slot++) {
      if (sent[slot] === 0) continue;
      out.set((dests[slot] as Dest).nlri.prefix, this.attrTable.get(sent[slot]) as AttrSet);
    }
    return out;
  }

  /** Per-peer counts for the control socket's status. */
  peerStats(peerId: string): PeerRibStats {
    const peer = this.requirePeer(peerId);
    return {
      received: peer.received[0] + peer.received[1],
      accepted: peer.accepted[0] + peer.accepted[1],
      sent: peer.sentCount[0] + peer.sentCount[1],
    };
  }

  /** Loc-RIB prefixes with a best path, per family. */
  stats(): Record<Family, { routes: number }> {
    return { ipv4: { routes: this.tables[0].bestCount }, ipv6: { routes: this.tables[1].bestCount } };
  }

  /** Distinct attribute sets currently interned. */
  get attributeSets(): number {
    return this.attrTable.size;
  }

  // ------------------------------------------------------------ internals

  private requirePeer(id: string): Peer {
    const peer = this.peers.get(id);
    if (peer === undefined) throw new RibError(`peer: ${JSON.stringify(id)} is not configured`);
    return peer;
  }

  private parsePrefixes(field: string, prefixes: readonly string[]): Array<{ prefix: string; family: Family }> {
    if (!Array.isArray(prefixes)) throw new RibError(`${field}: must be an array of prefixes`);
    return prefixes.map((p, i) => requirePrefix(`${field}[${i}]`, p));
  }

  private newDest(table: FamilyTable, nlri: Nlri): Dest {
    const slot = table.freeSlots.length > 0 ? (table.freeSlots.pop() as number) : table.dests.length;
    const dest: Dest = { nlri, slot, head: null, best: null, seq: -1, fib: null, dirty: false };
    table.dests[slot] = dest;
    table.locRib.set(nlri.prefix, dest);
    return dest;
  }

  /** Runs the decision process for one destination and records a change of best path. */
  private reselect(table: FamilyTable, dest: Dest): void {
    const best = selectBest(dest.head, this.selfAddresses);
    if (best !== dest.best) this.setBest(table, dest, best);
  }

  /** Records a new best path: FIB change pending, and a log entry for the peers. */
  private setBest(table: FamilyTable, dest: Dest, best: Path<Peer> | null): void {
    const loud = this.clusterId !== undefined || exportedToIbgp(dest.best) || exportedToIbgp(best);
    if (dest.best === null) table.bestCount++;
    else if (best === null) table.bestCount--;
    dest.best = best;
    if (!dest.dirty) {
      dest.dirty = true;
      table.dirty.push(dest);
    }
    // One log entry serves every peer that has not yet consumed it: append only when someone has.
    if (table.upPeers > 0 && dest.seq < table.flushedTo) {
      dest.seq = table.base + table.log.length;
      table.log.push(dest);
    }
    // The destination's entry (new, or one no peer has consumed yet) now carries a loud change.
    if (loud && dest.seq > table.lastIbgpLoud) table.lastIbgpLoud = dest.seq;
    if (loud || this.ebgpUp > 0) this.version++;
  }

  /**
   * What `peer` should have advertised for a destination whose best path is `best`; null = nothing.
   * RFC 4456 §6 and RFC 4271 §9.2 (iBGP split horizon), §5.1 (eBGP).
   */
  private exportFor(peer: Peer, fi: number, best: Path<Peer>): AttrSet | null {
    const source = best.peer;
    // Never back to the peer the route came from (RFC 4456 §6 for reflection; pointless otherwise).
    if (source === peer) return null;
    if (source === null) {
      const nextHop = peer.nextHopSelf[fi] as string;
      return this.derive(`L${peer.ebgp ? 'e' : 'i'}${nextHop}`, () => originatedAttrs(peer.ebgp, this.asn, nextHop));
    }
    const attrs = best.attrs;
    if (peer.ebgp) {
      const nextHop = peer.nextHopSelf[fi] as string;
      return this.derive(`E${attrs.id}|${nextHop}`, () => ebgpExportAttrs(attrs.attrs, this.asn, nextHop));
    }
    // iBGP target. Routes from eBGP go to every iBGP peer unchanged (next hop included).
    if (source.ebgp) return attrs;
    // iBGP-learned: only by reflection (RFC 4271 §9.2 split horizon otherwise). RFC 4456 §6: from a
    // client to all other clients and non-clients; from a non-client to clients only.
    if (this.clusterId === undefined || (!source.rrClient && !peer.rrClient)) return null;
    const clusterId = this.clusterId;
    const out = this.derive(`R${attrs.id}|${source.routerId}`, () => reflectedAttrs(attrs.attrs, source.routerId, clusterId));
    // The peer would ignore it (RFC 4456 §8: ORIGINATOR_ID is its own id): do not send it.
    if (out.attrs.originatorId === peer.routerId) return null;
    return out;
  }

  private derive(key: string, make: () => PathAttributes): AttrSet {
    let set = this.derived.get(key);
    if (set === undefined) {
      set = this.attrTable.intern(make());
      this.derived.set(key, set);
    }
    return set;
  }

  /** Incremental: the destinations changed since the peer's cursor, latest entry of each only. */
  private scanLog(peer: Peer, fi: number, builder: BatchBuilder): void {
    const table = this.tables[fi];
    const log = table.log;
    const base = table.base;
    let memoAttrs: AttrSet | null = null;
    let memoSource: Peer | null | undefined;
    let memoOut: AttrSet | null = null;
    for (let i = Math.max(0, peer.cursor[fi] - base); i < log.length; i++) {
      const dest = log[i];
      if (dest.seq !== base + i) continue; // a later entry for the same destination follows
      const best = dest.best;
      let desired: AttrSet | null = null;
      if (best !== null) {
        if (best.attrs !== memoAttrs || best.peer !== memoSource) {
          memoAttrs = best.attrs;
          memoSource = best.peer;
          memoOut = this.exportFor(peer, fi, best);
        }
        desired = memoOut;
      }
      builder.apply(dest, desired, false);
    }
  }

  /** Full table for one family (new session or ROUTE-REFRESH), against the Adj-RIB-Out. */
  private dump(peer: Peer, fi: number, builder: BatchBuilder, resend: boolean): void {
    const dests = this.tables[fi].dests;
    let memoAttrs: AttrSet | null = null;
    let memoSource: Peer | null | undefined;
    let memoOut: AttrSet | null = null;
    for (let i = 0; i < dests.length; i++) {
      const dest = dests[i];
      if (dest === null) continue;
      const best = dest.best;
      let desired: AttrSet | null = null;
      if (best !== null) {
        if (best.attrs !== memoAttrs || best.peer !== memoSource) {
          memoAttrs = best.attrs;
          memoSource = best.peer;
          memoOut = this.exportFor(peer, fi, best);
        }
        desired = memoOut;
      }
      builder.apply(dest, desired, resend);
    }
  }

  /** Drops log entries every peer has consumed; frees empty destinations no peer still holds. */
  private compact(table: FamilyTable, fi: number): void {
    this.logWalks_++;
    if (table.upPeers === 0) {
      table.minCursor = -1;
      resetLog(table);
    } else {
      const end = table.base + table.log.length;
      let min = end;
      let atMin = 0;
      for (const peer of this.peers.values()) {
        // A peer waiting for a full dump does not need the log.
        if (!peer.up || !peer.negotiated[fi] || peer.dump[fi] !== 0) continue;
        const c = peer.cursor[fi];
        if (c < min) {
          min = c;
          atMin = 1;
        } else if (c === min) atMin++;
      }
      table.minCursor = min;
      table.atMin = atMin;
      const consumed = min - table.base;
      if (consumed > 0 && consumed === table.log.length) {
        table.log = [];
        table.base = min;
      } else if (consumed >= 1024 && consumed * 2 >= table.log.length) {
        table.log = table.log.slice(consumed);
        table.base = min;
      }
    }
    // Only once every peer has consumed the log: then nothing but a pending FIB report or a peer's
    // Adj-RIB-Out can still refer to an empty destination, and a pass frees all that can be freed.
    if (table.log.length === 0 && table.emptyDests >= table.reclaimAt) this.reclaim(table, fi);
  }

  /**
   * Frees the slots of destinations that lost all their paths once nothing refers to them: no path,
   * no unreported FIB change, no unconsumed log entry, no peer that was sent the prefix.
   */
  private reclaim(table: FamilyTable, fi: number): void {
    const up: Peer[] = [];
    for (const peer of this.peers.values()) if (peer.up && peer.negotiated[fi]) up.push(peer);
    const dests = table.dests;
    for (let slot = 0; slot < dests.length; slot++) {
      const dest = dests[slot];
      if (dest === null || dest.head !== null || dest.dirty || dest.fib !== null) continue;
      if (dest.seq >= table.base) continue; // still in the log
      if (up.some((p) => slot < p.sent[fi].length && p.sent[fi][slot] !== 0)) continue;
      dests[slot] = null;
      table.locRib.delete(dest.nlri.prefix);
      table.freeSlots.push(slot);
      table.emptyDests--;
    }
    table.reclaimAt = Math.max(1024, table.emptyDests * 2);
  }

  /**
   * Forgets attribute sets nothing references any more (after churn). Runs when the table has grown
   * to twice what was live at the previous sweep, so its cost is amortized over the interning.
   */
  private sweep(): void {
    const live = new Set<number>([this.localSet.id]);
    for (const table of this.tables) {
      for (const dest of table.dests) {
        if (dest === null) continue;
        for (let p = dest.head; p !== null; p = p.next) live.add(p.attrs.id);
      }
    }
    for (const peer of this.peers.values()) {
      for (let fi = 0; fi < 2; fi++) for (const id of peer.sent[fi]) if (id !== 0) live.add(id);
    }
    this.attrTable.retain(live);
    this.derived = new Map();
    this.sweepAt = Math.max(SWEEP_MINIMUM, live.size * 2);
  }
}

function familyIndex(field: string, family: unknown): 0 | 1 {
  if (family === 'ipv4') return 0;
  if (family === 'ipv6') return 1;
  throw new RibError(`${field}: ${JSON.stringify(family)} is not ipv4 or ipv6`);
}

function findPath(dest: Dest, peer: Peer): Path<Peer> | null {
  for (let p = dest.head; p !== null; p = p.next) if (p.peer === peer) return p;
  return null;
}

function unlink(dest: Dest, path: Path<Peer>): void {
  if (dest.head === path) {
    dest.head = path.next;
    return;
  }
  for (let p = dest.head; p !== null; p = p.next) {
    if (p.next === path) {
      p.next = path.next;
      return;
    }
  }
}

function replace(dest: Dest, old: Path<Peer>, path: Path<Peer>): void {
  path.next = old.next;
  if (dest.head === old) {
    dest.head = path;
    return;
  }
  for (let p = dest.head; p !== null; p = p.next) {
    if (p.next === old) {
      p.next = path;
      return;
    }
  }
}

/** Log entries that may wait before skipQuietChanges() walks the peers (bounds a quiet log's growth). */
const QUIET_SKIP_MIN = 256;

/** A best path an iBGP peer is sent when we do not reflect: ours, or learned over eBGP (RFC 4271 §9.2). */
function exportedToIbgp(best: Path<Peer> | null): boolean {
  return best !== null && (best.peer === null || best.peer.ebgp);
}

function resetLog(table: FamilyTable): void {
  table.base += table.log.length;
  table.log = [];
  table.flushedTo = table.base;
}
