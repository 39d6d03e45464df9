/**
 * Two sessions, one per speaker, joined by a simulated network (test/fsm/harness.ts Sim): the FSM's
 * actions are performed as a socket layer would, on a virtual clock. What one side decides, the other
 * side sees.
 */
import { describe, expect, it } from 'vitest';
import type { SessionConfig } from '../../src/fsm/index.js';
import { Sim } from './harness.js';

function pair(idA: string, idB: string, over: { a?: Partial<SessionConfig>; b?: Partial<SessionConfig> } = {}, latency = 1) {
  const sim = new Sim(latency);
  const base = { asn: 64512, peerAs: 64512, holdTime: 9, keepaliveTime: 3, connectRetryMs: 5000 };
  sim.add('A', { ...base, routerId: idA, peerAddress: 'B', ...over.a }, 101);
  sim.add('B', { ...base, routerId: idB, peerAddress: 'A', ...over.b }, 202);
  return sim;
}

function established(sim: Sim, name: string): boolean {
  return sim.node(name).state.state === 'Established';
}

describe('two speakers', () => {
  it.each([
    ['A has the higher id', '10.0.0.9', '10.0.0.1', 'A'],
    ['B has the higher id', '10.0.0.1', '10.0.0.9', 'B'],
  ])('both start at once (%s): the collision leaves one connection, dialled by the higher id', (_n, idA, idB, winner) => {
    const sim = pair(idA, idB);
    sim.inject('A', { type: 'ManualStart' });
    sim.inject('B', { type: 'ManualStart' });
    sim.runUntil(100);
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
    // The session connections are the two ends of one TCP connection...
    const a = sim.link('A');
    expect(a).toEqual({ node: 'B', conn: sim.node('B').state.conn });
    // ...the one the higher identifier dialled.
    expect(sim.node(winner).state.initiator).toBe('local');
    // Both dials crossed; each side closed the losing one with Cease / Connection Collision Resolution.
    const sent = sim.wire.filter((w) => w.what.startsWith('NOTIFICATION')).map((w) => w.what);
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent)).toEqual(new Set(['NOTIFICATION 6/7']));
    // Nobody went back to Idle: a collision is not a failure.
    for (const n of ['A', 'B']) expect(sim.actions(n, 'StateChange').map((s) => s.to)).not.toContain('Idle');
    expect(sim.actions('A', 'SessionEstablished')).toHaveLength(1);
    expect(sim.actions('B', 'SessionEstablished')).toHaveLength(1);
  });

  it('collisions settle at any latency and start skew', () => {
    for (const latency of [1, 3, 10]) {
      for (const skew of [0, 1, 2, 5, 15]) {
        const sim = pair('10.0.0.1', '10.0.0.2', {}, latency);
        sim.inject('A', { type: 'ManualStart' });
        sim.inject('B', { type: 'ManualStart' }, skew);
        sim.runUntil(2000);
        expect(established(sim, 'A') && established(sim, 'B'), `latency ${latency} skew ${skew}`).toBe(true);
        expect(sim.link('A')?.conn).toBe(sim.node('B').state.conn);
      }
    }
  });

  // A lab start with packet loss: A (higher id) sees its dial up at once, but B accepts it only
  // seconds later (SYN/ACK retransmitted). RFC 4271 §6.8 examines connections in OpenConfirm only, so
  // A must not refuse B's dials because its own is stuck in OpenSent (it did: Cease 6/7 on every one).
  it.each([
    ['the higher id (A)', '10.0.0.10', '10.0.0.2'],
    ['the lower id (A)', '10.0.0.2', '10.0.0.10'],
  ])('a dial that the peer accepts 7 s late does not hold the session back: dialler has %s', (_n, idA, idB) => {
    // Without Graceful Restart: with it, RFC 4724 §4.2 makes B take the late connection for a restart of
    // A and drop the session for it (the next test).
    const sim = pair(idA, idB, { a: { gracefulRestart: false }, b: { gracefulRestart: false } }, 1);
    sim.handshakeDelay = (from, conn) => (from === 'A' && conn === 'out-1' ? 7000 : 0);
    sim.inject('A', { type: 'ManualStart' });
    sim.inject('B', { type: 'ManualStart' }, 1);
    sim.runUntil(50);
    // B's dial went through at once: one session, Established on both sides, on the same connection.
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
    expect(sim.link('A')).toEqual({ node: 'B', conn: sim.node('B').state.conn });
    expect(sim.wire.filter((w) => w.what === 'NOTIFICATION 6/7')).toEqual([]);
    // A's late connection is still tracked (OpenSent), not refused.
    expect(sim.node('A').state.tracked).toEqual([{ conn: 'out-1', initiator: 'local', state: 'OpenSent' }]);
    sim.runUntil(10_000);
    // When B finally sees it, both sides close it (6/7: the Established one wins) and keep the session.
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
    expect(sim.link('A')).toEqual({ node: 'B', conn: sim.node('B').state.conn });
    for (const n of ['A', 'B']) {
      expect(sim.node(n).state.tracked).toEqual([]);
      expect(sim.actions(n, 'SessionEstablished')).toHaveLength(1);
      expect(sim.actions(n, 'SessionDown')).toHaveLength(0);
      expect(sim.actions(n, 'StateChange').map((s) => s.to)).not.toContain('Idle');
    }
    const ceases = sim.wire.filter((w) => w.what.startsWith('NOTIFICATION'));
    expect(ceases.every((w) => w.what === 'NOTIFICATION 6/7' && w.at >= 7000)).toBe(true);
    expect(ceases.length).toBeLessThanOrEqual(2);
  });

  it('the same with Graceful Restart: B waits for the late connection to be confirmed (RFC 4724 §4.2), A closes it, no flap', () => {
    const sim = pair('10.0.0.10', '10.0.0.2', {}, 1);
    sim.handshakeDelay = (from, conn) => (from === 'A' && conn === 'out-1' ? 7000 : 0);
    sim.inject('A', { type: 'ManualStart' });
    sim.inject('B', { type: 'ManualStart' }, 1);
    sim.runUntil(50);
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
    expect(sim.node('A').state.negotiated?.gracefulRestart).toBeDefined();
    sim.runUntil(10_000);
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
    expect(sim.link('A')).toEqual({ node: 'B', conn: sim.node('B').state.conn });
    for (const n of ['A', 'B']) {
      expect(sim.node(n).state.tracked).toEqual([]);
      expect(sim.actions(n, 'SessionDown')).toHaveLength(0);
      expect(sim.actions(n, 'SessionEstablished')).toHaveLength(1);
    }
    expect(sim.wire.filter((w) => w.what.startsWith('NOTIFICATION')).map((w) => w.what)).toEqual(['NOTIFICATION 6/7']);
  });

  it('a peer that really restarts (killed, no FIN seen) is taken back on its new connection (RFC 4724 §4.2)', () => {
    const sim = pair('10.0.0.10', '10.0.0.2', {}, 1);
    sim.inject('A', { type: 'ManualStart' });
    sim.inject('B', { type: 'ManualStart' }, 1);
    sim.runUntil(50);
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
    // B vanishes silently (host crash: A sees no FIN) and comes back before A's hold timer expires.
    sim.crash('B');
    sim.revive('B', 303);
    sim.runUntil(200);
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
    expect(sim.link('A')).toEqual({ node: 'B', conn: sim.node('B').state.conn });
    const down = sim.actions('A', 'SessionDown');
    expect(down).toHaveLength(1);
    expect(down[0].reason).toMatch(/peer restarted/);
    expect(sim.actions('A', 'SessionEstablished')).toHaveLength(2);
  });

  it('random handshake delays, latencies and start skews: always exactly one Established connection, quickly', () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let run = 0; run < 60; run++) {
      const latency = 1 + Math.floor(rand() * 10);
      const [idA, idB] = rand() < 0.5 ? ['10.0.0.10', '10.0.0.2'] : ['10.0.0.2', '10.0.0.10'];
      const gr = run % 2 === 0 ? {} : { gracefulRestart: false as const };
      const sim = pair(idA, idB, { a: gr, b: gr }, latency);
      const delays = new Map<string, number>();
      // Each dial: no loss, or a handshake late by 1, 3 or 7 s (SYN retransmits at 1, 2, 4 s).
      sim.handshakeDelay = (from, conn) => {
        const key = `${from}/${conn}`;
        if (!delays.has(key)) delays.set(key, [0, 0, 1000, 3000, 7000][Math.floor(rand() * 5)]);
        return delays.get(key)!;
      };
      const skew = Math.floor(rand() * 20);
      sim.inject('A', { type: 'ManualStart' });
      sim.inject('B', { type: 'ManualStart' }, skew);
      sim.runUntil(30_000);
      const what = `run ${run}: latency ${latency}, ids ${idA}/${idB}, delays ${JSON.stringify([...delays])}`;
      expect(established(sim, 'A') && established(sim, 'B'), what).toBe(true);
      expect(sim.link('A'), what).toEqual({ node: 'B', conn: sim.node('B').state.conn });
      for (const n of ['A', 'B']) expect(sim.node(n).state.tracked, what).toEqual([]);
      // Established as soon as one dial is through both ways, whatever the other one does.
      // A first dial with no loss (A's counts only if B was already started when it arrived; an Idle B
      // refuses it with 6/5) brings the session up within a few latencies.
      const quickDial = (delays.get('A/out-1') === 0 && skew < latency) || delays.get('B/out-1') === 0;
      const upAt = Math.max(...['A', 'B'].map((n) => sim.node(n).log.find((l) => l.action.type === 'SessionEstablished')!.at));
      if (quickDial) expect(upAt, `${what}, skew ${skew}`).toBeLessThanOrEqual(skew + 10 * latency);
      // No refusal storm, no flap: a late connection is closed once (6/7 from each side at most).
      expect(sim.wire.filter((w) => w.what.startsWith('NOTIFICATION')).length, what).toBeLessThanOrEqual(4);
      for (const n of ['A', 'B']) expect(sim.actions(n, 'SessionEstablished'), what).toHaveLength(1);
    }
  });

  it('a passive side waits; the active side dials once', () => {
    const sim = pair('10.0.0.1', '10.0.0.2', { b: { passive: true } });
    sim.inject('A', { type: 'ManualStart' });
    sim.inject('B', { type: 'ManualStart' });
    sim.runUntil(100);
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
    expect(sim.actions('B', 'Connect')).toHaveLength(0);
    expect(sim.actions('A', 'Connect')).toHaveLength(1);
  });

  it('keepalives keep both sides up; intervals are 75-100% of hold/3', () => {
    const sim = pair('10.0.0.1', '10.0.0.2');
    sim.inject('A', { type: 'ManualStart' });
    sim.inject('B', { type: 'ManualStart' });
    sim.runUntil(60_000);
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
    const times = sim.node('A').log.filter((l) => l.action.type === 'SendKeepalive').map((l) => l.at);
    expect(times.length).toBeGreaterThanOrEqual(20);
    const gaps = times.slice(2).map((t, i) => t - times[i + 1]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2250);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3000);
    // Only the start-up collision was settled with a NOTIFICATION; the session never went down.
    expect(sim.actions('A', 'SendNotification').every((n) => n.code === 6 && n.subcode === 7)).toBe(true);
    expect(sim.actions('A', 'SessionDown')).toHaveLength(0);
    expect(sim.actions('B', 'SessionDown')).toHaveLength(0);
  });

  it('a frozen peer: hold timer expiry sends 4/0, session down, then back-off retries', () => {
    const sim = pair('10.0.0.1', '10.0.0.2');
    sim.inject('A', { type: 'ManualStart' });
    sim.inject('B', { type: 'ManualStart' });
    sim.runUntil(100);
    expect(established(sim, 'A')).toBe(true);
    sim.node('B').frozen = true; // SIGSTOP: nothing sent, nothing read
    sim.runUntil(20_000);
    const down = sim.node('A').log.find((l) => l.action.type === 'SessionDown');
    expect(down).toBeDefined();
    // Last message from B at most one keepalive interval before the freeze; expiry 9 s later.
    expect(down!.at).toBeGreaterThanOrEqual(100 + 9000 - 3000);
    expect(down!.at).toBeLessThanOrEqual(100 + 9000 + 1);
    expect(down!.action).toMatchObject({ notification: { direction: 'sent', code: 4, subcode: 0 } });
    expect(sim.node('A').state.lastError).toMatch(/^sent NOTIFICATION 4\/0/);
    expect(['Active', 'Connect', 'OpenSent']).toContain(sim.node('A').state.state);
  });

  it('a killed peer comes back: the survivor, waiting in Active, takes its first dial at once', () => {
    const sim = pair('10.0.0.1', '10.0.0.2', { a: { connectRetryMs: 30_000 } });
    sim.inject('A', { type: 'ManualStart' });
    sim.inject('B', { type: 'ManualStart' });
    sim.runUntil(100);
    sim.kill('B');
    sim.runUntil(4000);
    expect(sim.node('A').state.state).not.toBe('Established');
    // A retried while B was dead, with growing delays, not in a hot loop.
    const dials = sim.node('A').log.filter((l) => l.action.type === 'Connect' && l.at > 100).map((l) => l.at);
    expect(dials.length).toBeGreaterThanOrEqual(3);
    expect(dials.length).toBeLessThanOrEqual(8);
    const gaps = dials.slice(1).map((t, i) => t - dials[i]);
    expect(gaps[gaps.length - 1]).toBeGreaterThan(gaps[0]);
    sim.revive('B', 303);
    const revivedAt = sim.now;
    sim.runUntil(revivedAt + 50);
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
  });

  it('a wrong AS: the side that checks sends 2/2, and both sides can tell why', () => {
    const sim = pair('10.0.0.1', '10.0.0.2', { a: { peerAs: 65000 } });
    sim.inject('A', { type: 'ManualStart' });
    sim.inject('B', { type: 'ManualStart' });
    sim.runUntil(10_000);
    expect(sim.node('A').state.state).not.toBe('Established');
    expect(sim.node('B').state.state).not.toBe('Established');
    expect(sim.node('A').state.lastError).toMatch(/^sent NOTIFICATION 2\/2 \(OPEN Message Error \/ Bad Peer AS\): peer AS 64512 \(4-octet AS capability\) is not the configured 65000/);
    expect(sim.node('B').state.lastError).toMatch(/^received NOTIFICATION 2\/2 \(OPEN Message Error \/ Bad Peer AS\): 64512/);
    // Retries back off: within 10 s, far fewer attempts than a hot loop would make.
    expect(sim.actions('A', 'Connect').length).toBeLessThanOrEqual(12);
    expect(sim.actions('B', 'Connect').length).toBeLessThanOrEqual(12);
  });

  it('an operator reset (ManualStop 6/4 then ManualStart) re-establishes; the peer sees the Cease', () => {
    const sim = pair('10.0.0.1', '10.0.0.2');
    sim.inject('A', { type: 'ManualStart' });
    sim.inject('B', { type: 'ManualStart' });
    sim.runUntil(100);
    sim.inject('A', { type: 'ManualStop', subcode: 4, message: 'reset' });
    sim.inject('A', { type: 'ManualStart' });
    sim.runUntil(200);
    expect(sim.node('B').log.some((l) => l.action.type === 'SessionDown' && l.action.notification?.subcode === 4)).toBe(true);
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
  });
  // Two route reflectors started together in a 20-node lab (captured on rr1, RRPAIR finding): A dials B
  // before B listens (refused, back-off); B starts and dials A; A's retry crosses it. Each accept is seen
  // late by its speaker (a CPU-starved process: 510 ms on A, 360 ms on B; rr2-100: seconds), the dials'
  // own ends at once. The session must come up as soon as the first accept is processed: the OPEN that
  // waited in the socket is read, and a KEEPALIVE each way follows (no extra round trip, no timer wait,
  // whichever side has the higher BGP Identifier).
  it.each([
    ['A has the lower id, 20-node timing', '10.0.0.1', '10.0.0.2', 1, 87, 510, 360],
    ['A has the higher id, 20-node timing', '10.0.0.2', '10.0.0.1', 1, 87, 510, 360],
    ['100-node timing', '10.0.0.1', '10.0.0.2', 1, 200, 3000, 2500],
    ['B accepts first', '10.0.0.1', '10.0.0.2', 2, 87, 900, 100],
  ])('crossing dials between two starting speakers, accepts seen late (%s): Established right after the first accept', (_n, idA, idB, latency, bStartsAt, aAcceptLag, bAcceptLag) => {
    const sim = pair(idA, idB, {}, latency);
    // B is not listening yet: A's first dial is refused (ECONNREFUSED).
    sim.node('B').down = true;
    sim.handshakeDelay = (from) => (from === 'B' ? aAcceptLag : bAcceptLag);
    sim.inject('A', { type: 'ManualStart' });
    sim.runUntil(bStartsAt);
    sim.node('B').down = false;
    sim.inject('B', { type: 'ManualStart' });
    sim.runUntil(20_000);
    expect(established(sim, 'A') && established(sim, 'B')).toBe(true);
    expect(sim.link('A')).toEqual({ node: 'B', conn: sim.node('B').state.conn });
    for (const n of ['A', 'B']) expect(sim.node(n).state.tracked).toEqual([]);
    // When each side first sees the other's connection (the dial times come from the log).
    const dials = (n: string) => sim.node(n).log.filter((l) => l.action.type === 'Connect').map((l) => l.at);
    const bDial = dials('B')[0];
    const aRetry = dials('A').find((t) => t >= bStartsAt - latency) ?? Infinity;
    const firstAccept = Math.min(bDial + latency + aAcceptLag, aRetry + latency + bAcceptLag);
    const upAt = Math.max(...['A', 'B'].map((n) => sim.node(n).log.find((l) => l.action.type === 'SessionEstablished')!.at));
    expect(upAt).toBeLessThanOrEqual(firstAccept + 4 * latency);
    for (const n of ['A', 'B']) {
      expect(sim.actions(n, 'SessionEstablished')).toHaveLength(1);
      // Idle only after a refused dial (B not listening yet): a collision is not a failure.
      expect(sim.actions(n, 'StateChange').filter((s) => s.to === 'Idle' && !s.reason?.startsWith('dial failed'))).toEqual([]);
    }
    expect(sim.wire.filter((w) => w.what.startsWith('NOTIFICATION')).every((w) => w.what === 'NOTIFICATION 6/7')).toBe(true);
  });
});
