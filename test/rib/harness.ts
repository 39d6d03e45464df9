/**
 * A network of RIBs wired together in memory, the way speakers are over TCP: flush() output of one
 * side is handed to applyUpdate() of the other (IPv6 with its next hop in MP_REACH, as the codec
 * decodes it; fresh Nlri objects, as a decoder makes them). Pure, for the reflection tests.
 */
import { Rib } from '../../src/rib/index.js';
import type { OutboundBatch } from '../../src/rib/index.js';
import type { Family, PathAttributes } from '../../src/wire/types.js';

export interface NodeSpec {
  name: string;
  /** Node number: addresses 10.0.0.N and fd00::N, router id N.N.N.N. */
  n: number;
  asn: number;
  clusterId?: string;
}

export interface NetNode extends NodeSpec {
  rib: Rib;
  v4: string;
  v6: string;
  routerId: string;
}

/** Wire form of an interned set for `family`: IPv6 next hop moved into MP_REACH_NLRI. */
export function toWire(family: Family, attrs: Readonly<PathAttributes>): PathAttributes {
  if (family === 'ipv4') return { ...attrs };
  const { nextHop, ...rest } = attrs;
  return { ...rest, mpReach: { afi: 2, safi: 1, nextHops: nextHop === undefined ? [] : [nextHop], nlri: [] } };
}

/** Feeds a batch from `from` into `to`'s RIB, as `to`'s speaker would after decoding it. */
export function deliver(batch: OutboundBatch, to: Rib, fromPeerId: string): void {
  for (const w of batch.withdraw) to.applyUpdate(fromPeerId, w.family, null, [], w.prefixes.map((p) => ({ prefix: p.prefix })));
  for (const a of batch.announce) {
    to.applyUpdate(fromPeerId, a.family, toWire(a.family, a.attrs.attrs), a.prefixes.map((p) => ({ prefix: p.prefix })), []);
  }
}

export function batchSize(batch: OutboundBatch): number {
  let n = 0;
  for (const w of batch.withdraw) n += w.prefixes.length;
  for (const a of batch.announce) n += a.prefixes.length;
  return n;
}

export class Net {
  readonly nodes = new Map<string, NetNode>();
  private readonly links: Array<{ a: NetNode; b: NetNode; up: boolean }> = [];

  add(spec: NodeSpec): NetNode {
    const node: NetNode = {
      ...spec,
      v4: `10.0.0.${spec.n}`,
      v6: `fd00::${spec.n}`,
      routerId: `${spec.n}.${spec.n}.${spec.n}.${spec.n}`,
      rib: new Rib({ routerId: `${spec.n}.${spec.n}.${spec.n}.${spec.n}`, asn: spec.asn, clusterId: spec.clusterId }),
    };
    this.nodes.set(spec.name, node);
    return node;
  }

  node(name: string): NetNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** A session between a and b; `aClient`: a is b's route-reflector client (and vice versa). */
  link(a: string, b: string, options: { aClientOfB?: boolean; bClientOfA?: boolean } = {}): void {
    const na = this.node(a);
    const nb = this.node(b);
    na.rib.addPeer({ address: nb.v4, asn: nb.asn, rrClient: options.bClientOfA, nextHopSelf: { ipv4: na.v4, ipv6: na.v6 } });
    nb.rib.addPeer({ address: na.v4, asn: na.asn, rrClient: options.aClientOfB, nextHopSelf: { ipv4: nb.v4, ipv6: nb.v6 } });
    this.links.push({ a: na, b: nb, up: false });
    this.up(a, b);
  }

  up(a: string, b: string): void {
    const link = this.find(a, b);
    link.a.rib.peerUp(link.b.v4, { routerId: link.b.routerId });
    link.b.rib.peerUp(link.a.v4, { routerId: link.a.routerId });
    link.up = true;
  }

  /** Session down on both sides. */
  down(a: string, b: string): void {
    const link = this.find(a, b);
    link.a.rib.peerDown(link.b.v4);
    link.b.rib.peerDown(link.a.v4);
    link.up = false;
  }

  /** A node dies: every session of it goes down. */
  kill(name: string): void {
    for (const link of this.links) if (link.up && (link.a.name === name || link.b.name === name)) this.down(link.a.name, link.b.name);
  }

  /** Flushes every session until nothing moves; returns the number of rounds (throws if it never settles). */
  converge(maxRounds = 50): number {
    for (let round = 1; round <= maxRounds; round++) {
      let moved = 0;
      for (const link of this.links) {
        if (!link.up) continue;
        for (const [from, to] of [
          [link.a, link.b],
          [link.b, link.a],
        ] as const) {
          const batch = from.rib.flush(to.v4);
          moved += batchSize(batch);
          deliver(batch, to.rib, from.v4);
        }
      }
      for (const node of this.nodes.values()) node.rib.takeBestChanges();
      if (moved === 0) return round;
    }
    throw new Error(`network did not converge in ${maxRounds} rounds (routing loop?)`);
  }

  private find(a: string, b: string): { a: NetNode; b: NetNode; up: boolean } {
    const link = this.links.find((l) => (l.a.name === a && l.b.name === b) || (l.a.name === b && l.b.name === a));
    if (link === undefined) throw new Error(`no link ${a}-${b}`);
    return link;
  }
}
