/**
 * The BGP session state machine of RFC 4271 §8, one per configured peer, as a pure function:
 * step(state, event, now) -> { state, actions }. The input state is never modified. Connections are
 * named (ConnId) so that the second connection of a collision (§6.8) is tracked beside the session's
 * own until its OPEN decides which one stays. Deviations from the letter of §8.2.2 are marked "Deviation".
 */
import { CeaseSubcode, ErrorCode } from '../wire/constants.js';
import { errorName, notificationDetails } from '../wire/notification-names.js';
import type { DecodeError, DecodeResult, NotificationMessage } from '../wire/types.js';
import { backoffDelay, jitter, nextRandom } from './backoff.js';
import { resolveCollision } from './collision.js';
import { buildOpen, familyOf, MAX_AS, negotiate, openAs, validateOpen } from './open.js';
import type {
  ConnId,
  FsmAction,
  FsmEvent,
  FsmStateName,
  NotificationError,
  ResolvedSessionConfig,
  SessionConfig,
  SessionDownInfo,
  SessionState,
  StepResult,
  TimerName,
  TrackedConnection,
} from './types.js';

/** At most this many extra connections are tracked beside the session's own; more are refused (Cease 6/5). */
export const MAX_TRACKED = 2;

const CONN_TIMERS: readonly TimerName[] = ['HoldTimer', 'KeepaliveTimer', 'DelayOpenTimer'];

/** Events that are a received BGP message (RFC 6608: "unexpected message" subcodes apply to these). */
const MESSAGE_EVENTS = new Set<string>([
  'BGPOpen',
  'BGPHeaderErr',
  'BGPOpenMsgErr',
  'NotifMsgVerErr',
  'NotifMsg',
  'KeepAliveMsg',
  'UpdateMsg',
  'UpdateMsgErr',
  'RouteRefreshMsg',
]);

/** RFC 6608 FSM Error subcodes by state. */
const FSM_ERROR_SUBCODE: Partial<Record<FsmStateName, number>> = { OpenSent: 1, OpenConfirm: 2, Established: 3 };

// ---------------------------------------------------------------- configuration

function positive(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

function nonNegative(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** Fill in defaults and check ranges. Throws RangeError naming the field and the value. */
export function resolveSessionConfig(config: SessionConfig): ResolvedSessionConfig {
  const bad = (field: string, value: unknown, why: string): never => {
    throw new RangeError(`session config: ${field} ${typeof value === 'string' ? JSON.stringify(value) : String(value)} ${why}`);
  };
  if (!(typeof config.peerAs === 'number' && Number.isInteger(config.peerAs) && config.peerAs >= 1 && config.peerAs <= MAX_AS)) {
    bad('peerAs', config.peerAs, `is not an AS number (1-${MAX_AS})`);
  }
  const holdTime = config.holdTime ?? 90;
  // buildOpen checks asn, routerId, holdTime, families and capabilities.
  buildOpen(config);
  const keepaliveTime = config.keepaliveTime ?? (holdTime === 0 ? 0 : holdTime / 3);
  if (!nonNegative(keepaliveTime) || (holdTime > 0 && (keepaliveTime <= 0 || keepaliveTime >= holdTime))) {
    bad('keepaliveTime', config.keepaliveTime, `must be more than 0 and less than the hold time ${holdTime} s (RFC 4271 §4.4)`);
  }
  const connectRetryMs = config.connectRetryMs ?? 30_000;
  if (!positive(connectRetryMs)) bad('connectRetryMs', config.connectRetryMs, 'must be a positive number of milliseconds');
  const backoffInitialMs = config.backoffInitialMs ?? 100;
  if (!positive(backoffInitialMs)) bad('backoffInitialMs', config.backoffInitialMs, 'must be a positive number of milliseconds');
  const stableMs = config.stableMs ?? 10_000;
  if (!nonNegative(stableMs)) bad('stableMs', config.stableMs, 'must be a non-negative number of milliseconds');
  const openHoldTimeMs = config.openHoldTimeMs ?? 240_000;
  if (!positive(openHoldTimeMs)) bad('openHoldTimeMs', config.openHoldTimeMs, 'must be a positive number of milliseconds');
  const delayOpenMs = config.delayOpenMs ?? 0;
  if (!nonNegative(delayOpenMs)) bad('delayOpenMs', config.delayOpenMs, 'must be 0 (off) or a positive number of milliseconds');
  return {
    asn: config.asn,
    routerId: config.routerId,
    peerAs: config.peerAs,
    peerAddress: config.peerAddress ?? '',
    holdTime,
    keepaliveTime,
    families: [...new Set(config.families ?? (['ipv4', 'ipv6'] as const))],
    connectRetryMs,
    backoffInitialMs,
    stableMs,
    openHoldTimeMs,
    passive: !!config.passive,
    delayOpenMs,
    dampPeerOscillations: !!config.dampPeerOscillations,
    collisionDetectEstablishedState: !!config.collisionDetectEstablishedState,
    sendNotificationWithoutOpen: config.sendNotificationWithoutOpen ?? true,
    allowAutomaticStart: config.allowAutomaticStart ?? true,
  };
}

export interface CreateSessionOptions {
  /** Seed of the jitter PRNG. Use a random one in production (crypto.randomInt), a fixed one in tests. Default 1. */
  seed?: number;
  /** The injected clock's current time (ms). Default 0. */
  now?: number;
}

/** A session in Idle, not started: deliver ManualStart to start it. Throws RangeError on bad configuration. */
export function createSession(config: SessionConfig, options: CreateSessionOptions = {}): SessionState {
  const resolved = resolveSessionConfig(config);
  const now = options.now ?? 0;
  return {
    config: resolved,
    localOpen: buildOpen(config),
    state: 'Idle',
    connected: false,
    tracked: [],
    timers: {},
    adminUp: false,
    connectRetryCounter: 0,
    failures: 0,
    since: now,
    lastRxAt: now,
    lastTxAt: now,
    nextDial: 1,
    rng: (options.seed ?? 1) >>> 0,
  };
}

// ---------------------------------------------------------------- timers

/** The key of a running timer in SessionState.timers. */
export function timerKey(timer: TimerName, conn?: ConnId): string {
  return conn === undefined ? timer : `${timer}@${conn}`;
}

/** The event to deliver when the timer of a StartTimer action fires. */
export function timerExpired(action: { timer: TimerName; conn?: ConnId }): FsmEvent {
  const type = `${action.timer}_Expires` as const;
  return action.conn === undefined ? ({ type } as FsmEvent) : ({ type, conn: action.conn } as FsmEvent);
}

function parseTimerKey(key: string): { timer: TimerName; conn?: ConnId } {
  const at = key.indexOf('@');
  if (at < 0) return { timer: key as TimerName };
  return { timer: key.slice(0, at) as TimerName, conn: key.slice(at + 1) };
}

/** Running timers, earliest first: for a socket layer that keeps one OS timer per session. */
export function runningTimers(state: SessionState): Array<{ timer: TimerName; conn?: ConnId; at: number }> {
  return Object.entries(state.timers)
    .map(([key, at]) => ({ ...parseTimerKey(key), at }))
    .sort((a, b) => a.at - b.at);
}

/** The expiry events due at `now`, in deadline order. Deliver them one by one (each step may stop others). */
export function dueTimerEvents(state: SessionState, now: number): FsmEvent[] {
  return runningTimers(state)
    .filter((t) => t.at <= now)
    .map((t) => timerExpired(t));
}

// ---------------------------------------------------------------- decode results to events

/**
 * The FSM event for one decoded message (decodeMessage's result) on connection `conn`, or undefined when
 * more bytes are needed. An error that resets the session becomes BGPHeaderErr (code 1), BGPOpenMsgErr
 * (code 2) or UpdateMsgErr (any other code, e.g. UPDATE errors and ROUTE-REFRESH errors, RFC 7313 §5);
 * RFC 7606 treat-as-withdraw and attribute-discard findings travel with the UpdateMsg.
 */
export function eventFromDecode(conn: ConnId, result: DecodeResult): FsmEvent | undefined {
  const fatal = result.errors.find((e) => e.action === 'session-reset' || e.action === 'afi-safi-disable');
  if (fatal || (!result.message && result.errors.length > 0)) return eventFromDecodeError(conn, fatal ?? result.errors[0]);
  const m = result.message;
  if (!m) return undefined;
  switch (m.type) {
    case 'OPEN':
      return { type: 'BGPOpen', conn, open: m };
    case 'UPDATE':
      return result.errors.length > 0 ? { type: 'UpdateMsg', conn, update: m, errors: result.errors } : { type: 'UpdateMsg', conn, update: m };
    case 'NOTIFICATION':
      // RFC 4271 §8.1.5 event 24: a NOTIFICATION carrying the OPEN version error.
      return m.code === ErrorCode.OPEN && m.subcode === 1 ? { type: 'NotifMsgVerErr', conn, notification: m } : { type: 'NotifMsg', conn, notification: m };
    case 'KEEPALIVE':
      return { type: 'KeepAliveMsg', conn };
    case 'ROUTE-REFRESH':
      return { type: 'RouteRefreshMsg', conn, message: m };
  }
}

/** The FSM event for an error that resets the session (also for MessageReader's framing errors: 1/x). */
export function eventFromDecodeError(conn: ConnId, e: DecodeError): FsmEvent {
  const error: NotificationError = { code: e.code, subcode: e.subcode, data: e.data, reason: e.reason };
  if (e.code === ErrorCode.MESSAGE_HEADER) return { type: 'BGPHeaderErr', conn, error };
  if (e.code === ErrorCode.OPEN) return { type: 'BGPOpenMsgErr', conn, error };
  return { type: 'UpdateMsgErr', conn, error };
}

// ---------------------------------------------------------------- the step

/**
 * A shallow copy of a session state. Written out field by field: an object spread of this shape costs
 * about 25 times more in V8, and this runs once per received UPDATE. The mapped type makes the compiler
 * insist on every field, optional ones included.
 */
function cloneState(s: SessionState): SessionState {
  const copy: { [K in keyof Required<SessionState>]: SessionState[K] } = {
    config: s.config,
    localOpen: s.localOpen,
    state: s.state,
    conn: s.conn,
    initiator: s.initiator,
    connected: s.connected,
    tracked: s.tracked,
    timers: s.timers,
    adminUp: s.adminUp,
    connectRetryCounter: s.connectRetryCounter,
    failures: s.failures,
    peerOpen: s.peerOpen,
    negotiated: s.negotiated,
    since: s.since,
    establishedAt: s.establishedAt,
    lastRxAt: s.lastRxAt,
    lastTxAt: s.lastTxAt,
    lastError: s.lastError,
    nextDial: s.nextDial,
    rng: s.rng,
  };
  return copy;
}

/** The working copy a step mutates, with the actions it emits. */
interface Ctx {
  s: SessionState;
  out: FsmAction[];
  now: number;
}

interface Notify {
  code: number;
  subcode: number;
  data: Buffer;
  reason?: string;
}

/**
 * Feed one event to the session. Returns the next state and the actions to perform, in order.
 * Pure and deterministic: same state, event and time give the same result; randomness comes from the
 * PRNG state inside `state`. Never throws on any event; events for connections or timers the session
 * no longer has are ignored (or the unknown connection is closed).
 */
export function step(state: SessionState, event: FsmEvent, now: number): StepResult {
  // Hot path: UPDATE and KEEPALIVE on the Established connection change one field; timers and tracked
  // connections are shared with the previous state (states are never modified in place).
  if (state.state === 'Established' && 'conn' in event && event.conn === state.conn) {
    if (event.type === 'UpdateMsg') {
      const action: FsmAction = event.errors
        ? { type: 'ProcessUpdate', conn: event.conn, update: event.update, errors: event.errors }
        : { type: 'ProcessUpdate', conn: event.conn, update: event.update };
      const next = cloneState(state);
      next.lastRxAt = now;
      return { state: next, actions: [action] };
    }
    if (event.type === 'KeepAliveMsg' || event.type === 'UpdateSent') {
      const next = cloneState(state);
      if (event.type === 'KeepAliveMsg') next.lastRxAt = now;
      else next.lastTxAt = now;
      return { state: next, actions: [] };
    }
    // The KeepaliveTimer fires on every session every interval (33 times a second in a 100-node mesh with
    // 3 s keepalives). Same result as the general path, whose delete-then-restart of the timer's key
    // turns the timers object into a slow dictionary; here the restart overwrites it in place.
    if (event.type === 'KeepaliveTimer_Expires') {
      if (!(timerKey('KeepaliveTimer', event.conn) in state.timers)) return { state, actions: [] };
      const next = cloneState(state);
      next.timers = { ...state.timers };
      const c: Ctx = { s: next, out: [], now };
      keepaliveTimerExpired(c);
      return { state: next, actions: c.out };
    }
  }
  return stepGeneral(state, event, now);
}

/** step without its hot paths (exported for the tests that check the hot paths give the same result). */
export function stepGeneral(state: SessionState, event: FsmEvent, now: number): StepResult {
  const s = cloneState(state);
  s.timers = { ...state.timers };
  s.tracked = state.tracked.slice();
  const c: Ctx = { s, out: [], now };
  const conn = 'conn' in event ? event.conn : undefined;

  if (event.type.endsWith('_Expires')) {
    const key = timerKey(event.type.slice(0, -'_Expires'.length) as TimerName, conn);
    // A timer that was stopped or restarted since: nothing to do.
    if (!(key in c.s.timers)) return { state, actions: [] };
    delete c.s.timers[key];
  }

  if (conn !== undefined && conn !== c.s.conn) {
    const tracked = c.s.tracked.find((t) => t.conn === conn);
    if (tracked) trackedStep(c, tracked, event);
    else otherConnection(c, conn, event);
  } else {
    sessionStep(c, event);
  }
  return { state: c.s, actions: c.out };
}

// ---------------------------------------------------------------- helpers

function random(c: Ctx): number {
  const [v, next] = nextRandom(c.s.rng);
  c.s.rng = next;
  return v;
}

function startTimer(c: Ctx, timer: TimerName, ms: number, conn?: ConnId): void {
  const duration = Math.max(0, Math.round(ms));
  c.s.timers[timerKey(timer, conn)] = c.now + duration;
  c.out.push(conn === undefined ? { type: 'StartTimer', timer, ms: duration } : { type: 'StartTimer', timer, ms: duration, conn });
}

function stopTimer(c: Ctx, timer: TimerName, conn?: ConnId): void {
  const key = timerKey(timer, conn);
  if (!(key in c.s.timers)) return;
  delete c.s.timers[key];
  c.out.push(conn === undefined ? { type: 'StopTimer', timer } : { type: 'StopTimer', timer, conn });
}

function timerRunning(c: Ctx, timer: TimerName, conn?: ConnId): boolean {
  return timerKey(timer, conn) in c.s.timers;
}

function stopConnTimers(c: Ctx, conn: ConnId): void {
  for (const t of CONN_TIMERS) stopTimer(c, t, conn);
}

function stopAllTimers(c: Ctx): void {
  for (const key of Object.keys(c.s.timers)) {
    const { timer, conn } = parseTimerKey(key);
    stopTimer(c, timer, conn);
  }
}

function setState(c: Ctx, to: FsmStateName, reason?: string): void {
  const from = c.s.state;
  if (from === to) return;
  c.s.state = to;
  c.s.since = c.now;
  c.out.push(reason === undefined ? { type: 'StateChange', from, to } : { type: 'StateChange', from, to, reason });
}

function sendNotification(c: Ctx, conn: ConnId, n: Notify): void {
  c.out.push({ type: 'SendNotification', conn, code: n.code, subcode: n.subcode, data: n.data });
}

function sendOpen(c: Ctx, conn: ConnId): void {
  c.out.push({ type: 'SendOpen', conn, open: c.s.localOpen });
}

function sendKeepalive(c: Ctx, conn: ConnId): void {
  c.out.push({ type: 'SendKeepalive', conn });
  if (conn === c.s.conn) c.s.lastTxAt = c.now;
}

function describeSent(n: Notify): string {
  return `sent NOTIFICATION ${n.code}/${n.subcode} (${errorName(n.code, n.subcode)})${n.reason ? `: ${n.reason}` : ''}`;
}

function describeReceived(n: NotificationMessage): string {
  let text = `received NOTIFICATION ${n.code}/${n.subcode} (${errorName(n.code, n.subcode)})`;
  const details = notificationDetails(n.code, n.subcode, Buffer.isBuffer(n.data) ? n.data : Buffer.alloc(0));
  if (details.shutdownCommunication) text += `: "${details.shutdownCommunication}"`;
  else if (details.value !== undefined) text += `: ${details.value}`;
  return text;
}

/** RFC 9003 §2 shutdown communication: a length octet and at most 255 octets of UTF-8 (cut on a character boundary). */
export function shutdownCommunicationData(message: string | undefined): Buffer {
  if (!message) return Buffer.alloc(0);
  let text = Buffer.from(message, 'utf8');
  if (text.length > 255) {
    let end = 255;
    // Back up over UTF-8 continuation bytes so no character is cut in half.
    while (end > 0 && (text[end] & 0xc0) === 0x80) end--;
    text = text.subarray(0, end);
  }
  return Buffer.concat([Buffer.from([text.length]), text]);
}

function cease(subcode: number, data: Buffer = Buffer.alloc(0), reason?: string): Notify {
  return { code: ErrorCode.CEASE, subcode, data, reason };
}

function nextDialName(c: Ctx): ConnId {
  return `out-${c.s.nextDial++}`;
}

// ---------------------------------------------------------------- entering states

/** Idle → Connect: dial the peer (RFC 4271 §8.2.2 Idle, ManualStart/AutomaticStart). */
function enterConnect(c: Ctx, reason?: string): void {
  const conn = nextDialName(c);
  c.s.conn = conn;
  c.s.initiator = 'local';
  c.s.connected = false;
  startTimer(c, 'ConnectRetryTimer', jitter(c.s.config.connectRetryMs, random(c)));
  c.out.push({ type: 'Connect', conn });
  setState(c, 'Connect', reason);
}

/** → Active: listen; dial when the ConnectRetryTimer fires (never for a passive peer). */
function enterActive(c: Ctx, retryMs: number | undefined, reason?: string): void {
  c.s.conn = undefined;
  c.s.initiator = undefined;
  c.s.connected = false;
  if (retryMs !== undefined && !c.s.config.passive) startTimer(c, 'ConnectRetryTimer', retryMs);
  setState(c, 'Active', reason);
}

/** Start from Idle (ManualStart, AutomaticStart and their passive variants). */
function start(c: Ctx, passive: boolean, reason: string): void {
  stopTimer(c, 'IdleHoldTimer');
  // Events 4/5 (PassiveTcpEstablishment) listen first and dial when the ConnectRetryTimer fires;
  // a peer configured passive is never dialled.
  if (c.s.config.passive) enterActive(c, undefined, reason);
  else if (passive) enterActive(c, jitter(c.s.config.connectRetryMs, random(c)), reason);
  else enterConnect(c, reason);
}

/** The TCP connection of the session came up in Connect or Active. */
function tcpUp(c: Ctx, conn: ConnId, initiator: 'local' | 'remote'): void {
  c.s.conn = conn;
  c.s.initiator = initiator;
  c.s.connected = true;
  c.s.lastRxAt = c.now;
  stopTimer(c, 'ConnectRetryTimer');
  if (c.s.config.delayOpenMs > 0) {
    // RFC 4271 §8.2.2 Connect/Active with DelayOpen: wait for the peer's OPEN, stay in this state.
    startTimer(c, 'DelayOpenTimer', c.s.config.delayOpenMs, conn);
    return;
  }
  sendOpen(c, conn);
  startTimer(c, 'HoldTimer', c.s.config.openHoldTimeMs, conn);
  setState(c, 'OpenSent');
}

function enterEstablished(c: Ctx): void {
  c.s.establishedAt = c.now;
  c.s.lastRxAt = c.now;
  // Our own dials still in flight are no longer needed.
  for (const t of c.s.tracked.filter((x) => x.state === 'Connect')) dropTracked(c, t);
  setState(c, 'Established');
  c.out.push({ type: 'SessionEstablished', conn: c.s.conn!, negotiated: c.s.negotiated! });
}

// ---------------------------------------------------------------- leaving a connection

interface DownOptions {
  reason: string;
  /** NOTIFICATION to send on the session's connection (only if it is connected). */
  notify?: Notify;
  /** The NOTIFICATION received that ended the session. */
  received?: NotificationMessage;
  /** RFC 4271 ConnectRetryCounter handling of the transition. */
  counter: 'inc' | 'zero' | 'keep';
  /** ManualStop: administratively down, no automatic restart. */
  admin?: boolean;
  /** ManualStop/AutomaticStop: the whole session stops, tracked connections too. */
  stopAll?: boolean;
  /** The connection failed without a NOTIFICATION (RFC 4724 §4.2 may keep the peer's routes). */
  tcpFailure?: boolean;
}

function sessionDownInfo(c: Ctx, o: DownOptions, reason: string): SessionDownInfo {
  const info: SessionDownInfo = { reason };
  if (o.notify) info.notification = { direction: 'sent', code: o.notify.code, subcode: o.notify.subcode };
  else if (o.received) info.notification = { direction: 'received', code: o.received.code, subcode: o.received.subcode };
  const gr = c.s.negotiated?.gracefulRestart;
  if (o.tcpFailure && gr && gr.families.length > 0) {
    info.gracefulRestart = { restartTimeMs: gr.restartTime * 1000, families: gr.families.map((f) => f.family) };
  }
  return info;
}

/** Close the session's own connection: NOTIFICATION if asked, timers, TCP, and SessionDown if it was Established. */
function closeSessionConnection(c: Ctx, o: DownOptions): string {
  const reason = o.notify ? describeSent({ ...o.notify, reason: o.notify.reason ?? o.reason }) : o.received ? describeReceived(o.received) : o.reason;
  const conn = c.s.conn;
  if (conn !== undefined) {
    if (o.notify && c.s.connected) sendNotification(c, conn, o.notify);
    stopConnTimers(c, conn);
  }
  stopTimer(c, 'ConnectRetryTimer');
  if (conn !== undefined) c.out.push({ type: 'Disconnect', conn });
  if (c.s.state === 'Established') c.out.push({ type: 'SessionDown', ...sessionDownInfo(c, o, reason) });
  if (o.counter === 'inc') c.s.connectRetryCounter++;
  else if (o.counter === 'zero') c.s.connectRetryCounter = 0;
  c.s.lastError = reason;
  return reason;
}

function clearSessionConnection(c: Ctx): void {
  c.s.conn = undefined;
  c.s.initiator = undefined;
  c.s.connected = false;
  c.s.peerOpen = undefined;
  c.s.negotiated = undefined;
  c.s.establishedAt = undefined;
}

const TRACKED_RANK = { Connect: 0, OpenSent: 1, OpenConfirm: 2 } as const;

/** The most advanced tracked connection (OpenConfirm, then OpenSent, then a dial in flight; newest first). */
function bestTracked(c: Ctx): TrackedConnection | undefined {
  let best: TrackedConnection | undefined;
  for (const t of c.s.tracked) if (!best || TRACKED_RANK[t.state] >= TRACKED_RANK[best.state]) best = t;
  return best;
}

/** A tracked connection becomes the session's connection (its own connection is already closed). */
function promote(c: Ctx, t: TrackedConnection, reason: string): void {
  c.s.tracked = c.s.tracked.filter((x) => x.conn !== t.conn);
  clearSessionConnection(c);
  c.s.conn = t.conn;
  c.s.initiator = t.initiator;
  c.s.lastRxAt = c.now;
  if (t.state === 'Connect') {
    startTimer(c, 'ConnectRetryTimer', jitter(c.s.config.connectRetryMs, random(c)));
    setState(c, 'Connect', reason);
  } else {
    c.s.connected = true;
    setState(c, 'OpenSent', reason);
    // Its OPEN already came (and was checked): on to OpenConfirm as if it came now.
    if (t.state === 'OpenConfirm' && t.peerOpen) openReceived(c, { type: 'BGPOpen', conn: t.conn, open: t.peerOpen }, false);
  }
}

/**
 * The session's connection is gone: → Idle, releasing resources (RFC 4271 "releases all BGP resources"),
 * then, unless stopped by the operator, the automatic restart with back-off. If another connection to
 * the peer is being tracked (and this is not a stop), that connection carries on instead.
 */
function goIdle(c: Ctx, o: DownOptions): void {
  const wasEstablished = c.s.state === 'Established';
  const stable = wasEstablished && c.s.establishedAt !== undefined && c.now - c.s.establishedAt >= c.s.config.stableMs;
  const reason = closeSessionConnection(c, o);

  if (!o.stopAll && c.s.tracked.length > 0) {
    promote(c, bestTracked(c)!, `${reason}; continuing on ${bestTracked(c)!.conn}`);
    return;
  }
  for (const t of c.s.tracked.slice()) {
    if (t.state !== 'Connect' && o.notify) sendNotification(c, t.conn, o.notify);
    dropTracked(c, t);
  }
  stopAllTimers(c);
  clearSessionConnection(c);
  c.out.push({ type: 'ReleaseResources' });
  if (o.admin) c.s.adminUp = false;
  setState(c, 'Idle', reason);
  if (c.s.adminUp && c.s.config.allowAutomaticStart) scheduleRestart(c, stable);
}

/**
 * Automatic restart after a failure (RFC 4271 §8.1.1 AllowAutomaticStart). The delay is the back-off:
 * none after a stable session, then ~100 ms doubling up to connectRetry, jittered. During the delay the
 * session waits in Active, where the peer's own connection is accepted, so two speakers restarting
 * together do not refuse each other. With DampPeerOscillations it waits in Idle instead (IdleHoldTimer).
 */
function scheduleRestart(c: Ctx, stable: boolean): void {
  const cfg = c.s.config;
  let delay = 0;
  if (stable) c.s.failures = 0;
  else {
    c.s.failures++;
    delay = backoffDelay(c.s.failures, { initialMs: cfg.backoffInitialMs, maxMs: cfg.connectRetryMs }, random(c));
  }
  if (cfg.dampPeerOscillations) {
    startTimer(c, 'IdleHoldTimer', delay);
    return;
  }
  if (cfg.passive) enterActive(c, undefined, 'automatic restart');
  else if (delay === 0) enterConnect(c, 'automatic restart');
  else enterActive(c, delay, `automatic restart, next dial in ${delay} ms`);
}

/** RFC 4271 §8.2.2 "any other event" in OpenSent, OpenConfirm, Established: FSM Error (RFC 6608 subcodes). */
function fsmError(c: Ctx, event: FsmEvent): void {
  const subcode = MESSAGE_EVENTS.has(event.type) ? (FSM_ERROR_SUBCODE[c.s.state] ?? 0) : 0;
  goIdle(c, {
    reason: `unexpected ${event.type} in ${c.s.state}`,
    notify: { code: ErrorCode.FSM, subcode, data: Buffer.alloc(0) },
    counter: 'inc',
  });
}

// ---------------------------------------------------------------- tracked and unknown connections

function dropTracked(c: Ctx, t: TrackedConnection): void {
  c.s.tracked = c.s.tracked.filter((x) => x.conn !== t.conn);
  stopConnTimers(c, t.conn);
  c.out.push({ type: 'Disconnect', conn: t.conn });
}

function refuse(c: Ctx, conn: ConnId): void {
  // RFC 4486 §4: a connection we will not serve gets Cease / Connection Rejected.
  if (c.s.config.sendNotificationWithoutOpen) sendNotification(c, conn, cease(CeaseSubcode.CONNECTION_REJECTED));
  c.out.push({ type: 'Disconnect', conn });
}

function track(c: Ctx, conn: ConnId, initiator: 'local' | 'remote'): void {
  if (c.s.tracked.length >= MAX_TRACKED) return refuse(c, conn);
  // RFC 4271 §6.8: the second connection proceeds like any other until its OPEN arrives.
  c.s.tracked = [...c.s.tracked, c.s.state === 'Established' ? { conn, initiator, state: 'OpenSent', whileEstablished: true } : { conn, initiator, state: 'OpenSent' }];
  sendOpen(c, conn);
  startTimer(c, 'HoldTimer', c.s.config.openHoldTimeMs, conn);
}

/** An event for a connection that is neither the session's nor tracked. */
function otherConnection(c: Ctx, conn: ConnId, event: FsmEvent): void {
  switch (event.type) {
    case 'TcpConnectionConfirmed':
      return incoming(c, conn);
    case 'Tcp_CR_Acked':
    case 'Tcp_CR_Invalid':
      // A dial we gave up on, or a connection the FSM does not want: close it.
      c.out.push({ type: 'Disconnect', conn });
      return;
    default:
      // A message on a connection we no longer have: make sure it is closed.
      if (MESSAGE_EVENTS.has(event.type)) c.out.push({ type: 'Disconnect', conn });
  }
}

/** The peer connected to us (RFC 4271 §8.2.2: Idle refuses; Connect and Active take it; later states track it). */
function incoming(c: Ctx, conn: ConnId): void {
  const s = c.s;
  switch (s.state) {
    case 'Idle':
      return refuse(c, conn);
    case 'Connect':
    case 'Active':
      if (s.connected) return track(c, conn, 'remote');
      // Our own dial, if one is in flight, carries on beside it: if the peer dialled us at the same
      // moment, its side decides on the same rule (§6.8) and both keep the same connection.
      if (s.state === 'Connect' && s.conn !== undefined) s.tracked = [...s.tracked, { conn: s.conn, initiator: 'local', state: 'Connect' }];
      return tcpUp(c, conn, 'remote');
    default:
      return track(c, conn, 'remote');
  }
}

function trackedStep(c: Ctx, t: TrackedConnection, event: FsmEvent): void {
  const subcode = t.state === 'OpenConfirm' ? FSM_ERROR_SUBCODE.OpenConfirm! : FSM_ERROR_SUBCODE.OpenSent!;
  const dropWith = (n?: Notify) => {
    if (n && t.state !== 'Connect') sendNotification(c, t.conn, n);
    dropTracked(c, t);
  };
  switch (event.type) {
    case 'Tcp_CR_Acked':
      if (t.state === 'Connect') {
        c.s.tracked = c.s.tracked.map((x) => (x.conn === t.conn ? { ...x, state: 'OpenSent' } : x));
        sendOpen(c, t.conn);
        startTimer(c, 'HoldTimer', c.s.config.openHoldTimeMs, t.conn);
      }
      return;
    case 'TcpConnection_Valid':
    case 'TcpConnectionConfirmed':
    case 'UpdateSent':
    case 'KeepaliveTimer_Expires':
    case 'DelayOpenTimer_Expires':
      return;
    case 'Tcp_CR_Invalid':
    case 'TcpConnectionFails':
    case 'NotifMsg':
    case 'NotifMsgVerErr':
      return dropWith();
    case 'HoldTimer_Expires':
      return dropWith({ code: ErrorCode.HOLD_TIMER_EXPIRED, subcode: 0, data: Buffer.alloc(0) });
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return dropWith(event.error);
    case 'OpenCollisionDump':
      return dropWith(cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION));
    case 'BGPOpen':
      // A second OPEN on a connection in OpenConfirm (RFC 6608 subcode 2).
      if (t.state === 'OpenConfirm') return dropWith({ code: ErrorCode.FSM, subcode, data: Buffer.alloc(0) });
      return trackedOpen(c, t, event);
    case 'KeepAliveMsg':
      if (t.state === 'OpenConfirm') return peerRestarted(c, t);
      return dropWith({ code: ErrorCode.FSM, subcode, data: Buffer.alloc(0) });
    default:
      // KEEPALIVE, UPDATE, ROUTE-REFRESH before the OPEN (RFC 6608 subcode 1).
      if (MESSAGE_EVENTS.has(event.type)) return dropWith({ code: ErrorCode.FSM, subcode, data: Buffer.alloc(0) });
  }
}

/** An OPEN on a tracked connection: check it, then settle the collision with the session's connection (§6.8). */
function trackedOpen(c: Ctx, t: TrackedConnection, event: Extract<FsmEvent, { type: 'BGPOpen' }>): void {
  const s = c.s;
  const cfg = s.config;
  const error = validateOpen(event.open, { asn: cfg.asn, routerId: cfg.routerId }, { asn: cfg.peerAs, families: cfg.families });
  if (error) {
    sendNotification(c, t.conn, error);
    return dropTracked(c, t);
  }
  // RFC 4724 §4.2: a peer that advertised Graceful Restart and opens a new connection while we still
  // consider the session Established has restarted: the previous connection MUST be closed, the new kept.
  // Only a connection that arrived after Established: one accepted before is the peer's half of the
  // start-up collision, still in OpenSent when ours got through (RFC 4271 §6.8 settles it below: the
  // Established one stays). Taking it for a restart would drop the new session, and the peer, which
  // keeps its Established one, then closes this one too: a flap per crossing dial.
  if (
    s.state === 'Established' &&
    t.initiator === 'remote' &&
    t.whileEstablished &&
    s.negotiated?.gracefulRestart &&
    !cfg.collisionDetectEstablishedState
  ) {
    // But a dial of the peer's that we accept late (its handshake lost, then retransmitted) looks the
    // same, and the peer, still Established on this session, closes it (6/7, Established wins). So
    // confirm before dropping a working session: answer with our KEEPALIVE (our OPEN went out on accept)
    // and wait. A restarted peer has no other session: it answers with a KEEPALIVE (peerRestarted).
    sendKeepalive(c, t.conn);
    s.tracked = s.tracked.map((x) => (x.conn === t.conn ? { ...x, state: 'OpenConfirm', peerOpen: event.open } : x));
    // RFC 4271 §8.2.2 OpenSent → OpenConfirm: the hold timer becomes the negotiated hold time.
    const holdSeconds = Math.min(cfg.holdTime, event.open.holdTime);
    if (holdSeconds > 0) startTimer(c, 'HoldTimer', holdSeconds * 1000, t.conn);
    return;
  }
  const keep = resolveCollision(
    { initiator: s.initiator ?? 'local', state: s.state },
    { initiator: t.initiator, state: 'OpenSent' },
    { localId: cfg.routerId, remoteId: event.open.bgpId, localAs: cfg.asn, remoteAs: openAs(event.open) },
    { collisionDetectEstablishedState: cfg.collisionDetectEstablishedState },
  );
  if (keep === 'none') {
    // The session's connection has not had the peer's OPEN (Connect, Active or OpenSent): not a collision
    // yet (§6.8 looks at OpenConfirm only). This one is further along: it becomes the session's
    // connection and goes to OpenConfirm; the other is tracked and settled when its OPEN arrives.
    swapWithTracked(c, t);
    return sessionStep(c, event);
  }
  if (keep === 'existing') {
    sendNotification(c, t.conn, cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION));
    return dropTracked(c, t);
  }
  // The tracked connection wins: close the session's (OpenCollisionDump), continue on the tracked one.
  const reason = closeSessionConnection(c, {
    reason: `connection collision (RFC 4271 §6.8): keeping ${t.conn}`,
    notify: cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION),
    counter: 'inc',
  });
  promote(c, t, reason);
  sessionStep(c, event);
}

/**
 * RFC 4724 §4.2: the peer confirmed the new connection (its KEEPALIVE in OpenConfirm) while we still
 * had the session Established: it restarted. The previous connection MUST be closed (its routes kept
 * stale per the Graceful Restart capability); the session continues on the new one, now Established.
 */
function peerRestarted(c: Ctx, t: TrackedConnection): void {
  closeSessionConnection(c, { reason: 'peer restarted: new connection while Established (RFC 4724 §4.2)', counter: 'keep', tcpFailure: true });
  promote(c, t, `peer restarted (RFC 4724 §4.2); continuing on ${t.conn}`);
  sessionStep(c, { type: 'KeepAliveMsg', conn: t.conn });
}

/**
 * Tracked connection `t` becomes the session's connection, in OpenSent; the session's connection (not
 * yet past OpenSent) becomes a tracked one. Nothing is closed: RFC 4271 §6.8 decides between them once
 * one is in OpenConfirm and the other's OPEN arrives.
 */
function swapWithTracked(c: Ctx, t: TrackedConnection): void {
  const s = c.s;
  const demoted = s.conn;
  const demotedState: TrackedConnection['state'] = s.connected ? 'OpenSent' : 'Connect';
  if (demoted !== undefined && s.connected && timerRunning(c, 'DelayOpenTimer', demoted)) {
    // DelayOpen was holding our OPEN back on it; a tracked connection has sent its OPEN (track()).
    stopTimer(c, 'DelayOpenTimer', demoted);
    sendOpen(c, demoted);
    startTimer(c, 'HoldTimer', s.config.openHoldTimeMs, demoted);
  }
  s.tracked = s.tracked.filter((x) => x.conn !== t.conn);
  if (demoted !== undefined) s.tracked = [...s.tracked, { conn: demoted, initiator: s.initiator ?? 'local', state: demotedState }];
  clearSessionConnection(c);
  s.conn = t.conn;
  s.initiator = t.initiator;
  s.connected = true;
  s.lastRxAt = c.now;
  setState(c, 'OpenSent', `OPEN received on ${t.conn} first`);
}

// ---------------------------------------------------------------- the session's own connection

function sessionStep(c: Ctx, event: FsmEvent): void {
  switch (c.s.state) {
    case 'Idle':
      return idle(c, event);
    case 'Connect':
    case 'Active':
      return connectOrActive(c, event);
    case 'OpenSent':
      return openSent(c, event);
    case 'OpenConfirm':
      return openConfirm(c, event);
    case 'Established':
      return established(c, event);
  }
}

/** Events that start a session; ignored in every state but Idle (RFC 4271 §8.2.2). */
function isStart(type: FsmEvent['type']): boolean {
  return type === 'ManualStart' || type.startsWith('AutomaticStart') || type === 'ManualStart_with_PassiveTcpEstablishment';
}

function isPassiveStart(type: FsmEvent['type']): boolean {
  return type.endsWith('PassiveTcpEstablishment');
}

function idle(c: Ctx, event: FsmEvent): void {
  const s = c.s;
  switch (event.type) {
    case 'ManualStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
      s.adminUp = true;
      s.failures = 0;
      s.connectRetryCounter = 0;
      return start(c, isPassiveStart(event.type), event.type);
    case 'AutomaticStart':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      // Automatic starts wait for the damping delay (IdleHoldTimer) and never override a ManualStop.
      if (!s.adminUp || !s.config.allowAutomaticStart || timerRunning(c, 'IdleHoldTimer')) return;
      s.connectRetryCounter = 0;
      return start(c, isPassiveStart(event.type), event.type);
    case 'IdleHoldTimer_Expires':
      if (!s.adminUp || !s.config.allowAutomaticStart) return;
      return start(c, false, 'automatic restart');
    case 'ManualStop':
      // Deviation: RFC 4271 ignores ManualStop in Idle; here it also cancels a pending automatic restart.
      s.adminUp = false;
      stopTimer(c, 'IdleHoldTimer');
      return;
    case 'TcpConnectionConfirmed':
      // Only reached for the session's own name, which cannot be a new connection; refuse it all the same.
      return refuse(c, event.conn);
    default:
      // RFC 4271 §8.2.2 Idle: any other event does not change the state.
      return;
  }
}

/** Connect and Active differ only in whether a dial is in flight (RFC 4271 §8.2.2). */
function connectOrActive(c: Ctx, event: FsmEvent): void {
  const s = c.s;
  const conn = s.conn;
  const delayOpen = conn !== undefined && timerRunning(c, 'DelayOpenTimer', conn);
  if (isStart(event.type)) return;
  switch (event.type) {
    case 'ManualStop': {
      // RFC 4271 §8.2.2: only Active (DelayOpenTimer running, SendNOTIFICATIONwithoutOPEN) sends a Cease here.
      const notify =
        delayOpen && s.state === 'Active' && s.config.sendNotificationWithoutOpen
          ? cease(event.subcode ?? CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, shutdownCommunicationData(event.message))
          : undefined;
      return goIdle(c, { reason: 'stopped by operator (ManualStop)', notify, counter: 'zero', admin: true, stopAll: true });
    }
    case 'ConnectRetryTimer_Expires':
      if (s.config.passive) return;
      // RFC 4271: Connect drops the attempt and dials again; Active dials. Either way: Connect.
      if (conn !== undefined) {
        stopConnTimers(c, conn);
        c.out.push({ type: 'Disconnect', conn });
      }
      return enterConnect(c, s.state === 'Connect' ? 'connect retry' : 'dialling');
    case 'DelayOpenTimer_Expires':
      // DelayOpen over: send our OPEN (RFC 4271 §8.2.2 Connect/Active, event 12).
      stopTimer(c, 'ConnectRetryTimer');
      sendOpen(c, conn!);
      startTimer(c, 'HoldTimer', s.config.openHoldTimeMs, conn);
      return setState(c, 'OpenSent');
    case 'TcpConnection_Valid':
    case 'TcpConnectionConfirmed':
    case 'UpdateSent':
      return;
    case 'Tcp_CR_Invalid':
      return;
    case 'Tcp_CR_Acked':
      if (s.state === 'Connect' && !s.connected) return tcpUp(c, event.conn, 'local');
      return;
    case 'TcpConnectionFails':
      if (delayOpen && s.state === 'Connect') {
        // RFC 4271 Connect, event 18 with the DelayOpenTimer running: back to Active, dial again later.
        const reason = closeSessionConnection(c, { reason: `TCP connection failed${event.reason ? `: ${event.reason}` : ''}`, counter: 'keep' });
        if (s.tracked.length > 0) return promote(c, bestTracked(c)!, reason);
        clearSessionConnection(c);
        s.failures++;
        return enterActive(c, backoffDelay(s.failures, { initialMs: s.config.backoffInitialMs, maxMs: s.config.connectRetryMs }, random(c)), reason);
      }
      return goIdle(c, {
        reason: s.connected ? `TCP connection failed${event.reason ? `: ${event.reason}` : ''}` : `dial failed${event.reason ? `: ${event.reason}` : ''}`,
        counter: s.state === 'Connect' ? 'keep' : 'inc',
      });
    case 'BGPOpen':
      // Event 20: an OPEN while DelayOpen holds ours back.
      if (delayOpen) return openReceived(c, event, true);
      break;
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return goIdle(c, {
        reason: event.error.reason,
        notify: s.config.sendNotificationWithoutOpen ? event.error : undefined,
        counter: 'inc',
      });
    case 'NotifMsgVerErr':
      return goIdle(c, { reason: 'peer does not support our BGP version', received: event.notification, counter: delayOpen ? 'keep' : 'inc' });
    default:
      break;
  }
  // RFC 4271 Connect/Active "any other event": drop the connection, Idle (no NOTIFICATION: no OPEN was sent).
  goIdle(c, {
    reason: `unexpected ${event.type} in ${s.state}`,
    received: event.type === 'NotifMsg' ? event.notification : undefined,
    counter: 'inc',
    stopAll: event.type === 'AutomaticStop',
  });
}

/** A valid OPEN on the session's connection (OpenSent, or Connect/Active with DelayOpen). */
function openReceived(c: Ctx, event: Extract<FsmEvent, { type: 'BGPOpen' }>, delayOpen: boolean): void {
  const s = c.s;
  const cfg = s.config;
  const conn = s.conn!;
  const error = validateOpen(event.open, { asn: cfg.asn, routerId: cfg.routerId }, { asn: cfg.peerAs, families: cfg.families });
  if (error) {
    return goIdle(c, { reason: error.reason, notify: !delayOpen || cfg.sendNotificationWithoutOpen ? error : undefined, counter: 'inc' });
  }
  // RFC 4271 §6.8 examines the connections in OpenConfirm. Before Established only the session's own
  // connection gets that far (trackedOpen hands it a tracked one whose OPEN comes first), and it is this one.
  // Tracked connections are in Connect or OpenSent: their OPEN has not arrived, they carry on, and
  // trackedOpen settles the collision when it does.
  stopTimer(c, 'DelayOpenTimer', conn);
  stopTimer(c, 'ConnectRetryTimer');
  if (delayOpen) sendOpen(c, conn);
  s.peerOpen = event.open;
  s.negotiated = negotiate(s.localOpen, event.open, { keepaliveTime: cfg.keepaliveTime });
  sendKeepalive(c, conn);
  s.lastRxAt = c.now;
  if (s.negotiated.holdTimeMs > 0) {
    startTimer(c, 'KeepaliveTimer', jitter(s.negotiated.keepaliveMs, random(c)), conn);
    startTimer(c, 'HoldTimer', s.negotiated.holdTimeMs, conn);
  } else {
    // RFC 4271 §4.2: a zero hold time means no KEEPALIVEs and no hold timer.
    stopTimer(c, 'HoldTimer', conn);
  }
  setState(c, 'OpenConfirm');
}

/** Stops common to OpenSent, OpenConfirm and Established (RFC 4271 §8.2.2 events 2 and 8). */
function stopEvent(c: Ctx, event: FsmEvent): boolean {
  if (event.type === 'ManualStop') {
    goIdle(c, {
      reason: 'stopped by operator (ManualStop)',
      notify: cease(event.subcode ?? CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, shutdownCommunicationData(event.message), event.message),
      counter: 'zero',
      admin: true,
      stopAll: true,
    });
    return true;
  }
  if (event.type === 'AutomaticStop') {
    goIdle(c, {
      reason: event.reason ?? 'stopped automatically (AutomaticStop)',
      notify: cease(event.subcode ?? 0, Buffer.alloc(0), event.reason),
      counter: 'inc',
      stopAll: true,
    });
    return true;
  }
  return false;
}

/** Lazy hold timer: messages only note the time; at expiry, re-arm if something arrived since. */
function holdTimerExpired(c: Ctx): void {
  const s = c.s;
  const holdMs = s.state === 'OpenSent' || !s.negotiated ? s.config.openHoldTimeMs : s.negotiated.holdTimeMs;
  const idle = c.now - s.lastRxAt;
  if (s.state !== 'OpenSent' && idle < holdMs) {
    startTimer(c, 'HoldTimer', holdMs - idle, s.conn);
    return;
  }
  goIdle(c, {
    reason: `hold timer expired: nothing received for ${idle} ms`,
    notify: { code: ErrorCode.HOLD_TIMER_EXPIRED, subcode: 0, data: Buffer.alloc(0) },
    counter: 'inc',
  });
}

/** Keepalive timer: send a KEEPALIVE unless an UPDATE went out recently (RFC 4271 §8.2.2 Established). */
function keepaliveTimerExpired(c: Ctx): void {
  const s = c.s;
  const conn = s.conn!;
  const keepaliveMs = s.negotiated!.keepaliveMs;
  const target = jitter(keepaliveMs, random(c));
  const sinceTx = c.now - s.lastTxAt;
  // The timer is armed for at least 75% of the interval after a send; firing sooner after the last
  // send means an UPDATE went out meanwhile: wait out the rest of a (jittered) interval instead.
  if (s.state === 'Established' && sinceTx < keepaliveMs * 0.75 && target > sinceTx) {
    startTimer(c, 'KeepaliveTimer', target - sinceTx, conn);
    return;
  }
  sendKeepalive(c, conn);
  startTimer(c, 'KeepaliveTimer', target, conn);
}

function openSent(c: Ctx, event: FsmEvent): void {
  const s = c.s;
  if (isStart(event.type)) return;
  if (stopEvent(c, event)) return;
  switch (event.type) {
    case 'HoldTimer_Expires':
      return holdTimerExpired(c);
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
    case 'Tcp_CR_Invalid':
    case 'UpdateSent':
      return;
    case 'TcpConnectionFails': {
      // RFC 4271 OpenSent, event 18: close, restart the ConnectRetryTimer, listen: Active.
      const reason = closeSessionConnection(c, { reason: `TCP connection failed${event.reason ? `: ${event.reason}` : ''}`, counter: 'keep' });
      if (s.tracked.length > 0) return promote(c, bestTracked(c)!, `${reason}; continuing on ${bestTracked(c)!.conn}`);
      clearSessionConnection(c);
      s.failures++;
      return enterActive(c, backoffDelay(s.failures, { initialMs: s.config.backoffInitialMs, maxMs: s.config.connectRetryMs }, random(c)), reason);
    }
    case 'BGPOpen':
      return openReceived(c, event, false);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return goIdle(c, { reason: event.error.reason, notify: event.error, counter: 'inc' });
    case 'OpenCollisionDump':
      return goIdle(c, { reason: 'connection collision (RFC 4271 §6.8)', notify: cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION), counter: 'inc' });
    case 'NotifMsgVerErr':
      return goIdle(c, { reason: 'peer does not support our BGP version', received: event.notification, counter: 'keep' });
    case 'NotifMsg':
      // Deviation: RFC 4271 lists event 25 under "any other event" here (answer with an FSM Error).
      // Answering a NOTIFICATION on a connection the peer is closing helps nobody: handled as in OpenConfirm.
      return goIdle(c, { reason: 'NOTIFICATION received', received: event.notification, counter: 'inc' });
    default:
      return fsmError(c, event);
  }
}

function openConfirm(c: Ctx, event: FsmEvent): void {
  const s = c.s;
  if (isStart(event.type)) return;
  if (stopEvent(c, event)) return;
  switch (event.type) {
    case 'HoldTimer_Expires':
      return holdTimerExpired(c);
    case 'KeepaliveTimer_Expires':
      return keepaliveTimerExpired(c);
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
    case 'Tcp_CR_Invalid':
    case 'UpdateSent':
      return;
    case 'TcpConnectionFails':
      return goIdle(c, { reason: `TCP connection failed${event.reason ? `: ${event.reason}` : ''}`, counter: 'inc' });
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return goIdle(c, { reason: 'NOTIFICATION received', received: event.notification, counter: 'inc' });
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return goIdle(c, { reason: event.error.reason, notify: event.error, counter: 'inc' });
    case 'OpenCollisionDump':
      return goIdle(c, { reason: 'connection collision (RFC 4271 §6.8)', notify: cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION), counter: 'inc' });
    case 'KeepAliveMsg':
      s.lastRxAt = c.now;
      return enterEstablished(c);
    default:
      // Includes a second OPEN on this connection (RFC 6608: unexpected message in OpenConfirm).
      return fsmError(c, event);
  }
}

function established(c: Ctx, event: FsmEvent): void {
  const s = c.s;
  if (isStart(event.type)) return;
  if (stopEvent(c, event)) return;
  switch (event.type) {
    case 'HoldTimer_Expires':
      return holdTimerExpired(c);
    case 'KeepaliveTimer_Expires':
      return keepaliveTimerExpired(c);
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
    case 'Tcp_CR_Invalid':
      return;
    case 'TcpConnectionFails':
      return goIdle(c, { reason: `TCP connection failed${event.reason ? `: ${event.reason}` : ''}`, counter: 'inc', tcpFailure: true });
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return goIdle(c, { reason: 'NOTIFICATION received', received: event.notification, counter: 'inc' });
    case 'BGPHeaderErr':
      // Deviation: RFC 4271 §8.2.2 puts event 21 under "any other event" (FSM Error) in Established, but
      // §6.1 requires the Message Header Error itself; the specific error tells the peer what went wrong.
      return goIdle(c, { reason: event.error.reason, notify: event.error, counter: 'inc' });
    case 'UpdateMsgErr':
      return goIdle(c, { reason: event.error.reason, notify: event.error, counter: 'inc' });
    case 'OpenCollisionDump':
      return goIdle(c, { reason: 'connection collision (RFC 4271 §6.8)', notify: cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION), counter: 'inc' });
    // KeepAliveMsg, UpdateMsg and UpdateSent (events 26, 27) are handled by the fast path in step().
    case 'RouteRefreshMsg': {
      s.lastRxAt = c.now;
      // RFC 2918 §4: a request for a family not negotiated is ignored.
      const family = familyOf(event.message.afi, event.message.safi);
      if (family && s.negotiated!.families.includes(family)) {
        c.out.push({ type: 'ProcessRouteRefresh', conn: event.conn, family, message: event.message });
      }
      return;
    }
    default:
      // Events 9, 12, 13, 20 and 22 (an OPEN, good or bad, on the Established connection).
      return fsmError(c, event);
  }
}
