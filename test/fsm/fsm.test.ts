/**
 * RFC 4271 §8.2.2, state by state: one row per (state, event) that matters, then the timers, the
 * back-off and the second-connection (collision) handling of one session.
 */
import { describe, expect, it } from 'vitest';
import { createSession, MAX_TRACKED, step } from '../../src/fsm/index.js';
import type { FsmAction, FsmEvent, FsmStateName, SessionConfig, SessionState } from '../../src/fsm/index.js';
import type { UpdateMessage } from '../../src/wire/types.js';
import { LOCAL, notification, notifications, path, peerOpen, run, SESSION_EVENTS, sessionIn, type Reachable } from './harness.js';

const T = 2000;
const err = (code: number, subcode: number) => ({ code, subcode, data: Buffer.from([0xab]), reason: `test error ${code}/${subcode}` });
const update: UpdateMessage = { type: 'UPDATE', withdrawn: [], attributes: {}, nlri: [{ prefix: '10.244.1.0/26' }] };

interface Row {
  from: Reachable;
  event: FsmEvent;
  /** Final state. */
  to: FsmStateName;
  /** States passed through (StateChange targets), when it matters. */
  via?: FsmStateName[];
  /** NOTIFICATIONs sent [code, subcode]; [] = none. */
  notify?: Array<[number, number]>;
  /** Actions that must be present (partial match, in this order). */
  includes?: Array<Partial<FsmAction> & { type: FsmAction['type'] }>;
  /** Action types that must be absent. */
  excludes?: Array<FsmAction['type']>;
  /** No action at all and the state is unchanged. */
  ignored?: true;
  over?: Partial<SessionConfig>;
  at?: number;
}

const rows: Array<[string, Row]> = [
  // ---- Idle
  ['Idle: ManualStart dials at once (event 1)', { from: 'Idle', event: { type: 'ManualStart' }, to: 'Connect', includes: [{ type: 'StartTimer', timer: 'ConnectRetryTimer' }, { type: 'Connect', conn: 'out-1' }] }],
  ['Idle: ManualStart_with_PassiveTcpEstablishment listens, dials when ConnectRetryTimer fires (event 4)', { from: 'Idle', event: { type: 'ManualStart_with_PassiveTcpEstablishment' }, to: 'Active', includes: [{ type: 'StartTimer', timer: 'ConnectRetryTimer' }], excludes: ['Connect'] }],
  ['Idle: a passive peer never dials', { from: 'Idle', event: { type: 'ManualStart' }, to: 'Active', excludes: ['Connect', 'StartTimer'], over: { passive: true } }],
  ['Idle: AutomaticStart before any ManualStart is ignored', { from: 'Idle', event: { type: 'AutomaticStart' }, to: 'Idle', ignored: true }],
  ['Idle: ManualStop is ignored', { from: 'Idle', event: { type: 'ManualStop' }, to: 'Idle', ignored: true }],
  ['Idle: an incoming connection is refused with Cease 6/5 (RFC 4486)', { from: 'Idle', event: { type: 'TcpConnectionConfirmed', conn: 'in-1' }, to: 'Idle', notify: [[6, 5]], includes: [{ type: 'Disconnect', conn: 'in-1' }] }],
  ['Idle (damping): IdleHoldTimer_Expires restarts (event 13)', { from: 'IdleStarted', event: { type: 'IdleHoldTimer_Expires' }, to: 'Connect', includes: [{ type: 'Connect', conn: 'out-2' }] }],
  ['Idle (damping): AutomaticStart waits for the IdleHoldTimer', { from: 'IdleStarted', event: { type: 'AutomaticStart' }, to: 'Idle', ignored: true }],
  ['Idle (damping): ManualStart overrides the damping', { from: 'IdleStarted', event: { type: 'ManualStart' }, to: 'Connect', includes: [{ type: 'StopTimer', timer: 'IdleHoldTimer' }, { type: 'Connect' }] }],
  ['Idle (damping): ManualStop cancels the restart', { from: 'IdleStarted', event: { type: 'ManualStop' }, to: 'Idle', includes: [{ type: 'StopTimer', timer: 'IdleHoldTimer' }] }],

  // ---- Connect (dial out-1 in flight)
  ['Connect: start events are ignored', { from: 'Connect', event: { type: 'ManualStart' }, to: 'Connect', ignored: true }],
  ['Connect: ManualStop drops the dial, no NOTIFICATION, no restart', { from: 'Connect', event: { type: 'ManualStop' }, to: 'Idle', via: ['Idle'], notify: [], includes: [{ type: 'StopTimer', timer: 'ConnectRetryTimer' }, { type: 'Disconnect', conn: 'out-1' }, { type: 'ReleaseResources' }] }],
  ['Connect: AutomaticStop drops it and restarts after back-off', { from: 'Connect', event: { type: 'AutomaticStop' }, to: 'Active', via: ['Idle', 'Active'], notify: [] }],
  ['Connect: ConnectRetryTimer_Expires dials again (event 9)', { from: 'Connect', event: { type: 'ConnectRetryTimer_Expires' }, to: 'Connect', includes: [{ type: 'Disconnect', conn: 'out-1' }, { type: 'StartTimer', timer: 'ConnectRetryTimer' }, { type: 'Connect', conn: 'out-2' }] }],
  ['Connect: Tcp_CR_Acked sends OPEN, HoldTimer 4 min (event 16)', { from: 'Connect', event: { type: 'Tcp_CR_Acked', conn: 'out-1' }, to: 'OpenSent', includes: [{ type: 'StopTimer', timer: 'ConnectRetryTimer' }, { type: 'SendOpen', conn: 'out-1' }, { type: 'StartTimer', timer: 'HoldTimer', ms: 240_000, conn: 'out-1' }] }],
  ['Connect: TcpConnectionConfirmed takes the peer connection (event 17)', { from: 'Connect', event: { type: 'TcpConnectionConfirmed', conn: 'in-1' }, to: 'OpenSent', includes: [{ type: 'SendOpen', conn: 'in-1' }], excludes: ['Disconnect'] }],
  ['Connect: TcpConnectionFails → Idle → Active with back-off (event 18)', { from: 'Connect', event: { type: 'TcpConnectionFails', conn: 'out-1' }, to: 'Active', via: ['Idle', 'Active'], includes: [{ type: 'Disconnect', conn: 'out-1' }, { type: 'ReleaseResources' }, { type: 'StartTimer', timer: 'ConnectRetryTimer' }] }],
  ['Connect: TcpConnection_Valid is processed, no change (event 14)', { from: 'Connect', event: { type: 'TcpConnection_Valid', conn: 'out-1' }, to: 'Connect', ignored: true }],
  ['Connect: a HoldTimer that is not running is stale', { from: 'Connect', event: { type: 'HoldTimer_Expires', conn: 'out-1' }, to: 'Connect', ignored: true }],
  ['Connect: a dial we gave up on is closed', { from: 'Connect', event: { type: 'Tcp_CR_Acked', conn: 'out-7' }, to: 'Connect', includes: [{ type: 'Disconnect', conn: 'out-7' }] }],

  // ---- Connect with DelayOpen (out-1 up, waiting for the peer's OPEN)
  ['Connect/DelayOpen: DelayOpenTimer_Expires sends OPEN (event 12)', { from: 'ConnectDelayOpen', event: { type: 'DelayOpenTimer_Expires', conn: 'out-1' }, to: 'OpenSent', includes: [{ type: 'SendOpen', conn: 'out-1' }, { type: 'StartTimer', timer: 'HoldTimer', ms: 240_000 }] }],
  ['Connect/DelayOpen: BGPOpen answers OPEN + KEEPALIVE (event 20)', { from: 'ConnectDelayOpen', event: { type: 'BGPOpen', conn: 'out-1', open: peerOpen() }, to: 'OpenConfirm', includes: [{ type: 'StopTimer', timer: 'DelayOpenTimer' }, { type: 'SendOpen' }, { type: 'SendKeepalive' }, { type: 'StartTimer', timer: 'KeepaliveTimer' }, { type: 'StartTimer', timer: 'HoldTimer', ms: 9000 }] }],
  ['Connect/DelayOpen: BGPHeaderErr sends it (SendNOTIFICATIONwithoutOPEN)', { from: 'ConnectDelayOpen', event: { type: 'BGPHeaderErr', conn: 'out-1', error: err(1, 2) }, to: 'Active', via: ['Idle', 'Active'], notify: [[1, 2]] }],
  ['Connect/DelayOpen: BGPHeaderErr without SendNOTIFICATIONwithoutOPEN', { from: 'ConnectDelayOpen', event: { type: 'BGPHeaderErr', conn: 'out-1', error: err(1, 2) }, to: 'Active', notify: [], over: { sendNotificationWithoutOpen: false } }],
  ['Connect/DelayOpen: BGPOpenMsgErr (event 22)', { from: 'ConnectDelayOpen', event: { type: 'BGPOpenMsgErr', conn: 'out-1', error: err(2, 4) }, to: 'Active', notify: [[2, 4]] }],
  ['Connect/DelayOpen: NotifMsgVerErr → Idle (event 24)', { from: 'ConnectDelayOpen', event: { type: 'NotifMsgVerErr', conn: 'out-1', notification: notification(2, 1) }, to: 'Active', via: ['Idle', 'Active'], notify: [] }],
  ['Connect/DelayOpen: a KEEPALIVE is "any other event": Idle, no NOTIFICATION', { from: 'ConnectDelayOpen', event: { type: 'KeepAliveMsg', conn: 'out-1' }, to: 'Active', via: ['Idle', 'Active'], notify: [] }],
  ['Connect/DelayOpen: TcpConnectionFails → Active (event 18, DelayOpenTimer running)', { from: 'ConnectDelayOpen', event: { type: 'TcpConnectionFails', conn: 'out-1' }, to: 'Active', via: ['Active'], includes: [{ type: 'StopTimer', timer: 'DelayOpenTimer' }, { type: 'Disconnect' }, { type: 'StartTimer', timer: 'ConnectRetryTimer' }] }],
  ['Connect/DelayOpen: ManualStop sends nothing (RFC: only Active does)', { from: 'ConnectDelayOpen', event: { type: 'ManualStop' }, to: 'Idle', notify: [] }],

  // ---- Active
  ['Active: ConnectRetryTimer_Expires dials (event 9)', { from: 'Active', event: { type: 'ConnectRetryTimer_Expires' }, to: 'Connect', includes: [{ type: 'StartTimer', timer: 'ConnectRetryTimer' }, { type: 'Connect', conn: 'out-1' }] }],
  ['Active: TcpConnectionConfirmed sends OPEN (event 17)', { from: 'Active', event: { type: 'TcpConnectionConfirmed', conn: 'in-1' }, to: 'OpenSent', includes: [{ type: 'StopTimer', timer: 'ConnectRetryTimer' }, { type: 'SendOpen', conn: 'in-1' }, { type: 'StartTimer', timer: 'HoldTimer', conn: 'in-1' }] }],
  ['Active: ManualStop → Idle', { from: 'Active', event: { type: 'ManualStop' }, to: 'Idle', notify: [], includes: [{ type: 'StopTimer', timer: 'ConnectRetryTimer' }] }],
  ['Active: AutomaticStop → Idle, restart', { from: 'Active', event: { type: 'AutomaticStop' }, to: 'Active', via: ['Idle', 'Active'] }],
  ['Active: a message on an unknown connection closes it', { from: 'Active', event: { type: 'KeepAliveMsg', conn: 'in-9' }, to: 'Active', includes: [{ type: 'Disconnect', conn: 'in-9' }] }],
  ['Active/DelayOpen: DelayOpenTimer_Expires sends OPEN', { from: 'ActiveDelayOpen', event: { type: 'DelayOpenTimer_Expires', conn: 'in-1' }, to: 'OpenSent', includes: [{ type: 'SendOpen', conn: 'in-1' }] }],
  ['Active/DelayOpen: BGPOpen (event 20)', { from: 'ActiveDelayOpen', event: { type: 'BGPOpen', conn: 'in-1', open: peerOpen() }, to: 'OpenConfirm', includes: [{ type: 'SendOpen' }, { type: 'SendKeepalive' }] }],
  ['Active/DelayOpen: ManualStop sends Cease (SendNOTIFICATIONwithoutOPEN)', { from: 'ActiveDelayOpen', event: { type: 'ManualStop' }, to: 'Idle', notify: [[6, 2]] }],
  ['Active/DelayOpen: TcpConnectionFails → Idle (event 18)', { from: 'ActiveDelayOpen', event: { type: 'TcpConnectionFails', conn: 'in-1' }, to: 'Active', via: ['Idle', 'Active'] }],

  // ---- OpenSent (out-1)
  ['OpenSent: start events are ignored', { from: 'OpenSent', event: { type: 'AutomaticStart' }, to: 'OpenSent', ignored: true }],
  ['OpenSent: ManualStop sends Cease 6/2 (event 2)', { from: 'OpenSent', event: { type: 'ManualStop' }, to: 'Idle', notify: [[6, 2]], includes: [{ type: 'Disconnect', conn: 'out-1' }] }],
  ['OpenSent: AutomaticStop sends Cease with its subcode (event 8)', { from: 'OpenSent', event: { type: 'AutomaticStop', subcode: 1 }, to: 'Active', via: ['Idle', 'Active'], notify: [[6, 1]] }],
  ['OpenSent: HoldTimer_Expires sends 4/0 (event 10)', { from: 'OpenSent', event: { type: 'HoldTimer_Expires', conn: 'out-1' }, to: 'Active', via: ['Idle', 'Active'], notify: [[4, 0]] }],
  ['OpenSent: TcpConnectionFails → Active (event 18)', { from: 'OpenSent', event: { type: 'TcpConnectionFails', conn: 'out-1' }, to: 'Active', via: ['Active'], notify: [], includes: [{ type: 'StopTimer', timer: 'HoldTimer', conn: 'out-1' }, { type: 'Disconnect', conn: 'out-1' }, { type: 'StartTimer', timer: 'ConnectRetryTimer' }] }],
  ['OpenSent: BGPOpen → OpenConfirm, KEEPALIVE, timers (event 19)', { from: 'OpenSent', event: { type: 'BGPOpen', conn: 'out-1', open: peerOpen() }, to: 'OpenConfirm', notify: [], includes: [{ type: 'SendKeepalive', conn: 'out-1' }, { type: 'StartTimer', timer: 'KeepaliveTimer', conn: 'out-1' }, { type: 'StartTimer', timer: 'HoldTimer', ms: 9000, conn: 'out-1' }] }],
  ['OpenSent: BGPOpen with hold time 0 starts neither timer', { from: 'OpenSent', event: { type: 'BGPOpen', conn: 'out-1', open: peerOpen({ holdTime: 0 }) }, to: 'OpenConfirm', includes: [{ type: 'StopTimer', timer: 'HoldTimer' }], excludes: ['StartTimer'] }],
  ['OpenSent: a bad OPEN (wrong AS) is BGPOpenMsgErr: 2/2', { from: 'OpenSent', event: { type: 'BGPOpen', conn: 'out-1', open: peerOpen({ myAs: 64999, capabilities: [] }) }, to: 'Active', via: ['Idle', 'Active'], notify: [[2, 2]] }],
  ['OpenSent: BGPHeaderErr (event 21)', { from: 'OpenSent', event: { type: 'BGPHeaderErr', conn: 'out-1', error: err(1, 1) }, to: 'Active', notify: [[1, 1]] }],
  ['OpenSent: BGPOpenMsgErr (event 22)', { from: 'OpenSent', event: { type: 'BGPOpenMsgErr', conn: 'out-1', error: err(2, 7) }, to: 'Active', notify: [[2, 7]] }],
  ['OpenSent: OpenCollisionDump sends Cease 6/7 (event 23)', { from: 'OpenSent', event: { type: 'OpenCollisionDump', conn: 'out-1' }, to: 'Active', notify: [[6, 7]] }],
  ['OpenSent: NotifMsgVerErr → Idle, nothing sent (event 24)', { from: 'OpenSent', event: { type: 'NotifMsgVerErr', conn: 'out-1', notification: notification(2, 1, Buffer.from([0, 4])) }, to: 'Active', via: ['Idle', 'Active'], notify: [] }],
  ['OpenSent: NotifMsg → Idle, nothing sent (event 25)', { from: 'OpenSent', event: { type: 'NotifMsg', conn: 'out-1', notification: notification(6, 2) }, to: 'Active', notify: [] }],
  ['OpenSent: KEEPALIVE before OPEN: FSM Error 5/1 (RFC 6608)', { from: 'OpenSent', event: { type: 'KeepAliveMsg', conn: 'out-1' }, to: 'Active', notify: [[5, 1]] }],
  ['OpenSent: UPDATE before OPEN: 5/1', { from: 'OpenSent', event: { type: 'UpdateMsg', conn: 'out-1', update }, to: 'Active', notify: [[5, 1]], excludes: ['ProcessUpdate'] }],
  ['OpenSent: UpdateMsgErr: 5/1', { from: 'OpenSent', event: { type: 'UpdateMsgErr', conn: 'out-1', error: err(3, 1) }, to: 'Active', notify: [[5, 1]] }],
  ['OpenSent: ROUTE-REFRESH: 5/1', { from: 'OpenSent', event: { type: 'RouteRefreshMsg', conn: 'out-1', message: { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0 } }, to: 'Active', notify: [[5, 1]] }],
  ['OpenSent: a second connection is tracked: OPEN sent on it too (events 16/17)', { from: 'OpenSent', event: { type: 'TcpConnectionConfirmed', conn: 'in-1' }, to: 'OpenSent', includes: [{ type: 'SendOpen', conn: 'in-1' }, { type: 'StartTimer', timer: 'HoldTimer', conn: 'in-1' }] }],
  ['OpenSent: TcpConnection_Valid, no change (event 14)', { from: 'OpenSent', event: { type: 'TcpConnection_Valid', conn: 'out-1' }, to: 'OpenSent', ignored: true }],

  // ---- OpenConfirm (out-1, peer OPEN received at 1000)
  ['OpenConfirm: KEEPALIVE → Established (event 26)', { from: 'OpenConfirm', event: { type: 'KeepAliveMsg', conn: 'out-1' }, to: 'Established', includes: [{ type: 'StateChange', to: 'Established' }, { type: 'SessionEstablished', conn: 'out-1' }] }],
  ['OpenConfirm: KeepaliveTimer_Expires sends KEEPALIVE (event 11)', { from: 'OpenConfirm', event: { type: 'KeepaliveTimer_Expires', conn: 'out-1' }, to: 'OpenConfirm', includes: [{ type: 'SendKeepalive', conn: 'out-1' }, { type: 'StartTimer', timer: 'KeepaliveTimer' }] }],
  ['OpenConfirm: HoldTimer_Expires after 9 s of silence: 4/0 (event 10)', { from: 'OpenConfirm', event: { type: 'HoldTimer_Expires', conn: 'out-1' }, to: 'Active', via: ['Idle', 'Active'], notify: [[4, 0]], at: 10_000 }],
  ['OpenConfirm: TcpConnectionFails → Idle (event 18)', { from: 'OpenConfirm', event: { type: 'TcpConnectionFails', conn: 'out-1' }, to: 'Active', via: ['Idle', 'Active'], notify: [] }],
  ['OpenConfirm: NotifMsg → Idle (event 25)', { from: 'OpenConfirm', event: { type: 'NotifMsg', conn: 'out-1', notification: notification(6, 2) }, to: 'Active', notify: [] }],
  ['OpenConfirm: NotifMsgVerErr → Idle (event 24)', { from: 'OpenConfirm', event: { type: 'NotifMsgVerErr', conn: 'out-1', notification: notification(2, 1) }, to: 'Active', notify: [] }],
  ['OpenConfirm: ManualStop: Cease 6/2', { from: 'OpenConfirm', event: { type: 'ManualStop' }, to: 'Idle', notify: [[6, 2]] }],
  ['OpenConfirm: AutomaticStop: Cease 6/0', { from: 'OpenConfirm', event: { type: 'AutomaticStop' }, to: 'Active', notify: [[6, 0]] }],
  ['OpenConfirm: a second OPEN on the same connection: 5/2 (RFC 6608)', { from: 'OpenConfirm', event: { type: 'BGPOpen', conn: 'out-1', open: peerOpen() }, to: 'Active', notify: [[5, 2]] }],
  ['OpenConfirm: UPDATE: 5/2', { from: 'OpenConfirm', event: { type: 'UpdateMsg', conn: 'out-1', update }, to: 'Active', notify: [[5, 2]] }],
  ['OpenConfirm: BGPHeaderErr (event 21)', { from: 'OpenConfirm', event: { type: 'BGPHeaderErr', conn: 'out-1', error: err(1, 3) }, to: 'Active', notify: [[1, 3]] }],
  ['OpenConfirm: BGPOpenMsgErr (event 22)', { from: 'OpenConfirm', event: { type: 'BGPOpenMsgErr', conn: 'out-1', error: err(2, 0) }, to: 'Active', notify: [[2, 0]] }],
  ['OpenConfirm: OpenCollisionDump: 6/7 (event 23)', { from: 'OpenConfirm', event: { type: 'OpenCollisionDump', conn: 'out-1' }, to: 'Active', notify: [[6, 7]] }],

  // ---- Established (out-1)
  ['Established: UPDATE is processed (event 27)', { from: 'Established', event: { type: 'UpdateMsg', conn: 'out-1', update }, to: 'Established', notify: [], includes: [{ type: 'ProcessUpdate', conn: 'out-1', update }] }],
  ['Established: KEEPALIVE, nothing to do (event 26)', { from: 'Established', event: { type: 'KeepAliveMsg', conn: 'out-1' }, to: 'Established', includes: [], excludes: ['SendKeepalive', 'StateChange'] }],
  ['Established: ROUTE-REFRESH for a negotiated family (RFC 2918)', { from: 'Established', event: { type: 'RouteRefreshMsg', conn: 'out-1', message: { type: 'ROUTE-REFRESH', afi: 2, safi: 1, subtype: 0 } }, to: 'Established', includes: [{ type: 'ProcessRouteRefresh', family: 'ipv6' }] }],
  ['Established: ROUTE-REFRESH for another family is ignored (RFC 2918 §4)', { from: 'Established', event: { type: 'RouteRefreshMsg', conn: 'out-1', message: { type: 'ROUTE-REFRESH', afi: 25, safi: 70, subtype: 0 } }, to: 'Established', excludes: ['ProcessRouteRefresh', 'SendNotification'] }],
  ['Established: UpdateMsgErr sends it, session down (event 28)', { from: 'Established', event: { type: 'UpdateMsgErr', conn: 'out-1', error: err(3, 11) }, to: 'Active', via: ['Idle', 'Active'], notify: [[3, 11]], includes: [{ type: 'SessionDown', notification: { direction: 'sent', code: 3, subcode: 11 } }] }],
  ['Established: BGPHeaderErr sends the header error (RFC 4271 §6.1)', { from: 'Established', event: { type: 'BGPHeaderErr', conn: 'out-1', error: err(1, 2) }, to: 'Active', notify: [[1, 2]] }],
  ['Established: an OPEN on the session: 5/3 (RFC 6608)', { from: 'Established', event: { type: 'BGPOpen', conn: 'out-1', open: peerOpen() }, to: 'Active', notify: [[5, 3]], includes: [{ type: 'SessionDown' }] }],
  ['Established: a bad OPEN on the session: 5/3', { from: 'Established', event: { type: 'BGPOpenMsgErr', conn: 'out-1', error: err(2, 2) }, to: 'Active', notify: [[5, 3]] }],
  ['Established: NotifMsg: down, nothing sent (event 25)', { from: 'Established', event: { type: 'NotifMsg', conn: 'out-1', notification: notification(6, 4) }, to: 'Active', notify: [], includes: [{ type: 'SessionDown', notification: { direction: 'received', code: 6, subcode: 4 } }] }],
  ['Established: TcpConnectionFails: down (event 18)', { from: 'Established', event: { type: 'TcpConnectionFails', conn: 'out-1' }, to: 'Active', notify: [], includes: [{ type: 'SessionDown' }, { type: 'ReleaseResources' }] }],
  ['Established: HoldTimer_Expires after 9 s of silence: 4/0 (event 10)', { from: 'Established', event: { type: 'HoldTimer_Expires', conn: 'out-1' }, to: 'Active', notify: [[4, 0]], includes: [{ type: 'SessionDown', notification: { direction: 'sent', code: 4, subcode: 0 } }], at: 10_000 }],
  ['Established: KeepaliveTimer_Expires sends KEEPALIVE (event 11)', { from: 'Established', event: { type: 'KeepaliveTimer_Expires', conn: 'out-1' }, to: 'Established', includes: [{ type: 'SendKeepalive' }, { type: 'StartTimer', timer: 'KeepaliveTimer' }], at: 1000 + 2900 }],
  ['Established: ManualStop: Cease 6/2, down, stays Idle', { from: 'Established', event: { type: 'ManualStop' }, to: 'Idle', notify: [[6, 2]], includes: [{ type: 'SessionDown' }] }],
  ['Established: AutomaticStop: Cease, down, restart', { from: 'Established', event: { type: 'AutomaticStop', subcode: 1, reason: 'max prefixes' }, to: 'Active', notify: [[6, 1]] }],
  ['Established: OpenCollisionDump: 6/7 (event 23)', { from: 'Established', event: { type: 'OpenCollisionDump', conn: 'out-1' }, to: 'Active', notify: [[6, 7]] }],
  ['Established: a new connection is tracked until its OPEN', { from: 'Established', event: { type: 'TcpConnectionConfirmed', conn: 'in-1' }, to: 'Established', includes: [{ type: 'SendOpen', conn: 'in-1' }] }],
  ['Established: start events are ignored', { from: 'Established', event: { type: 'ManualStart' }, to: 'Established', ignored: true }],
];

describe('RFC 4271 §8.2.2 state by state', () => {
  it.each(rows)('%s', (_name, row) => {
    const before = sessionIn(row.from, row.over);
    const r = step(before, row.event, row.at ?? T);
    expect(r.state.state).toBe(row.to);
    if (row.ignored) {
      expect(r.actions).toEqual([]);
      expect(r.state).toEqual(before);
      return;
    }
    if (row.via) expect(path(r.actions)).toEqual(row.via);
    if (row.notify) expect(notifications(r.actions)).toEqual(row.notify);
    if (row.includes) {
      let from = 0;
      for (const want of row.includes) {
        const i = r.actions.findIndex((a, k) => k >= from && Object.entries(want).every(([key, v]) => expect.objectContaining({ [key]: v }).asymmetricMatch(a)));
        expect(i, `expected ${JSON.stringify(want)} in order in ${JSON.stringify(r.actions.map((a) => a.type))}`).toBeGreaterThanOrEqual(0);
        from = i + 1;
      }
    }
    for (const t of row.excludes ?? []) expect(r.actions.map((a) => a.type)).not.toContain(t);
    // A step never modifies its input.
    expect(before).toEqual(sessionIn(row.from, row.over));
  });

  it('every state handles every event without throwing, and a NOTIFICATION only goes on a connection it has', () => {
    const events: FsmEvent[] = [
      ...SESSION_EVENTS,
      ...(['out-1', 'in-1', 'in-2'] as const).flatMap((conn): FsmEvent[] => [
        { type: 'HoldTimer_Expires', conn },
        { type: 'KeepaliveTimer_Expires', conn },
        { type: 'DelayOpenTimer_Expires', conn },
        { type: 'TcpConnection_Valid', conn },
        { type: 'Tcp_CR_Invalid', conn },
        { type: 'Tcp_CR_Acked', conn },
        { type: 'TcpConnectionConfirmed', conn },
        { type: 'TcpConnectionFails', conn },
        { type: 'BGPOpen', conn, open: peerOpen() },
        { type: 'BGPOpen', conn, open: peerOpen({ version: 3 }) },
        { type: 'BGPHeaderErr', conn, error: err(1, 1) },
        { type: 'BGPOpenMsgErr', conn, error: err(2, 0) },
        { type: 'OpenCollisionDump', conn },
        { type: 'NotifMsgVerErr', conn, notification: notification(2, 1) },
        { type: 'NotifMsg', conn, notification: notification(6, 3) },
        { type: 'KeepAliveMsg', conn },
        { type: 'UpdateMsg', conn, update },
        { type: 'UpdateMsgErr', conn, error: err(3, 1) },
        { type: 'RouteRefreshMsg', conn, message: { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0 } },
        { type: 'UpdateSent', conn },
      ]),
    ];
    const states: Reachable[] = ['Idle', 'IdleStarted', 'Connect', 'ConnectDelayOpen', 'Active', 'ActiveDelayOpen', 'OpenSent', 'OpenConfirm', 'Established'];
    let count = 0;
    for (const from of states) {
      const s = sessionIn(from);
      const known = new Set([s.conn, ...s.tracked.map((t) => t.conn)]);
      for (const ev of events) {
        const r = step(s, ev, T);
        count++;
        for (const a of r.actions) {
          if (a.type === 'SendNotification') {
            // Either the session's/tracked connection, or the one just offered (refused with 6/5).
            const offered = ev.type === 'TcpConnectionConfirmed' ? ev.conn : undefined;
            expect(known.has(a.conn) || a.conn === offered, `${from} ${ev.type}: NOTIFICATION on ${a.conn}`).toBe(true);
          }
        }
        if (r.state.state === 'Idle') expect(r.state.conn).toBeUndefined();
      }
    }
    expect(count).toBe(9 * events.length);
  });
});

describe('timers', () => {
  it('keepalives are jittered 75-100% of hold/3 (RFC 4271 §10), the hold timer is not', () => {
    let s = sessionIn('Established');
    const intervals: number[] = [];
    // The first KeepaliveTimer was armed when the OPEN was answered, at 1000, for at most 3 s.
    let now = 4000;
    for (let i = 0; i < 200; i++) {
      const r = step(s, { type: 'KeepaliveTimer_Expires', conn: 'out-1' }, now);
      // Keep the session alive from the peer side too.
      s = step(r.state, { type: 'KeepAliveMsg', conn: 'out-1' }, now).state;
      const start = r.actions.find((a) => a.type === 'StartTimer' && a.timer === 'KeepaliveTimer') as { ms: number };
      expect(r.actions.some((a) => a.type === 'SendKeepalive')).toBe(true);
      intervals.push(start.ms);
      now += start.ms;
    }
    expect(Math.min(...intervals)).toBeGreaterThanOrEqual(2250);
    expect(Math.max(...intervals)).toBeLessThanOrEqual(3000);
    expect(new Set(intervals).size).toBeGreaterThan(20);
    const open = step(sessionIn('OpenSent'), { type: 'BGPOpen', conn: 'out-1', open: peerOpen() }, T);
    expect(open.actions).toContainEqual({ type: 'StartTimer', timer: 'HoldTimer', ms: 9000, conn: 'out-1' });
  });

  it('a received message defers hold expiry: the timer re-arms for what is left', () => {
    const s = sessionIn('Established'); // HoldTimer due at 1000 + 9000
    const s1 = step(s, { type: 'UpdateMsg', conn: 'out-1', update }, 5000).state;
    const r = step(s1, { type: 'HoldTimer_Expires', conn: 'out-1' }, 10_000);
    expect(r.state.state).toBe('Established');
    expect(r.actions).toEqual([{ type: 'StartTimer', timer: 'HoldTimer', ms: 4000, conn: 'out-1' }]);
    const r2 = step(r.state, { type: 'HoldTimer_Expires', conn: 'out-1' }, 14_000);
    expect(notifications(r2.actions)).toEqual([[4, 0]]);
    expect(r2.state.lastError).toMatch(/4\/0 \(Hold Timer Expired/);
  });

  it('UPDATEs sent replace KEEPALIVEs (RFC 4271 §8.2.2 Established)', () => {
    let s = sessionIn('Established');
    s = step(s, { type: 'UpdateSent', conn: 'out-1' }, 3000).state;
    const r = step(s, { type: 'KeepaliveTimer_Expires', conn: 'out-1' }, 3100);
    expect(r.actions.map((a) => a.type)).toEqual(['StartTimer']);
    const rearm = r.actions[0] as { ms: number };
    expect(rearm.ms).toBeGreaterThan(2000);
    expect(rearm.ms).toBeLessThanOrEqual(2900);
  });

  it('a stale expiry (timer stopped or restarted since) is ignored', () => {
    const s = sessionIn('OpenSent');
    expect(step(s, { type: 'ConnectRetryTimer_Expires' }, T).actions).toEqual([]);
    expect(step(s, { type: 'KeepaliveTimer_Expires', conn: 'out-1' }, T).actions).toEqual([]);
    expect(step(s, { type: 'HoldTimer_Expires', conn: 'out-2' }, T).actions).toEqual([]);
  });
});

describe('reconnect back-off inside the FSM', () => {
  function failRepeatedly(times: number, over: Partial<SessionConfig> = {}) {
    let s = createSession({ ...LOCAL, connectRetryMs: 3000, ...over }, { seed: 9, now: 0 });
    let now = 0;
    const waits: number[] = [];
    let r = step(s, { type: 'ManualStart' }, now);
    s = r.state;
    for (let i = 0; i < times; i++) {
      const dial = r.actions.find((a) => a.type === 'Connect') as { conn: string } | undefined;
      expect(dial, `attempt ${i} dials`).toBeDefined();
      // The dial is refused at once.
      r = step(s, { type: 'TcpConnectionFails', conn: dial!.conn, reason: 'ECONNREFUSED' }, now);
      s = r.state;
      const retry = r.actions.find((a) => a.type === 'StartTimer' && a.timer === 'ConnectRetryTimer') as { ms: number };
      waits.push(retry.ms);
      now += retry.ms;
      r = step(s, { type: 'ConnectRetryTimer_Expires' }, now);
      s = r.state;
    }
    return { waits, state: s };
  }

  it('first attempt immediate, then ~100 ms doubling up to connectRetry, jittered', () => {
    const { waits } = failRepeatedly(8);
    const bases = [100, 200, 400, 800, 1600, 3000, 3000, 3000];
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(Math.round(bases[i] * 0.75));
      expect(w).toBeLessThanOrEqual(bases[i]);
    });
  });

  it('waits in Active, so the peer may connect meanwhile', () => {
    const s = createSession(LOCAL, { seed: 1 });
    const r = run(s, [
      [{ type: 'ManualStart' }, 0],
      [{ type: 'TcpConnectionFails', conn: 'out-1' }, 1],
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, 20],
    ]);
    expect(r.state.state).toBe('OpenSent');
    expect(r.state.conn).toBe('in-1');
  });

  it('a session Established for stableMs resets it: the next dial is immediate', () => {
    const stable = run(sessionIn('Established', { stableMs: 5000 }), [[{ type: 'TcpConnectionFails', conn: 'out-1' }, 1000 + 6000]]);
    expect(path(stable.actions)).toEqual(['Idle', 'Connect']);
    expect(stable.state.failures).toBe(0);
    const flappy = run(sessionIn('Established', { stableMs: 5000 }), [[{ type: 'TcpConnectionFails', conn: 'out-1' }, 1000 + 100]]);
    expect(path(flappy.actions)).toEqual(['Idle', 'Active']);
    expect(flappy.state.failures).toBe(1);
  });

  it('DampPeerOscillations waits in Idle on the IdleHoldTimer, refusing the peer', () => {
    const s = sessionIn('IdleStarted');
    expect(s.state).toBe('Idle');
    expect(Object.keys(s.timers)).toEqual(['IdleHoldTimer']);
    const r = step(s, { type: 'TcpConnectionConfirmed', conn: 'in-1' }, T);
    expect(notifications(r.actions)).toEqual([[6, 5]]);
  });

  it('ManualStop after failures: no restart; ManualStart resets the back-off', () => {
    const { state } = failRepeatedly(4);
    expect(state.failures).toBe(4);
    const stopped = step(state, { type: 'ManualStop' }, 1e6).state;
    expect(stopped.state).toBe('Idle');
    expect(stopped.timers).toEqual({});
    const restarted = step(stopped, { type: 'ManualStart' }, 1e6 + 1);
    expect(restarted.state.failures).toBe(0);
    expect(restarted.actions.some((a) => a.type === 'Connect')).toBe(true);
  });

  it('without AllowAutomaticStart a failure leaves the session Idle', () => {
    const r = run(sessionIn('Connect', { allowAutomaticStart: false }), [[{ type: 'TcpConnectionFails', conn: 'out-1' }, T]]);
    expect(r.state.state).toBe('Idle');
    expect(r.state.timers).toEqual({});
  });
});

describe('second connections and collisions in one session (RFC 4271 §6.8)', () => {
  // LOCAL is 10.0.0.1; peerOpen() is 10.0.0.2: the peer's identifier is higher, so the connection the
  // peer initiated (in-*) survives. With a local id of 10.0.0.9 ours (out-*) survives.
  // RFC 4271 §6.8: "Upon receipt of an OPEN message, the local system MUST examine all of its
  // connections that are in the OpenConfirm state"; OpenSent ones only "if it knows the BGP Identifier
  // of the peer by means outside of the protocol", which we do not. So a second connection is never
  // closed while the other is merely in OpenSent (a handshake the peer may not have seen yet).
  const cease67 = { type: 'SendNotification', code: 6, subcode: 7, data: Buffer.alloc(0) } as const;

  it.each([
    ['peer id higher', '10.0.0.1'],
    ['our id higher', '10.0.0.9'],
  ])('OpenSent on our dial, the peer dials too, its OPEN comes first (%s): nothing is closed, it goes on to OpenConfirm', (_n, routerId) => {
    const r = run(sessionIn('OpenSent', { routerId }), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'in-1', open: peerOpen() }, T + 1],
    ]);
    expect(r.steps[0].actions).toContainEqual({ type: 'SendOpen', conn: 'in-1', open: r.state.localOpen });
    expect([r.state.state, r.state.conn]).toEqual(['OpenConfirm', 'in-1']);
    // Our dial out-1 is still there, waiting for the peer's OPEN.
    expect(r.state.tracked).toEqual([{ conn: 'out-1', initiator: 'local', state: 'OpenSent' }]);
    const acts = r.steps[1].actions;
    expect(notifications(acts)).toEqual([]);
    expect(acts.filter((a) => a.type === 'Disconnect')).toEqual([]);
    expect(acts).toContainEqual({ type: 'SendKeepalive', conn: 'in-1' });
    expect(acts.some((a) => a.type === 'ReleaseResources')).toBe(false);
    expect(path(acts)).toEqual(['OpenConfirm']);
  });

  it.each([
    ['peer id higher: its connection in-1 stays', '10.0.0.1', 'in-1', 'out-1'],
    ['our id higher: our connection out-1 stays', '10.0.0.9', 'out-1', 'in-1'],
  ])('then the OPEN on the other one resolves the collision by §6.8 (%s)', (_n, routerId, kept, closed) => {
    const r = run(sessionIn('OpenSent', { routerId }), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'in-1', open: peerOpen() }, T + 1],
      [{ type: 'BGPOpen', conn: 'out-1', open: peerOpen() }, T + 2],
    ]);
    expect([r.state.state, r.state.conn, r.state.tracked]).toEqual(['OpenConfirm', kept, []]);
    const acts = r.steps[2].actions;
    expect(acts).toContainEqual({ ...cease67, conn: closed });
    expect(acts).toContainEqual({ type: 'Disconnect', conn: closed });
    expect(notifications(acts)).toEqual([[6, 7]]);
    expect(acts.some((a) => a.type === 'ReleaseResources')).toBe(false);
    expect(r.state.failures).toBe(0);
  });

  it.each([
    ['peer id higher: its connection in-1 stays', '10.0.0.1', 'in-1', 'out-1'],
    ['our id higher: our connection out-1 stays', '10.0.0.9', 'out-1', 'in-1'],
  ])('the other order, the OPEN on our own connection first (%s)', (_n, routerId, kept, closed) => {
    const r = run(sessionIn('OpenSent', { routerId }), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'out-1', open: peerOpen() }, T + 1],
      [{ type: 'BGPOpen', conn: 'in-1', open: peerOpen() }, T + 2],
    ]);
    // The first OPEN: out-1 to OpenConfirm, in-1 (OpenSent, no OPEN yet) not examined, not closed.
    expect([r.steps[1].state.state, r.steps[1].state.conn]).toEqual(['OpenConfirm', 'out-1']);
    expect(r.steps[1].state.tracked).toEqual([{ conn: 'in-1', initiator: 'remote', state: 'OpenSent' }]);
    expect(notifications(r.steps[1].actions)).toEqual([]);
    // The second: out-1 is in OpenConfirm, so §6.8 decides.
    expect([r.state.state, r.state.conn, r.state.tracked]).toEqual(['OpenConfirm', kept, []]);
    expect(r.steps[2].actions).toContainEqual({ ...cease67, conn: closed });
    expect(notifications(r.steps[2].actions)).toEqual([[6, 7]]);
  });

  it('one reaches Established while the other is in OpenSent: that one stays open until its OPEN, then Established wins (6/7)', () => {
    const r = run(sessionIn('OpenSent', { routerId: '10.0.0.9' }), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'in-1', open: peerOpen() }, T + 1],
      [{ type: 'KeepAliveMsg', conn: 'in-1' }, T + 2],
      [{ type: 'BGPOpen', conn: 'out-1', open: peerOpen() }, T + 7000],
    ]);
    expect([r.steps[2].state.state, r.steps[2].state.conn]).toEqual(['Established', 'in-1']);
    expect(r.steps[2].state.tracked).toEqual([{ conn: 'out-1', initiator: 'local', state: 'OpenSent' }]);
    expect(notifications(r.steps[2].actions)).toEqual([]);
    expect([r.state.state, r.state.conn, r.state.tracked]).toEqual(['Established', 'in-1', []]);
    expect(r.steps[3].actions).toEqual([
      { ...cease67, conn: 'out-1' },
      { type: 'StopTimer', timer: 'HoldTimer', conn: 'out-1' },
      { type: 'Disconnect', conn: 'out-1' },
    ]);
  });

  it('with Graceful Restart: a crossing connection accepted before Established whose OPEN comes after is a collision, not a restart (6/7)', () => {
    // sessionIn's peer OPEN advertises Graceful Restart; a connection accepted once Established would be
    // read as a restart (RFC 4724 §4.2, next tests); this one was accepted in OpenSent.
    const r = run(sessionIn('OpenSent'), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'out-1', open: peerOpen() }, T + 1],
      [{ type: 'KeepAliveMsg', conn: 'out-1' }, T + 2],
      [{ type: 'BGPOpen', conn: 'in-1', open: peerOpen() }, T + 3],
    ]);
    expect(r.steps[2].state.negotiated?.gracefulRestart).toBeDefined();
    expect([r.state.state, r.state.conn, r.state.tracked]).toEqual(['Established', 'out-1', []]);
    expect(r.steps[3].actions).toEqual([
      { ...cease67, conn: 'in-1' },
      { type: 'StopTimer', timer: 'HoldTimer', conn: 'in-1' },
      { type: 'Disconnect', conn: 'in-1' },
    ]);
    expect(r.actions.some((a) => a.type === 'SessionDown')).toBe(false);
  });

  it('DelayOpen on our connection: the peer connection whose OPEN comes first goes on; ours sends its OPEN and is tracked', () => {
    const r = run(sessionIn('ConnectDelayOpen'), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'in-1', open: peerOpen() }, T + 1],
    ]);
    expect([r.state.state, r.state.conn]).toEqual(['OpenConfirm', 'in-1']);
    expect(r.state.tracked).toEqual([{ conn: 'out-1', initiator: 'local', state: 'OpenSent' }]);
    const acts = r.steps[1].actions;
    expect(acts).toContainEqual({ type: 'StopTimer', timer: 'DelayOpenTimer', conn: 'out-1' });
    expect(acts).toContainEqual({ type: 'SendOpen', conn: 'out-1', open: r.state.localOpen });
    expect(notifications(acts)).toEqual([]);
    expect(Object.keys(r.state.timers)).not.toContain('DelayOpenTimer@out-1');
  });

  it('in Connect, the peer connection is taken and our dial still tracked; the dial is dropped once Established', () => {
    const r = run(sessionIn('Connect'), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'in-1', open: peerOpen() }, T + 1],
      [{ type: 'KeepAliveMsg', conn: 'in-1' }, T + 2],
    ]);
    expect(r.steps[0].state.tracked).toEqual([{ conn: 'out-1', initiator: 'local', state: 'Connect' }]);
    expect(r.state.state).toBe('Established');
    expect(r.state.tracked).toEqual([]);
    expect(r.steps[2].actions).toContainEqual({ type: 'Disconnect', conn: 'out-1' });
  });

  it('if the session connection fails, a tracked one carries on (no Idle, no back-off)', () => {
    const r = run(sessionIn('OpenSent'), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'TcpConnectionFails', conn: 'out-1' }, T + 1],
    ]);
    expect([r.state.state, r.state.conn]).toEqual(['OpenSent', 'in-1']);
    expect(path(r.steps[1].actions)).toEqual([]);
    expect(r.state.failures).toBe(0);
  });

  it('Established wins against a new connection (6/7) unless the peer advertised Graceful Restart', () => {
    const noGr = peerOpen({ capabilities: peerOpen().capabilities.filter((c) => c.code !== 64) });
    const kept = run(sessionIn('Established', {}, noGr), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'in-1', open: noGr }, T + 1],
    ]);
    expect([kept.state.state, kept.state.conn]).toEqual(['Established', 'out-1']);
    expect(kept.steps[1].actions[0]).toEqual({ type: 'SendNotification', conn: 'in-1', code: 6, subcode: 7, data: Buffer.alloc(0) });
  });

  const grOpen = () =>
    peerOpen({
      capabilities: [
        ...peerOpen().capabilities.filter((c) => c.code !== 64),
        { code: 64, name: 'graceful-restart', restarting: true, notification: false, restartTime: 60, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] },
      ],
    });

  it('RFC 4724 §4.2: a GR peer reconnecting while Established has restarted: once it confirms (KEEPALIVE), the old connection goes', () => {
    const r = run(sessionIn('Established', {}, grOpen()), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'in-1', open: grOpen() }, T + 1],
      [{ type: 'KeepAliveMsg', conn: 'in-1' }, T + 2],
    ]);
    // The OPEN: answered with a KEEPALIVE; the Established session stays until the peer confirms.
    expect([r.steps[1].state.state, r.steps[1].state.conn]).toEqual(['Established', 'out-1']);
    expect(r.steps[1].state.tracked).toMatchObject([{ conn: 'in-1', state: 'OpenConfirm' }]);
    expect(r.steps[1].actions).toContainEqual({ type: 'SendKeepalive', conn: 'in-1' });
    expect(r.steps[1].actions.some((a) => a.type === 'Disconnect' || a.type === 'SessionDown')).toBe(false);
    // The peer's KEEPALIVE: it restarted. The old connection goes, its routes kept stale; Established on in-1.
    expect([r.state.state, r.state.conn, r.state.tracked]).toEqual(['Established', 'in-1', []]);
    const acts = r.steps[2].actions;
    expect(acts).toContainEqual({ type: 'Disconnect', conn: 'out-1' });
    expect(acts.find((a) => a.type === 'SessionDown')).toMatchObject({ gracefulRestart: { restartTimeMs: 60_000, families: ['ipv4'] } });
    expect(acts.find((a) => a.type === 'SessionEstablished')).toMatchObject({ conn: 'in-1' });
    expect(notifications(acts)).toEqual([]);
  });

  it('RFC 4724 §4.2 vs a late dial: the peer, still Established, closes the new connection (6/7): the session never went down', () => {
    const r = run(sessionIn('Established', {}, grOpen()), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'in-1', open: grOpen() }, T + 1],
      [{ type: 'NotifMsg', conn: 'in-1', notification: notification(6, 7) }, T + 2],
    ]);
    expect([r.state.state, r.state.conn, r.state.tracked]).toEqual(['Established', 'out-1', []]);
    expect(r.steps[2].actions).toContainEqual({ type: 'Disconnect', conn: 'in-1' });
    expect(r.actions.some((a) => a.type === 'SessionDown' || a.type === 'StateChange')).toBe(false);
  });

  it('RFC 4724 §4.2: if the old connection fails first, the confirmed-pending one carries on to Established', () => {
    const r = run(sessionIn('Established', {}, grOpen()), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'in-1', open: grOpen() }, T + 1],
      [{ type: 'TcpConnectionFails', conn: 'out-1', reason: 'connection reset' }, T + 2],
      [{ type: 'KeepAliveMsg', conn: 'in-1' }, T + 3],
    ]);
    expect([r.steps[2].state.state, r.steps[2].state.conn]).toEqual(['OpenConfirm', 'in-1']);
    expect(r.steps[2].actions.find((a) => a.type === 'SessionDown')).toMatchObject({ gracefulRestart: { families: ['ipv4'] } });
    expect([r.state.state, r.state.conn]).toEqual(['Established', 'in-1']);
  });

  it('a bad OPEN on a tracked connection closes only that one', () => {
    const r = run(sessionIn('Established'), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'BGPOpen', conn: 'in-1', open: peerOpen({ holdTime: 1 }) }, T + 1],
    ]);
    expect([r.state.state, r.state.conn, r.state.tracked]).toEqual(['Established', 'out-1', []]);
    expect(notifications(r.steps[1].actions)).toEqual([[2, 6]]);
  });

  it(`at most ${MAX_TRACKED} extra connections; more are refused with 6/5`, () => {
    const r = run(sessionIn('Established'), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'TcpConnectionConfirmed', conn: 'in-2' }, T],
      [{ type: 'TcpConnectionConfirmed', conn: 'in-3' }, T],
    ]);
    expect(r.state.tracked.map((t) => t.conn)).toEqual(['in-1', 'in-2']);
    expect(r.steps[2].actions).toEqual([
      { type: 'SendNotification', conn: 'in-3', code: 6, subcode: 5, data: Buffer.alloc(0) },
      { type: 'Disconnect', conn: 'in-3' },
    ]);
  });

  it('tracked connections: hold expiry 4/0, a KEEPALIVE before OPEN 5/1, a NOTIFICATION just closes', () => {
    const base = run(sessionIn('Established'), [[{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T]]).state;
    expect(notifications(step(base, { type: 'HoldTimer_Expires', conn: 'in-1' }, T + 240_000).actions)).toEqual([[4, 0]]);
    expect(notifications(step(base, { type: 'KeepAliveMsg', conn: 'in-1' }, T).actions)).toEqual([[5, 1]]);
    const n = step(base, { type: 'NotifMsg', conn: 'in-1', notification: notification(6, 7) }, T);
    expect(notifications(n.actions)).toEqual([]);
    expect(n.state.tracked).toEqual([]);
    expect(n.state.state).toBe('Established');
  });

  it('ManualStop closes tracked connections too, with the same Cease', () => {
    const r = run(sessionIn('Established'), [
      [{ type: 'TcpConnectionConfirmed', conn: 'in-1' }, T],
      [{ type: 'ManualStop', subcode: 4, message: 'reset by operator' }, T],
    ]);
    const last = r.steps[1].actions;
    const data = Buffer.concat([Buffer.from([17]), Buffer.from('reset by operator')]);
    expect(last).toContainEqual({ type: 'SendNotification', conn: 'out-1', code: 6, subcode: 4, data });
    expect(last).toContainEqual({ type: 'SendNotification', conn: 'in-1', code: 6, subcode: 4, data });
    expect(r.state).toMatchObject({ state: 'Idle', tracked: [], timers: {}, adminUp: false });
    expect(r.state.lastError).toContain('reset by operator');
  });
});

describe('status fields', () => {
  it('records why the session went down, both when sending and receiving', () => {
    const sent = step(sessionIn('OpenSent'), { type: 'BGPOpen', conn: 'out-1', open: peerOpen({ myAs: 64999, capabilities: [] }) }, T).state;
    expect(sent.lastError).toMatch(/^sent NOTIFICATION 2\/2 \(OPEN Message Error \/ Bad Peer AS\): peer AS 64999 is not the configured 64512/);
    const shutdown = Buffer.concat([Buffer.from([11]), Buffer.from('maintenance')]);
    const received = step(sessionIn('Established'), { type: 'NotifMsg', conn: 'out-1', notification: notification(6, 2, shutdown) }, T).state;
    expect(received.lastError).toBe('received NOTIFICATION 6/2 (Cease / Administrative Shutdown): "maintenance"');
    expect(received.connectRetryCounter).toBe(1);
  });

  it('is deterministic: same seed, same events, same result', () => {
    const events: Array<[FsmEvent, number]> = [
      [{ type: 'ManualStart' }, 0],
      [{ type: 'TcpConnectionFails', conn: 'out-1' }, 5],
      [{ type: 'ConnectRetryTimer_Expires' }, 100],
      [{ type: 'Tcp_CR_Acked', conn: 'out-2' }, 101],
      [{ type: 'BGPOpen', conn: 'out-2', open: peerOpen() }, 102],
      [{ type: 'KeepAliveMsg', conn: 'out-2' }, 103],
      [{ type: 'KeepaliveTimer_Expires', conn: 'out-2' }, 3000],
    ];
    const a = run(createSession(LOCAL, { seed: 5 }), events);
    const b = run(createSession(LOCAL, { seed: 5 }), events);
    expect(a).toEqual(b);
    const c = run(createSession(LOCAL, { seed: 6 }), events);
    expect(c.actions).not.toEqual(a.actions);
  });
});

// Keeps the SessionState type import used for readers of this file.
export type { SessionState };
