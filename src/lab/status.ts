/**
 * Looking at a running lab: per-node process state (inspect), and per-node BGP status (sessions
 * established of expected, routes learned in BGP and present in the kernel, of expected) gathered from
 * each daemon's own interface. The summarizing is pure; the gathering is bounded in time and concurrency.
 */
import ipaddr from 'ipaddr.js';
import { kernelRoutes, queryStatus } from '../daemons/index.js';
import type { DaemonStatus, KernelRoute, PeerState } from '../daemons/types.js';
import { netnsExists } from '../sys/netns.js';
import { isOurs, sameProcess } from '../sys/proc.js';
import { mapLimit } from './limit.js';
import { NodeNotFound } from './resolve.js';
import { recordedSpawns, type LabState, type NodeState } from './state.js';

export type NodeRunState = 'running' | 'exited' | 'partial' | 'starting' | 'missing';

export interface NodeInspect {
  name: string;
  longname: string;
  role: string;
  impl: string;
  state: NodeRunState;
  ipv4: string;
  ipv6: string | null;
  pids: number[];
}

/** Process state of every node, from /proc (no fork). */
export function inspectLab(state: LabState): NodeInspect[] {
  return state.nodes.map((n) => {
    const procs = n.daemon?.processes ?? recordedSpawns(n.runDir);
    const alive = procs.filter(isOurs);
    let run: NodeRunState;
    if (state.runtime === 'netns' && !netnsExists(n.ns)) run = 'missing';
    else if (procs.length === 0) run = state.status === 'deploying' ? 'starting' : 'exited';
    else if (alive.length === procs.length) run = 'running';
    else run = alive.length === 0 ? 'exited' : 'partial';
    return {
      name: n.name,
      longname: n.ns,
      role: n.role,
      impl: n.impl,
      state: run,
      ipv4: `${n.ipv4}/${n.ipv4PrefixLength}`,
      ipv6: n.ipv6 ? `${n.ipv6}/${n.ipv6PrefixLength}` : null,
      pids: procs.map((p) => p.pid),
    };
  });
}

/** Canonical text of a prefix (RFC 5952 for IPv6) so kernel and topology spellings compare equal. */
export function canonicalPrefix(cidr: string): string {
  try {
    const [addr, len] = ipaddr.parseCIDR(cidr);
    return `${addr.toString()}/${len}`;
  } catch {
    return cidr;
  }
}

export interface NodeSummary {
  name: string;
  role: string;
  impl: string;
  sessions: { established: number; expected: number };
  bgp: { ipv4: number; ipv6: number };
  /** null: the implementation has no kernel FIB (GoBGP). */
  kernel: { ipv4: number; ipv6: number } | null;
  expected: { ipv4: number; ipv6: number };
  /** Why the daemon could not be asked, if it could not. */
  error?: string;
}

/** Pure: one node's row from its daemon status and its kernel routes. */
export function summarizeNode(
  node: NodeState,
  status: DaemonStatus | undefined,
  routes: KernelRoute[] | null,
  otherBlocks: ReadonlySet<string>,
  error?: string,
): NodeSummary {
  const expectedPeers = new Set(node.peers.map((p) => p.address));
  const established = (status?.peers ?? []).filter((p) => p.state === 'Established' && expectedPeers.has(p.address)).length;
  let kernel: NodeSummary['kernel'] = null;
  if (node.fib) {
    kernel = { ipv4: 0, ipv6: 0 };
    for (const r of routes ?? []) {
      if (r.type !== 'unicast') continue;
      if (otherBlocks.has(canonicalPrefix(r.dst))) kernel[r.family]++;
    }
  }
  return {
    name: node.name,
    role: node.role,
    impl: node.impl,
    sessions: { established, expected: node.peers.length },
    bgp: status ? { ...status.routes } : { ipv4: 0, ipv6: 0 },
    kernel,
    expected: { ...node.expectedRoutes },
    ...(error ? { error } : {}),
  };
}

export interface LabTotals {
  nodes: number;
  /** Each session counted once: (sum of per-node established) / 2. */
  sessionsEstablished: number;
  sessionsExpected: number;
  bgp: { ipv4: number; ipv6: number };
  kernel: { ipv4: number; ipv6: number };
  expected: { ipv4: number; ipv6: number };
  /** Expected kernel routes (nodes with a FIB only). */
  expectedKernel: { ipv4: number; ipv6: number };
  converged: boolean;
}

/** Pure: the total line. */
export function labTotals(rows: NodeSummary[]): LabTotals {
  const t: LabTotals = {
    nodes: rows.length,
    sessionsEstablished: 0,
    sessionsExpected: 0,
    bgp: { ipv4: 0, ipv6: 0 },
    kernel: { ipv4: 0, ipv6: 0 },
    expected: { ipv4: 0, ipv6: 0 },
    expectedKernel: { ipv4: 0, ipv6: 0 },
    converged: false,
  };
  let est = 0;
  let exp = 0;
  for (const r of rows) {
    est += r.sessions.established;
    exp += r.sessions.expected;
    t.bgp.ipv4 += r.bgp.ipv4;
    t.bgp.ipv6 += r.bgp.ipv6;
    t.expected.ipv4 += r.expected.ipv4;
    t.expected.ipv6 += r.expected.ipv6;
    if (r.kernel) {
      t.kernel.ipv4 += r.kernel.ipv4;
      t.kernel.ipv6 += r.kernel.ipv6;
      t.expectedKernel.ipv4 += r.expected.ipv4;
      t.expectedKernel.ipv6 += r.expected.ipv6;
    }
  }
  t.sessionsEstablished = Math.floor(est / 2);
  t.sessionsExpected = Math.floor(exp / 2);
  t.converged =
    est === exp &&
    t.bgp.ipv4 === t.expected.ipv4 &&
    t.bgp.ipv6 === t.expected.ipv6 &&
    t.kernel.ipv4 === t.expectedKernel.ipv4 &&
    t.kernel.ipv6 === t.expectedKernel.ipv6 &&
    rows.every((r) => !r.error);
  return t;
}

function blocksOtherThan(state: LabState, node: NodeState): Set<string> {
  const set = new Set<string>();
  for (const n of state.nodes) {
    if (n.name === node.name) continue;
    for (const b of [...n.podBlocks.ipv4, ...n.podBlocks.ipv6]) set.add(canonicalPrefix(b));
  }
  return set;
}

/** Ask every node's daemon and kernel (bounded: `timeoutMs` per query, `concurrency` at once). */
export async function labStatus(
  state: LabState,
  opts: { concurrency?: number; timeoutMs?: number; nodes?: string[] } = {},
): Promise<{ rows: NodeSummary[]; totals: LabTotals }> {
  const nodes = opts.nodes ? state.nodes.filter((n) => opts.nodes!.includes(n.name)) : state.nodes;
  const rows = await mapLimit(nodes, opts.concurrency ?? 8, async (n) => {
    if (!n.daemon) return summarizeNode(n, undefined, null, new Set(), 'daemon not started');
    const [st, kr] = await Promise.allSettled([
      queryStatus(n.daemon, opts.timeoutMs ?? 5000),
      n.fib ? kernelRoutes(n.daemon, opts.timeoutMs ?? 5000) : Promise.resolve([] as KernelRoute[]),
    ]);
    const error = st.status === 'rejected' ? whyUnanswered(n, st.reason as Error) : undefined;
    return summarizeNode(
      n,
      st.status === 'fulfilled' ? st.value : undefined,
      kr.status === 'fulfilled' ? kr.value : null,
      blocksOtherThan(state, n),
      error,
    );
  });
  return { rows, totals: labTotals(rows) };
}

/**
 * Why a node's daemon did not answer, in the user's terms: a daemon that is gone says so (with its pid)
 * rather than "control.sock: no speaker listening (ECONNREFUSED)".
 */
export function whyUnanswered(n: NodeState, err: Error): string {
  const procs = n.daemon?.processes ?? [];
  const dead = procs.filter((p) => !sameProcess(p));
  if (procs.length > 0 && dead.length === procs.length) return `${n.impl} not running (pid ${dead.map((p) => p.pid).join(',')} exited)`;
  if (dead.length > 0) return `${n.impl}: pid ${dead.map((p) => p.pid).join(',')} exited; ${err.message}`;
  return err.message;
}

/** calicoctl's PEER TYPE column, in the terms of this lab's design. */
export function peerType(node: NodeState, peerAddress: string, state: LabState): string {
  const peer = node.peers.find((p) => p.address === peerAddress);
  if (!peer) return 'unexpected';
  if (node.role === 'mesh') return 'node-to-node mesh';
  if (peer.rrClient) return 'rr client';
  const other = state.nodes.find((n) => n.name === peer.node);
  return other?.role === 'rr' ? 'route reflector' : 'global';
}

export interface NodeDetail {
  node: string;
  impl: string;
  role: string;
  peers: Array<PeerState & { type: string }>;
  /** Expected peers the daemon does not list at all. */
  missing: Array<{ node: string; address: string; type: string }>;
  routes: { ipv4: number; ipv6: number };
  kernel: { ipv4: number; ipv6: number } | null;
  expected: { ipv4: number; ipv6: number };
}

/** One node in detail (calicoctl node status). Throws when its daemon cannot be asked. */
export async function nodeDetail(state: LabState, name: string, timeoutMs = 5000): Promise<NodeDetail> {
  const node = state.nodes.find((n) => n.name === name);
  if (!node) throw new NodeNotFound(`no node ${JSON.stringify(name)} in lab ${state.name} (nodes: ${state.nodes.slice(0, 8).map((n) => n.name).join(', ')}${state.nodes.length > 8 ? ', …' : ''})`);
  if (!node.daemon) throw new Error(`node ${name}: daemon not started`);
  const [st, kr] = await Promise.all([
    queryStatus(node.daemon, timeoutMs).catch((err: Error) => {
      throw new Error(`node ${name}: ${whyUnanswered(node, err)}`);
    }),
    node.fib ? kernelRoutes(node.daemon, timeoutMs) : Promise.resolve([] as KernelRoute[]),
  ]);
  const summary = summarizeNode(node, st, kr, blocksOtherThan(state, node));
  const listed = new Set(st.peers.map((p) => p.address));
  return {
    node: node.name,
    impl: node.impl,
    role: node.role,
    peers: st.peers.map((p) => ({ ...p, type: peerType(node, p.address, state) })),
    missing: node.peers.filter((p) => !listed.has(p.address)).map((p) => ({ node: p.node, address: p.address, type: peerType(node, p.address, state) })),
    routes: st.routes,
    kernel: summary.kernel,
    expected: node.expectedRoutes,
  };
}
