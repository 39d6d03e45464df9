/**
 * The containerlab runtime (Docker hosts): `containerlab deploy -t FILE`, after creating the host bridge
 * that the topology's `kind: bridge` node expects (containerlab does not create it), and the choice
 * between it and the netns runtime for `--runtime auto`. The choice is a pure function of a probe.
 */
import { existsSync } from 'node:fs';
import { hasCommand, run, runChecked } from '../sys/exec.js';
import type { LabTopology } from '../topo/model.js';
import { initialState, registerLab, saveState, type IndexEntry, type LabState, type RuntimeKind } from './state.js';

export type RuntimeRequest = 'auto' | 'netns' | 'containerlab';
export const RUNTIME_REQUESTS: readonly RuntimeRequest[] = ['auto', 'netns', 'containerlab'];

export interface RuntimeProbe {
  /** `containerlab version` answers. */
  containerlab: boolean;
  /** A Docker engine answers (`docker info`), not only the client binary. */
  docker: boolean;
  /** Running as root (namespaces). */
  root: boolean;
}

export type RuntimeDecision = { runtime: RuntimeKind; reason: string } | { error: string };

/** Pure: which runtime a request gets on a machine described by `probe`. */
export function chooseRuntime(requested: string, probe: RuntimeProbe): RuntimeDecision {
  if (!(RUNTIME_REQUESTS as readonly string[]).includes(requested)) {
    return { error: `--runtime ${JSON.stringify(requested)}: choose ${RUNTIME_REQUESTS.join(', ')}` };
  }
  const clabOk = probe.containerlab && probe.docker;
  const clabMissing = [!probe.containerlab && 'containerlab', !probe.docker && 'a running Docker engine'].filter(Boolean).join(' and ');
  if (requested === 'containerlab') {
    return clabOk ? { runtime: 'containerlab', reason: 'requested' } : { error: `the containerlab runtime needs ${clabMissing}, not found here` };
  }
  if (requested === 'netns') {
    return probe.root ? { runtime: 'netns', reason: 'requested' } : { error: 'the netns runtime needs root (network namespaces)' };
  }
  if (clabOk) return { runtime: 'containerlab', reason: 'containerlab and a Docker engine answer' };
  if (probe.root) return { runtime: 'netns', reason: `${clabMissing} not found: using network namespaces` };
  return { error: `no runtime available: containerlab needs ${clabMissing}; the netns runtime needs root` };
}

export async function probeRuntimes(): Promise<RuntimeProbe> {
  const root = process.getuid?.() === 0;
  const [clab, docker] = await Promise.all([
    hasCommand('containerlab').then(async (has) => has && (await run('containerlab', ['version'], { timeoutMs: 5000 })).code === 0),
    hasCommand('docker').then(async (has) => has && (await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 5000 })).code === 0),
  ]);
  return { containerlab: clab, docker, root };
}

export class ContainerlabRuntime {
  readonly kind = 'containerlab' as const;

  async deploy(topo: LabTopology, opts: { progress?: (m: string) => void } = {}): Promise<LabState> {
    const say = opts.progress ?? (() => {});
    const state = initialState(topo, 'containerlab');
    const started = Date.now();
    // containerlab expects the host bridge of a `kind: bridge` node to exist already.
    const br = topo.fabric.bridge;
    if (!existsSync(`/sys/class/net/${br}`)) {
      state.hostBridge = br;
      saveState(state);
      registerLab(state);
      say(`Creating host bridge ${br}`);
      await runChecked('ip', ['link', 'add', 'name', br, 'mtu', String(topo.fabric.mtu), 'type', 'bridge']);
      await runChecked('ip', ['link', 'set', br, 'up']);
    } else {
      saveState(state);
      registerLab(state);
    }
    say(`containerlab deploy -t ${topo.file}`);
    const r = await run('containerlab', ['deploy', '-t', topo.file], { timeoutMs: 15 * 60_000 });
    if (r.code !== 0) {
      state.status = 'failed';
      state.error = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
      saveState(state);
      throw new Error(`containerlab deploy failed: ${state.error}`);
    }
    state.status = 'running';
    state.deployMs = Date.now() - started;
    saveState(state);
    return state;
  }
}

/** containerlab's side of destroy: `containerlab destroy --cleanup`, then our host bridge. */
export async function destroyContainerlab(state: LabState | undefined, entry: IndexEntry | undefined): Promise<void> {
  const file = state?.topologyFile ?? entry?.topologyFile;
  if (file && existsSync(file) && (await hasCommand('containerlab'))) {
    await run('containerlab', ['destroy', '-t', file, '--cleanup'], { timeoutMs: 5 * 60_000 });
  }
  if (state?.hostBridge && /^[A-Za-z0-9_.-]{1,15}$/.test(state.hostBridge) && existsSync(`/sys/class/net/${state.hostBridge}`)) {
    await run('ip', ['link', 'del', state.hostBridge], { timeoutMs: 10_000 });
  }
}
