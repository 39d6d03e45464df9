/**
 * src/fsm owns the BGP session logic, pure and deterministic (no I/O; the clock is passed in, the
 * jitter PRNG is seeded and carried in the state): the RFC 4271 §8 finite state machine with every
 * state and event, OPEN building, checking and capability negotiation (RFC 4271 §6.2, 5492, 6793, 4760,
 * 2918, 7313, 8654, 4724, 7911), connection collision detection (§6.8), the reconnect back-off and the
 * timer jitter (§10). The socket layer (src/speaker) owns sockets and OS timers and drives it.
 *
 * Driving it: one SessionState per configured peer. Turn everything that happens into an event, call
 * step(), keep the new state, perform the actions in order. Connections have names: the FSM names the
 * ones it dials (Connect{conn:'out-N'}); you name the ones you accept (any string not starting with
 * 'out-'). Check the source address against the configured peers before handing an accepted socket over
 * (unknown address: close it yourself, optionally after a Cease 6/5).
 *
 *   import { createSession, step, eventFromDecode, timerExpired, sessionConfigFromSpeaker } from '../fsm/index.js';
 *   let session = createSession(sessionConfigFromSpeaker(cfg, peerCfg), { seed: randomInt(2 ** 32), now: now() });
 *   const deliver = (ev: FsmEvent) => {
 *     const r = step(session, ev, now());          // now(): a monotonic ms clock
 *     session = r.state;
 *     for (const a of r.actions) switch (a.type) {
 *       case 'Connect': dial(a.conn); break;                    // then Tcp_CR_Acked / TcpConnectionFails {conn}
 *       case 'SendOpen': write(a.conn, encodeMessage(a.open, defaultContext())); break;
 *       case 'SendKeepalive': write(a.conn, KEEPALIVE_BYTES); break;
 *       case 'SendNotification': write(a.conn, encodeMessage({ type: 'NOTIFICATION', code: a.code, subcode: a.subcode, data: a.data }, ctx)); break;
 *       case 'Disconnect': endThenDestroy(a.conn); break;       // flush, FIN, forget; no events from it after
 *       case 'StartTimer': setTimer(a, a.ms, () => deliver(timerExpired(a))); break;  // key: a.timer + a.conn
 *       case 'StopTimer': clearTimer(a); break;
 *       case 'SessionEstablished': useCodec(a.conn, a.negotiated.codec); sendTable(a.negotiated); break;
 *       case 'ProcessUpdate': rib.update(peer, a.update, a.errors); break;
 *       case 'ProcessRouteRefresh': resend(peer, a.family); break;
 *       case 'SessionDown': rib.peerDown(peer, a.gracefulRestart); break;
 *       case 'StateChange': log({ event: 'session', peer, state: a.to, prev: a.from, reason: a.reason }); break;
 *       case 'ReleaseResources': break;
 *     }
 *   };
 *   deliver({ type: 'ManualStart' });
 *   // accepted socket from the peer:   deliver({ type: 'TcpConnectionConfirmed', conn: `in-${++n}` })
 *   // bytes on a connection:          for each frame: deliver(eventFromDecode(conn, decodeMessage(frame, ctx)))
 *   // framing error (MessageReader):  deliver(eventFromDecodeError(conn, error))   (BGPHeaderErr 1/x)
 *   // socket closed / error:          deliver({ type: 'TcpConnectionFails', conn, reason })
 *   // after sending UPDATEs:          deliver({ type: 'UpdateSent', conn })   (optional, saves KEEPALIVEs)
 *   // reset PEER:                     deliver({ type: 'ManualStop', subcode: 4 }); deliver({ type: 'ManualStart' })
 *   // SIGTERM:                        deliver({ type: 'ManualStop' })   (Cease 6/2 on an open session)
 *
 * Before SessionEstablished, decode with defaultContext(); from it on, with negotiated.codec. Only
 * deliver a connection's messages after the previous step's actions are done (they may close it).
 * Status: state.state, state.since, state.lastError, state.negotiated, state.connectRetryCounter.
 */
export * from './types.js';
export { backoffBounds, backoffDelay, jitter, nextRandom, seededRandom, type BackoffParams } from './backoff.js';
export { collisionWinner, resolveCollision, type CollisionConnection, type CollisionIdentities, type CollisionOptions } from './collision.js';
export { sessionConfigFromSpeaker } from './config.js';
export {
  createSession,
  dueTimerEvents,
  eventFromDecode,
  eventFromDecodeError,
  MAX_TRACKED,
  resolveSessionConfig,
  runningTimers,
  shutdownCommunicationData,
  step,
  stepGeneral,
  timerExpired,
  timerKey,
  type CreateSessionOptions,
} from './fsm.js';
export {
  afiSafiOf,
  BGP_VERSION,
  buildOpen,
  DEFAULT_HOLD_TIME,
  DEFAULT_RESTART_TIME,
  familyOf,
  ipv4ToUint32,
  negotiate,
  openAs,
  openFamilies,
  validateOpen,
  type NegotiateOptions,
  type OpenCheckLocal,
  type OpenCheckPeer,
} from './open.js';
