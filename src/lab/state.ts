/**
 * What a deployed lab leaves on disk so that any later bgplab process (inspect, status, destroy, the
 * measurements) can find every namespace, process and file of it, even after a crash: state.json in the
 * lab directory (written before each group of resources is created), a pids.json per node written the
 * moment a daemon is spawned, and an entry in the machine-wide index (/run/bgplab/labs/<lab>.json, or
 * $BGPLAB_INDEX_DIR) pointing at the lab directory.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonHandle, DaemonProcess } from '../daemons/types.js';
import type { LabNode, LabTopology, NodeImpl, NodeRole } from '../topo/model.js';
import { fabricNamespace, podAddresses, type PodAddresses } from './plan.js';

export const STATE_VERSION = 1;
export type RuntimeKind = 'netns' | 'containerlab';
export type LabStatus = 'deploying' | 'running' | 'failed' | 'destroying';

export interface NodePeerState {
  node: string;
  address: string;
  rrClient: boolean;
}

export interface NodeState {
  name: string;
  ns: string;
  role: NodeRole;
  impl: NodeImpl;
  index: number;
  ipv4: string;
  ipv4PrefixLength: number;
  ipv6: string | null;
  ipv6PrefixLength: number | null;
  mac: string;
  podBlocks: { ipv4: string[]; ipv6: string[] };
  podAddresses: PodAddresses;
  peers: NodePeerState[];
  expectedRoutes: { ipv4: number; ipv6: number };
  fib: boolean;
  configPath: string;
  runDir: string;
  /** Set once the daemon's start sequence finished. */
  daemon: DaemonHandle | null;
}

export interface LabState {
  version: number;
  name: string;
  runtime: RuntimeKind;
  status: LabStatus;
  topologyFile: string;
  labDir: string;
  createdAt: string;
  /** Every namespace the lab creates (fabric first), recorded before any is created. */
  namespaces: string[];
  fabricNs: string | null;
  /** containerlab runtime: host bridge we created (root namespace), removed on destroy. */
  hostBridge?: string | null;
  nodes: NodeState[];
  /** CLOCK_MONOTONIC ns (decimal string) when the first daemon was spawned. */
  t0Mono?: string;
  /** CLOCK_MONOTONIC ns when every daemon was listening on TCP 179. */
  listeningMono?: string;
  /** Wall time from the start of deploy until every daemon listened. */
  deployMs?: number;
  error?: string;
}

export interface IndexEntry {
  name: string;
  labDir: string;
  topologyFile: string;
  runtime: RuntimeKind;
  createdAt: string;
  /** Copy of the namespaces, so a lab whose directory vanished can still be cleaned up. */
  namespaces: string[];
}

export function indexDir(): string {
  return process.env.BGPLAB_INDEX_DIR || '/run/bgplab/labs';
}

export const stateFile = (labDir: string): string => join(labDir, 'state.json');
export const pidsFile = (runDir: string): string => join(runDir, 'pids.json');

/** Write JSON atomically (temp file + rename): a reader never sees half a file. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function nodeStateFrom(node: LabNode): NodeState {
  return {
    name: node.name,
    ns: node.containerName,
    role: node.role,
    impl: node.impl,
    index: node.index,
    ipv4: node.fabric.ipv4,
    ipv4PrefixLength: node.fabric.ipv4PrefixLength,
    ipv6: node.fabric.ipv6,
    ipv6PrefixLength: node.fabric.ipv6PrefixLength,
    mac: node.fabric.mac,
    podBlocks: node.podBlocks,
    podAddresses: podAddresses(node),
    peers: node.peers.map((p) => ({ node: p.node, address: p.address, rrClient: p.rrClient })),
    expectedRoutes: node.expectedRoutes,
    fib: node.fib,
    configPath: node.paths.config,
    runDir: node.paths.runtimeDir,
    daemon: null,
  };
}

export function initialState(topo: LabTopology, runtime: RuntimeKind): LabState {
  const fabricNs = runtime === 'netns' ? fabricNamespace(topo.name) : null;
  return {
    version: STATE_VERSION,
    name: topo.name,
    runtime,
    status: 'deploying',
    topologyFile: topo.file,
    labDir: topo.labDir,
    createdAt: new Date().toISOString(),
    namespaces: runtime === 'netns' ? [fabricNs!, ...topo.nodes.map((n) => n.containerName)] : [],
    fabricNs,
    nodes: topo.nodes.map(nodeStateFrom),
  };
}

export function saveState(state: LabState): void {
  mkdirSync(state.labDir, { recursive: true });
  writeJsonAtomic(stateFile(state.labDir), state);
}

export function loadState(labDir: string): LabState | undefined {
  const s = readJson<LabState>(stateFile(labDir));
  return s && typeof s === 'object' && typeof s.name === 'string' && Array.isArray(s.nodes) ? s : undefined;
}

export function registerLab(state: LabState): void {
  mkdirSync(indexDir(), { recursive: true });
  const entry: IndexEntry = {
    name: state.name,
    labDir: state.labDir,
    topologyFile: state.topologyFile,
    runtime: state.runtime,
    createdAt: state.createdAt,
    namespaces: state.namespaces,
  };
  writeJsonAtomic(join(indexDir(), `${state.name}.json`), entry);
}

export function unregisterLab(name: string): void {
  rmSync(join(indexDir(), `${name}.json`), { force: true });
}

export function listIndex(): IndexEntry[] {
  const dir = indexDir();
  if (!existsSync(dir)) return [];
  const out: IndexEntry[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    const e = readJson<IndexEntry>(join(dir, f));
    if (e && typeof e.name === 'string' && typeof e.labDir === 'string') out.push(e);
  }
  return out;
}

export function indexEntry(name: string): IndexEntry | undefined {
  return listIndex().find((e) => e.name === name);
}

/** Record a spawned process of a node at once (before any wait), so a killed deploy leaves its PID behind. */
export function recordSpawn(runDir: string, proc: DaemonProcess): void {
  const path = pidsFile(runDir);
  const list = readJson<DaemonProcess[]>(path) ?? [];
  list.push(proc);
  writeJsonAtomic(path, list);
}

export function recordedSpawns(runDir: string): DaemonProcess[] {
  const list = readJson<DaemonProcess[]>(pidsFile(runDir));
  return Array.isArray(list) ? list.filter((p) => p && Number.isInteger(p.pid)) : [];
}
