/**
 * Labs of bgplab speakers with the netns runtime: a full mesh of 10, two reflectors with 18 clients, and
 * Calico's own setup (BIRD reflectors, bgplab clients). Each: deploy, every session up (count = formula),
 * every route in every kernel, pod-to-pod ping between two nodes, status through the control socket,
 * destroy leaves nothing. Needs root, iproute2, ping, bird, and the built speaker (dist/).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyLab } from '../../src/lab/destroy.js';
import { NetnsRuntime } from '../../src/lab/netns-runtime.js';
import { labStatus, nodeDetail } from '../../src/lab/status.js';
import type { LabState } from '../../src/lab/state.js';
import { run } from '../../src/sys/exec.js';
import { sleep } from '../../src/sys/proc.js';
import type { TopoRequest } from '../../src/topo/gen.js';
import type { LabTopology } from '../../src/topo/model.js';
import { missing } from '../helpers/env.js';
import { makeLab, tmpLabDir } from './fixture.js';
import { bgplab, expectNothingLeft, expectQuietFabric } from './helpers.js';

const skip = missing('root', 'ip', 'ping', 'bird');

const LABS: Array<{ title: string; req: TopoRequest; sessions: number }> = [
  { title: 'mesh-10 of bgplab speakers', req: { name: 't-lnp-mesh10', mode: 'mesh', nodes: 10 }, sessions: 45 },
  { title: 'rr2-20 of bgplab speakers', req: { name: 't-lnp-rr20', mode: 'rr', nodes: 20, rr: 2 }, sessions: 2 * 18 + 1 },
  {
    title: "Calico's setup: BIRD reflectors, bgplab clients (rr2-12)",
    req: { name: 't-lnp-calico', mode: 'rr', nodes: 12, rr: 2, rrImpl: 'bird', clientImpl: 'bgplab' },
    sessions: 2 * 10 + 1,
  },
];

describe.skipIf(!!skip)('netns runtime with bgplab speakers', () => {
  let dir: string;
  let indexDir: string;
  const made: LabTopology[] = [];

  beforeAll(() => {
    dir = tmpLabDir('bgplab-t-lnp');
    indexDir = join(dir, 'index');
    process.env.BGPLAB_INDEX_DIR = indexDir;
  });

  afterAll(async () => {
    for (const t of made) {
      await destroyLab({ name: t.name, labDir: t.labDir, impliedNamespaces: [`clab-${t.name}-fabric`, ...t.nodes.map((n) => n.containerName)] });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  for (const { title, req, sessions } of LABS) {
    it(title, { timeout: 90_000 }, async () => {
      const topo = makeLab(dir, req);
      made.push(topo);
      expect(topo.expectedSessions).toBe(sessions);
      const state: LabState = await new NetnsRuntime().deploy(topo);
      expect(state.status).toBe('running');

      let result = await labStatus(state);
      for (let i = 0; i < 80 && !result.totals.converged; i++) {
        await sleep(250);
        result = await labStatus(state);
      }
      const n = topo.nodes.length;
      expect(result.rows.filter((r) => r.error)).toEqual([]);
      expect(result.totals).toMatchObject({
        converged: true,
        sessionsEstablished: sessions,
        bgp: { ipv4: n * (n - 1), ipv6: n * (n - 1) },
        kernel: { ipv4: n * (n - 1), ipv6: n * (n - 1) },
      });

      // No IPv6 chatter on the fabric, and yet IPv6 works (the ping below, the IPv6 routes above).
      await expectQuietFabric(topo.name, state.nodes.map((x) => x.ns), topo.fabric.bridge, topo.nodes[0].fabric.bridgePort);

      // Pod to pod between the first and last node (two clients in rr mode), both families.
      const a = state.nodes[state.nodes.length - 1];
      const b = state.nodes.find((x) => x.role !== 'rr')!;
      for (const fam of ['ipv4', 'ipv6'] as const) {
        const r = await run('ip', ['netns', 'exec', a.ns, 'ping', '-c', '3', '-i', '0.2', '-W', '2', '-I', a.podAddresses[fam][0], b.podAddresses[fam][0]], { timeoutMs: 15_000 });
        expect(`${fam} ping exit ${r.code}: ${r.stdout}${r.stderr}`).toMatch(/exit 0: .* 0% packet loss/s);
      }

      // The speaker answers through its control socket, from this process and from the CLI.
      const speakerNode = state.nodes.find((x) => x.impl === 'bgplab')!;
      const detail = await nodeDetail(state, speakerNode.name);
      expect(detail.peers.every((p) => p.state === 'Established')).toBe(true);
      expect(detail.peers).toHaveLength(speakerNode.peers.length);
      expect(detail.kernel).toEqual(speakerNode.expectedRoutes);
      const cli = await bgplab(['status', '--lab', topo.name, '--node', speakerNode.name], indexDir);
      expect(cli.code).toBe(0);
      expect(cli.stdout).toContain('IPv4 BGP status');

      const procs = state.nodes.flatMap((x) => x.daemon!.processes);
      const d = await bgplab(['destroy', '--lab', topo.name], indexDir);
      expect(d.code).toBe(0);
      await expectNothingLeft(topo.name, topo.labDir, indexDir, procs);
    });
  }
});
