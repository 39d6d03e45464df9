/**
 * Watching a running lab: one source per node records observations (observations.ts) with monotonic
 * timestamps. bgplab nodes: the speaker's event log (exact, no polling). BIRD: its control socket kept
 * open and polled (`show route … count`, `show protocols`) at the stated resolution, only while there is
 * something to wait for. FRR and GoBGP: the daemon adapters' status (a fork of vtysh / gobgp per poll,
 * so at a coarser resolution). Kernel FIBs of non-bgplab nodes: `ip monitor` (exact, event-driven).
 * Live per-node state answers "are we there yet"; the recorded observations are replayed afterwards for
 * the exact times.
 */
import { queryStatus } from '../daemons/index.js';
import type { DaemonHandle } from '../daemons/types.js';
import type { LabState, NodeState as LabNodeState } from '../lab/state.js';
import { controlRequest } from '../speaker/control-client.js';
import type { RoutesResponse } from '../speaker/status-types.js';
import { BirdClient } from './bird-client.js';
import { monoNow, sleep } from './clock.js';
import { BirdLogTail, EventLogTail } from './eventlog.js';
import { forwardingPrefixes, KernelMonitor } from './kernel.js';
import { NodeState, type NodeExpectation, type Observation } from './observations.js';
import { parseBirdNeighbors, parseBirdProtocols, parseBirdRouteCount, parseBirdRoutes, peerFromBirdProtocolName } from './parse.js';

export interface WatchOptions {
  /** Poll interval for BIRD (ms). Default 20. */
  resolutionMs?: number;
  /** Poll interval for FRR/GoBGP (each poll forks a CLI). Default 250. */
  cliResolutionMs?: number;
  /** Watch kernel FIBs of bgplab nodes with ip monitor too (drills); their event log already has them. */
  kernelMonitorForBgplab?: boolean;
}

/** Expected routes and peers of every node, from the lab state. */
export function expectationsOf(state: LabState): NodeExpectation[] {
  return state.nodes.map((n) => {
    const expected = new Set<string>();
    for (const o of state.nodes) {
      if (o.name === n.name) continue;
      for (const p of o.podBlocks.ipv4) expected.add(p.toLowerCase());
      // IPv6 blocks travel only when the node's sessions carry IPv6 (dual-stack lab).
      if (n.expectedRoutes.ipv6 > 0) for (const p of o.podBlocks.ipv6) expected.add(p.toLowerCase());
    }
    return { name: n.name, expected, peers: n.peers.map((p) => p.address), fib: n.fib };
  });
}

interface Source {
  node: string;
  /** Poll now (no-op for event-driven sources beyond reading their log). */
  poll(): Promise<void>;
  /** Complete listing of BGP table and sessions, for the final check. */
  final(): Promise<void>;
  stop(): void;
  /** Forget what was last recorded, so the next poll records the state even if it looks unchanged. */
  reset(): void;
  /** When the daemon started listening, when it says so itself (CLOCK_MONOTONIC ns). */
  listeningAt(): bigint | undefined;
  /** CPU the daemon had spent when it started listening (ms), when it says so itself (bgplab). */
  startupCpuMs?(): number | undefined;
  /** When the daemon last (re)started listening, when its log tells restarts apart (bgplab). */
  lastListeningAt?(): bigint | undefined;
  /** How this source measures, for the record. */
  method: { bgp: string; resolutionMs: number };
}

/** Polled sources record only changes. */
class Dedupe {
  private last = new Map<string, string>();
  changed(key: string, value: unknown): boolean {
    const v = JSON.stringify(value);
    if (this.last.get(key) === v) return false;
    this.last.set(key, v);
    return true;
  }
}

class BgplabSource implements Source {
  readonly method = { bgp: 'speaker event log (CLOCK_MONOTONIC, exact)', resolutionMs: 0 };
  private tail: EventLogTail;
  constructor(
    readonly node: string,
    private readonly h: DaemonHandle,
    private readonly sink: (o: Observation) => void,
  ) {
    this.tail = new EventLogTail(node, h.eventLog!, sink);
  }
  async poll(): Promise<void> {
    this.tail.poll();
  }
  async final(): Promise<void> {
    this.tail.poll();
    try {
      const t = monoNow();
      const r = await controlRequest<RoutesResponse>(this.h.control, { cmd: 'routes' }, 5000);
      const learned = r.routes.filter((x) => x.best && x.peer !== null).map((x) => x.prefix.toLowerCase());
      this.sink({ t, node: this.node, kind: 'bgpSet', prefixes: learned });
    } catch {
      /* a dead speaker: its log is what we have */
    }
  }
  stop(): void {
    this.tail.close();
  }
  reset(): void {}
  listeningAt(): bigint | undefined {
    return this.tail.firstListening;
  }
  startupCpuMs(): number | undefined {
    return this.tail.startupCpuMs;
  }
  lastListeningAt(): bigint | undefined {
    return this.tail.lastListening;
  }
}

class BirdSource implements Source {
  readonly method: Source['method'];
  private client: BirdClient | undefined;
  private protoToPeer = new Map<string, string>();
  private dedupe = new Dedupe();
  private whereWorks = true;
  private log: BirdLogTail | undefined;
  constructor(
    readonly node: string,
    private readonly h: DaemonHandle,
    private readonly own: number,
    private readonly sink: (o: Observation) => void,
    resolutionMs: number,
  ) {
    this.method = { bgp: `BIRD control socket polled every ${resolutionMs} ms`, resolutionMs };
    const logFile = h.processes[0]?.log;
    if (logFile) this.log = new BirdLogTail(node, logFile, (p) => this.protoToPeer.get(p) ?? peerFromBirdProtocolName(p), sink);
  }

  private async connect(): Promise<BirdClient | undefined> {
    if (this.client?.isOpen) return this.client;
    try {
      this.client = await BirdClient.open(this.h.control, 2000);
      // A new connection may be a new BIRD (restarted): record its state even if it looks the same.
      this.dedupe = new Dedupe();
      const all = await this.client.request('show protocols all', 5000);
      this.protoToPeer = parseBirdNeighbors(all);
      return this.client;
    } catch {
      this.client = undefined;
      return undefined;
    }
  }

  async poll(): Promise<void> {
    this.log?.poll();
    const c = await this.connect();
    if (!c) return;
    try {
      // Both requests pipelined on one socket; replies come back in order.
      const [count, protos] = await Promise.all([
        c.request(this.whereWorks ? 'show route where source = RTS_BGP count' : 'show route count', 3000).catch((e) => {
          if (this.whereWorks) this.whereWorks = false;
          throw e;
        }),
        c.request('show protocols', 3000),
      ]);
      const t = monoNow();
      const per = parseBirdRouteCount(count);
      let n = Object.values(per).reduce((a, b) => a + b, 0);
      if (!this.whereWorks) n = Math.max(0, n - this.own);
      if (this.dedupe.changed('count', n)) this.sink({ t, node: this.node, kind: 'bgpCount', count: n });
      const up = parseBirdProtocols(protos)
        .filter((p) => p.proto === 'BGP' && /^Established/.test(p.info))
        .map((p) => this.protoToPeer.get(p.name))
        .filter((a): a is string => !!a)
        .sort();
      if (this.dedupe.changed('up', up)) this.sink({ t, node: this.node, kind: 'sessionSet', peers: up });
    } catch {
      /* one failed poll: the next one tries again */
    }
  }

  async final(): Promise<void> {
    await this.poll();
    const c = await this.connect();
    if (!c) return;
    try {
      const t = monoNow();
      const lines = await c.request(this.whereWorks ? 'show route where source = RTS_BGP' : 'show route', 10_000);
      this.sink({ t, node: this.node, kind: 'bgpSet', prefixes: parseBirdRoutes(lines) });
    } catch {
      /* keep the counts */
    }
  }

  stop(): void {
    this.client?.close();
    this.log?.close();
  }
  reset(): void {
    this.dedupe = new Dedupe();
  }
  listeningAt(): bigint | undefined {
    this.log?.poll();
    return this.log?.firstStarted;
  }
}

/** FRR and GoBGP through the daemon adapters (one CLI fork per poll). */
class CliSource implements Source {
  readonly method: Source['method'];
  private dedupe = new Dedupe();
  private busy = false;
  constructor(
    readonly node: string,
    private readonly h: DaemonHandle,
    private readonly sink: (o: Observation) => void,
    resolutionMs: number,
  ) {
    this.method = { bgp: `${h.impl === 'frr' ? 'vtysh' : 'gobgp'} polled every ${resolutionMs} ms`, resolutionMs };
  }
  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const s = await queryStatus(this.h, 5000);
      const t = monoNow();
      const n = s.routes.ipv4 + s.routes.ipv6;
      if (this.dedupe.changed('count', n)) this.sink({ t, node: this.node, kind: 'bgpCount', count: n });
      const up = s.peers.filter((p) => p.state === 'Established').map((p) => p.address.split('%')[0]).sort();
      if (this.dedupe.changed('up', up)) this.sink({ t, node: this.node, kind: 'sessionSet', peers: up });
    } catch {
      /* try again next tick */
    } finally {
      this.busy = false;
    }
  }
  async final(): Promise<void> {
    await this.poll();
  }
  stop(): void {}
  reset(): void {
    this.dedupe = new Dedupe();
  }
  listeningAt(): bigint | undefined {
    return undefined;
  }
}

export class LabWatcher {
  readonly obs: Observation[] = [];
  readonly exps: NodeExpectation[];
  readonly live = new Map<string, NodeState>();
  private sources = new Map<string, Source>();
  private monitors = new Map<string, KernelMonitor>();
  private lastPoll = new Map<string, number>();
  private readonly resolutionMs: number;
  private readonly cliResolutionMs: number;
  /** Nodes whose sources are polled every tick regardless of completeness (drill: peers of the target). */
  readonly hot = new Set<string>();
  private nodesByName: Map<string, LabNodeState>;

  constructor(
    readonly state: LabState,
    private readonly opts: WatchOptions = {},
  ) {
    this.exps = expectationsOf(state);
    for (const e of this.exps) this.live.set(e.name, new NodeState(e));
    this.resolutionMs = opts.resolutionMs ?? 20;
    this.cliResolutionMs = Math.max(this.resolutionMs, opts.cliResolutionMs ?? 250);
    this.nodesByName = new Map(state.nodes.map((n) => [n.name, n]));
  }

  readonly sink = (o: Observation): void => {
    this.obs.push(o);
    this.live.get(o.node)?.apply(o);
  };

  /** Kernel monitors for every node that needs one; call before the daemons start when possible. */
  async startKernelMonitors(): Promise<void> {
    const tasks: Array<Promise<void>> = [];
    for (const n of this.state.nodes) {
      if (!n.fib || this.monitors.has(n.name)) continue;
      if (n.impl === 'bgplab' && !this.opts.kernelMonitorForBgplab) continue;
      const exp = this.exps.find((e) => e.name === n.name)!;
      const m = new KernelMonitor(n.name, n.ns, exp.expected, this.sink);
      this.monitors.set(n.name, m);
      tasks.push(m.start());
    }
    await Promise.all(tasks);
  }

  /** Daemon sources (needs the daemon handles, i.e. after deploy). */
  attach(state: LabState = this.state): void {
    for (const n of state.nodes) {
      if (this.sources.has(n.name) || !n.daemon) continue;
      const h = n.daemon;
      const own = n.podBlocks.ipv4.length + n.podBlocks.ipv6.length;
      let s: Source;
      if (h.impl === 'bgplab' && h.eventLog) s = new BgplabSource(n.name, h, this.sink);
      else if (h.impl === 'bird') s = new BirdSource(n.name, h, own, this.sink, this.resolutionMs);
      else s = new CliSource(n.name, h, this.sink, this.cliResolutionMs);
      this.sources.set(n.name, s);
    }
  }

  /** Whether the node has nothing left to wait for. */
  nodeDone(name: string): boolean {
    const s = this.live.get(name)!;
    return s.bgpComplete && s.fibComplete && s.sessionsComplete;
  }

  allDone(): boolean {
    for (const name of this.live.keys()) if (!this.nodeDone(name)) return false;
    return true;
  }

  private busy = new Set<string>();

  /**
   * One round: read event logs, poll the daemons that are due. A daemon that does not answer (frozen by
   * a drill) keeps its poll in flight and is skipped, never holding up the others: the round waits at
   * most two resolutions.
   */
  async tick(): Promise<void> {
    const now = performance.now();
    const jobs: Array<Promise<void>> = [];
    for (const [name, src] of this.sources) {
      if (this.busy.has(name)) continue;
      const every = src.method.resolutionMs;
      if (every > 0 && !this.hot.has(name) && this.nodeDone(name)) {
        // Done nodes are re-checked now and then (routes could go away), not at full rate.
        if (now - (this.lastPoll.get(name) ?? 0) < Math.max(1000, every)) continue;
      } else if (every > 0 && now - (this.lastPoll.get(name) ?? 0) < every - 1) continue;
      this.lastPoll.set(name, now);
      this.busy.add(name);
      jobs.push(
        src
          .poll()
          .catch(() => {})
          .finally(() => this.busy.delete(name)),
      );
    }
    if (jobs.length) await Promise.race([Promise.all(jobs), sleep(2 * this.resolutionMs)]);
  }

  /** Make the node's next poll record its state (after its daemon was restarted). */
  resetNode(name: string): void {
    this.sources.get(name)?.reset();
  }

  /** Tick until `pred` holds or `timeoutMs` passes. Returns whether `pred` held. */
  async until(pred: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    const maxRounds = Math.ceil(timeoutMs / Math.max(1, this.resolutionMs)) + 100;
    for (let i = 0; i < maxRounds; i++) {
      const started = performance.now();
      await this.tick();
      if (pred()) return true;
      if (performance.now() >= deadline || signal?.aborted) return false;
      const wait = this.resolutionMs - (performance.now() - started);
      await sleep(Math.max(1, Math.min(wait, deadline - performance.now())));
    }
    return pred();
  }

  /** Watch for a fixed time (drills). */
  async watchFor(ms: number, signal?: AbortSignal): Promise<void> {
    await this.until(() => false, ms, signal);
  }

  /** Complete listings: every BGP table (where the daemon can list it) and every kernel FIB. */
  async finalCheck(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => s.final()));
    await Promise.all(
      this.state.nodes
        .filter((n) => n.fib)
        .map(async (n) => {
          const t = monoNow();
          const prefixes = await forwardingPrefixes(n.ns);
          if (prefixes) this.sink({ t, node: n.name, kind: 'fibSet', prefixes });
        }),
    );
  }

  /**
   * t0, the moment every daemon was listening, from the daemons' own records (speaker `listening`
   * events, BIRD's `Started` log line) when every node has one; undefined otherwise. `latest`: from
   * each daemon's last (re)start where its log tells restarts apart (a running lab after a drill).
   */
  listeningFromDaemons(latest = false): bigint | undefined {
    let max: bigint | undefined;
    for (const n of this.state.nodes) {
      const src = this.sources.get(n.name);
      const t = latest ? (src?.lastListeningAt?.() ?? src?.listeningAt()) : src?.listeningAt();
      if (t === undefined) return undefined;
      if (max === undefined || t > max) max = t;
    }
    return max;
  }
  /** CPU a node's daemon spent to start listening (ms), when the daemon records it (bgplab); else null. */
  startupCpuMs(node: string): number | null {
    return this.sources.get(node)?.startupCpuMs?.() ?? null;
  }


  methods(): { bgp: string; resolutionMs: number } {
    const ms = new Set<string>();
    let res = 0;
    for (const s of this.sources.values()) {
      ms.add(s.method.bgp);
      res = Math.max(res, s.method.resolutionMs);
    }
    return { bgp: [...ms].sort().join('; ') || 'none', resolutionMs: res };
  }

  fibMethod(): { fib: string; resolutionMs: number } {
    const kinds = new Set(this.state.nodes.filter((n) => n.fib).map((n) => (n.impl === 'bgplab' && !this.monitors.has(n.name) ? 'speaker event log' : 'ip -ts monitor route')));
    return { fib: [...kinds].sort().join('; ') || 'none (no node has a FIB)', resolutionMs: 0 };
  }

  node(name: string): LabNodeState | undefined {
    return this.nodesByName.get(name);
  }

  /**
   * A node's daemon was restarted: new PIDs, but the same sockets and event log, so every source keeps
   * working (the BIRD client reconnects; the log tail reads the appended lines).
   */
  reattach(name: string, h: DaemonHandle): void {
    const n = this.nodesByName.get(name);
    if (n) n.daemon = h;
  }

  stop(): void {
    for (const s of this.sources.values()) s.stop();
    for (const m of this.monitors.values()) m.stop();
  }
}
