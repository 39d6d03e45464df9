/**
 * The BGP decision process over the paths of one destination: RFC 4271 §9.1 with the RFC 4456 §9
 * tie-breaks. Pure: paths in, best path out. The common case (one path) costs two field reads.
 */
import type { AttrSet } from './attrs.js';

/** What the decision process needs to know about the peer a path came from. */
export interface PathSource {
  readonly address: string;
  readonly ebgp: boolean;
  /** BGP identifier as a number (RFC 4271 §9.1.2.2 f). */
  readonly routerIdNumber: number;
  /** Sorts like the peer address (§9.1.2.2 g). */
  readonly addressKey: string;
}

/** One path of a destination: a route from one peer (null = locally originated). */
export interface Path<P extends PathSource = PathSource> {
  readonly peer: P | null;
  readonly attrs: AttrSet;
  /** Next path of the same destination (paths form a singly linked list: no array per prefix). */
  next: Path<P> | null;
}

/** Usable for selection: RFC 4456 §8 / RFC 4271 §9.1.2 loops excluded, next hop not ours. */
export function isEligible(path: Path, selfAddresses: ReadonlySet<string>): boolean {
  if (path.peer === null) return true;
  const a = path.attrs;
  return a.loop === null && !selfAddresses.has(a.nextHop as string);
}

/** BGP identifier for step f: ORIGINATOR_ID when present (RFC 4456 §9). */
function identifier(p: Path): number {
  return p.attrs.originatorId >= 0 ? p.attrs.originatorId : (p.peer as PathSource).routerIdNumber;
}

function keepMin(c: Path[], value: (p: Path) => number): Path[] {
  let min = Infinity;
  for (const p of c) {
    const v = value(p);
    if (v < min) min = v;
  }
  return c.filter((p) => value(p) === min);
}

/**
 * Sequential elimination over the eligible candidates (RFC 4271 §9.1.2.2 is defined as a sequence of
 * filters, which matters for MED: comparing it pairwise is not transitive).
 * Step 0 (ours): a locally originated path wins, it is our own route.
 * §9.1.2 / §9.1.1: highest degree of preference (LOCAL_PREF; 100 for eBGP routes).
 * a) fewest AS numbers in AS_PATH; b) lowest ORIGIN; c) lowest MED among routes from the same
 * neighbour AS; d) eBGP over iBGP; e) IGP cost: skipped, the fabric is directly connected;
 * f) lowest BGP identifier (ORIGINATOR_ID in its place, RFC 4456 §9); RFC 4456 §9 inserted step:
 * shortest CLUSTER_LIST; g) lowest peer address.
 */
export function selectBest<P extends PathSource>(head: Path<P> | null, selfAddresses: ReadonlySet<string>): Path<P> | null {
  if (head === null) return null;
  if (head.next === null) return isEligible(head, selfAddresses) ? head : null;
  let c: Path[] = [];
  for (let p: Path<P> | null = head; p !== null; p = p.next) {
    if (p.peer === null) return p;
    if (isEligible(p, selfAddresses)) c.push(p);
  }
  if (c.length <= 1) return (c[0] as Path<P> | undefined) ?? null;
  // §9.1.2: highest degree of preference.
  let maxPref = -Infinity;
  for (const p of c) if (p.attrs.localPref > maxPref) maxPref = p.attrs.localPref;
  c = c.filter((p) => p.attrs.localPref === maxPref);
  // a) AS_PATH length.
  if (c.length > 1) c = keepMin(c, (p) => p.attrs.asPathLength);
  // b) ORIGIN.
  if (c.length > 1) c = keepMin(c, (p) => p.attrs.origin);
  // c) MED, only between routes from the same neighbour AS; a missing MED is 0.
  if (c.length > 1) {
    const minMed = new Map<number, number>();
    for (const p of c) {
      const m = minMed.get(p.attrs.neighborAs);
      if (m === undefined || p.attrs.med < m) minMed.set(p.attrs.neighborAs, p.attrs.med);
    }
    c = c.filter((p) => p.attrs.med === minMed.get(p.attrs.neighborAs));
  }
  // d) eBGP over iBGP.
  if (c.length > 1 && c.some((p) => (p.peer as PathSource).ebgp)) c = c.filter((p) => (p.peer as PathSource).ebgp);
  // f) BGP identifier, ORIGINATOR_ID in its place (RFC 4456 §9).
  if (c.length > 1) c = keepMin(c, identifier);
  // RFC 4456 §9: shorter CLUSTER_LIST.
  if (c.length > 1) c = keepMin(c, (p) => p.attrs.clusterListLength);
  // g) lowest peer address.
  if (c.length > 1) {
    let best = c[0];
    for (const p of c) if ((p.peer as PathSource).addressKey < (best.peer as PathSource).addressKey) best = p;
    return best as Path<P>;
  }
  return c[0] as Path<P>;
}
