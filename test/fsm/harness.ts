/**
 * Test drivers for the pure FSM: configurations and OPENs, a way to put a session into any state,
 * and a discrete-event simulation of two speakers joined by a network (dials, accepts, messages with
 * latency, FIN/RST, timers on a virtual clock) that performs the FSM's actions the way a socket layer
 * would. Deterministic: seeded PRNGs, a virtual clock, FIFO ordering at equal times.
 */
import { createSession, step, timerExpired, timerKey } from '../../src/fsm/index.js';
import type { FsmAction, FsmEvent, SessionConfig, SessionState, StepResult } from '../../src/fsm/index.js';
import type { Capability, NotificationMessage, OpenMessage } from '../../src/wire/types.js';

export const LOCAL: SessionConfig = {
  asn: 64512,
  routerId: '10.0.0.1',
  peerAs: 64512,
  peerAddress: '10.0.0.2',
  holdTime: 9,
  keepaliveTime: 3,
  connectRetryMs: 5000,
};

/** A well-formed OPEN from the peer of LOCAL (iBGP, both families, the usual capabilities). */
/** The RFC 4271 §8.1 events that name no connection (administrative and session-wide timers). */
export const SESSION_EVENTS: readonly FsmEvent[] = [
  { type: 'ManualStart' },
  { type: 'ManualStop' },
  { type: 'AutomaticStart' },
  { type: 'ManualStart_with_PassiveTcpEstablishment' },
  { type: 'AutomaticStart_with_PassiveTcpEstablishment' },
  { type: 'AutomaticStart_with_DampPeerOscillations' },
  { type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' },
  { type: 'AutomaticStop' },
  { type: 'ConnectRetryTimer_Expires' },
  { type: 'IdleHoldTimer_Expires' },
];

export function peerOpen(over: Partial<OpenMessage> = {}): OpenMessage {
  const caps: Capability[] = [
    { code: 1, name: 'multiprotocol', afi: 1, safi: 1 },
    { code: 1, name: 'multiprotocol', afi: 2, safi: 1 },
    { code: 2, name: 'route-refresh' },
    { code: 65, name: 'four-octet-as', asn: 64512 },
    { code: 64, name: 'graceful-restart', restarting: false, notification: false, restartTime: 120, families: [] },
  ];
  return { type: 'OPEN', version: 4, myAs: 64512, holdTime: 9, bgpId: '10.0.0.2', capabilities: caps, ...over };
}

export function notification(code: number, subcode: number, data: Buffer = Buffer.alloc(0)): NotificationMessage {
  return { type: 'NOTIFICATION', code, subcode, data };
}

/** Apply events in turn from `state`, returning the final result and every action. */
export function run(state: SessionState, events: Array<[FsmEvent, number]>): { state: SessionState; actions: FsmAction[]; steps: StepResult[] } {
  const steps: StepResult[] = [];
  let s = state;
  for (const [ev, now] of events) {
    const r = step(s, ev, now);
    steps.push(r);
    s = r.state;
  }
  return { state: s, actions: steps.flatMap((r) => r.actions), steps };
}

export type Reachable = 'Idle' | 'IdleStarted' | 'Connect' | 'ConnectDelayOpen' | 'Active' | 'ActiveDelayOpen' | 'OpenSent' | 'OpenConfirm' | 'Established';

/**
 * A session of LOCAL (with `over`) put into a state by a scripted prefix, at time 1000.
 * Connection names: the dial is out-1; Connect/OpenSent... run on out-1; *DelayOpen variants on out-1
 * (Connect) or in-1 (Active). IdleStarted: started, failed, damping in Idle (IdleHoldTimer running).
 */
export function sessionIn(target: Reachable, over: Partial<SessionConfig> = {}, open: OpenMessage = peerOpen()): SessionState {
  const cfg: SessionConfig = { ...LOCAL, ...over };
  if (target === 'ConnectDelayOpen' || target === 'ActiveDelayOpen') cfg.delayOpenMs = over.delayOpenMs ?? 1000;
  if (target === 'IdleStarted') cfg.dampPeerOscillations = true;
  const s0 = createSession(cfg, { seed: 42, now: 0 });
  const t = 1000;
  switch (target) {
    case 'Idle':
      return s0;
    case 'IdleStarted':
      return run(s0, [[{ type: 'ManualStart' }, t], [{ type: 'TcpConnectionFails', conn: 'out-1' }, t]]).state;
    case 'Connect':
      return run(s0, [[{ type: 'ManualStart' }, t]]).state;
    case 'ConnectDelayOpen':
      return run(s0, [[{ type: 'ManualStart' }, t], [{ type: 'Tcp_CR_Acked', conn: 'out-1' }, t]]).state;
    case 'Active':
      return run(s0, [[{ type: 'ManualStart_with_PassiveTcpEstablishment' }, t]]).state;
    case 'ActiveDelayOpen':
      return run(s0, [[{ type: 'ManualStart_with_PassiveTcpEstablishment' }, t], [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, t]]).state;
    case 'OpenSent':
      return run(s0, [[{ type: 'ManualStart' }, t], [{ type: 'Tcp_CR_Acked', conn: 'out-1' }, t]]).state;
    case 'OpenConfirm':
      return run(s0, [
        [{ type: 'ManualStart' }, t],
        [{ type: 'Tcp_CR_Acked', conn: 'out-1' }, t],
        [{ type: 'BGPOpen', conn: 'out-1', open }, t],
      ]).state;
    case 'Established':
      return run(s0, [
        [{ type: 'ManualStart' }, t],
        [{ type: 'Tcp_CR_Acked', conn: 'out-1' }, t],
        [{ type: 'BGPOpen', conn: 'out-1', open }, t],
        [{ type: 'KeepAliveMsg', conn: 'out-1' }, t],
      ]).state;
  }
}

/** The NOTIFICATIONs among actions, as [code, subcode]. */
export function notifications(actions: FsmAction[]): Array<[number, number]> {
  return actions.filter((a) => a.type === 'SendNotification').map((a) => [a.code, a.subcode] as [number, number]);
}

/** The states a step passed through (from the StateChange actions). */
export function path(actions: FsmAction[]): string[] {
  return actions.filter((a) => a.type === 'StateChange').map((a) => a.to);
}

// ---------------------------------------------------------------- two speakers on a simulated network

interface QueueItem {
  at: number;
  seq: number;
  node: string;
  /** An FSM event, or a timer check (delivered only if the timer is still set for that deadline). */
  ev?: FsmEvent;
  timer?: { key: string; at: number; action: { timer: Extract<FsmAction, { type: 'StartTimer' }>['timer']; conn?: string } };
  /** The connection the event is about, to drop it once the node has closed that connection. */
  conn?: string;
}

export interface SimNode {
  name: string;
  state: SessionState;
  /** Every action performed, with the time. */
  log: Array<{ at: number; action: FsmAction }>;
  timers: Map<string, number>;
  closed: Set<string>;
  /** A dead node: accepts no connection, processes nothing (a killed process). */
  down: boolean;
  /** A frozen node: its events are held back (SIGSTOP); the kernel still completes dials to it. */
  frozen: boolean;
}

interface Endpoint {
  node: string;
  conn: string;
}

/**
 * Two (or more) speakers on a network with a fixed one-way latency. A dial from X to Y completes for
 * both after one latency (X: Tcp_CR_Acked, Y: TcpConnectionConfirmed named `in-X-<dial>`), or fails
 * when Y is down. Messages arrive after one latency in order; a Disconnect reaches the other end as
 * TcpConnectionFails after what was sent before it.
 */
export class Sim {
  now = 0;
  private seq = 0;
  private queue: QueueItem[] = [];
  readonly nodes = new Map<string, SimNode>();
  private links = new Map<string, Endpoint>();
  /** Deliveries, for assertions: [time, from, to, what]. */
  readonly wire: Array<{ at: number; from: string; to: string; what: string }> = [];
  /**
   * Packet loss on a TCP handshake: extra ms before the accepting side sees dial `conn` of node `from`
   * (SYN or ACK retransmitted after 1, 2, 4 s). The dialling side sees it up after one latency; what it
   * sends meanwhile arrives just after the accept.
   */
  handshakeDelay?: (from: string, conn: string) => number;
  /** Per connection end: nothing reaches it before this time (its accept is late). */
  private notBefore = new Map<string, number>();

  constructor(readonly latency = 1) {}

  add(name: string, config: SessionConfig, seed: number): SimNode {
    const node: SimNode = { name, state: createSession(config, { seed, now: this.now }), log: [], timers: new Map(), closed: new Set(), down: false, frozen: false };
    this.nodes.set(name, node);
    return node;
  }

  node(name: string): SimNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** The node whose peerAddress is this node's... here: the other node (two-node sims). */
  private peerOf(name: string): string {
    for (const n of this.nodes.keys()) if (n !== name) return n;
    throw new Error('no peer');
  }

  private push(item: Omit<QueueItem, 'seq'>): void {
    this.queue.push({ ...item, seq: this.seq++ });
  }

  /** Deliver an event to a node now (e.g. ManualStart). */
  inject(name: string, ev: FsmEvent, delay = 0): void {
    this.push({ at: this.now + delay, node: name, ev, conn: 'conn' in ev ? ev.conn : undefined });
  }

  /** Kill a node: every connection it had fails at the other end (RST), it refuses dials until revived. */
  kill(name: string): void {
    const node = this.node(name);
    node.down = true;
    for (const [key, peer] of [...this.links]) {
      if (key.startsWith(`${name}/`)) {
        this.links.delete(key);
        this.links.delete(`${peer.node}/${peer.conn}`);
        this.push({ at: this.now + this.latency, node: peer.node, ev: { type: 'TcpConnectionFails', conn: peer.conn, reason: 'connection reset' }, conn: peer.conn });
      }
    }
    this.queue = this.queue.filter((q) => q.node !== name);
    node.timers.clear();
  }

  /** A host crash: the node is gone and its peer is told nothing (no FIN, no RST); revive it later. */
  crash(name: string): void {
    const node = this.node(name);
    node.down = true;
    for (const key of [...this.links.keys()]) {
      const peer = this.links.get(key)!;
      if (key.startsWith(`${name}/`)) this.links.delete(key);
      else if (peer.node === name) this.links.delete(key);
    }
    this.queue = this.queue.filter((q) => q.node !== name);
    node.timers.clear();
  }

  /** Restart a killed node with a fresh session (same config), started. */
  revive(name: string, seed: number): void {
    const node = this.node(name);
    node.down = false;
    node.state = createSession(this.configOf(node), { seed, now: this.now });
    node.closed.clear();
    this.inject(name, { type: 'ManualStart' });
  }

  private configOf(node: SimNode): SessionConfig {
    const c = node.state.config;
    return {
      asn: c.asn,
      routerId: c.routerId,
      peerAs: c.peerAs,
      peerAddress: c.peerAddress,
      holdTime: c.holdTime,
      keepaliveTime: c.keepaliveTime,
      connectRetryMs: c.connectRetryMs,
      passive: c.passive,
      families: c.families,
    };
  }

  private deliver(node: SimNode, ev: FsmEvent): void {
    const r = step(node.state, ev, this.now);
    node.state = r.state;
    for (const a of r.actions) this.perform(node, a);
  }

  private sendTo(from: SimNode, conn: string, what: string, ev: (peerConn: string) => FsmEvent): void {
    const peer = this.links.get(`${from.name}/${conn}`);
    if (!peer) return;
    const at = this.arrival(peer);
    this.wire.push({ at, from: from.name, to: peer.node, what });
    this.push({ at, node: peer.node, ev: ev(peer.conn), conn: peer.conn });
  }

  /** When something sent now reaches connection end `to`. */
  private arrival(to: Endpoint): number {
    return Math.max(this.now + this.latency, this.notBefore.get(`${to.node}/${to.conn}`) ?? 0);
  }

  private perform(node: SimNode, a: FsmAction): void {
    node.log.push({ at: this.now, action: a });
    switch (a.type) {
      case 'Connect': {
        const target = this.peerOf(node.name);
        const t = this.node(target);
        if (t.down) {
          this.push({ at: this.now + this.latency, node: node.name, ev: { type: 'TcpConnectionFails', conn: a.conn, reason: 'connection refused' }, conn: a.conn });
          return;
        }
        const theirs = `in-${node.name}-${a.conn}`;
        this.links.set(`${node.name}/${a.conn}`, { node: target, conn: theirs });
        this.links.set(`${target}/${theirs}`, { node: node.name, conn: a.conn });
        const acceptAt = this.now + this.latency + Math.max(0, this.handshakeDelay?.(node.name, a.conn) ?? 0);
        this.notBefore.set(`${target}/${theirs}`, acceptAt);
        this.push({ at: this.now + this.latency, node: node.name, ev: { type: 'Tcp_CR_Acked', conn: a.conn }, conn: a.conn });
        this.push({ at: acceptAt, node: target, ev: { type: 'TcpConnectionConfirmed', conn: theirs }, conn: theirs });
        return;
      }
      case 'SendOpen':
        return this.sendTo(node, a.conn, 'OPEN', (conn) => ({ type: 'BGPOpen', conn, open: a.open }));
      case 'SendKeepalive':
        return this.sendTo(node, a.conn, 'KEEPALIVE', (conn) => ({ type: 'KeepAliveMsg', conn }));
      case 'SendNotification':
        return this.sendTo(node, a.conn, `NOTIFICATION ${a.code}/${a.subcode}`, (conn) =>
          a.code === 2 && a.subcode === 1
            ? { type: 'NotifMsgVerErr', conn, notification: notification(a.code, a.subcode, a.data) }
            : { type: 'NotifMsg', conn, notification: notification(a.code, a.subcode, a.data) },
        );
      case 'Disconnect': {
        node.closed.add(a.conn);
        const peer = this.links.get(`${node.name}/${a.conn}`);
        if (peer) {
          this.links.delete(`${node.name}/${a.conn}`);
          this.links.delete(`${peer.node}/${peer.conn}`);
          this.push({ at: this.arrival(peer), node: peer.node, ev: { type: 'TcpConnectionFails', conn: peer.conn, reason: 'closed by peer' }, conn: peer.conn });
        }
        // Nothing more is read from a closed socket.
        this.queue = this.queue.filter((q) => !(q.node === node.name && q.conn === a.conn && q.ev));
        return;
      }
      case 'StartTimer': {
        const key = timerKey(a.timer, a.conn);
        const at = this.now + a.ms;
        node.timers.set(key, at);
        this.push({ at, node: node.name, timer: { key, at, action: a } });
        return;
      }
      case 'StopTimer':
        node.timers.delete(timerKey(a.timer, a.conn));
        return;
      default:
        return;
    }
  }

  /** Process everything due up to `until` (virtual ms). Bounded: throws after maxSteps events. */
  runUntil(until: number, maxSteps = 100_000): void {
    for (let n = 0; n < maxSteps; n++) {
      let best = -1;
      for (let i = 0; i < this.queue.length; i++) {
        const q = this.queue[i];
        if (this.node(q.node).frozen) continue;
        if (best < 0 || q.at < this.queue[best].at || (q.at === this.queue[best].at && q.seq < this.queue[best].seq)) best = i;
      }
      if (best < 0 || this.queue[best].at > until) {
        this.now = until;
        return;
      }
      const item = this.queue.splice(best, 1)[0];
      this.now = Math.max(this.now, item.at);
      const node = this.node(item.node);
      if (node.down) continue;
      if (item.timer) {
        if (node.timers.get(item.timer.key) !== item.timer.at) continue;
        node.timers.delete(item.timer.key);
        this.deliver(node, timerExpired(item.timer.action));
      } else if (item.ev) {
        this.deliver(node, item.ev);
      }
    }
    throw new Error(`simulation did not settle within ${maxSteps} events`);
  }

  /** Actions of a node (optionally of one type) performed in a time window. */
  actions<T extends FsmAction['type']>(name: string, type?: T, from = -Infinity, to = Infinity): Array<Extract<FsmAction, { type: T }>> {
    return this.node(name)
      .log.filter((l) => l.at >= from && l.at <= to && (type === undefined || l.action.type === type))
      .map((l) => l.action as Extract<FsmAction, { type: T }>);
  }

  /** The two ends of the connection a node's session runs on, or undefined. */
  link(name: string): Endpoint | undefined {
    const conn = this.node(name).state.conn;
    return conn === undefined ? undefined : this.links.get(`${name}/${conn}`);
  }
}
