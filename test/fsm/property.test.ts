/**
 * Properties over random inputs (fast-check): any event sequence leaves a consistent session, and two
 * speakers with any identifiers, seeds, latency, start skew and passive setting always end on one
 * shared connection.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSession, FSM_STATES, MAX_TRACKED, step, stepGeneral, timerKey } from '../../src/fsm/index.js';
import type { FsmEvent, SessionState } from '../../src/fsm/index.js';
import type { UpdateMessage } from '../../src/wire/types.js';
import { LOCAL, notification, peerOpen, sessionIn, SESSION_EVENTS, Sim } from './harness.js';

const emptyUpdate: UpdateMessage = { type: 'UPDATE', withdrawn: [], attributes: {}, nlri: [] };
const conns = ['out-1', 'out-2', 'out-3', 'in-1', 'in-2', 'in-3'];
const conn = fc.constantFrom(...conns);
const error = fc.record({ code: fc.integer({ min: 1, max: 7 }), subcode: fc.integer({ min: 0, max: 11 }), data: fc.constant(Buffer.alloc(0)), reason: fc.constant('random') });
const open = fc.oneof(
  fc.constant(peerOpen()),
  fc.constant(peerOpen({ holdTime: 0 })),
  fc.constant(peerOpen({ holdTime: 2 })),
  fc.constant(peerOpen({ myAs: 1, capabilities: [] })),
  fc.constant(peerOpen({ bgpId: '10.0.0.1' })),
);

const event: fc.Arbitrary<FsmEvent> = fc.oneof(
  fc.constantFrom<FsmEvent>(...SESSION_EVENTS),
  fc.record({ type: fc.constantFrom('HoldTimer_Expires', 'KeepaliveTimer_Expires', 'DelayOpenTimer_Expires'), conn }) as fc.Arbitrary<FsmEvent>,
  fc.record({ type: fc.constantFrom('TcpConnection_Valid', 'Tcp_CR_Invalid', 'Tcp_CR_Acked', 'TcpConnectionConfirmed', 'TcpConnectionFails', 'OpenCollisionDump', 'KeepAliveMsg', 'UpdateSent'), conn }) as fc.Arbitrary<FsmEvent>,
  // Weighted towards the events that move a session forward.
  fc.record({ type: fc.constant('Tcp_CR_Acked'), conn }) as fc.Arbitrary<FsmEvent>,
  fc.record({ type: fc.constant('TcpConnectionConfirmed'), conn: fc.constantFrom('in-1', 'in-2', 'in-3') }) as fc.Arbitrary<FsmEvent>,
  fc.record({ type: fc.constant('BGPOpen'), conn, open }) as fc.Arbitrary<FsmEvent>,
  fc.record({ type: fc.constant('BGPOpen'), conn, open }) as fc.Arbitrary<FsmEvent>,
  fc.record({ type: fc.constant('KeepAliveMsg'), conn }) as fc.Arbitrary<FsmEvent>,
  fc.record({ type: fc.constantFrom('BGPHeaderErr', 'BGPOpenMsgErr', 'UpdateMsgErr'), conn, error }) as fc.Arbitrary<FsmEvent>,
  fc.record({ type: fc.constantFrom('NotifMsg', 'NotifMsgVerErr'), conn, notification: fc.constant(notification(6, 2)) }) as fc.Arbitrary<FsmEvent>,
  fc.record({ type: fc.constant('UpdateMsg'), conn, update: fc.constant(emptyUpdate) }) as fc.Arbitrary<FsmEvent>,
  fc.record({ type: fc.constant('RouteRefreshMsg'), conn, message: fc.constant({ type: 'ROUTE-REFRESH' as const, afi: 1, safi: 1, subtype: 0 }) }) as fc.Arbitrary<FsmEvent>,
);

function checkInvariants(s: SessionState): void {
  expect(FSM_STATES).toContain(s.state);
  const known = new Set([s.conn, ...s.tracked.map((t) => t.conn)].filter((c) => c !== undefined));
  for (const key of Object.keys(s.timers)) {
    const at = key.indexOf('@');
    if (at >= 0) expect(known.has(key.slice(at + 1)), `timer ${key} of a connection the session does not have`).toBe(true);
  }
  expect(s.tracked.length).toBeLessThanOrEqual(MAX_TRACKED + 1);
  expect(new Set(s.tracked.map((t) => t.conn)).size).toBe(s.tracked.length);
  expect(s.tracked.some((t) => t.conn === s.conn)).toBe(false);
  switch (s.state) {
    case 'Idle':
      expect(s.conn).toBeUndefined();
      expect(s.tracked).toEqual([]);
      expect(Object.keys(s.timers).every((k) => k === 'IdleHoldTimer')).toBe(true);
      break;
    case 'Connect':
      expect(s.conn).toBeDefined();
      break;
    case 'OpenSent':
      expect(s.connected).toBe(true);
      expect(s.timers[timerKey('HoldTimer', s.conn)]).toBeDefined();
      break;
    case 'OpenConfirm':
    case 'Established':
      expect(s.connected).toBe(true);
      expect(s.negotiated).toBeDefined();
      expect(s.peerOpen).toBeDefined();
      break;
    default:
      break;
  }
  if (s.tracked.length > 0) expect(s.connected || s.state === 'Connect').toBe(true);
}

describe('properties', () => {
  it('any event sequence: never throws, the session stays consistent, replay is identical', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(event, fc.integer({ min: 0, max: 5000 })), { maxLength: 60 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.record({ passive: fc.boolean(), delayOpenMs: fc.constantFrom(0, 500), dampPeerOscillations: fc.boolean() }),
        (events, seed, over) => {
          const cfg = { ...LOCAL, ...over };
          let s = createSession(cfg, { seed });
          let again = createSession(cfg, { seed });
          let now = 0;
          for (const [ev, dt] of events) {
            now += dt;
            const r = step(s, ev, now);
            checkInvariants(r.state);
            // Actions only name connections the event or the session knew.
            const before = new Set([s.conn, ...s.tracked.map((t) => t.conn), 'conn' in ev ? ev.conn : undefined]);
            for (const a of r.actions) {
              if (a.type === 'SendOpen' || a.type === 'SendKeepalive' || a.type === 'SendNotification' || a.type === 'ProcessUpdate') {
                expect(before.has(a.conn), `${a.type} on ${a.conn}`).toBe(true);
              }
            }
            s = r.state;
            again = step(again, ev, now).state;
          }
          expect(again).toEqual(s);
        },
      ),
      { numRuns: 400, seed: 20240601 },
    );
  });

  // UPDATE, KEEPALIVE and UpdateSent on the Established connection exist only as hot paths (the general
  // path has no rule for them in Established); every other event must give what the general path gives.
  it('the KeepaliveTimer hot path, and every event that has no hot path, give what the general path gives', () => {
    const onlyHot = new Set(['UpdateMsg', 'KeepAliveMsg', 'UpdateSent']);
    const established: fc.Arbitrary<FsmEvent> = fc.oneof(
      fc.constant<FsmEvent>({ type: 'KeepaliveTimer_Expires', conn: 'out-1' }),
      fc.constant<FsmEvent>({ type: 'KeepaliveTimer_Expires', conn: 'out-1' }),
      fc.constant<FsmEvent>({ type: 'KeepAliveMsg', conn: 'out-1' }),
      fc.constant<FsmEvent>({ type: 'UpdateSent', conn: 'out-1' }),
      fc.constant<FsmEvent>({ type: 'UpdateMsg', conn: 'out-1', update: emptyUpdate }),
      fc.constant<FsmEvent>({ type: 'HoldTimer_Expires', conn: 'out-1' }),
      event,
    );
    let hot = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(established, fc.integer({ min: 0, max: 4000 })), { maxLength: 40 }), (events) => {
        let s = sessionIn('Established');
        let now = 1000;
        for (const [ev, dt] of events) {
          now += dt;
          const fast = step(s, ev, now);
          const hotPath = s.state === 'Established' && 'conn' in ev && ev.conn === s.conn;
          if (!(hotPath && onlyHot.has(ev.type))) {
            expect(fast, `${ev.type} in ${s.state} at ${now}`).toEqual(stepGeneral(s, ev, now));
            if (hotPath && ev.type === 'KeepaliveTimer_Expires') hot++;
          }
          s = fast.state;
        }
      }),
      { numRuns: 300, seed: 20261129 },
    );
    expect(hot).toBeGreaterThan(300); // the comparison did exercise the KeepaliveTimer hot path
  });

  it('two speakers always converge on one connection, whatever the ids, seeds, latency, skew and passivity', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 2 ** 32 - 1 })).filter(([a, b]) => a !== b),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom<[boolean, boolean]>([false, false], [true, false], [false, true]),
        fc.integer({ min: 0, max: 2 ** 31 }),
        ([idA, idB], latency, skew, [passiveA, passiveB], seed) => {
          const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
          const sim = new Sim(latency);
          const base = { asn: 64512, peerAs: 64512, holdTime: 9, keepaliveTime: 3, connectRetryMs: 2000 };
          sim.add('A', { ...base, routerId: dotted(idA), passive: passiveA }, seed);
          sim.add('B', { ...base, routerId: dotted(idB), passive: passiveB }, seed + 1);
          sim.inject('A', { type: 'ManualStart' });
          sim.inject('B', { type: 'ManualStart' }, skew);
          sim.runUntil(5000);
          expect(sim.node('A').state.state).toBe('Established');
          expect(sim.node('B').state.state).toBe('Established');
          expect(sim.link('A')?.conn).toBe(sim.node('B').state.conn);
          // Never a failure on the way: only collision Ceases (6/7), and 6/5 from a side not started yet.
          for (const n of ['A', 'B']) {
            expect(sim.actions(n, 'SendNotification').every((x) => x.code === 6 && (x.subcode === 7 || x.subcode === 5))).toBe(true);
            expect(sim.actions(n, 'SessionDown')).toHaveLength(0);
          }
        },
      ),
      { numRuns: 300, seed: 424242 },
    );
  });

  it('after any mix of kills, restarts, freezes and thaws, the pair re-establishes within hold + back-off', () => {
    type Op = { at: number; node: 'A' | 'B'; op: 'kill' | 'revive' | 'freeze' | 'thaw' };
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 30_000 }), node: fc.constantFrom<'A' | 'B'>('A', 'B'), op: fc.constantFrom<Op['op']>('kill', 'revive', 'freeze', 'thaw') }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (ops, latency, seed) => {
          const sim = new Sim(latency);
          const base = { asn: 64512, peerAs: 64512, holdTime: 9, keepaliveTime: 3, connectRetryMs: 2000 };
          sim.add('A', { ...base, routerId: '10.0.0.1' }, seed);
          sim.add('B', { ...base, routerId: '10.0.0.2' }, seed + 7);
          sim.inject('A', { type: 'ManualStart' });
          sim.inject('B', { type: 'ManualStart' });
          let last = 0;
          for (const o of [...ops].sort((x, y) => x.at - y.at)) {
            sim.runUntil(o.at);
            const n = sim.node(o.node);
            if (o.op === 'kill' && !n.down) sim.kill(o.node);
            else if (o.op === 'revive' && n.down) sim.revive(o.node, seed + o.at);
            else if (o.op === 'freeze') n.frozen = true;
            else if (o.op === 'thaw') n.frozen = false;
            last = o.at;
          }
          // End of the drill: everyone alive and running.
          for (const name of ['A', 'B'] as const) {
            const n = sim.node(name);
            n.frozen = false;
            if (n.down) sim.revive(name, seed + 99);
          }
          // Worst case: a thawed side still holds a dead session until its hold timer (9 s) fires,
          // then both back off at most connectRetry (2 s); allow ample slack.
          sim.runUntil(last + 20_000);
          expect(sim.node('A').state.state, JSON.stringify(ops)).toBe('Established');
          expect(sim.node('B').state.state, JSON.stringify(ops)).toBe('Established');
          expect(sim.link('A')?.conn).toBe(sim.node('B').state.conn);
        },
      ),
      { numRuns: 200, seed: 777 },
    );
  });
});
