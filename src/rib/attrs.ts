/**
 * Interned attribute sets. Every distinct set of path attributes the RIB holds exists once, as a
 * frozen AttrSet with a stable numeric id and a string key, so that routes sharing attributes share one
 * object: the decision process reads precomputed fields instead of walking attributes per prefix, the
 * export transforms (reflection, eBGP) run once per set and peer, and the speaker can encode an
 * attribute block once per set.
 */
import type { AsPathSegment, Family, PathAttributes, UnknownAttribute } from '../wire/types.js';
import { ipv4ToNumber } from './address.js';

/** Why a received route is kept in the Adj-RIB-In but never considered by the decision process. */
export type RejectReason =
  /** RFC 4456 §8: ORIGINATOR_ID equals our BGP identifier. */
  | 'originator-id-is-ours'
  /** RFC 4456 §8: our CLUSTER_ID is in the CLUSTER_LIST. */
  | 'cluster-loop'
  /** RFC 4271 §9.1.2: our AS appears in the AS_PATH. */
  | 'as-path-loop'
  /** RFC 4271 §9.1.2: NEXT_HOP is one of our own addresses. */
  | 'next-hop-is-ours'
  /** No NEXT_HOP (or MP_REACH next hop) for the route's family. */
  | 'no-next-hop';

/** One interned attribute set. Frozen; compare by identity. */
export interface AttrSet {
  /** Stable for the life of the set (never reused while the set is referenced). */
  readonly id: number;
  /** Canonical text of the attributes: equal keys, equal attributes. */
  readonly key: string;
  /** The attributes, deep-frozen. `nextHop` holds the next hop of the route's family (IPv4 or IPv6
   *  global); MP_REACH/MP_UNREACH, AS4_PATH and AS4_AGGREGATOR are never present. */
  readonly attrs: Readonly<PathAttributes>;
  // Decision-process inputs, computed once (RFC 4271 §9.1.2.2, RFC 4456 §9).
  readonly nextHop: string | undefined;
  readonly localPref: number;
  /** AS_SET counts 1, AS_CONFED_* count 0 (RFC 4271 §9.1.2.2 a, RFC 5065 §5.3). */
  readonly asPathLength: number;
  readonly origin: number;
  /** Missing MED counts as 0, the lowest (RFC 4271 §9.1.2.2 c). */
  readonly med: number;
  /** First AS of the path, or our own AS when the path is empty (RFC 4271 §9.1.2.2 c). */
  readonly neighborAs: number;
  /** ORIGINATOR_ID as a number, or -1 when absent. */
  readonly originatorId: number;
  readonly clusterListLength: number;
  /** Loop or missing next hop found when interned; null = usable. */
  readonly loop: RejectReason | null;
}

/** The speaker identity the table checks loops against. */
export interface LoopContext {
  asn: number;
  routerId: string;
  clusterId: string | undefined;
}

const AS_TRANS = 23456;

function pathKey(segments: readonly AsPathSegment[] | undefined): string {
  if (segments === undefined) return '';
  let k = '';
  for (const s of segments) k += s.type + ':' + s.asns.join(',') + ';';
  return k;
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

/** Canonical text of a normalized attribute set (no MP_* and no AS4_* fields). */
export function attrKey(a: PathAttributes): string {
  let k = `${a.origin ?? ''}|${pathKey(a.asPath)}|${a.nextHop ?? ''}|${a.med ?? ''}|${a.localPref ?? ''}|${a.atomicAggregate ? 1 : ''}|`;
  if (a.aggregator !== undefined) k += a.aggregator.asn + '@' + a.aggregator.address;
  k += '|';
  if (a.communities !== undefined) k += a.communities.join(',');
  k += '|' + (a.originatorId ?? '') + '|';
  if (a.clusterList !== undefined) k += a.clusterList.join(',');
  k += '|';
  if (a.extendedCommunities !== undefined) k += a.extendedCommunities.map(hex).join(',');
  k += '|';
  if (a.largeCommunities !== undefined) k += a.largeCommunities.map((c) => c.join(':')).join(',');
  k += '|';
  if (a.unknown !== undefined) for (const u of a.unknown) k += `${u.flags}/${u.code}/${hex(u.value)};`;
  return k;
}

function asPathLength(segments: readonly AsPathSegment[] | undefined): number {
  let n = 0;
  if (segments === undefined) return 0;
  for (const s of segments) {
    if (s.type === 2) n += s.asns.length;
    else if (s.type === 1) n += 1;
    // AS_CONFED_SEQUENCE / AS_CONFED_SET: not counted (RFC 5065 §5.3).
  }
  return n;
}

function firstAs(segments: readonly AsPathSegment[] | undefined): number | undefined {
  if (segments === undefined) return undefined;
  for (const s of segments) {
    if ((s.type === 1 || s.type === 2) && s.asns.length > 0) return s.asns[0];
  }
  return undefined;
}

function pathContains(segments: readonly AsPathSegment[] | undefined, asn: number): boolean {
  if (segments === undefined) return false;
  for (const s of segments) if ((s.type === 1 || s.type === 2) && s.asns.includes(asn)) return true;
  return false;
}

/** A deep copy, frozen, so no caller can change an interned set behind our back. */
function frozenCopy(a: PathAttributes): Readonly<PathAttributes> {
  const c: PathAttributes = {};
  if (a.origin !== undefined) c.origin = a.origin;
  if (a.asPath !== undefined) c.asPath = Object.freeze(a.asPath.map((s) => Object.freeze({ type: s.type, asns: Object.freeze([...s.asns]) }))) as AsPathSegment[];
  if (a.nextHop !== undefined) c.nextHop = a.nextHop;
  if (a.med !== undefined) c.med = a.med;
  if (a.localPref !== undefined) c.localPref = a.localPref;
  if (a.atomicAggregate) c.atomicAggregate = true;
  if (a.aggregator !== undefined) c.aggregator = Object.freeze({ ...a.aggregator });
  if (a.communities !== undefined) c.communities = Object.freeze([...a.communities]) as number[];
  if (a.originatorId !== undefined) c.originatorId = a.originatorId;
  if (a.clusterList !== undefined) c.clusterList = Object.freeze([...a.clusterList]) as string[];
  // Buffers cannot be frozen; copies keep the caller from aliasing ours.
  if (a.extendedCommunities !== undefined) c.extendedCommunities = Object.freeze(a.extendedCommunities.map((b) => Buffer.from(b))) as Buffer[];
  if (a.largeCommunities !== undefined) c.largeCommunities = Object.freeze(a.largeCommunities.map((l) => Object.freeze([...l]))) as Array<[number, number, number]>;
  if (a.unknown !== undefined) c.unknown = Object.freeze(a.unknown.map((u) => Object.freeze({ flags: u.flags, code: u.code, value: Buffer.from(u.value) }))) as UnknownAttribute[];
  return Object.freeze(c);
}

/** The interning table: one AttrSet per distinct key. */
export class AttrTable {
  private readonly byKey = new Map<string, AttrSet>();
  private readonly byId = new Map<number, AttrSet>();
  private nextId = 1;

  constructor(private readonly ctx: LoopContext) {}

  get size(): number {
    return this.byKey.size;
  }

  /** Returns the shared set equal to `a` (normalized attributes), creating it when new. */
  intern(a: PathAttributes): AttrSet {
    const key = attrKey(a);
    const found = this.byKey.get(key);
    if (found !== undefined) return found;
    const attrs = frozenCopy(a);
    let loop: RejectReason | null = null;
    if (attrs.nextHop === undefined) loop = 'no-next-hop';
    else if (attrs.originatorId !== undefined && attrs.originatorId === this.ctx.routerId) loop = 'originator-id-is-ours';
    else if (this.ctx.clusterId !== undefined && attrs.clusterList?.includes(this.ctx.clusterId)) loop = 'cluster-loop';
    else if (pathContains(attrs.asPath, this.ctx.asn)) loop = 'as-path-loop';
    const set: AttrSet = Object.freeze({
      id: this.nextId++,
      key,
      attrs,
      nextHop: attrs.nextHop,
      localPref: attrs.localPref ?? 100,
      asPathLength: asPathLength(attrs.asPath),
      origin: attrs.origin ?? 2,
      med: attrs.med ?? 0,
      neighborAs: firstAs(attrs.asPath) ?? this.ctx.asn,
      originatorId: attrs.originatorId !== undefined ? (ipv4ToNumber(attrs.originatorId) ?? -1) : -1,
      clusterListLength: attrs.clusterList?.length ?? 0,
      loop,
    });
    this.byKey.set(key, set);
    this.byId.set(set.id, set);
    return set;
  }

  /** The set with this id, while it is interned. */
  get(id: number): AttrSet | undefined {
    return this.byId.get(id);
  }

  /** Keeps only the sets whose ids `live` holds (a sweep after churn); kept sets keep their ids. */
  retain(live: Set<number>): void {
    for (const [key, set] of this.byKey) {
      if (!live.has(set.id)) {
        this.byKey.delete(key);
        this.byId.delete(set.id);
      }
    }
  }
}

// ---------------------------------------------------------------- normalization and transforms

/**
 * RFC 6793 §4.2.3: rebuild the 4-octet AS_PATH from AS_PATH and AS4_PATH received from a 2-octet
 * (OLD) speaker. Leading ASes of AS_PATH that AS4_PATH lacks are kept in front.
 */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): AsPathSegment[] {
  const have = asPathLength(asPath);
  const want = asPathLength(as4Path);
  if (have < want) return asPath.map((s) => ({ type: s.type, asns: [...s.asns] }));
  let keep = have - want;
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (keep <= 0) break;
    if (s.type === 2) {
      const take = s.asns.slice(0, keep);
      out.push({ type: 2, asns: take });
      keep -= take.length;
    } else if (s.type === 1) {
      out.push({ type: 1, asns: [...s.asns] });
      keep -= 1;
    } else {
      out.push({ type: s.type, asns: [...s.asns] });
    }
  }
  as4Path.forEach((s, i) => {
    const last = out[out.length - 1];
    // Join the kept leading ASes and AS4_PATH's first sequence into one segment, as they were sent.
    if (i === 0 && last !== undefined && last.type === 2 && s.type === 2 && last.asns.length + s.asns.length <= 255) {
      last.asns.push(...s.asns);
    } else {
      out.push({ type: s.type, asns: [...s.asns] });
    }
  });
  return out;
}

const AFI_OF: Record<Family, number> = { ipv4: 1, ipv6: 2 };

/** What the RIB knows about the session an UPDATE came in on. */
export interface ReceiveContext {
  ebgp: boolean;
  /** The 4-octet AS capability was negotiated (RFC 6793). */
  as4: boolean;
}

/**
 * The attributes of a received UPDATE as the RIB stores them (not yet interned, may share arrays
 * with `raw`): the family's next hop in `nextHop`, MP_* removed, AS4_* merged (RFC 6793 §4.2.3) or
 * discarded between 4-octet speakers (RFC 6793 §6), LOCAL_PREF set to our default degree of
 * preference for eBGP routes (RFC 4271 §5.1.5: a received one is ignored), ORIGINATOR_ID and
 * CLUSTER_LIST ignored from eBGP (RFC 7606 §7.9, §7.10), non-transitive unknown attributes dropped
 * and transitive ones marked Partial (RFC 4271 §5, §9).
 */
export function normalizeReceived(raw: PathAttributes, family: Family, ctx: ReceiveContext): PathAttributes {
  const a: PathAttributes = {};
  if (raw.origin !== undefined) a.origin = raw.origin;
  let asPath = raw.asPath ?? [];
  if (!ctx.as4 && raw.as4Path !== undefined) {
    // RFC 6793 §4.2.3: AS4_PATH is ignored when AGGREGATOR holds a real (non-AS_TRANS) AS.
    const aggregatorReal = raw.aggregator !== undefined && raw.aggregator.asn !== AS_TRANS;
    if (!aggregatorReal) asPath = mergeAs4Path(asPath, raw.as4Path);
  }
  a.asPath = asPath;
  const mp = raw.mpReach;
  const nextHop = mp !== undefined && mp.afi === AFI_OF[family] ? mp.nextHops[0] : raw.nextHop;
  if (nextHop !== undefined) a.nextHop = nextHop;
  if (raw.med !== undefined) a.med = raw.med;
  a.localPref = ctx.ebgp ? 100 : (raw.localPref ?? 100);
  if (raw.atomicAggregate) a.atomicAggregate = true;
  let aggregator = raw.aggregator;
  if (!ctx.as4 && raw.as4Aggregator !== undefined && aggregator !== undefined && aggregator.asn === AS_TRANS) {
    aggregator = raw.as4Aggregator;
  }
  if (aggregator !== undefined) a.aggregator = aggregator;
  if (raw.communities !== undefined && raw.communities.length > 0) a.communities = raw.communities;
  if (!ctx.ebgp) {
    if (raw.originatorId !== undefined) a.originatorId = raw.originatorId;
    if (raw.clusterList !== undefined && raw.clusterList.length > 0) a.clusterList = raw.clusterList;
  }
  if (raw.extendedCommunities !== undefined && raw.extendedCommunities.length > 0) a.extendedCommunities = raw.extendedCommunities;
  if (raw.largeCommunities !== undefined && raw.largeCommunities.length > 0) a.largeCommunities = raw.largeCommunities;
  if (raw.unknown !== undefined && raw.unknown.length > 0) {
    // Optional transitive (0x80|0x40): keep, set Partial (0x20). Anything else unrecognized: drop.
    const kept = raw.unknown.filter((u) => (u.flags & 0xc0) === 0xc0).map((u) => ({ flags: u.flags | 0x20, code: u.code, value: u.value }));
    if (kept.length > 0) a.unknown = kept;
  }
  return a;
}

/** Shallow copy of a frozen set's attributes, for the export transforms to modify. */
function copyOf(a: Readonly<PathAttributes>): PathAttributes {
  return { ...a };
}

/**
 * RFC 4456 §8: reflecting an iBGP route. ORIGINATOR_ID is set to the BGP identifier of the peer the
 * route came from unless present; our CLUSTER_ID is prepended to CLUSTER_LIST. NEXT_HOP, LOCAL_PREF
 * and MED are left as they are.
 */
export function reflectedAttrs(a: Readonly<PathAttributes>, sourceRouterId: string, clusterId: string): PathAttributes {
  const c = copyOf(a);
  if (c.originatorId === undefined) c.originatorId = sourceRouterId;
  c.clusterList = [clusterId, ...(a.clusterList ?? [])];
  return c;
}

/** RFC 4271 §5.1.2: prepend our AS, opening a new AS_SEQUENCE when the first is not one or is full. */
export function prependAs(path: readonly AsPathSegment[] | undefined, asn: number): AsPathSegment[] {
  const segments = path ?? [];
  const first = segments[0];
  if (first !== undefined && first.type === 2 && first.asns.length < 255) {
    return [{ type: 2, asns: [asn, ...first.asns] }, ...segments.slice(1)];
  }
  return [{ type: 2, asns: [asn] }, ...segments];
}

/**
 * RFC 4271 §5.1 export to an external peer: prepend our AS (§5.1.2), NEXT_HOP self (§5.1.3), no
 * LOCAL_PREF (§5.1.5), no MED from elsewhere (§5.1.4), and none of the RFC 4456 attributes, which are
 * non-transitive and meaningful only inside the AS.
 */
export function ebgpExportAttrs(a: Readonly<PathAttributes>, asn: number, nextHop: string): PathAttributes {
  const c = copyOf(a);
  c.asPath = prependAs(a.asPath, asn);
  c.nextHop = nextHop;
  delete c.localPref;
  delete c.med;
  delete c.originatorId;
  delete c.clusterList;
  return c;
}

/**
 * A locally originated route as sent to one peer: ORIGIN IGP, AS_PATH empty for iBGP or our AS for
 * eBGP, NEXT_HOP our address on that session for the family, LOCAL_PREF 100 for iBGP only.
 */
export function originatedAttrs(ebgp: boolean, asn: number, nextHop: string): PathAttributes {
  if (ebgp) return { origin: 0, asPath: [{ type: 2, asns: [asn] }], nextHop };
  return { origin: 0, asPath: [], nextHop, localPref: 100 };
}
