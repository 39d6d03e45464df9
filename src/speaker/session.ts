/**
 * The socket layer of one peer: real TCP connections (ours and the peer's, several at once during a
 * collision, RFC 4271 §6.8) driven by the pure FSM (src/fsm). Socket and timer happenings become FSM
 * events; FSM actions become socket writes, dials, closes and timers. Messages are framed with
 * MessageReader and decoded with the connection's codec context (the negotiated one once Established).
 * Every handler is wrapped: a bug or a hostile input resets this session, never the process.
 */
import { connect, type Socket } from 'node:net';
import type { ResolvedPeer, ResolvedSpeakerConfig } from './config.js';
import { TickHandle, type KeepaliveTicker } from './keepalive-ticker.js';
import { adoptAccepted, onreadOption } from './socket-reads.js';
import {
  KEEPALIVE_BYTES,
  MessageReader,
  decodeMessage,
  defaultContext,
  encodeMessage,
  notificationCodeName,
  notificationSubcodeName,
  type CodecContext,
  type DecodeError,
  type DecodeResult,
  type Family,
  type OpenMessage,
  type UpdateMessage,
} from '../wire/index.js';
import type {
  ConnId,
  FsmAction,
  FsmEvent,
  FsmStateName,
  Negotiated,
  NotificationError,
  SessionDownInfo,
  SessionState,
} from '../fsm/index.js';
import { createSession, eventFromDecode, step, timerExpired } from '../fsm/index.js';

/** What a session needs from its speaker. */
export interface SessionHost {
  readonly config: ResolvedSpeakerConfig;
  /** Address to bind our outgoing connections to for a family (the fabric address), if configured. */
  bindAddress(family: 'ipv4' | 'ipv6'): string | undefined;
  sessionUp(session: PeerSession, negotiated: Negotiated, localAddress: string): void;
  sessionDown(session: PeerSession, info: SessionDownInfo): void;
  update(session: PeerSession, update: UpdateMessage, errors: DecodeError[] | undefined): void;
  routeRefresh(session: PeerSession, family: Family): void;
  stateChange(session: PeerSession, from: FsmStateName, to: FsmStateName, reason: string | undefined): void;
  /** Run the RIB flush / FIB work soon (once per tick). */
  scheduleWork(): void;
  /** Fires KEEPALIVE timers of all sessions together on a shared grid; without it, one timer each. */
  readonly keepaliveTicker?: KeepaliveTicker;
  log(event: Record<string, unknown> & { event: string }): void;
  internalError(err: unknown, where: string): void;
}

interface Connection {
  id: ConnId;
  socket: Socket;
  reader: MessageReader;
  codec: CodecContext;
  inbound: boolean;
  /** Disconnect asked or the socket closed: ignore anything more from it. */
  closing: boolean;
  closed: boolean;
}

function cancelTimer(t: NodeJS.Timeout | TickHandle | undefined): void {
  if (t instanceof TickHandle) t.cancel();
  else if (t) clearTimeout(t);
}

/** OPEN messages by content (JSON of the message), at most OPEN_CACHE_SIZE of them. */
const openCache = new Map<string, Buffer>();
const OPEN_CACHE_SIZE = 64;

/**
 * The OPEN's bytes, encoded once per distinct OPEN: every peer of a mesh is sent the same one, and
 * encoding it (capabilities as TLVs) cost 2-3% of a mesh speaker's CPU once listening; the JSON key
 * costs a fraction of that. The buffer is shared by the sockets and never written to.
 */
export function encodedOpen(open: OpenMessage): Buffer {
  const key = JSON.stringify(open);
  let bytes = openCache.get(key);
  if (bytes === undefined) {
    if (openCache.size >= OPEN_CACHE_SIZE) openCache.clear();
    bytes = encodeMessage(open, defaultContext());
    openCache.set(key, bytes);
  }
  return bytes;
}

const CLOSE_GRACE_MS = 1000;
/** Dial timeout: a SYN that is never answered (peer namespace gone) must not hang for minutes. */
const DIAL_TIMEOUT_MS = 5000;

export function describeNotification(code: number, subcode: number): string {
  let names = '';
  try {
    names = ` (${notificationCodeName(code)} / ${notificationSubcodeName(code, subcode)})`;
  } catch {
    /* names are a nicety */
  }
  return `${code}/${subcode}${names}`;
}

export class PeerSession {
  fsm: SessionState;
  readonly conns = new Map<ConnId, Connection>();
  private readonly timers = new Map<string, NodeJS.Timeout | TickHandle>();
  private readonly queue: FsmEvent[] = [];
  private dispatching = false;
  private nextInbound = 1;
  /** The Established connection, if any. */
  established: Connection | undefined;
  negotiated: Negotiated | undefined;
  messagesIn = 0;
  messagesOut = 0;
  /** Wall-clock ms of the last state change (for status "since"). */
  sinceWall: number | null = null;
  localAddress: string | undefined;

  constructor(
    private readonly host: SessionHost,
    readonly peer: ResolvedPeer,
    seed: number,
  ) {
    const c = host.config;
    this.fsm = createSession(
      {
        asn: c.asn,
        routerId: c.routerId,
        peerAs: peer.asn,
        peerAddress: peer.address,
        holdTime: peer.timers.hold,
        keepaliveTime: peer.timers.keepalive,
        families: peer.families,
        connectRetryMs: peer.timers.connectRetry * 1000,
        passive: peer.passive,
        // RFC 4724 §3: Graceful Restart for our families, F bit clear: we flush our kernel routes on
        // start, so forwarding state is never preserved across our restart. Peers then keep our routes
        // while we are down and replace them when we are back.
        gracefulRestart: c.gracefulRestart
          ? { restartTime: c.gracefulRestart.restartTime, families: peer.families.map((family) => ({ family, forwardingPreserved: false })) }
          : false,
      },
      { now: performance.now(), seed },
    );
  }

  get address(): string {
    return this.peer.address;
  }

  /** Why the session last went down (the FSM's account: NOTIFICATION sent/received, TCP failure). */
  get lastError(): string | null {
    return this.fsm.lastError ?? null;
  }

  get state(): FsmStateName {
    return this.fsm.state;
  }

  start(): void {
    this.dispatch({ type: this.peer.passive ? 'ManualStart_with_PassiveTcpEstablishment' : 'ManualStart' });
  }

  /** Administrative stop: Cease with `subcode` (2 shutdown, 4 reset) to the peer, close. */
  stop(subcode = 2, message?: string): void {
    this.dispatch({ type: 'ManualStop', subcode, message });
  }

  /** Reset the session (Cease 6/4 Administrative Reset), then start again. */
  reset(): void {
    this.stop(4);
    this.start();
  }

  /** Open connections (for a bounded wait on stop). */
  get openConnections(): number {
    let n = 0;
    for (const c of this.conns.values()) if (!c.closed) n++;
    return n;
  }

  // -------------------------------------------------------------- the FSM loop

  dispatch(event: FsmEvent): void {
    this.queue.push(event);
    this.drain();
  }

  private drain(): void {
    if (this.dispatching) return; // actions may raise events: run them after the current step
    this.dispatching = true;
    try {
      let ev: FsmEvent | undefined;
      while ((ev = this.queue.shift()) !== undefined) {
        let actions: FsmAction[];
        try {
          const r = step(this.fsm, ev, performance.now());
          this.fsm = r.state;
          actions = r.actions;
        } catch (err) {
          this.host.internalError(err, `peer ${this.address}: FSM on ${ev.type}`);
          this.abortAll(`internal error on ${ev.type}`);
          continue;
        }
        for (const a of actions) {
          try {
            this.execute(a);
          } catch (err) {
            this.host.internalError(err, `peer ${this.address}: action ${a.type}`);
          }
        }
      }
    } finally {
      this.dispatching = false;
    }
  }

  /** Last resort after a bug: drop every connection (the FSM hears TcpConnectionFails and backs off). */
  private abortAll(reason: string): void {
    for (const c of this.conns.values()) {
      if (c.closed) continue;
      c.closing = true;
      c.socket.destroy();
      this.queue.push({ type: 'TcpConnectionFails', conn: c.id, reason });
    }
  }

  private execute(a: FsmAction): void {
    switch (a.type) {
      case 'Connect':
        this.dial(a.conn);
        return;
      case 'Disconnect': {
        const c = this.conns.get(a.conn);
        if (!c) return;
        c.closing = true;
        if (c.closed) return;
        // Let a queued NOTIFICATION reach the peer, but never wait long for it.
        c.socket.end();
        setTimeout(() => c.socket.destroy(), CLOSE_GRACE_MS).unref();
        return;
      }
      case 'SendOpen':
        this.write(a.conn, encodedOpen(a.open));
        return;
      case 'SendKeepalive':
        this.write(a.conn, KEEPALIVE_BYTES);
        return;
      case 'SendNotification': {
        const c = this.conns.get(a.conn);
        const ctx = c?.codec ?? defaultContext();
        let buf: Buffer;
        try {
          buf = encodeMessage({ type: 'NOTIFICATION', code: a.code, subcode: a.subcode, data: a.data }, ctx);
        } catch {
          buf = encodeMessage({ type: 'NOTIFICATION', code: a.code, subcode: a.subcode, data: Buffer.alloc(0) }, ctx);
        }
        this.write(a.conn, buf);
        this.host.log({ event: 'notification', peer: this.address, direction: 'sent', code: a.code, subcode: a.subcode });
        return;
      }
      case 'StartTimer': {
        const key = `${a.timer}|${a.conn ?? ''}`;
        cancelTimer(this.timers.get(key));
        const ticker = this.host.keepaliveTicker;
        if (a.timer === 'KeepaliveTimer' && ticker) {
          // Sending a KEEPALIVE needs nothing that waits in the sockets: deliver in the ticker's callback,
          // together with every other session's due on the same grid point (keepalive-ticker.ts).
          const h = ticker.schedule(Math.max(0, a.ms), () => {
            if (this.timers.get(key) !== h) return;
            this.timers.delete(key);
            this.dispatch(timerExpired(a));
          });
          this.timers.set(key, h);
          return;
        }
        const t = setTimeout(() => {
          // Deliver the expiry after the I/O already waiting (libuv runs timers before polling, and
          // immediates after): a process that waited seconds for the CPU first reads the KEEPALIVE
          // its peer sent meanwhile or the dial that completed, so a hold timer does not expire on a
          // live peer (RFC 4271 §8.2.2: the hold time counts from the last message received, which
          // the kernel has) and ConnectRetry does not drop a connection that is up.
          setImmediate(() => {
            if (this.timers.get(key) !== t) return; // stopped or restarted meanwhile
            this.timers.delete(key);
            this.dispatch(timerExpired(a));
          });
        }, Math.max(0, a.ms));
        this.timers.set(key, t);
        return;
      }
      case 'StopTimer': {
        const key = `${a.timer}|${a.conn ?? ''}`;
        cancelTimer(this.timers.get(key));
        this.timers.delete(key);
        return;
      }
      case 'SessionEstablished': {
        const c = this.conns.get(a.conn);
        if (!c) return;
        c.codec = a.negotiated.codec;
        c.reader.extendedMessage = a.negotiated.extendedMessage;
        this.established = c;
        this.negotiated = a.negotiated;
        this.localAddress = normalizeAddress(c.socket.localAddress ?? '');
        this.host.sessionUp(this, a.negotiated, this.localAddress);
        return;
      }
      case 'SessionDown':
        this.established = undefined;
        this.negotiated = undefined;
        this.host.sessionDown(this, a);
        return;
      case 'ProcessUpdate':
        this.host.update(this, a.update, a.errors);
        return;
      case 'ProcessRouteRefresh':
        this.host.routeRefresh(this, a.family);
        return;
      case 'ReleaseResources':
        return;
      case 'StateChange':
        this.sinceWall = Date.now();
        this.host.stateChange(this, a.from, a.to, a.reason);
        return;
      default:
        this.host.internalError(new Error(`unknown FSM action ${(a as { type: string }).type}`), `peer ${this.address}`);
    }
  }

  // -------------------------------------------------------------- connections

  private dial(id: ConnId): void {
    const bind = this.host.bindAddress(this.peer.addressFamily);
    const sink: { c?: Connection } = {};
    const socket = connect({
      host: this.peer.address,
      port: this.peer.port,
      ...(bind ? { localAddress: bind } : {}),
      noDelay: true,
      onread: onreadOption((chunk) => {
        if (sink.c) this.onChunk(sink.c, chunk);
      }),
    });
    const c = this.attach(id, socket, false);
    sink.c = c;
    const dialTimer = setTimeout(() => {
      if (!c.closed && socket.connecting) {
        c.closing = true;
        socket.destroy(new Error(`connect timed out after ${DIAL_TIMEOUT_MS} ms`));
      }
    }, DIAL_TIMEOUT_MS);
    dialTimer.unref();
    socket.once('connect', () => {
      clearTimeout(dialTimer);
      if (c.closing) return;
      this.dispatch({ type: 'Tcp_CR_Acked', conn: id });
    });
  }

  /**
   * An accepted connection from this peer's address (checked by the speaker), still paused (the
   * server's pauseOnConnect): read with onread where this Node allows it (socket-reads.ts).
   */
  accept(accepted: Socket): void {
    const sink: { c?: Connection } = {};
    const adopted = adoptAccepted(accepted, (chunk) => {
      if (sink.c) this.onChunk(sink.c, chunk);
    });
    const socket = adopted ?? accepted;
    socket.setNoDelay(true);
    const id = `in-${this.nextInbound++}`;
    sink.c = this.attach(id, socket, true);
    if (!adopted) accepted.resume();
    this.dispatch({ type: 'TcpConnectionConfirmed', conn: id });
  }

  private attach(id: ConnId, socket: Socket, inbound: boolean): Connection {
    const c: Connection = {
      id,
      socket,
      reader: new MessageReader(),
      codec: defaultContext(),
      inbound,
      closing: false,
      closed: false,
    };
    this.conns.set(id, c);
    // Only sockets read as streams emit 'data' (an accepted one this Node would not re-wrap).
    socket.on('data', (chunk: Buffer) => this.onChunk(c, chunk));
    let failReason: string | undefined;
    socket.on('error', (err: NodeJS.ErrnoException) => {
      failReason = err.code ? `${err.code}: ${err.message}` : err.message;
    });
    socket.on('close', () => {
      c.closed = true;
      this.conns.delete(id);
      if (this.established === c) this.established = undefined;
      this.dispatch({ type: 'TcpConnectionFails', conn: id, reason: failReason ?? 'connection closed' });
    });
    return c;
  }

  private write(id: ConnId, buf: Buffer): void {
    const c = this.conns.get(id);
    if (!c || c.closed || c.socket.destroyed || !c.socket.writable) return;
    c.socket.write(buf);
    this.messagesOut++;
  }

  /** Write many messages on the Established connection in one go (one writev). */
  writeMany(bufs: Buffer[]): boolean {
    const c = this.established;
    if (!c || c.closing || c.closed || !c.socket.writable || bufs.length === 0) return false;
    c.socket.cork();
    for (const b of bufs) c.socket.write(b);
    c.socket.uncork();
    this.messagesOut += bufs.length;
    this.dispatch({ type: 'UpdateSent', conn: c.id });
    return true;
  }

  /** Bytes read on a connection; a bug while handling them resets the session, never the process. */
  private onChunk(c: Connection, chunk: Buffer): void {
    try {
      this.onData(c, chunk);
    } catch (err) {
      this.host.internalError(err, `peer ${this.address}: input on ${c.id}`);
      this.abortAll('internal error while reading');
      this.drain();
    }
  }

  private onData(c: Connection, chunk: Buffer): void {
    if (c.closing) return;
    c.reader.push(chunk);
    for (;;) {
      if (c.closing) return;
      const frame = c.reader.next();
      if (!frame) {
        if (c.reader.error) {
          const e = c.reader.error;
          this.messagesIn++;
          c.closing = true; // framing is lost (RFC 4271 §6.1): nothing after this can be read
          this.dispatch({ type: 'BGPHeaderErr', conn: c.id, error: toNotification(e) });
        }
        break;
      }
      this.messagesIn++;
      this.handleFrame(c, decodeMessage(frame, c.codec));
    }
    // No scheduleWork here: what can give the RIB work (an UPDATE, a session up or down, a ROUTE-REFRESH)
    // schedules it where it happens. A KEEPALIVE must not cost a pass over every peer: in a 100-node
    // mesh that is 33 a second per speaker.
  }

  private handleFrame(c: Connection, res: DecodeResult): void {
    const ev = eventFromDecode(c.id, res);
    if (!ev) return;
    if (ev.type === 'NotifMsg' || ev.type === 'NotifMsgVerErr') {
      const m = ev.notification;
      this.host.log({ event: 'notification', peer: this.address, direction: 'received', code: m.code, subcode: m.subcode });
    }
    this.dispatch(ev);
  }

  /** Stop every timer and drop every connection at once (process exit path). */
  destroy(): void {
    for (const t of this.timers.values()) cancelTimer(t);
    this.timers.clear();
    for (const c of this.conns.values()) {
      c.closing = true;
      c.socket.destroy();
    }
  }
}

function toNotification(e: DecodeError): NotificationError {
  return { code: e.code, subcode: e.subcode, data: e.data, reason: e.reason };
}

/** Socket addresses as we configure them: IPv4-mapped IPv6 (dual-stack listener) back to IPv4. */
export function normalizeAddress(a: string): string {
  if (a.startsWith('::ffff:') && a.includes('.')) return a.slice(7);
  return a.toLowerCase();
}

export type { ResolvedPeer };
