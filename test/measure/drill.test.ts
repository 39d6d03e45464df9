/**
 * The classic route-reflector drills, as BGP says they must come out:
 * - two reflectors, one killed: every client still has the other, so no route and no probe is lost;
 * - one reflector, frozen (SIGSTOP: silent, no TCP reset): its clients keep every route until their hold
 *   timers expire (fast profile: hold 9 s, so within 9 s), then every remote route is withdrawn from every
 *   client's kernel; after the thaw the sessions come back and so do the routes.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { destroyByTopologyFile } from '../../src/lab/destroy.js';
import { runDrill } from '../../src/measure/drill.js';
import { missing } from '../helpers/env.js';
import { tempDir, writeTopology } from './lab.js';

const dir = tempDir('bgplab-mdrill-');
const files: string[] = [];
afterAll(async () => {
  for (const f of files) await destroyByTopologyFile(f).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

function topo(req: Parameters<typeof writeTopology>[1]): string {
  const f = writeTopology(dir, req);
  files.push(f);
  return f;
}

describe.skipIf(missing('root', 'ip', 'ping'))('drills on bgplab speakers', () => {
  it('2 reflectors, kill one: no route lost, no probe lost', async () => {
    const file = topo({ name: 't-mdrill-kill2', mode: 'rr', nodes: 6, rr: 2, rrImpl: 'bgplab', clientImpl: 'bgplab' });
    const r = await runDrill({ topologyFile: file, target: 'rr1', fault: 'kill', forMs: 2000 });
    expect(r.verdict).toMatch(/^no route lost, 0 of [\d,]+ probes lost$/);
    expect(r.routesLost.peak).toBe(0);
    expect(r.probes.lost).toBe(0);
    // At least 50 probes a second per pair over the whole drill.
    expect(r.probes.sent).toBeGreaterThan(r.probes.pairs * 50 * 2);
    // A killed process's sockets are reset by the kernel: peers know at once.
    expect(r.detection.detected).toBe(r.detection.peers);
    expect(r.detectionMs!).toBeLessThan(1000);
    expect(r.reconvergeMs).not.toBeNull();
  }, 90_000);

  it('1 reflector, freeze it: every remote route withdrawn after the hold timer, back after thaw', async () => {
    const file = topo({ name: 't-mdrill-freeze1', mode: 'rr', nodes: 5, rr: 1, rrImpl: 'bgplab', clientImpl: 'bgplab' });
    const r = await runDrill({ topologyFile: file, target: 'rr1', fault: 'freeze', forMs: 11_000 });
    const clients = 4;
    // Hold 9 s, keepalives every 3 s: the last one arrived about 3 s before the freeze, so peers notice
    // about 6 s after it, by the hold timer, not at once as with a kill. The lower bound leaves room for a
    // keepalive sent late by a reflector starved of CPU on a loaded 2-core machine.
    expect(r.detectionMs!).toBeGreaterThan(3000);
    expect(r.detectionMs!).toBeLessThan(10_500);
    expect(r.detection.detected).toBe(clients);
    // Every client lost every other client's IPv4 and IPv6 block.
    expect(r.routesLost.nodesAffected).toBe(clients);
    expect(r.routesLost.maxPerNode).toBe((clients - 1) * 2);
    expect(r.routesLost.peak).toBe(clients * (clients - 1) * 2);
    expect(r.probes.lost).toBeGreaterThan(0);
    // And they came back after the thaw.
    expect(r.timeline.map((t) => t.what)).toContain('every route back in every surviving kernel');
    expect(r.reconvergeMs).not.toBeNull();
    expect(r.verdict).toMatch(new RegExp(`^${clients} of ${clients} nodes lost ${(clients - 1) * 2} routes for \\d+\\.\\d s; [\\d,]+ of [\\d,]+ probes lost$`));
  }, 90_000);
});

describe.skipIf(missing('root', 'ip', 'ping'))('an interrupted drill', () => {
  it('reports no result (it read "no route lost") and leaves the target running again', async () => {
    const file = topo({ name: 't-mdrill-intr', mode: 'rr', nodes: 3, rr: 1, rrImpl: 'bgplab', clientImpl: 'bgplab' });
    const ac = new AbortController();
    const said: string[] = [];
    const drill = runDrill({
      topologyFile: file,
      target: 'rr1',
      fault: 'kill',
      forMs: 30_000,
      keep: true,
      signal: ac.signal,
      // Ctrl-C while the fault lasts.
      progress: (m) => {
        said.push(m);
        if (m.startsWith('Watching for')) setTimeout(() => ac.abort(), 300);
      },
    });
    await expect(drill).rejects.toMatchObject({ name: 'Interrupted' });
    expect(said.some((m) => m.startsWith('Watching for'))).toBe(true);
    // The killed reflector of the kept lab was started again on the way out.
    const { resolveLab, inspectLab } = await import('../../src/lab/index.js');
    const rr1 = inspectLab(resolveLab({ lab: 't-mdrill-intr' })).find((n) => n.name === 'rr1')!;
    expect(rr1.state).toBe('running');
  }, 60_000);
});

describe.skipIf(missing('root', 'ip', 'ping', 'bird'))('drills on BIRD (the yardstick)', () => {
  it('2 reflectors, kill one: no route lost, no probe lost; peers see it within milliseconds', async () => {
    const file = topo({ name: 't-mdrill-bkill2', mode: 'rr', nodes: 6, rr: 2, rrImpl: 'bird', clientImpl: 'bird' });
    const r = await runDrill({ topologyFile: file, target: 'rr1', fault: 'kill', forMs: 2000 });
    expect(r.routesLost.peak).toBe(0);
    expect(r.probes.lost).toBe(0);
    expect(r.detection.detected).toBe(5);
    expect(r.detectionMs!).toBeLessThan(500);
  }, 90_000);
});
