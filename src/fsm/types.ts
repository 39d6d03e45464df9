/**
 * Data types of the BGP session state machine: states, events (named as in RFC 4271 §8.1), actions,
 * configuration and the negotiated session. Plain data only, so that a run can be recorded, replayed
 * and compared.
 */
import type {
  CodecContext,
  DecodeError,
  Family,
  NotificationMessage,
  OpenMessage,
  RouteRefreshMessage,
  UpdateMessage,
} from '../wire/types.js';

/** RFC 4271 §8.2.2 states. */
export type FsmStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export const FSM_STATES: readonly FsmStateName[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/** RFC 4271 §8 timers (IdleHoldTimer: §8.1.1, used for DampPeerOscillations). */
export type TimerName = 'ConnectRetryTimer' | 'HoldTimer' | 'KeepaliveTimer' | 'DelayOpenTimer' | 'IdleHoldTimer';

/**
 * Names one TCP connection of a session. The FSM names the connections it dials (`out-1`, `out-2`, ...
 * in Connect actions); the socket layer names the connections it accepts, with any string that does
 * not start with `out-` (e.g. `in-7`). Every event about a connection carries its name, and every
 * action about a connection names it, so two connections of one peer (RFC 4271 §6.8) never mix.
 */
export type ConnId = string;

/** A NOTIFICATION to send, as a value (RFC 4271 §4.5): what validateOpen returns, what error events carry. */
export interface NotificationError {
  code: number;
  subcode: number;
  data: Buffer;
  /** Human-readable cause naming the field and value, for logs and status. */
  reason: string;
}

// ---------------------------------------------------------------- events (RFC 4271 §8.1)

type Ev<T extends string, X = object> = { type: T } & X;
type ConnEv<T extends string, X = object> = { type: T; conn: ConnId } & X;

/** Administrative events (RFC 4271 §8.1.2). */
export type AdminEvent =
  | Ev<'ManualStart'>
  | Ev<'AutomaticStart'>
  | Ev<'ManualStart_with_PassiveTcpEstablishment'>
  | Ev<'AutomaticStart_with_PassiveTcpEstablishment'>
  | Ev<'AutomaticStart_with_DampPeerOscillations'>
  | Ev<'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment'>
  /** Cease subcode (RFC 4486; default 2 Administrative Shutdown) and RFC 9003 shutdown communication. */
  | Ev<'ManualStop', { subcode?: number; message?: string }>
  /** E.g. maximum prefixes reached: Cease with this subcode (default 0); the session restarts after back-off. */
  | Ev<'AutomaticStop', { subcode?: number; reason?: string }>;

/** Timer events (RFC 4271 §8.1.3). `conn` is set for the per-connection timers (as given in StartTimer). */
export type TimerEvent =
  | Ev<'ConnectRetryTimer_Expires', { conn?: ConnId }>
  | Ev<'HoldTimer_Expires', { conn?: ConnId }>
  | Ev<'KeepaliveTimer_Expires', { conn?: ConnId }>
  | Ev<'DelayOpenTimer_Expires', { conn?: ConnId }>
  | Ev<'IdleHoldTimer_Expires', { conn?: ConnId }>;

/** TCP connection events (RFC 4271 §8.1.4). */
export type TcpEvent =
  /** A valid connection request seen (only with TrackTcpState; processed, no state change). */
  | ConnEv<'TcpConnection_Valid'>
  /** An invalid connection request: refused. */
  | ConnEv<'Tcp_CR_Invalid'>
  /** Our dial (a Connect action) completed. */
  | ConnEv<'Tcp_CR_Acked'>
  /** The peer connected to us (the socket layer already checked the source address is this peer's). */
  | ConnEv<'TcpConnectionConfirmed'>
  /** The connection failed or closed (dial refused or timed out, RST, FIN, socket error). */
  | ConnEv<'TcpConnectionFails', { reason?: string }>;

/** BGP message events (RFC 4271 §8.1.5), plus ROUTE-REFRESH (RFC 2918) which §8 predates. */
export type MessageEvent =
  /** An OPEN was received. The FSM checks it (validateOpen); a bad one is handled as BGPOpenMsgErr. */
  | ConnEv<'BGPOpen', { open: OpenMessage }>
  | ConnEv<'BGPHeaderErr', { error: NotificationError }>
  | ConnEv<'BGPOpenMsgErr', { error: NotificationError }>
  /** Collision resolution decided to drop this connection (normally generated inside the FSM). */
  | ConnEv<'OpenCollisionDump'>
  /** NOTIFICATION with OPEN Message Error / Unsupported Version Number (2/1). */
  | ConnEv<'NotifMsgVerErr', { notification: NotificationMessage }>
  | ConnEv<'NotifMsg', { notification: NotificationMessage }>
  | ConnEv<'KeepAliveMsg'>
  /** `errors`: RFC 7606 treat-as-withdraw / attribute-discard findings, passed through to ProcessUpdate. */
  | ConnEv<'UpdateMsg', { update: UpdateMessage; errors?: DecodeError[] }>
  | ConnEv<'UpdateMsgErr', { error: NotificationError }>
  | ConnEv<'RouteRefreshMsg', { message: RouteRefreshMessage }>;

/**
 * Not in RFC 4271 §8.1: the socket layer sent UPDATE messages on the Established connection.
 * RFC 4271 §8.2.2 (Established): sending an UPDATE restarts the KeepaliveTimer, so no KEEPALIVE is
 * needed while UPDATEs flow. Optional: without it the FSM just sends KEEPALIVEs on schedule.
 */
export type LocalEvent = ConnEv<'UpdateSent'>;

export type FsmEvent = AdminEvent | TimerEvent | TcpEvent | MessageEvent | LocalEvent;
export type FsmEventType = FsmEvent['type'];

// ---------------------------------------------------------------- actions

/** Why a session went down, as seen by the RIB. */
export interface SessionDownInfo {
  reason: string;
  /** The NOTIFICATION that ended it, sent or received; absent for TCP failures. */
  notification?: { direction: 'sent' | 'received'; code: number; subcode: number };
  /**
   * Present when RFC 4724 §4.2 lets the Receiving Speaker keep the peer's routes as stale: the session
   * ended without a NOTIFICATION (TCP failure, or the peer reconnected) and the peer had advertised the
   * Graceful Restart capability. `families`: those listed in its capability (routes of the others go).
   */
  gracefulRestart?: { restartTimeMs: number; families: Family[] };
}

export type FsmAction =
  /** Dial the peer; call the socket `conn` and report Tcp_CR_Acked / TcpConnectionFails for it. */
  | { type: 'Connect'; conn: ConnId }
  /** Close the connection after what was queued on it (a NOTIFICATION) is written; abort a dial. Idempotent. */
  | { type: 'Disconnect'; conn: ConnId }
  | { type: 'SendOpen'; conn: ConnId; open: OpenMessage }
  | { type: 'SendKeepalive'; conn: ConnId }
  | { type: 'SendNotification'; conn: ConnId; code: number; subcode: number; data: Buffer }
  /** (Re)start a timer: after `ms`, deliver `${timer}_Expires` with this `conn` (see timerExpired()). */
  | { type: 'StartTimer'; timer: TimerName; ms: number; conn?: ConnId }
  | { type: 'StopTimer'; timer: TimerName; conn?: ConnId }
  /** The session reached Established on `conn`: switch the connection's codec to negotiated.codec, send the table. */
  | { type: 'SessionEstablished'; conn: ConnId; negotiated: Negotiated }
  /** The Established session ended: withdraw the peer's routes (or mark them stale, see gracefulRestart). */
  | ({ type: 'SessionDown' } & SessionDownInfo)
  /** Hand the UPDATE to the RIB (only ever emitted in Established). */
  | { type: 'ProcessUpdate'; conn: ConnId; update: UpdateMessage; errors?: DecodeError[] }
  /** Answer a ROUTE-REFRESH (RFC 2918 / 7313) for a negotiated family. */
  | { type: 'ProcessRouteRefresh'; conn: ConnId; family: Family; message: RouteRefreshMessage }
  /** RFC 4271 "releases all BGP resources": the session is gone; forget per-session state. */
  | { type: 'ReleaseResources' }
  /** The session's state changed (for the event log: {"event":"session","state":to,"prev":from}). */
  | { type: 'StateChange'; from: FsmStateName; to: FsmStateName; reason?: string };

export type FsmActionType = FsmAction['type'];

// ---------------------------------------------------------------- configuration

/** ADD-PATH (RFC 7911) direction we offer for a family. */
export type AddPathMode = 'receive' | 'send' | 'both';

/** What goes into our OPEN (buildOpen). */
export interface LocalOpenConfig {
  asn: number;
  routerId: string;
  /** Hold time in seconds, 0 or 3..65535 (RFC 4271 §4.2). Default 90. */
  holdTime?: number;
  /** Families to offer with MP-BGP (RFC 4760). Default ['ipv4', 'ipv6']. */
  families?: Family[];
  /** RFC 2918. Default true. */
  routeRefresh?: boolean;
  /** RFC 7313. Default true. */
  enhancedRouteRefresh?: boolean;
  /** RFC 8654. Default true. */
  extendedMessage?: boolean;
  /**
   * RFC 4724 Graceful Restart capability (which also announces End-of-RIB support). Default
   * { restartTime: 120 } with no families: we support the Receiving Speaker procedures but do not keep
   * forwarding state across our own restart (a stopping speaker removes its kernel routes). false: omit.
   */
  gracefulRestart?:
    | false
    | { restartTime?: number; restarting?: boolean; families?: Array<{ family: Family; forwardingPreserved: boolean }> };
  /** RFC 7911 ADD-PATH per family. Default none. */
  addPath?: Partial<Record<Family, AddPathMode>>;
}

/** One session (one configured peer). Times in ms unless the name says otherwise. */
export interface SessionConfig extends LocalOpenConfig {
  peerAs: number;
  /** For reasons and logs only. */
  peerAddress?: string;
  /** Keepalive interval in seconds (RFC 4271 §4.4). Default holdTime/3; scaled if the hold time negotiated lower. */
  keepaliveTime?: number;
  /** Dial timeout (ConnectRetryTimer in Connect) and upper bound of the reconnect back-off. Default 30000. */
  connectRetryMs?: number;
  /** First back-off delay after a failure. Default 100. */
  backoffInitialMs?: number;
  /** A session Established at least this long resets the back-off: the next attempt is immediate. Default 10000. */
  stableMs?: number;
  /** HoldTimer while waiting for the peer's OPEN (RFC 4271 §8.2.2 suggests 4 minutes). Default 240000. */
  openHoldTimeMs?: number;
  /** PassiveTcpEstablishment, and more: never dial the peer, only accept its connection. */
  passive?: boolean;
  /** RFC 4271 DelayOpen: wait this long for the peer's OPEN before sending ours. Default 0 (off). */
  delayOpenMs?: number;
  /** RFC 4271 §8.1.1 DampPeerOscillations: during back-off stay Idle (refusing the peer) instead of Active. Default false. */
  dampPeerOscillations?: boolean;
  /** RFC 4271 §6.8 CollisionDetectEstablishedState. Default false: an Established session wins. */
  collisionDetectEstablishedState?: boolean;
  /** RFC 4271 §8.1.1 SendNOTIFICATIONwithoutOPEN. Default true. */
  sendNotificationWithoutOpen?: boolean;
  /** RFC 4271 §8.1.1 AllowAutomaticStart: restart by itself after a failure. Default true. */
  allowAutomaticStart?: boolean;
}

/** SessionConfig with every default filled in (what the session state carries). */
export interface ResolvedSessionConfig {
  asn: number;
  routerId: string;
  peerAs: number;
  peerAddress: string;
  holdTime: number;
  keepaliveTime: number;
  families: Family[];
  connectRetryMs: number;
  backoffInitialMs: number;
  stableMs: number;
  openHoldTimeMs: number;
  passive: boolean;
  delayOpenMs: number;
  dampPeerOscillations: boolean;
  collisionDetectEstablishedState: boolean;
  sendNotificationWithoutOpen: boolean;
  allowAutomaticStart: boolean;
}

// ---------------------------------------------------------------- negotiation

export interface PeerGracefulRestart {
  restartTime: number;
  restarting: boolean;
  notification: boolean;
  /** Families the peer listed (those it keeps forwarding state for, if forwardingPreserved). */
  families: Array<{ family: Family; forwardingPreserved: boolean }>;
}

/** What the two OPENs agreed (negotiate()). */
export interface Negotiated {
  /** Seconds; 0 = no KEEPALIVEs, no hold timer (RFC 4271 §4.2). */
  holdTime: number;
  holdTimeMs: number;
  /** 0 when holdTime is 0. */
  keepaliveMs: number;
  /** Families both sides offered (IPv4 unicast implied for a side that sent no MP capability, RFC 4760 §8). */
  families: Family[];
  /** RFC 6793: both sent the 4-octet AS capability. */
  as4: boolean;
  /** RFC 2918: the peer may be sent ROUTE-REFRESH (it advertised the capability). */
  routeRefresh: boolean;
  /** RFC 7313: both advertised enhanced route refresh. */
  enhancedRouteRefresh: boolean;
  /** RFC 8654: both advertised; messages other than OPEN/KEEPALIVE may be up to 65535 bytes. */
  extendedMessage: boolean;
  maxMessageSize: number;
  /** The peer's Graceful Restart capability, when it sent one (it then understands End-of-RIB). */
  gracefulRestart?: PeerGracefulRestart;
  addPath: CodecContext['addPath'];
  session: 'ibgp' | 'ebgp';
  localAs: number;
  peerAs: number;
  localBgpId: string;
  peerBgpId: string;
  /** Ready for decodeMessage/encodeMessage on this session. */
  codec: CodecContext;
}

// ---------------------------------------------------------------- session state

/** A second connection tracked until its OPEN decides the collision (RFC 4271 §6.8). */
export interface TrackedConnection {
  conn: ConnId;
  initiator: 'local' | 'remote';
  /**
   * Connect: our dial still in flight. OpenSent: our OPEN sent, waiting for the peer's. OpenConfirm: only
   * beside an Established session, for a possible restart of the peer (RFC 4724 §4.2): its OPEN came,
   * we answered with a KEEPALIVE and wait for the peer's KEEPALIVE (restarted) or Cease (a late dial).
   */
  state: 'Connect' | 'OpenSent' | 'OpenConfirm';
  /** OpenConfirm: the peer's OPEN on this connection. */
  peerOpen?: OpenMessage;
  /**
   * Accepted while the session was already Established: a new connection from the peer (RFC 4724 §4.2
   * may read it as a restart), not the other half of the start-up collision (RFC 4271 §6.8).
   */
  whileEstablished?: true;
}

export interface SessionState {
  readonly config: ResolvedSessionConfig;
  /** Our OPEN, built once from the configuration (buildOpen). */
  readonly localOpen: OpenMessage;
  state: FsmStateName;
  /** The connection the session runs on (in Connect: the dial in flight, or the connection waiting on DelayOpen). */
  conn?: ConnId;
  initiator?: 'local' | 'remote';
  /** The TCP connection of `conn` is up (false while the dial is in flight). */
  connected: boolean;
  /** Other connections from or to the peer, at most MAX_TRACKED. */
  tracked: TrackedConnection[];
  /** Running timers, by timerKey(name, conn), with the time they fire (ms, the injected clock). */
  timers: Record<string, number>;
  /** Administratively started (ManualStart) and not stopped (ManualStop). */
  adminUp: boolean;
  /** RFC 4271 §8 ConnectRetryCounter (reported; the back-off uses `failures`). */
  connectRetryCounter: number;
  /** Consecutive failed attempts since the last stable session or ManualStart (drives the back-off). */
  failures: number;
  peerOpen?: OpenMessage;
  negotiated?: Negotiated;
  /** Time of the last state change. */
  since: number;
  establishedAt?: number;
  /** Last message received / UPDATE or KEEPALIVE sent on the session connection (hold and keepalive timers). */
  lastRxAt: number;
  lastTxAt: number;
  /** Why the session last went down, for status. */
  lastError?: string;
  /** Counter for the names of the connections we dial. */
  nextDial: number;
  /** PRNG state (mulberry32) for timer jitter; seeded by the caller, so runs are reproducible. */
  rng: number;
}

export interface StepResult {
  state: SessionState;
  actions: FsmAction[];
}
