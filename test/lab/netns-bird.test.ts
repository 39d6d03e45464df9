/**
 * The netns runtime end to end with real BIRD 2 daemons (no bgplab speaker needed): deploy through the
 * CLI a reflector lab (2 BIRD reflectors, 4 BIRD clients, dual stack), then check namespaces, addresses,
 * links, pinned neighbours, every session up, every route in every kernel, pod-to-pod pings, inspect,
 * status, exec, and that destroy leaves nothing (twice: idempotent). Needs root, iproute2, bird, ping.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonProcess } from '../../src/daemons/types.js';
import { destroyLab } from '../../src/lab/destroy.js';
import { labStatus } from '../../src/lab/status.js';
import { loadState, recordedSpawns, type LabState } from '../../src/lab/state.js';
import { run } from '../../src/sys/exec.js';
import { isRunning, sleep } from '../../src/sys/proc.js';
import type { LabTopology } from '../../src/topo/model.js';
import { missing } from '../helpers/env.js';
import { makeLab, tmpLabDir } from './fixture.js';
import { bgplab, expectNothingLeft, expectQuietFabric, labNamespaces } from './helpers.js';

const skip = missing('root', 'ip', 'bird', 'ping');
const LAB = 't-lnb-rr';

describe.skipIf(!!skip)('netns runtime: BIRD reflector lab through the CLI', () => {
  let dir: string;
  let indexDir: string;
  let topo: LabTopology;
  let state: LabState;
  let procs: DaemonProcess[] = [];

  beforeAll(() => {
    dir = tmpLabDir('bgplab-t-lnb');
    indexDir = join(dir, 'index');
    topo = makeLab(dir, { name: LAB, mode: 'rr', nodes: 6, rr: 2, rrImpl: 'bird', clientImpl: 'bird' });
  });

  afterAll(async () => {
    // Whatever happened above: remove the lab, then the directory.
    await destroyLab({ name: LAB, labDir: topo.labDir, impliedNamespaces: [`clab-${LAB}-fabric`, ...topo.nodes.map((n) => n.containerName)] });
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys and prints the node table', async () => {
    const r = await bgplab(['deploy', '-t', topo.file, '--runtime', 'netns'], indexDir);
    expect(r.stderr).toContain('every daemon listening');
    expect(r.code).toBe(0);
    for (const n of topo.nodes) expect(r.stdout).toContain(n.containerName);
    state = loadState(topo.labDir)!;
    expect(state.status).toBe('running');
    expect(state.deployMs).toBeGreaterThan(0);
    expect(BigInt(state.listeningMono!)).toBeGreaterThan(BigInt(state.t0Mono!));
    procs = state.nodes.flatMap((n) => n.daemon!.processes);
    expect(procs).toHaveLength(6);
    expect(procs.every(isRunning)).toBe(true);
    // Every spawn was also recorded on its own, before the deploy finished.
    for (const n of state.nodes) expect(recordedSpawns(n.runDir).map((p) => p.pid)).toEqual(n.daemon!.processes.map((p) => p.pid));
    const data = JSON.parse(readFileSync(join(topo.labDir, 'topology-data.json'), 'utf8'));
    expect(data).toMatchObject({ name: LAB, type: 'clab' });
    expect(Object.keys(data.nodes)).toHaveLength(7);
    expect(existsSync(join(indexDir, `${LAB}.json`))).toBe(true);
  });

  it('creates the namespaces, addresses, links and pinned neighbours', async () => {
    expect((await labNamespaces(LAB)).sort()).toEqual([`clab-${LAB}-fabric`, ...topo.nodes.map((n) => n.containerName)].sort());
    const ports = JSON.parse((await run('ip', ['-j', '-n', `clab-${LAB}-fabric`, 'link', 'show', 'master', topo.fabric.bridge])).stdout);
    expect(ports.map((p: { ifname: string }) => p.ifname).sort()).toEqual(topo.nodes.map((n) => n.fabric.bridgePort).sort());
    for (const n of topo.nodes) {
      const [eth1] = JSON.parse((await run('ip', ['-j', '-n', n.containerName, 'addr', 'show', 'dev', 'eth1'])).stdout);
      expect(eth1.mtu).toBe(9500);
      expect(eth1.address).toBe(n.fabric.mac);
      expect(eth1.operstate).toBe('UP');
      const addrs = eth1.addr_info.map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`);
      expect(addrs).toContain(`${n.fabric.ipv4}/${n.fabric.ipv4PrefixLength}`);
      expect(addrs).toContain(`${n.fabric.ipv6}/${n.fabric.ipv6PrefixLength}`);
      const pod = state.nodes.find((s) => s.name === n.name)!.podAddresses;
      const [pod0] = JSON.parse((await run('ip', ['-j', '-n', n.containerName, 'addr', 'show', 'dev', 'pod0'])).stdout);
      expect(pod0.link_type).toBe('ether');
      const podAddrs = pod0.addr_info.map((a: { local: string }) => a.local);
      expect(podAddrs).toEqual(expect.arrayContaining([...pod.ipv4, ...pod.ipv6]));
      const neigh = JSON.parse((await run('ip', ['-j', '-n', n.containerName, 'neigh', 'show', 'dev', 'eth1', 'nud', 'permanent'])).stdout);
      expect(neigh).toHaveLength(2 * (topo.nodes.length - 1));
    }
    // Nothing of the lab in the root namespace.
    const root = (await run('ip', ['-br', 'link'])).stdout;
    expect(root).not.toContain(topo.fabric.bridge);
  });

  it('brings every session up and every route into every kernel', async () => {
    let totals;
    for (let i = 0; i < 60; i++) {
      totals = (await labStatus(state)).totals;
      if (totals.converged) break;
      await sleep(500);
    }
    expect(totals).toMatchObject({
      converged: true,
      sessionsEstablished: topo.expectedSessions,
      bgp: { ipv4: 30, ipv6: 30 },
      kernel: { ipv4: 30, ipv6: 30 },
    });
  });

  it('lets pods of two clients ping each other over IPv4 and IPv6', async () => {
    const [a, b] = state.nodes.filter((n) => n.role === 'client');
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const r = await run('ip', ['netns', 'exec', a.ns, 'ping', '-c', '2', '-i', '0.2', '-W', '2', '-I', a.podAddresses[fam][0], b.podAddresses[fam][0]], { timeoutMs: 10_000 });
      expect(r.stdout).toContain(' 0% packet loss');
      expect(r.code).toBe(0);
    }
  });

  it('keeps the fabric free of IPv6 chatter (no RS, DAD or ND from any node, no MLD beyond the group join; no IPv6 on the bridge)', async () => {
    await expectQuietFabric(LAB, state.nodes.map((n) => n.ns), topo.fabric.bridge, topo.nodes[0].fabric.bridgePort);
  });

  it('inspect, status and exec answer from another process', async () => {
    const ins = await bgplab(['inspect', '--lab', LAB, '-f', 'json'], indexDir);
    expect(ins.code).toBe(0);
    const inspected = JSON.parse(ins.stdout);
    expect(inspected.nodes.map((n: { state: string }) => n.state)).toEqual(Array(6).fill('running'));

    const st = await bgplab(['status', '-f', 'json'], indexDir);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout).totals.converged).toBe(true);
    const table = await bgplab(['status', '--lab', LAB], indexDir);
    expect(table.stdout).toMatch(/TOTAL \(6\).*9\/9 .*30\/30 .*30\/30 .*30\/30 .*30\/30 .*converged/);

    const one = await bgplab(['status', '--node', 'node1', '-f', 'json'], indexDir);
    const detail = JSON.parse(one.stdout);
    expect(detail.peers.map((p: { type: string; state: string }) => [p.type, p.state])).toEqual([
      ['route reflector', 'Established'],
      ['route reflector', 'Established'],
    ]);
    const rr = await bgplab(['status', '--node', 'rr1'], indexDir);
    expect(rr.stdout).toContain('IPv4 BGP status');
    expect(rr.stdout).toContain('IPv6 BGP status');
    expect(rr.stdout.match(/rr client/g)).toHaveLength(8);

    const ex = await bgplab(['exec', 'node2', '--lab', LAB, '--', 'ip', '-j', 'addr', 'show', 'dev', 'pod0'], indexDir);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toContain(state.nodes.find((n) => n.name === 'node2')!.podAddresses.ipv4[0]);
    const bad = await bgplab(['exec', 'node99', '--', 'true'], indexDir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('no node "node99"');
  });

  it('refuses to deploy the same lab twice', async () => {
    const r = await bgplab(['deploy', '-t', topo.file, '--runtime', 'netns'], indexDir);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('already deployed');
  });

  it('destroy removes everything, and again is harmless', async () => {
    const r = await bgplab(['destroy', '-t', topo.file], indexDir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('6 processes stopped, 7 namespaces removed');
    await expectNothingLeft(LAB, topo.labDir, indexDir, procs);
    const again = await bgplab(['destroy', '-t', topo.file], indexDir);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('0 processes stopped, 0 namespaces removed');
  });
});
