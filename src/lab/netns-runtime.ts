/**
 * Deploying a lab with Linux network namespaces, mirroring what containerlab does with containers:
 * `clab-<lab>-<node>` namespaces, a fabric bridge in its own namespace `clab-<lab>-fabric`, veth pairs
 * (node end eth1) with the lab's MTU and deterministic MACs, fabric addresses, a pod interface, pinned
 * neighbours, then one daemon per node, up to every daemon listening on TCP 179. State is recorded before
 * each group of resources is created; a deploy that fails or is interrupted destroys what it made.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { daemonAlive, daemonListeningAsync, startDaemon } from '../daemons/index.js';
import type { DaemonHandle } from '../daemons/types.js';
import { hasCommand, run } from '../sys/exec.js';
import { ipBatch, netnsExists } from '../sys/netns.js';
import { logExcerpt, sameProcess, waitUntil } from '../sys/proc.js';
import type { LabNode, LabTopology } from '../topo/model.js';
import { destroyLab } from './destroy.js';
import { mapLimit } from './limit.js';
import { fabricBatch, namespacesBatch, namespaceSysctlBatch, nodeBatch, topologyData } from './plan.js';
import { initialState, loadState, recordSpawn, registerLab, saveState, writeJsonAtomic, type LabState } from './state.js';

export class LabError extends Error {
  constructor(
    message: string,
    readonly node?: string,
  ) {
    super(node ? `node ${node}: ${message}` : message);
    this.name = 'LabError';
  }
}

export interface DeployOptions {
  /** Abort (Ctrl-C): the deploy stops at the next step and destroys what it made. */
  signal?: AbortSignal;
  progress?: (message: string) => void;
  /** Nodes set up / daemons started at once. Default 8. */
  concurrency?: number;
  /** Bound on waiting for every daemon to listen on 179. Default 60 s. */
  listenTimeoutMs?: number;
  /** bgplab speaker entry (default dist/src/speaker/main.js). */
  speakerEntry?: string;
  /**
   * Called once namespaces, links and addresses exist and before any daemon starts (MEASURE starts its
   * kernel monitors and the fabric capture here, so nothing a daemon does is missed).
   */
  beforeDaemons?: (state: LabState) => Promise<void>;
}

const REQUIRED: Record<string, Array<{ what: string; ok: () => Promise<boolean> }>> = {
  bird: [
    { what: 'bird', ok: () => hasCommand('bird') },
    { what: 'birdc', ok: () => hasCommand('birdc') },
  ],
  frr: [
    { what: '/usr/lib/frr/zebra', ok: async () => existsSync('/usr/lib/frr/zebra') },
    { what: '/usr/lib/frr/bgpd', ok: async () => existsSync('/usr/lib/frr/bgpd') },
    { what: 'vtysh', ok: () => hasCommand('vtysh') },
  ],
  gobgp: [
    { what: 'gobgpd', ok: () => hasCommand('gobgpd') },
    { what: 'gobgp', ok: () => hasCommand('gobgp') },
  ],
  bgplab: [],
};

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new LabError('deploy interrupted');
}

/** containerlab labels of each node, read from the topology file (best effort, for topology-data.json). */
function labelsOf(file: string): Record<string, Record<string, string>> {
  try {
    const doc = parseYaml(readFileSync(file, 'utf8')) as { topology?: { nodes?: Record<string, { labels?: Record<string, unknown> }> } };
    const out: Record<string, Record<string, string>> = {};
    for (const [name, n] of Object.entries(doc?.topology?.nodes ?? {})) {
      out[name] = Object.fromEntries(Object.entries(n?.labels ?? {}).map(([k, v]) => [k, String(v)]));
    }
    return out;
  } catch {
    return {};
  }
}

async function preflight(topo: LabTopology): Promise<void> {
  if (process.getuid?.() !== 0) throw new LabError('the netns runtime needs root (network namespaces)');
  if (!(await hasCommand('ip'))) throw new LabError('iproute2 (ip) is not installed');
  if (!(await hasCommand('sysctl'))) throw new LabError('sysctl (procps) is not installed; it sets each namespace\'s IPv6 defaults');
  const impls = new Set(topo.nodes.map((n) => n.impl));
  for (const impl of impls) {
    for (const req of REQUIRED[impl] ?? []) {
      if (!(await req.ok())) throw new LabError(`${impl} nodes need ${req.what}, which is not installed`);
    }
  }
  for (const n of topo.nodes) {
    if (!existsSync(n.paths.config)) throw new LabError(`config file ${n.paths.config} is missing`, n.name);
  }
  const existing = loadState(topo.labDir);
  if (existing) {
    throw new LabError(`lab ${topo.name} is already deployed (${existing.status}, state in ${topo.labDir}); run bgplab destroy -t ${topo.file} first`);
  }
  const clash = [`clab-${topo.name}-fabric`, ...topo.nodes.map((n) => n.containerName)].find((ns) => netnsExists(ns));
  if (clash) throw new LabError(`network namespace ${clash} already exists; run bgplab destroy -t ${topo.file} first`);
}

/** Wait until every daemon listens on 179; fail naming the first node whose daemon died or stayed deaf. */
async function waitListening(nodes: readonly LabNode[], handles: Map<string, DaemonHandle>, opts: DeployOptions): Promise<void> {
  const pending = new Set(nodes.map((n) => n.name));
  let dead: { node: string; why: string } | undefined;
  const timeoutMs = opts.listenTimeoutMs ?? 60_000;
  let round = 0;
  await waitUntil(
    async () => {
      // Whether a daemon died is read from /proc every 8th round (200 ms): enough to fail fast, and
      // 100 nodes' stat files every 25 ms took CPU from the daemons this waits for.
      const checkAlive = round++ % 8 === 0;
      const names = [...pending];
      // bgplab speakers answer from their logs at once; the others cost an `ss` each (daemonListeningAsync).
      const listening = await mapLimit(names, 8, (name: string) => daemonListeningAsync(handles.get(name)!));
      names.forEach((name, i) => {
        if (listening[i]) pending.delete(name);
      });
      for (const name of pending) {
        const h = handles.get(name)!;
        if (checkAlive && !daemonAlive(h)) {
          // Gone (or a zombie): not merely a cmdline read in the middle of an exec.
          const proc = h.processes.find((p) => !sameProcess(p)) ?? h.processes[0];
          const tail = proc ? logExcerpt(proc.log) : '';
          dead = { node: name, why: `${h.impl} exited before listening on TCP 179${tail ? `: ${tail}` : ` (nothing in ${proc?.log})`}` };
          return true;
        }
      }
      return pending.size === 0 || !!opts.signal?.aborted;
    },
    { timeoutMs, intervalMs: 25, signal: opts.signal },
  );
  checkAborted(opts.signal);
  if (dead) throw new LabError(dead.why, dead.node);
  if (pending.size > 0) {
    const first = [...pending][0];
    throw new LabError(`not listening on TCP 179 after ${timeoutMs} ms (${pending.size} nodes pending)`, first);
  }
}

/** Daemon start order: route reflectors (`first`, started and listening before the others), then the rest. */
export function startOrder(topo: Pick<LabTopology, 'nodes'>): { first: LabNode[]; rest: LabNode[] } {
  return { first: topo.nodes.filter((n) => n.role === 'rr'), rest: topo.nodes.filter((n) => n.role !== 'rr') };
}

export class NetnsRuntime {
  readonly kind = 'netns' as const;

  /** Deploy `topo`; returns the recorded state once every daemon listens. */
  async deploy(topo: LabTopology, opts: DeployOptions = {}): Promise<LabState> {
    const started = process.hrtime.bigint();
    const say = opts.progress ?? (() => {});
    const limit = opts.concurrency ?? 8;
    await preflight(topo);
    checkAborted(opts.signal);

    // Record the plan (every namespace we are about to create) before creating anything.
    const state = initialState(topo, 'netns');
    mkdirSync(topo.labDir, { recursive: true });
    for (const n of topo.nodes) mkdirSync(n.paths.runtimeDir, { recursive: true });
    saveState(state);
    registerLab(state);

    let failedNode: string | undefined;
    try {
      // Each namespace gets its own quiet IPv6 defaults before any link exists in it (see NODE_NS_SYSCTLS).
      say(`Creating ${state.namespaces.length} network namespaces`);
      await ipBatch(undefined, namespacesBatch(topo), { timeoutMs: 60_000 });
      const sysctls = namespaceSysctlBatch(topo);
      const chunk = Math.ceil(sysctls.length / 4);
      const chunks = Array.from({ length: Math.ceil(sysctls.length / chunk) }, (_, i) => sysctls.slice(i * chunk, (i + 1) * chunk));
      await mapLimit(chunks, 4, (lines: string[]) => ipBatch(undefined, lines, { timeoutMs: 60_000 }));
      checkAborted(opts.signal);

      say(`Creating fabric bridge ${topo.fabric.bridge} and ${topo.nodes.length} veth links in ${state.fabricNs}`);
      await ipBatch(state.fabricNs!, fabricBatch(topo), { timeoutMs: 60_000 });
      checkAborted(opts.signal);

      say('Configuring nodes (addresses, pod interfaces, neighbours)');
      await mapLimit(topo.nodes, limit, async (n: LabNode) => {
        checkAborted(opts.signal);
        try {
          await ipBatch(n.containerName, nodeBatch(topo, n), { timeoutMs: 30_000 });
        } catch (err) {
          failedNode = n.name;
          throw new LabError((err as Error).message, n.name);
        }
      });
      checkAborted(opts.signal);

      if (opts.beforeDaemons) await opts.beforeDaemons(state);
      checkAborted(opts.signal);

      say(`Starting ${topo.nodes.length} daemons`);
      const handles = new Map<string, DaemonHandle>();
      state.t0Mono = process.hrtime.bigint().toString();
      const startOne = async (n: LabNode): Promise<void> => {
        const i = topo.nodes.indexOf(n);
        checkAborted(opts.signal);
        try {
          const h = await startDaemon({
            impl: n.impl,
            ns: n.containerName,
            configPath: n.paths.config,
            runDir: n.paths.runtimeDir,
            name: n.name,
            originate:
              n.impl === 'gobgp'
                ? [
                    ...n.podBlocks.ipv4.map((prefix) => ({ prefix, nextHop: n.fabric.ipv4 })),
                    ...(n.fabric.ipv6 ? n.podBlocks.ipv6.map((prefix) => ({ prefix, nextHop: n.fabric.ipv6! })) : []),
                  ]
                : undefined,
            speakerEntry: opts.speakerEntry,
            onSpawn: (p) => recordSpawn(n.paths.runtimeDir, p),
          });
          handles.set(n.name, h);
          state.nodes[i].daemon = h;
        } catch (err) {
          failedNode = n.name;
          throw err instanceof LabError ? err : new LabError((err as Error).message.replace(new RegExp(`^${n.name}: `), ''), n.name);
        }
      };
      // Reflectors first, and listening before any client starts. Started together, the reflectors
      // (the most peers: the slowest start) came up last, starved of CPU by a hundred clients, and their
      // session with each other, the only path between their halves of the lab, came up last of all
      // (seconds in OpenSent while each waited for CPU to accept the other's connection). Started first
      // they come up alone and peer with each other in a few ms, before any client starts, and each
      // client's first dial to them is accepted. (Their own dials to clients not yet up are refused and
      // backed off, RFC 4271 §8.1.1; the clients' dials bring those sessions up.)
      const { first, rest } = startOrder(topo);
      if (first.length > 0 && rest.length > 0) {
        await mapLimit(first, limit, startOne);
        saveState(state);
        checkAborted(opts.signal);
        say(`Waiting for ${first.length} reflectors to listen on TCP 179`);
        await waitListening(first, handles, opts);
      }
      await mapLimit(rest.length > 0 ? rest : first, limit, startOne);
      saveState(state);
      checkAborted(opts.signal);

      say('Waiting for every daemon to listen on TCP 179');
      await waitListening(topo.nodes, handles, opts);
      const done = process.hrtime.bigint();
      state.listeningMono = done.toString();
      state.deployMs = Number((done - started) / 1_000_000n);
      state.status = 'running';
      saveState(state);
      writeJsonAtomic(`${topo.labDir}/topology-data.json`, topologyData(topo, labelsOf(topo.file)));
      return state;
    } catch (err) {
      const error = err instanceof LabError ? err : new LabError((err as Error).message, failedNode);
      state.status = 'failed';
      state.error = error.message;
      try {
        saveState(state);
      } catch {
        // the directory may be unwritable; cleanup below still runs from memory
      }
      say(`Deploy failed (${error.message}); removing what was created`);
      await destroyLab({ name: topo.name, state });
      throw error;
    }
  }
}

/** Whether `ip` can create namespaces here (root and iproute2), for `--runtime auto` diagnostics. */
export async function netnsAvailable(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const r = await run('ip', ['netns', 'list'], { timeoutMs: 5000 });
  return r.code === 0;
}
