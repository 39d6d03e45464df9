/**
 * Deploys that do not finish: one killed with SIGKILL while its daemons are starting (destroy must still
 * find every namespace and process from what was recorded), one interrupted with SIGINT (it removes what
 * it made), and one that fails on a broken node (it names the node and why, and removes what it made).
 * Needs root, iproute2 and bird.
 */
import { appendFileSync, existsSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyLab } from '../../src/lab/destroy.js';
import { loadState, recordedSpawns } from '../../src/lab/state.js';
import { netnsPids } from '../../src/sys/netns.js';
import { pidExists, sleep, waitUntil } from '../../src/sys/proc.js';
import type { LabTopology } from '../../src/topo/model.js';
import { missing } from '../helpers/env.js';
import { makeLab, tmpLabDir } from './fixture.js';
import { bgplab, CLI, expectNothingLeft, labNamespaces } from './helpers.js';

const skip = missing('root', 'ip', 'bird');

describe.skipIf(!!skip)('deploys that do not finish leave nothing after destroy', () => {
  let dir: string;
  let indexDir: string;
  const labs: LabTopology[] = [];

  beforeAll(() => {
    dir = tmpLabDir('bgplab-t-lnk');
    indexDir = join(dir, 'index');
  });

  afterAll(async () => {
    for (const t of labs) {
      await destroyLab({ name: t.name, labDir: t.labDir, impliedNamespaces: [`clab-${t.name}-fabric`, ...t.nodes.map((n) => n.containerName)] });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Start `bgplab deploy` and send `signal` once `when` holds (polled every 2 ms, bounded). */
  async function deployAndSignal(
    topo: LabTopology,
    signal: NodeJS.Signals,
    when: () => boolean,
  ): Promise<{ code: number | null; stderr: string; atKill: string | undefined }> {
    const child = spawn(process.execPath, [CLI, 'deploy', '-t', topo.file, '--runtime', 'netns'], {
      env: { ...process.env, BGPLAB_INDEX_DIR: indexDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const reached = await waitUntil(when, { timeoutMs: 30_000, intervalMs: 2 });
    const atKill = loadState(topo.labDir)?.status;
    child.kill(signal);
    const code = await exited;
    expect(reached).toBe(true);
    return { code, stderr, atKill };
  }

  it('SIGKILL while daemons start: destroy still removes every namespace and process', async () => {
    const topo = makeLab(dir, { name: 't-lnk-kill', mode: 'mesh', nodes: 40, clientImpl: 'bird' });
    labs.push(topo);
    // Daemons are being spawned once some node has a pids.json.
    const { atKill } = await deployAndSignal(topo, 'SIGKILL', () => topo.nodes.some((n) => recordedSpawns(n.paths.runtimeDir).length > 0));
    // Killed mid-way: the deploy had not finished.
    expect(atKill).toBe('deploying');
    const leftNs = await labNamespaces(topo.name);
    expect(leftNs.length).toBeGreaterThan(0);
    const orphans = (await Promise.all(leftNs.map(netnsPids))).flat();
    expect(orphans.length).toBeGreaterThan(0);
    const recorded = topo.nodes.flatMap((n) => recordedSpawns(n.paths.runtimeDir));

    const r = await bgplab(['destroy', '-t', topo.file], indexDir);
    expect(r.code).toBe(0);
    await expectNothingLeft(topo.name, topo.labDir, indexDir, recorded);
    // Every process that was inside the lab's namespaces is gone, recorded or not.
    expect(orphans.filter(pidExists)).toEqual([]);
  });

  it('SIGINT (Ctrl-C) during the deploy: it removes what it made', async () => {
    const topo = makeLab(dir, { name: 't-lnk-int', mode: 'mesh', nodes: 30, clientImpl: 'bird' });
    labs.push(topo);
    // state.json is written first, just before the namespaces are created.
    const { code, stderr } = await deployAndSignal(topo, 'SIGINT', () => existsSync(join(topo.labDir, 'state.json')));
    expect(code).toBe(130);
    expect(stderr).toContain('deploy interrupted');
    await expectNothingLeft(topo.name, topo.labDir, indexDir, []);
  });

  it('a node whose daemon cannot start fails the deploy, naming the node and why', async () => {
    const topo = makeLab(dir, { name: 't-lnk-bad', mode: 'mesh', nodes: 4, clientImpl: 'bird' });
    labs.push(topo);
    appendFileSync(topo.nodes[2].paths.config, '\nthis is not bird syntax;\n');
    const r = await bgplab(['deploy', '-t', topo.file, '--runtime', 'netns'], indexDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bgplab: node node3: bird exited before listening on TCP 179: .*syntax error/i);
    await sleep(50);
    await expectNothingLeft(topo.name, topo.labDir, indexDir, []);
  });
});
