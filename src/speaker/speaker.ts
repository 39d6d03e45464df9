/**
 * One bgplab speaker: listeners, one PeerSession per configured peer, the RIB, the kernel FIB, the
 * control socket and the event log, wired together. Input is processed as it arrives; the RIB's
 * output (UPDATEs to peers, best-path changes to the FIB and the log) is computed once per event-loop
 * turn, so whatever arrived in one batch of socket reads goes out coalesced.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import ipaddr from 'ipaddr.js';
import type { ResolvedSpeakerConfig } from './config.js';
import { canonicalAddress } from './config.js';
import { ControlServer, type ControlRequest } from './control.js';
import { UpdateEncodeCache, endOfRibMessage } from './encode-cache.js';
import { EventLog } from './event-log.js';
import { KeepaliveTicker } from './keepalive-ticker.js';
import { ipv4InterfaceOf, localInterfaceAddresses, type InterfaceAddress } from './interfaces.js';
import { applyBestChangesToFib } from './fib-changes.js';
import { PeerSession, normalizeAddress, type SessionHost } from './session.js';
import type { PeerStatus, RouteEntry, RoutesResponse, SpeakerStatus } from './status-types.js';
import type { KernelFib } from '../fib/kernel.js';
import { Rib } from '../rib/index.js';
import type { Negotiated, SessionDownInfo, FsmStateName } from '../fsm/index.js';
import {
  encodeWithdrawals,
  endOfRibFamily,
  type DecodeError,
  type Family,
  type Nlri,
  type UpdateMessage,
} from '../wire/index.js';

const STOP_WAIT_MS = 2000;
/** A burst of at least this many route changes is followed by one full GC once things are quiet. */
const COMPACT_AFTER_CHANGES = 5000;
const COMPACT_QUIET_MS = 1000;

let fullGc: (() => void) | undefined | null;
/**
 * V8's full collection, when we can have it (flag set at run time, function taken from a fresh context).
 * After a large convergence the heap holds the burst's garbage (decoded UPDATEs, packed output) until a
 * major GC that may not come for a long time; RSS is what a lab with 100 speakers runs out of.
 */
function getFullGc(): (() => void) | null {
  if (fullGc !== undefined) return fullGc;
  try {
    setFlagsFromString('--expose-gc');
    fullGc = runInNewContext('gc') as () => void;
  } catch {
    fullGc = null;
  }
  return fullGc;
}

/**
 * How long one snapshot of our interface addresses is reused. os.networkInterfaces() is a netlink dump
 * plus parsing every address (~1 ms cold); a mesh speaker needed one per peer at start and one per
 * session up (2N per speaker), ~20% of its start-up CPU in a 40-node mesh. A snapshot missing the
 * session's own local address is refreshed at once, so a new address is never missed at session up.
 */
const LOCAL_ADDRESSES_TTL_MS = 1000;

const isLinkLocal = (a: InterfaceAddress): boolean => a.family === 'ipv6' && a.cidr.range() === 'linkLocal';

/** Whether dist/speaker.cjs loaded the bundle with V8's code cache (scripts/speaker-loader.cjs). */
export type CodeCacheUse = 'used' | 'rejected' | 'none';

export class Speaker implements SessionHost {
  /** Set by the process entry before start(); reported in the `listening` event. */
  codeCache: CodeCacheUse | undefined;
  readonly config: ResolvedSpeakerConfig;
  readonly rib: Rib;
  readonly log_: EventLog;
  private readonly sessions = new Map<string, PeerSession>();
  private readonly servers: Server[] = [];
  private fib: KernelFib | undefined;
  private control: ControlServer | undefined;
  private workScheduled = false;
  /** KEEPALIVEs of every session on one shared grid (keepalive-ticker.ts). */
  readonly keepaliveTicker = new KeepaliveTicker();
  /** The RIB's output version after the last pass that flushed every pending peer; -1 none. */
  private flushedVersion = -1;
  private stopping = false;
  private readonly startedAt = Date.now();
  /** nextHopSelf each peer is registered with in the RIB (re-registered when it changes). */
  private readonly nextHopSelf = new Map<string, { ipv4?: string; ipv6?: string }>();
  private readonly learnLog: boolean;
  private changesSinceCompact = 0;
  private compactTimer: NodeJS.Timeout | undefined;
  /** Peers the RIB holds as up (Established and registered). */
  private readonly ribUp = new Set<string>();
  /**
   * RFC 4724 §4.2 per peer with stale routes: the restart timer while it is down, then (re-established)
   * the bound on waiting for its End-of-RIB. Expiry purges what is still stale.
   */
  private readonly grTimers = new Map<string, NodeJS.Timeout>();
  /**
   * RFC 4271 §9.2.1.1 pacing per peer: when we last sent it a batch (performance.now(), ms; absent until
   * the initial table after Established has gone), and the timer that sends what waits.
   */
  private readonly lastAdvertAt = new Map<string, number>();
  private readonly advertTimers = new Map<string, NodeJS.Timeout>();
  /** Encoded UPDATEs shared by the peers sent the same group, across passes (encode-cache.ts). */
  private readonly encodeCache = new UpdateEncodeCache();
  /** Last snapshot of localInterfaceAddresses() and when it was taken (performance.now(), ms). */
  private localAddressSnapshot: { takenAt: number; addresses: InterfaceAddress[] } | undefined;

  constructor(config: ResolvedSpeakerConfig) {
    this.config = config;
    this.log_ = new EventLog(config.eventLog, config.name);
    this.learnLog = this.log_.enabled;
    const locals = this.localAddresses(undefined).map((a) => a.address);
    this.rib = new Rib({
      routerId: config.routerId,
      asn: config.asn,
      ...(config.clusterId ? { clusterId: config.clusterId } : {}),
      localAddresses: [...new Set([...locals, ...config.listen.addresses])],
    });
    for (const peer of config.peers) {
      // Jitter seed (RFC 4271 §10): Math.random is seeded from the OS at start; node:crypto would cost
      // ~7 ms of CPU per speaker to load (a lab starts 100 at once) for no better jitter.
      const session = new PeerSession(this, peer, 1 + Math.floor(Math.random() * (2 ** 31 - 1)));
      this.sessions.set(peer.address, session);
      this.registerRibPeer(session, this.computeNextHopSelf(session, undefined));
    }
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    const c = this.config;
    this.log({ event: 'start', pid: process.pid, routerId: c.routerId, asn: c.asn, clusterId: c.clusterId, peers: c.peers.length });
    const originated = [...c.originate.ipv4, ...c.originate.ipv6];
    const needKernel = c.fib !== null || (c.blackhole && originated.length > 0);
    if (needKernel) {
      // Loaded only when used: most of a lab's start-up cost is module loading, 100 speakers at a time.
      const { KernelFib } = await import('../fib/kernel.js');
      this.fib = new KernelFib({
        protocol: c.fib?.protocol,
        table: c.fib?.table,
        onAccepted: (changes) => {
          for (const ch of changes) this.log({ event: 'fib', op: ch.op, family: ch.family, prefixes: ch.prefixes });
        },
        onError: (message) => this.log({ event: 'error', where: 'fib', message }),
      });
      await this.fib.start();
      if (c.blackhole) for (const p of originated) this.fib.blackhole(p);
    }
    if (originated.length > 0) this.rib.originate(originated);
    if (c.control) {
      this.control = new ControlServer(c.control, (req) => this.handleControl(req));
      await this.control.start();
    }
    await this.listen();
    for (const s of this.sessions.values()) s.start();
    this.scheduleWork();
  }

  private async listen(): Promise<void> {
    const { port } = this.config.listen;
    const addresses = this.config.listen.addresses;
    const bound: string[] = [];
    if (addresses.length === 0) {
      // One dual-stack socket for all addresses; IPv4 peers appear as ::ffff:a.b.c.d. No host given:
      // Node binds :: itself (0.0.0.0 where there is no IPv6) and skips a dns.lookup of "::", whose
      // module and IPv6 regex cost ~7 ms of CPU per speaker at start (100 of them start at once).
      const family = await this.listenOn(undefined, port, false);
      bound.push(...(family === 'IPv4' ? ['0.0.0.0'] : ['::', '0.0.0.0']));
    } else {
      for (const a of addresses) {
        await this.listenOn(a, port, true);
        bound.push(a);
      }
    }
    // CPU spent to get here (start-up: Node, modules, config, FIB child), for `bgplab converge` breakdowns.
    const cpu = process.cpuUsage();
    const cpuMs = Math.round((cpu.user + cpu.system) / 100) / 10;
    this.log({ event: 'listening', addresses: bound, port, cpuMs, ...(this.codeCache ? { codeCache: this.codeCache } : {}) });
  }

  /** Listen on `host` (undefined: the unspecified address, dual-stack); resolves with the bound family. */
  private listenOn(host: string | undefined, port: number, ipv6Only: boolean): Promise<string> {
    // Paused until the session re-wraps the socket to read it with onread (socket-reads.ts).
    const server = createServer({ noDelay: true, pauseOnConnect: true }, (sock) => this.onIncoming(sock));
    return new Promise((resolve, reject) => {
      // An address the lab has not configured yet fails with EADDRNOTAVAIL: retry briefly (bounded).
      let tries = 0;
      const attempt = (): void => {
        tries++;
        server.once('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'EADDRNOTAVAIL' && tries < 50) setTimeout(attempt, 100);
          else reject(new Error(`cannot listen on [${host ?? '::'}]:${port}: ${err.message}`));
        });
        server.listen(host === undefined ? { port } : { host, port, ipv6Only: host.includes(':') ? ipv6Only : undefined }, () => {
          server.removeAllListeners('error');
          server.on('error', (e) => this.log({ event: 'error', where: 'listen', message: e.message }));
          this.servers.push(server);
          const address = server.address();
          resolve(address && typeof address === 'object' ? address.family : '');
        });
      };
      attempt();
    });
  }

  private onIncoming(sock: Socket): void {
    const remote = normalizeAddress(sock.remoteAddress ?? '');
    const session = this.sessions.get(canonicalAddress(remote)?.address ?? remote);
    if (!session || this.stopping) {
      // RFC 4271 §8.2.1.2 (and the issue): a connection from an address that is not a configured peer
      // is never served. Close at once, send nothing, and say so in the log.
      this.log({ event: 'refused', address: remote, port: sock.remotePort ?? null, reason: this.stopping ? 'stopping' : 'not a configured peer' });
      sock.on('error', () => {});
      sock.destroy();
      return;
    }
    session.accept(sock);
  }

  /** SIGTERM path: Cease 6/2 to every peer, wait (bounded) for the sockets to close, clean the kernel. */
  async stop(reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log({ event: 'stop', reason });
    for (const s of this.sessions.values()) {
      try {
        s.stop(2);
      } catch (err) {
        this.internalError(err, `stop ${s.address}`);
      }
    }
    for (const server of this.servers) server.close();
    const deadline = Date.now() + STOP_WAIT_MS;
    while (Date.now() < deadline && [...this.sessions.values()].some((s) => s.openConnections > 0)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const s of this.sessions.values()) s.destroy();
    this.keepaliveTicker.clear();
    if (this.compactTimer) clearTimeout(this.compactTimer);
    for (const t of this.advertTimers.values()) clearTimeout(t);
    this.advertTimers.clear();
    for (const t of this.grTimers.values()) clearTimeout(t);
    this.grTimers.clear();
    if (this.fib) await this.fib.stop().catch((err: unknown) => this.internalError(err, 'fib stop'));
    if (this.control) await this.control.stop();
    this.log_.close();
  }

  internalError(err: unknown, where = 'speaker'): void {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`bgplab speaker ${this.config.name}: internal error in ${where}: ${message}\n`);
    this.log({ event: 'error', where, message: err instanceof Error ? err.message : String(err) });
  }

  log(event: Record<string, unknown> & { event: string }): void {
    this.log_.emit(event);
  }

  // ------------------------------------------------------------------ session host

  bindAddress(family: 'ipv4' | 'ipv6'): string | undefined {
    return this.config.listen.addresses.find((a) => (family === 'ipv6') === a.includes(':'));
  }

  /**
   * Our next hop per family on a session (NEXT_HOP of what we originate, RFC 4271 §5.1.3): the
   * session's own local address for its family; for the other family (MP-BGP, RFC 4760), our global
   * address of that family on the interface that carries the session, else a configured listen address.
   */
  private computeNextHopSelf(session: PeerSession, localAddress: string | undefined): { ipv4?: string; ipv6?: string } {
    const peer = session.peer;
    const local = localAddress ? canonicalAddress(localAddress) : undefined;
    const addrs = this.localAddresses(local?.address);
    const out: { ipv4?: string; ipv6?: string } = {};
    let iface: string | undefined;
    if (localAddress) {
      if (local) {
        out[local.family] = local.address;
        iface = addrs.find((a) => a.address === local.address)?.iface;
        // An interface not RUNNING yet in libuv's eyes lists no IPv4 address: its connected route tells.
        if (!iface && local.family === 'ipv4') iface = ipv4InterfaceOf(local.address);
      }
    }
    if (!iface) {
      // Before a session exists: the interface whose subnet holds the peer.
      const peerAddr = ipaddr.parse(peer.address);
      const onLink = addrs.find((a) => a.family === peer.addressFamily && peerAddr.kind() === a.cidr.kind() && peerAddr.match(a.cidr, a.prefixLength));
      if (onLink) {
        iface = onLink.iface;
        out[peer.addressFamily] ??= onLink.address;
      } else if (peer.addressFamily === 'ipv4') iface = ipv4InterfaceOf(peer.address);
    }
    for (const family of ['ipv4', 'ipv6'] as const) {
      if (out[family]) continue;
      const candidates = addrs.filter((a) => a.family === family && !isLinkLocal(a));
      out[family] = candidates.find((a) => a.iface === iface)?.address ?? this.bindAddress(family) ?? candidates[0]?.address;
    }
    if (!out[peer.addressFamily]) out[peer.addressFamily] = this.bindAddress(peer.addressFamily);
    return out;
  }

  /**
   * Our interface addresses, from a snapshot at most LOCAL_ADDRESSES_TTL_MS old that holds `mustHold`
   * (a session's local address, canonical) when given; otherwise read afresh.
   */
  private localAddresses(mustHold: string | undefined): InterfaceAddress[] {
    const now = performance.now();
    const snap = this.localAddressSnapshot;
    if (snap && now - snap.takenAt < LOCAL_ADDRESSES_TTL_MS && (mustHold === undefined || snap.addresses.some((a) => a.address === mustHold))) {
      return snap.addresses;
    }
    const addresses = localInterfaceAddresses();
    this.localAddressSnapshot = { takenAt: now, addresses };
    return addresses;
  }

  /**
   * (Re-)register a peer with the RIB with our next hop per family. A family we have no address for
   * cannot carry what we originate, so it is left out; with no address at all (interfaces not up yet)
   * the peer is registered at session establishment, when the socket tells us our address.
   */
  private registerRibPeer(session: PeerSession, nhs: { ipv4?: string; ipv6?: string }): boolean {
    const peer = session.peer;
    const families = peer.families.filter((f) => nhs[f] !== undefined);
    const prev = this.nextHopSelf.get(peer.address);
    if (prev && prev.ipv4 === nhs.ipv4 && prev.ipv6 === nhs.ipv6) return true;
    if (families.length === 0) return false;
    if (prev) {
      // Our address changed: the peer is registered afresh, and stale routes it had (RFC 4724) go with it.
      const stale = this.rib.staleCount(peer.address);
      this.rib.removePeer(peer.address);
      if (stale > 0) this.grPurged(peer.address, stale, 'our local address changed');
    }
    this.rib.addPeer({
      address: peer.address,
      asn: peer.asn,
      rrClient: peer.rrClient,
      families,
      nextHopSelf: Object.fromEntries(families.map((f) => [f, nhs[f]])),
    });
    this.nextHopSelf.set(peer.address, nhs);
    return true;
  }

  sessionUp(session: PeerSession, negotiated: Negotiated, localAddress: string): void {
    const nhs = this.computeNextHopSelf(session, localAddress);
    if (!this.registerRibPeer(session, nhs)) {
      this.log({ event: 'error', where: 'session', peer: session.address, message: `no local address for ${localAddress || 'the session'}: routes not exchanged` });
      return;
    }
    // A family both sides negotiated but we have no address of: say so rather than carry it silently empty.
    for (const f of session.peer.families) {
      if (nhs[f] === undefined && negotiated.families.includes(f)) {
        this.log({ event: 'error', where: 'session', peer: session.address, message: `no local ${f} address for a next hop: ${f} routes not exchanged with this peer` });
      }
    }
    this.rib.peerUp(session.address, {
      routerId: negotiated.peerBgpId,
      families: negotiated.families,
      as4: negotiated.as4,
    });
    this.ribUp.add(session.address);
    this.clearAdvertPacing(session.address);
    this.grSessionUp(session.address, negotiated);
    this.scheduleWork();
  }

  /**
   * RFC 4724 §4.2, the restarted peer is back: the restart timer stops. For each family it has stale
   * routes in, if the new OPEN has no Graceful Restart capability, or does not list the family, or
   * lists it without the Forwarding State bit, the stale routes go at once. Otherwise they stay until
   * re-announced or until its End-of-RIB, bounded by our stale time.
   */
  private grSessionUp(addr: string, negotiated: Negotiated): void {
    this.clearGrTimer(addr);
    if (this.rib.staleCount(addr) === 0) return;
    const gr = negotiated.gracefulRestart;
    for (const family of ['ipv4', 'ipv6'] as const) {
      if (this.rib.staleCount(addr, family) === 0) continue;
      const kept = negotiated.families.includes(family) && gr?.families.some((f) => f.family === family && f.forwardingPreserved);
      if (kept) continue;
      const n = this.rib.purgeStale(addr, family);
      if (n > 0) {
        const why = !gr ? 'no Graceful Restart capability in the new OPEN' : 'forwarding state not preserved (F bit clear) in the new OPEN';
        this.grPurged(addr, n, why, family);
      }
    }
    if (this.rib.staleCount(addr) > 0) this.armGrTimer(addr, this.grStaleMs(Infinity), 'no End-of-RIB within the stale time');
  }

  /** Our bound on keeping stale routes, and the peer's Restart Time under it (ms). */
  private grStaleMs(peerRestartMs: number): number {
    const cap = (this.config.gracefulRestart?.staleTime ?? 0) * 1000;
    return Math.max(0, Math.min(peerRestartMs, cap));
  }

  private armGrTimer(addr: string, ms: number, why: string): void {
    this.clearGrTimer(addr);
    const t = setTimeout(() => {
      this.grTimers.delete(addr);
      try {
        const n = this.rib.purgeStale(addr);
        if (n > 0) this.grPurged(addr, n, why);
        this.scheduleWork();
      } catch (err) {
        this.internalError(err, `graceful restart timer ${addr}`);
      }
    }, ms);
    t.unref();
    this.grTimers.set(addr, t);
  }

  private clearGrTimer(addr: string): void {
    const t = this.grTimers.get(addr);
    if (t) clearTimeout(t);
    this.grTimers.delete(addr);
  }

  private grPurged(addr: string, count: number, reason: string, family?: Family): void {
    this.log({ event: 'gr', op: 'purge', peer: addr, count, ...(family ? { family } : {}), reason });
    if (this.rib.staleCount(addr) === 0) this.clearGrTimer(addr);
  }

  sessionDown(session: PeerSession, info: SessionDownInfo): void {
    // RFC 4271 §8.2.2 / issue: a session that goes down withdraws its routes everywhere (Loc-RIB, the
    // other peers, the kernel). Except RFC 4724 §4.2: when it ended without a NOTIFICATION (TCP reset
    // or close: the peer process died or restarted) and the peer advertised Graceful Restart, the
    // routes of the families it listed stay, marked stale, still used and still advertised, until it
    // is back and re-announces them, or the restart timer (its Restart Time, capped by ours) expires.
    const addr = session.address;
    this.clearAdvertPacing(addr);
    if (!this.ribUp.delete(addr)) return;
    const gr = this.config.gracefulRestart ? info.gracefulRestart : undefined;
    const staleBefore = this.rib.staleCount(addr);
    if (gr && gr.families.length > 0) {
      this.rib.peerDown(addr, { retainStale: gr.families });
      const stale = this.rib.staleCount(addr);
      if (stale > 0) {
        const ms = this.grStaleMs(gr.restartTimeMs);
        this.log({ event: 'gr', op: 'stale', peer: addr, count: stale, families: gr.families, restartTimeMs: ms });
        this.armGrTimer(addr, ms, 'restart timer expired');
      }
    } else {
      this.rib.peerDown(addr);
      this.clearGrTimer(addr);
      if (staleBefore > 0) this.grPurged(addr, staleBefore, 'session ended without graceful restart');
    }
    this.scheduleWork();
  }

  update(session: PeerSession, update: UpdateMessage, errors: DecodeError[] | undefined): void {
    const addr = session.address;
    if (!this.ribUp.has(addr)) return;
    // RFC 7606 §2: treat-as-withdraw turns every route the UPDATE announces into a withdrawal.
    const withdrawAll = errors?.some((e) => e.action === 'treat-as-withdraw' || e.action === 'afi-safi-disable') ?? false;
    if (errors && errors.length > 0) {
      this.log({
        event: 'update-error',
        peer: addr,
        action: withdrawAll ? 'treat-as-withdraw' : 'attribute-discard',
        reasons: errors.map((e) => e.reason),
      });
    }
    const a = update.attributes;
    const eor = endOfRibFamily(update);
    if (eor) {
      this.log({ event: 'eor', peer: addr, family: eor });
      // RFC 4724 §4.2: End-of-RIB from the restarted peer: what it did not re-announce goes.
      const n = this.rib.staleCount(addr, eor) > 0 ? this.rib.purgeStale(addr, eor) : 0;
      if (n > 0) {
        this.grPurged(addr, n, 'End-of-RIB', eor);
        this.scheduleWork();
      }
      return;
    }
    if (update.nlri.length > 0 || update.withdrawn.length > 0) {
      if (withdrawAll) this.rib.applyUpdate(addr, 'ipv4', null, [], [...update.withdrawn, ...update.nlri]);
      else this.rib.applyUpdate(addr, 'ipv4', a, update.nlri, update.withdrawn);
    }
    const reach = a.mpReach;
    const unreach = a.mpUnreach;
    for (const family of ['ipv4', 'ipv6'] as const) {
      const afi = family === 'ipv4' ? 1 : 2;
      const announced: Nlri[] = reach && reach.afi === afi && reach.safi === 1 ? reach.nlri : [];
      const withdrawn: Nlri[] = unreach && unreach.afi === afi && unreach.safi === 1 ? unreach.withdrawn : [];
      if (announced.length === 0 && withdrawn.length === 0) continue;
      if (withdrawAll) this.rib.applyUpdate(addr, family, null, [], [...withdrawn, ...announced]);
      else this.rib.applyUpdate(addr, family, a, announced, withdrawn);
    }
    this.scheduleWork();
  }

  routeRefresh(session: PeerSession, family: Family): void {
    // RFC 2918 §4: answer from the Adj-RIB-Out.
    if (!this.ribUp.has(session.address)) return;
    this.rib.dumpFor(session.address, [family]);
    this.scheduleWork();
  }

  stateChange(session: PeerSession, from: FsmStateName, to: FsmStateName, reason: string | undefined): void {
    this.log(
      reason === undefined
        ? { event: 'session', peer: session.address, state: to, prev: from }
        : { event: 'session', peer: session.address, state: to, prev: from, reason },
    );
  }

  scheduleWork(): void {
    if (this.workScheduled) return;
    this.workScheduled = true;
    setImmediate(() => {
      this.workScheduled = false;
      try {
        this.work();
      } catch (err) {
        this.internalError(err, 'rib flush');
      }
    });
  }

  /** Send every peer what the RIB says it must be sent; push best-path changes to the FIB and log. */
  private work(): void {
    const version = this.rib.outputVersion;
    if (version !== this.flushedVersion) this.flushPeers(version);
    this.rib.skipQuietChanges();
    this.applyBestChanges();
  }

  /** Flush every peer the RIB has output for (`version`: the RIB's output version when the pass began). */
  private flushPeers(version: number): void {
    const interval = this.config.advertisementIntervalMs;
    const now = interval > 0 ? performance.now() : 0;
    let deferred = false;
    const cache = this.encodeCache;
    for (const s of this.sessions.values()) {
      const neg = s.negotiated;
      if (!neg || !s.established || !this.ribUp.has(s.address) || !this.rib.hasPending(s.address)) continue;
      if (interval > 0) {
        // RFC 4271 §9.2.1.1: the initial table goes at once; later changes at most once per interval,
        // all that accumulated in one batch (the RIB computes the difference at flush time).
        const last = this.lastAdvertAt.get(s.address);
        if (last !== undefined && now - last < interval) {
          this.armAdvertTimer(s.address, interval - (now - last));
          deferred = true;
          continue;
        }
        this.lastAdvertAt.set(s.address, now);
      }
      const batch = this.rib.flush(s.address);
      const ctx = neg.codec;
      const max = neg.maxMessageSize;
      const out: Buffer[] = [];
      try {
        for (const w of batch.withdraw) for (const b of encodeWithdrawals(w.family, w.prefixes, ctx, max)) out.push(b);
        for (const g of batch.announce) {
          try {
            for (const b of cache.updates(g.family, g.attrs, g.prefixes, ctx, max)) out.push(b);
          } catch (err) {
            this.log({ event: 'error', where: 'encode', peer: s.address, message: (err as Error).message, prefixes: g.prefixes.length });
          }
        }
        // RFC 4724 §4: End-of-RIB after the initial table (and after a ROUTE-REFRESH answer).
        for (const f of batch.endOfRib) out.push(endOfRibMessage(f));
      } catch (err) {
        this.internalError(err, `encode for ${s.address}`);
      }
      s.writeMany(out);
    }
    // Nothing deferred: until the RIB's output version moves, no peer has anything new.
    this.flushedVersion = deferred ? -1 : version;
  }

  /** Best-path changes of the pass to the kernel and the event log (and the compaction timer). */
  private applyBestChanges(): void {
    const changes = this.rib.takeBestChanges();
    if (changes.length === 0) return;
    for (const g of changes) this.changesSinceCompact += g.prefixes.length;
    if (this.changesSinceCompact >= COMPACT_AFTER_CHANGES) this.armCompaction();
    // Kernel: learned best routes (config fib) and, when ours becomes best again, our blackhole.
    if (this.fib) applyBestChangesToFib(changes, this.fib, { installLearned: this.config.fib !== null, blackhole: this.config.blackhole });
    if (this.learnLog) {
      for (const g of changes) {
        if (g.local) continue; // locally originated prefixes are not logged as learned (contracts.md)
        this.log_.emitRoutes(g.op === 'del' ? 'del' : 'add', g.family, g.prefixes, g.nextHop, g.peer);
      }
    }
  }

  private armAdvertTimer(addr: string, ms: number): void {
    if (this.advertTimers.has(addr)) return;
    const t = setTimeout(() => {
      this.advertTimers.delete(addr);
      this.scheduleWork();
    }, Math.max(1, Math.ceil(ms)));
    this.advertTimers.set(addr, t);
  }

  private clearAdvertPacing(addr: string): void {
    this.lastAdvertAt.delete(addr);
    const t = this.advertTimers.get(addr);
    if (t) clearTimeout(t);
    this.advertTimers.delete(addr);
  }

  /** (Re)arm the one full GC that follows a large burst, COMPACT_QUIET_MS after the last change. */
  private armCompaction(): void {
    if (this.compactTimer) clearTimeout(this.compactTimer);
    this.compactTimer = setTimeout(() => {
      this.compactTimer = undefined;
      this.changesSinceCompact = 0;
      const gc = getFullGc();
      if (gc) gc();
    }, COMPACT_QUIET_MS);
    this.compactTimer.unref();
  }

  // ------------------------------------------------------------------ control socket

  private handleControl(req: ControlRequest): unknown | Promise<unknown> {
    switch (req.cmd) {
      case 'status':
        return this.status();
      case 'routes':
        return this.routes(req.family);
      case 'reset': {
        const addr = canonicalAddress(req.peer)?.address;
        const s = addr ? this.sessions.get(addr) : undefined;
        if (!s) throw new Error(`reset: ${JSON.stringify(req.peer)} is not a configured peer`);
        s.reset();
        return { ok: true, peer: s.address };
      }
    }
  }

  status(): SpeakerStatus {
    const peers: PeerStatus[] = [];
    for (const s of this.sessions.values()) {
      const p = s.peer;
      const stats = this.nextHopSelf.has(p.address) ? this.rib.peerStats(p.address) : { received: 0, accepted: 0, sent: 0 };
      peers.push({
        address: p.address,
        asn: p.asn,
        type: p.type,
        rrClient: p.rrClient,
        state: s.state,
        since: s.sinceWall === null ? null : new Date(s.sinceWall).toISOString(),
        lastError: s.lastError,
        prefixes: { received: stats.received, accepted: stats.accepted, sent: stats.sent },
        messages: { in: s.messagesIn, out: s.messagesOut },
        description: p.description,
        families: s.negotiated?.families ?? [],
        holdTime: s.negotiated?.holdTime ?? null,
        staleRoutes: this.nextHopSelf.has(p.address) ? this.rib.staleCount(p.address) : 0,
      });
    }
    const rib = this.rib.stats();
    return {
      name: this.config.name,
      routerId: this.config.routerId,
      asn: this.config.asn,
      clusterId: this.config.clusterId,
      uptimeMs: Date.now() - this.startedAt,
      peers,
      rib: { ipv4: { routes: rib.ipv4.routes }, ipv6: { routes: rib.ipv6.routes } },
      fib: { installed: this.fib?.installedCount ?? 0 },
    };
  }

  async routes(family?: Family): Promise<RoutesResponse> {
    const { attributesToJson } = await import('../wire/json.js');
    const routes: RouteEntry[] = this.rib.routes(family).map((r) => ({
      prefix: r.prefix,
      family: r.family,
      nextHop: r.nextHop,
      peer: r.peer,
      best: r.best,
      attributes: attributesToJson(r.attributes as never),
      ...(r.rejected ? { rejected: r.rejected } : {}),
      ...(r.stale ? { stale: true } : {}),
    }));
    return { routes };
  }
}
