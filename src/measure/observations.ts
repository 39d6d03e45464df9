/**
 * What a lab watcher records, and the pure replay that turns it into per-node state over time.
 * Every observation carries a CLOCK_MONOTONIC time in ns (bigint): exact for speaker event logs and
 * `ip -ts monitor` lines, the reply time for polled daemons. Analysis (convergence, drills) is a replay
 * of these in time order, so it is deterministic and unit-tested without a lab.
 */

export type Observation =
  /** A prefix entered or left the node's BGP table (bgplab event log: exact). */
  | { t: bigint; node: string; kind: 'bgp'; op: 'add' | 'del'; prefixes: string[] }
  /** The node's BGP table holds exactly these expected prefixes (polled daemon, or a final listing). */
  | { t: bigint; node: string; kind: 'bgpSet'; prefixes: string[] }
  /** Polled daemons that only say how many: expected prefixes present (count). */
  | { t: bigint; node: string; kind: 'bgpCount'; count: number }
  /** A forwarding route for the prefix entered or left the node's kernel FIB. */
  | { t: bigint; node: string; kind: 'fib'; op: 'add' | 'del'; prefixes: string[] }
  /** A full kernel listing: these expected prefixes have forwarding routes, no others. */
  | { t: bigint; node: string; kind: 'fibSet'; prefixes: string[] }
  /** A session to `peer` (fabric address) entered (`up`) or left Established. */
  | { t: bigint; node: string; kind: 'session'; peer: string; up: boolean; state?: string }
  /** A full list of the node's peers that are Established (polled). */
  | { t: bigint; node: string; kind: 'sessionSet'; peers: string[] };

export interface NodeExpectation {
  name: string;
  /** Other nodes' pod blocks this node must learn. */
  expected: Set<string>;
  /** Fabric addresses of the node's configured peers. */
  peers: string[];
  /** false: no kernel FIB (GoBGP); FIB checks skip the node. */
  fib: boolean;
}

/** Mutable state of one node during a replay. */
export class NodeState {
  readonly bgp = new Set<string>();
  /** For count-only BGP observations: the last count (overrides the set when newer). */
  bgpCount: number | null = null;
  readonly fibSet = new Set<string>();
  readonly up = new Set<string>();

  constructor(readonly exp: NodeExpectation) {}

  get bgpHave(): number {
    return this.bgpCount ?? this.bgp.size;
  }
  get bgpComplete(): boolean {
    return this.bgpHave >= this.exp.expected.size;
  }
  get fibComplete(): boolean {
    return !this.exp.fib || this.fibSet.size >= this.exp.expected.size;
  }
  get sessionsComplete(): boolean {
    return this.up.size >= this.exp.peers.length;
  }
  /** Expected prefixes missing from the kernel FIB. */
  get fibMissing(): number {
    return this.exp.fib ? this.exp.expected.size - this.fibSet.size : 0;
  }

  apply(o: Observation): void {
    const only = (ps: string[]) => ps.filter((p) => this.exp.expected.has(p));
    switch (o.kind) {
      case 'bgp':
        for (const p of only(o.prefixes)) o.op === 'add' ? this.bgp.add(p) : this.bgp.delete(p);
        this.bgpCount = null;
        break;
      case 'bgpSet':
        this.bgp.clear();
        for (const p of only(o.prefixes)) this.bgp.add(p);
        this.bgpCount = null;
        break;
      case 'bgpCount':
        this.bgpCount = o.count;
        break;
      case 'fib':
        for (const p of only(o.prefixes)) o.op === 'add' ? this.fibSet.add(p) : this.fibSet.delete(p);
        break;
      case 'fibSet':
        this.fibSet.clear();
        for (const p of only(o.prefixes)) this.fibSet.add(p);
        break;
      case 'session':
        if (o.up) this.up.add(o.peer);
        else this.up.delete(o.peer);
        break;
      case 'sessionSet':
        this.up.clear();
        for (const p of o.peers) this.up.add(p);
        break;
    }
  }
}

/** Observations sorted by time; ties keep their recording order (stable sort). */
export function sortObservations(obs: Observation[]): Observation[] {
  return obs
    .map((o, i) => [o, i] as const)
    .sort((a, b) => (a[0].t < b[0].t ? -1 : a[0].t > b[0].t ? 1 : a[1] - b[1]))
    .map(([o]) => o);
}

export interface CompletionTimes {
  /** Per node: time of the last transition to complete (null when not complete at the end). */
  bgp: Map<string, bigint | null>;
  fib: Map<string, bigint | null>;
  sessions: Map<string, bigint | null>;
  /** States at the end of the replay. */
  states: Map<string, NodeState>;
}

/**
 * Replay observations and return, per node, when its BGP table, its FIB and its sessions last became
 * complete. A node that was complete before `from` and stayed so gets `from` (nothing left to wait for).
 */
export function completionTimes(exps: NodeExpectation[], obs: Observation[], from: bigint | null = null): CompletionTimes {
  const states = new Map(exps.map((e) => [e.name, new NodeState(e)]));
  const res: CompletionTimes = { bgp: new Map(), fib: new Map(), sessions: new Map(), states };
  const mark = (map: Map<string, bigint | null>, name: string, complete: boolean, t: bigint) => {
    const prev = map.get(name);
    if (complete && (prev === null || prev === undefined)) map.set(name, from !== null && t < from ? from : t);
    else if (!complete) map.set(name, null);
  };
  for (const e of exps) {
    const s = states.get(e.name)!;
    const t0 = from ?? 0n;
    res.bgp.set(e.name, s.bgpComplete ? t0 : null);
    res.fib.set(e.name, s.fibComplete ? t0 : null);
    res.sessions.set(e.name, s.sessionsComplete ? t0 : null);
  }
  for (const o of sortObservations(obs)) {
    const s = states.get(o.node);
    if (!s) continue;
    s.apply(o);
    mark(res.bgp, o.node, s.bgpComplete, o.t);
    mark(res.fib, o.node, s.fibComplete, o.t);
    mark(res.sessions, o.node, s.sessionsComplete, o.t);
  }
  return res;
}

/** Latest of the per-node times, or null when any node is incomplete. */
export function latest(times: Map<string, bigint | null>, only?: (name: string) => boolean): bigint | null {
  let max: bigint | null = null;
  for (const [name, t] of times) {
    if (only && !only(name)) continue;
    if (t === null) return null;
    if (max === null || t > max) max = t;
  }
  return max;
}

export const nsToMs = (ns: bigint): number => Number(ns) / 1e6;
