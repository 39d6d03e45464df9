/** Pure replay of observations: convergence times, and drill detection, route loss and probe loss. */
import { describe, expect, it } from 'vitest';
import { analyzeDrill, coalesceReplacements, type DrillInput } from '../../src/measure/drill-analysis.js';
import { completionTimes, latest, type NodeExpectation, type Observation } from '../../src/measure/observations.js';

const ms = (x: number) => BigInt(Math.round(x * 1e6));

// A 1-reflector lab: rr1 (10.0.0.1), clients a (.2), b (.3), c (.4), one block each.
const exps: NodeExpectation[] = [
  { name: 'rr1', expected: new Set(['A', 'B', 'C']), peers: ['10.0.0.2', '10.0.0.3', '10.0.0.4'], fib: true },
  { name: 'a', expected: new Set(['B', 'C', 'R']), peers: ['10.0.0.1'], fib: true },
  { name: 'b', expected: new Set(['A', 'C', 'R']), peers: ['10.0.0.1'], fib: true },
  { name: 'c', expected: new Set(['A', 'B', 'R']), peers: ['10.0.0.1'], fib: true },
];

function converged(at: number): Observation[] {
  const obs: Observation[] = [];
  for (const e of exps) {
    obs.push({ t: ms(at), node: e.name, kind: 'bgp', op: 'add', prefixes: [...e.expected] });
    obs.push({ t: ms(at + 1), node: e.name, kind: 'fib', op: 'add', prefixes: [...e.expected] });
    obs.push({ t: ms(at - 5), node: e.name, kind: 'sessionSet', peers: e.peers });
  }
  return obs;
}

describe('completion times', () => {
  it('takes the last transition to complete per node, out of order input', () => {
    const obs: Observation[] = [
      { t: ms(30), node: 'a', kind: 'fib', op: 'add', prefixes: ['C'] },
      { t: ms(10), node: 'a', kind: 'fib', op: 'add', prefixes: ['B', 'R'] },
      { t: ms(40), node: 'a', kind: 'fib', op: 'del', prefixes: ['B'] },
      { t: ms(55), node: 'a', kind: 'fibSet', prefixes: ['B', 'C', 'R', 'Z'] },
      { t: ms(20), node: 'b', kind: 'bgpCount', count: 3 },
      { t: ms(25), node: 'b', kind: 'bgpCount', count: 2 },
    ];
    const r = completionTimes(exps, obs);
    expect(r.fib.get('a')).toBe(ms(55));
    expect(r.bgp.get('b')).toBe(null);
    expect(latest(r.fib)).toBe(null);
    expect(latest(r.fib, (n) => n === 'a')).toBe(ms(55));
  });
});

function drillInput(obs: Observation[], probesLostAt: number[] = []): DrillInput {
  const verdicts = [];
  for (let t = 1000; t < 20000; t += 20) verdicts.push({ t: ms(t), ok: !probesLostAt.some((x) => Math.abs(x - t) < 10) });
  return {
    lab: 't',
    target: { name: 'rr1', address: '10.0.0.1', role: 'rr', impl: 'bird', blocks: ['R'] },
    fault: 'freeze',
    forMs: 12000,
    faultAt: ms(2000),
    recoverAt: ms(14000),
    endAt: ms(20000),
    probesFrom: ms(1000),
    intervalMs: 20,
    exps,
    obs,
    probes: [{ from: 'a', to: 'b', verdicts }],
    detectionMethod: 'test',
    notes: [{ t: ms(2000), what: 'fault' }],
  };
}

describe('drill analysis', () => {
  it('a lossless drill: no route lost, every probe answered', () => {
    const obs = converged(100);
    // Peers see rr1 go and come back; nothing leaves a FIB.
    for (const n of ['a', 'b', 'c']) {
      obs.push({ t: ms(8000 + n.charCodeAt(0)), node: n, kind: 'session', peer: '10.0.0.1', up: false });
      obs.push({ t: ms(15000), node: n, kind: 'session', peer: '10.0.0.1', up: true });
    }
    const r = analyzeDrill({ ...drillInput(obs), fault: 'kill' });
    expect(r.routesLost).toMatchObject({ peak: 0, nodeSeconds: 0, nodesAffected: 0, nodesWatched: 3 });
    expect(r.probes.lost).toBe(0);
    expect(r.detectionMs).toBeCloseTo(6097, 3);
    expect(r.detection).toMatchObject({ detected: 3, peers: 3 });
    expect(r.reconvergeMs).toBeCloseTo(1000, 3);
    expect(r.verdict).toBe(`no route lost, 0 of ${r.probes.sent.toLocaleString('en-US')} probes lost`);
  });

  it("FRR's delete-then-add of a route (a replacement) is not a loss; a real gap still is", () => {
    const obs = converged(100);
    const us = (x: number): bigint => ms(8000) + BigInt(x * 1000);
    // Client a (zebra): the next hop of B moves to the other reflector as delete + add 40 µs apart.
    obs.push({ t: us(0), node: 'a', kind: 'fib', op: 'del', prefixes: ['B', 'C'] });
    obs.push({ t: us(40), node: 'a', kind: 'fib', op: 'add', prefixes: ['B'] });
    // C comes back only 500 ms later: that is a loss (1 pair for 0.5 s).
    obs.push({ t: ms(8500), node: 'a', kind: 'fib', op: 'add', prefixes: ['C'] });
    const r = analyzeDrill({ ...drillInput(obs), fault: 'kill' });
    expect(r.routesLost.peak).toBe(1);
    expect(r.routesLost.nodeSeconds).toBeCloseTo(0.5, 6);
    expect(r.routesLost.nodesAffected).toBe(1);
  });

  it('pairs a delete only with the next change of the same prefix on the same node, within the window', () => {
    const t = (x: number): bigint => BigInt(x);
    const obs: Observation[] = [
      { t: t(0), node: 'a', kind: 'fib', op: 'del', prefixes: ['P'] },
      { t: t(10), node: 'b', kind: 'fib', op: 'add', prefixes: ['P'] }, // other node: no pair
      { t: t(20), node: 'a', kind: 'fib', op: 'add', prefixes: ['P', 'Q'] }, // pairs for P only
      { t: t(30), node: 'a', kind: 'fib', op: 'del', prefixes: ['Q'] },
      { t: t(30 + 3_000_000), node: 'a', kind: 'fib', op: 'add', prefixes: ['Q'] }, // 3 ms later: a loss
    ];
    expect(coalesceReplacements(obs)).toEqual([obs[1], { ...obs[2], prefixes: ['Q'] }, obs[3], obs[4]]);
  });

  it('a reflector frozen: every remote route leaves every client, counted in node-prefix-seconds', () => {
    const obs = converged(100);
    // Hold timer expiry at 11 s: each client loses the two other clients' blocks (and R, excluded).
    for (const n of ['a', 'b', 'c']) {
      obs.push({ t: ms(11000), node: n, kind: 'session', peer: '10.0.0.1', up: false });
      const lose = [...exps.find((e) => e.name === n)!.expected];
      obs.push({ t: ms(11000), node: n, kind: 'fib', op: 'del', prefixes: lose });
      obs.push({ t: ms(16000), node: n, kind: 'session', peer: '10.0.0.1', up: true });
      obs.push({ t: ms(16500), node: n, kind: 'fib', op: 'add', prefixes: lose });
    }
    obs.push({ t: ms(11000), node: 'rr1', kind: 'fib', op: 'del', prefixes: ['A', 'B', 'C'] });
    const r = analyzeDrill(drillInput(obs, [11000, 11020, 16000]));
    expect(r.detectionMs).toBe(9000);
    // 3 clients × 2 remote client blocks (R, the target's own, excluded; rr1's table excluded).
    expect(r.routesLost.peak).toBe(6);
    expect(r.routesLost.maxPerNode).toBe(2);
    expect(r.routesLost.nodesAffected).toBe(3);
    expect(r.routesLost.durationMs).toBe(5500);
    expect(r.routesLost.nodeSeconds).toBeCloseTo(6 * 5.5, 6);
    expect(r.probes.lost).toBe(3);
    // rr1's own FIB never came back in this script: not reconverged.
    expect(r.reconvergeMs).toBe(null);
    expect(r.verdict).toMatch(/^3 of 3 nodes lost 2 routes for 5\.5 s; 3 of [\d,]+ probes lost$/);
    // The chart series is a step function starting at the fault.
    expect(r.series[0]).toMatchObject({ tMs: 0, routesLost: 0 });
    expect(Math.max(...r.series.map((s) => s.routesLost))).toBe(6);
    expect(r.timeline.map((t) => t.what)).toContain('every route back in every surviving kernel');
  });
});
