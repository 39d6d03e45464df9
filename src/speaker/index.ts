/**
 * src/speaker owns the bgplab BGP speaker process: configuration loading and validation (config.ts,
 * shape in config-types.ts), the socket layer that drives the pure FSM over real TCP (session.ts), the
 * speaker that wires sessions, RIB, kernel FIB (src/fib), event log and control socket together
 * (speaker.ts), the control socket protocol and its client (control.ts, control-client.ts), the status and
 * routes renderings (render.ts) and the lean process entry (main.ts, which imports its modules directly so
 * a lab of 100 speakers does not load what this index re-exports).
 */
export * from './config.js';
export type * from './config-types.js';
export { ControlServer, checkControlRequest, type ControlHandler, type ControlRequest } from './control.js';
export { ControlError, controlRequest } from './control-client.js';
export { EventLog, type SpeakerEvent } from './event-log.js';
export { renderRoutes, renderStatus, formatDuration } from './render.js';
export { Speaker } from './speaker.js';
export type * from './status-types.js';
