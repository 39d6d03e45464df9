/**
 * `converge` on real labs in namespaces: exact session counts against the formulas, every route in every
 * BGP table and kernel, times that make sense, and a lab that cannot converge in time saying which nodes
 * lack which routes. bgplab speakers, BIRD (the yardstick) and a mixed lab (BIRD reflectors, bgplab clients).
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { destroyByTopologyFile } from '../../src/lab/destroy.js';
import { runConverge } from '../../src/measure/converge.js';
import { runDrill } from '../../src/measure/drill.js';
import type { ConvergeResult } from '../../src/report/schema.js';
import { missing } from '../helpers/env.js';
import { tempDir, writeTopology } from './lab.js';

const dir = tempDir('bgplab-mconv-');
const files: string[] = [];
afterAll(async () => {
  for (const f of files) await destroyByTopologyFile(f).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

function checkConverged(r: ConvergeResult, sessions: number): void {
  expect(r.sessions).toMatchObject({ expected: sessions, established: sessions });
  // What t0 left to do: how many sessions were up then, and when the last one came up.
  expect(Number.isInteger(r.sessions.upAtT0)).toBe(true);
  expect(r.sessions.upAtT0! >= 0 && r.sessions.upAtT0! <= sessions).toBe(true);
  expect(r.convergence.sessionsMs! >= 0 && r.convergence.sessionsMs! < 30_000).toBe(true);
  expect(r.convergence.converged).toBe(true);
  expect(r.missing).toEqual([]);
  for (const n of r.nodes) {
    expect(n.routes, n.name).toBe(n.expectedRoutes);
    if (n.fibRoutes !== null) expect(n.fibRoutes, n.name).toBe(n.expectedRoutes);
    expect(n.sessions.established, n.name).toBe(n.sessions.expected);
    expect(n.cpuMs! > 0).toBe(true);
    // bgplab speakers record what starting cost them; the rest of cpuMs went to converging.
    if (n.impl === 'bgplab') expect(n.startupCpuMs! > 0 && n.startupCpuMs! <= n.cpuMs! + 10).toBe(true);
    else expect(n.startupCpuMs).toBeNull();
    expect(n.rssBytes! > 1e6).toBe(true);
    expect(n.pssBytes! > 0).toBe(true);
  }
  const c = r.convergence;
  expect(c.bgpMs).not.toBeNull();
  expect(c.fibMs).not.toBeNull();
  expect(c.dataplaneMs).not.toBeNull();
  expect(c.fibMs! < 30_000).toBe(true);
  expect(r.dataplane.reached).toBe(r.dataplane.pairs);
  expect(r.dataplane.pairs).toBeGreaterThan(0);
  expect(r.deployMs! > 0).toBe(true);
  // From the deploy's start: after t0 by at least the daemons' start, and no later than the deploy's
  // own end (which noticed t0 by polling) plus the time from t0 (whole-ms rounding aside).
  expect(c.fromDeployMs! > c.fibMs!).toBe(true);
  expect(c.fromDeployMs! <= r.deployMs! + c.fibMs! + 1).toBe(true);
  expect(r.updates.messages! > 0).toBe(true);
}

async function converge(name: string, req: Omit<Parameters<typeof writeTopology>[1], 'name'>, timeoutMs = 30_000): Promise<ConvergeResult> {
  const file = writeTopology(dir, { ...req, name });
  files.push(file);
  return runConverge({ topologyFile: file, timeoutMs });
}

describe.skipIf(missing('root', 'ip', 'ping', 'tcpdump'))('converge, bgplab speakers', () => {
  it('mesh-10: 45 sessions, every route everywhere', async () => {
    const r = await converge('t-mconv-mesh10', { mode: 'mesh', nodes: 10, clientImpl: 'bgplab' });
    checkConverged(r, 45);
    // Each node originates one IPv4 and one IPv6 block: 9 others × 2.
    expect(r.nodes.every((n) => n.expectedRoutes === 18)).toBe(true);
    // In a mesh every route comes over its own session: no BGP table is whole before every session is up.
    expect(r.convergence.sessionsMs! <= r.convergence.bgpMs!).toBe(true);
    // The last speaker began to listen at t0: its own sessions came after it.
    expect(r.sessions.upAtT0! < 45).toBe(true);
    expect(r.convergence.sessionsMs! > 0).toBe(true);
    expect(r.convergence.method.bgp).toMatch(/event log/);
  }, 60_000);

  it('rr2-20: 37 sessions, every route everywhere', async () => {
    const r = await converge('t-mconv-rr2-20', { mode: 'rr', nodes: 20, rr: 2, rrImpl: 'bgplab', clientImpl: 'bgplab' });
    checkConverged(r, 37);
    expect(r.nodes.filter((n) => n.role === 'rr').map((n) => n.sessions.expected)).toEqual([19, 19]);
  }, 60_000);

  it('a running lab (--lab): BGP and FIB times from the logs, no data-plane time (probes start late)', async () => {
    const file = writeTopology(dir, { mode: 'rr', nodes: 4, rr: 1, rrImpl: 'bgplab', clientImpl: 'bgplab', name: 't-mconv-running' });
    files.push(file);
    const first = await runConverge({ topologyFile: file, keep: true, timeoutMs: 30_000, capture: false });
    expect(first.convergence.converged).toBe(true);
    // -t on a lab that is running points at --lab instead of only "destroy it first".
    await expect(runConverge({ topologyFile: file, timeoutMs: 5000 })).rejects.toThrow(/already deployed \(running\): measure it with --lab t-mconv-running/);
    // Regression: on a running lab the probes' first reply was reported relative to t0, i.e. the age of
    // the lab ("data plane 16.29 s" beside "kernel FIB 94 ms").
    await new Promise((r) => setTimeout(r, 1500));
    const r = await runConverge({ lab: 't-mconv-running', timeoutMs: 30_000 });
    expect(r.convergence.converged).toBe(true);
    expect(r.convergence.fibMs).not.toBeNull();
    expect(r.convergence.fibMs! < 1500).toBe(true);
    expect(r.convergence.dataplaneMs).toBeNull();
    expect(r.convergence.fromDeployMs).toBeNull();
    expect(r.sessions.upAtT0).toBeNull();
    expect(r.convergence.sessionsMs).toBeNull();
    expect(r.convergence.method.dataplane).toMatch(/running lab: \d+ of \d+ pod-address pairs answer/);
    expect(r.dataplane.reached).toBe(r.dataplane.pairs);

    // After a drill restarted the reflector, times count from its restart, not from the deploy
    // (regression: "kernel FIB 14.2 s" on a lab that reconverged in milliseconds).
    const d = await runDrill({ lab: 't-mconv-running', target: 'rr1', fault: 'restart', forMs: 500, timeoutMs: 30_000 });
    expect(d.reconvergeMs).not.toBeNull();
    await new Promise((res) => setTimeout(res, 3000));
    const again = await runConverge({ lab: 't-mconv-running', timeoutMs: 30_000 });
    expect(again.convergence.converged).toBe(true);
    expect(again.convergence.method.t0).toMatch(/\(re\)start listening/);
    expect(again.convergence.fibMs! >= 0 && again.convergence.fibMs! < 3000).toBe(true);
    for (const n of again.nodes) expect(n.bgpMs! >= 0, n.name).toBe(true);
  }, 90_000);
});

describe.skipIf(missing('root', 'ip', 'ping', 'tcpdump', 'bird'))('converge, BIRD and mixed', () => {
  it('BIRD mesh-10 and rr2-20 (the yardstick)', async () => {
    checkConverged(await converge('t-mconv-bmesh10', { mode: 'mesh', nodes: 10, clientImpl: 'bird' }), 45);
    checkConverged(await converge('t-mconv-brr2-20', { mode: 'rr', nodes: 20, rr: 2, rrImpl: 'bird', clientImpl: 'bird' }), 37);
  }, 90_000);

  it('BIRD reflectors with bgplab clients (Calico’s own setup) converge', async () => {
    const r = await converge('t-mconv-mixed', { mode: 'rr', nodes: 8, rr: 2, rrImpl: 'bird', clientImpl: 'bgplab' });
    checkConverged(r, 13);
    expect(new Set(r.nodes.map((n) => `${n.role}:${n.impl}`))).toEqual(new Set(['rr:bird', 'client:bgplab']));
  }, 60_000);

  it('a lab that cannot converge in time says which nodes lack which routes', async () => {
    // BIRD waits at least its connect delay (about 1 s) before the first session: 200 ms is too short.
    const r = await converge('t-mconv-short', { mode: 'rr', nodes: 4, rr: 1, rrImpl: 'bird', clientImpl: 'bird' }, 200);
    expect(r.convergence.converged).toBe(false);
    expect(r.missing.length).toBeGreaterThan(0);
    for (const m of r.missing) {
      expect(m.bgp.length + m.fib.length, m.node).toBeGreaterThan(0);
      // What is missing are other nodes' pod blocks from the pools.
      for (const p of m.fib) expect(p).toMatch(/^(10\.244\.|fd00:10:244:)/);
    }
    expect(r.nodes.some((n) => n.fibRoutes! < n.expectedRoutes)).toBe(true);
    // UPDATEs are counted up to the end of the measurement only (regression: the capture's last second,
    // when BIRD's sessions came up, was counted: "0 of 3 sessions, 21 UPDATEs").
    expect(r.sessions.established).toBe(0);
    expect(r.updates.messages).toBe(0);
  }, 60_000);
});
