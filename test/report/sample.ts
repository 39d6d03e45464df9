/** A small synthetic results file for the pure report tests (numbers chosen to be recognisable). */
import { formulaSessions, runId, type ConvergeResult, type DesignSpec, type DrillResult, type ResultsFile, type RunRecord } from '../../src/report/schema.js';

function converge(d: DesignSpec, k: number): ConvergeResult {
  const nodes = Array.from({ length: d.nodes }, (_, i) => {
    const rr = d.mode === 'rr' && i < d.reflectors;
    const name = rr ? `rr${i + 1}` : `node${i + 1 - (d.mode === 'rr' ? d.reflectors : 0)}`;
    const sessionsOf = d.mode === 'mesh' ? d.nodes - 1 : rr ? d.nodes - 1 : d.reflectors;
    return {
      name,
      role: d.mode === 'mesh' ? ('mesh' as const) : rr ? ('rr' as const) : ('client' as const),
      impl: rr ? d.rrImpl : d.clientImpl,
      sessions: { expected: sessionsOf, established: sessionsOf },
      routes: (d.nodes - 1) * 2,
      expectedRoutes: (d.nodes - 1) * 2,
      fibRoutes: (d.nodes - 1) * 2,
      bgpMs: 100 + i + k,
      fibMs: 110 + i + k,
      cpuMs: 10 * (i + 1),
      rssBytes: 5_000_000 + i * 1000,
      pssBytes: 3_000_000 + i * 1000,
      updates: { in: 5, out: 5, bytesIn: 500, bytesOut: 500 },
    };
  });
  const expected = formulaSessions(d.mode, d.nodes, d.reflectors);
  return {
    lab: `sample-${d.mode}${d.reflectors}-${d.nodes}`,
    topology: '/tmp/x.clab.yml',
    design: d,
    deployMs: 1000 + d.nodes,
    sessions: { expected, established: expected },
    convergence: {
      converged: true,
      bgpMs: 700 + d.nodes * 10 + k,
      fibMs: 800 + d.nodes * 10 + k,
      dataplaneMs: 900 + d.nodes * 10 + k,
      timeoutMs: 60000,
      method: { bgp: 'poll birdc', fib: 'ip monitor', dataplane: 'ping' },
      resolutionMs: { bgp: 20, fib: 0, dataplane: 20 },
    },
    dataplane: { pairs: 4, reached: 4 },
    updates: { messages: 40 * d.nodes + k, bytes: 4000 * d.nodes, source: 'capture' },
    cpu: { totalMs: nodes.reduce((a, n) => a + n.cpuMs, 0) },
    nodes,
    missing: [],
  };
}

export function sampleResults(): ResultsFile {
  const runs: RunRecord[] = [];
  for (const [mode, reflectors] of [['mesh', 0], ['rr', 2]] as const) {
    for (const n of [4, 6]) {
      for (const k of [0, 1]) {
        const d: DesignSpec = { mode, reflectors, nodes: n, rrImpl: 'bird', clientImpl: 'bird', profile: 'fast', holdSeconds: 9 };
        runs.push({ id: runId(d, k + 1, null), design: d, repeat: k + 1, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 5000, ok: true, converge: converge(d, k) });
      }
    }
  }
  const d: DesignSpec = { mode: 'rr', reflectors: 2, nodes: 6, rrImpl: 'bird', clientImpl: 'bird', profile: 'fast', holdSeconds: 9 };
  const drill: DrillResult = {
    lab: 'sample-rr2-6',
    target: 'rr1',
    targetRole: 'rr',
    targetImpl: 'bird',
    fault: 'kill',
    forMs: 5000,
    detectionMs: 7.5,
    detection: { firstMs: 7.5, lastMs: 12.25, peers: 5, detected: 5, method: 'poll 20 ms' },
    routesLost: { peak: 3, nodeSeconds: 1.5, nodesAffected: 2, nodesWatched: 5, maxPerNode: 2, durationMs: 600 },
    probes: { pairs: 3, intervalMs: 20, sent: 1234, lost: 17 },
    reconvergeMs: 1850,
    verdict: '2 of 5 nodes lost 2 routes for 0.6 s; 17 of 1,234 probes lost',
    timeline: [
      { tMs: 0, what: 'kill rr1 (SIGKILL pid 123)' },
      { tMs: 7.5, what: 'node1 saw rr1 down' },
    ],
    series: [
      { tMs: -1000, routesLost: 0, probesLost: 0 },
      { tMs: 100, routesLost: 3, probesLost: 10 },
      { tMs: 700, routesLost: 0, probesLost: 17 },
    ],
  };
  runs.push({ id: runId(d, 1, 'kill'), design: d, repeat: 1, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 9000, ok: true, converge: converge(d, 0), drill });
  return {
    schema: 'bgplab-results/1',
    generatedBy: 'bgplab test',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:10:00.000Z',
    host: { cpus: 2, cpuModel: 'Test CPU', memBytes: 8 * 2 ** 30, kernel: '6.1.0', node: 'v20', versions: { bird: '2.0.12' } },
    runs,
  };
}
