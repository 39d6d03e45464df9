/**
 * `bgplab converge`: deploy a fresh lab (or watch a running one), and measure from t0 (every daemon
 * listening, from the lab state) to (a) every node holding every other node's pod blocks in BGP, (b) in
 * its kernel FIB, (c) data-plane probes answering between sampled pod addresses; plus sessions against
 * the design's formula, UPDATE messages and bytes (fabric capture), CPU and memory per daemon at
 * convergence, and the deploy time. Kernel monitors, the capture and the probes start before the first
 * daemon (the deploy's `beforeDaemons` hook), so nothing happens unseen.
 */
import { destroyLab } from '../lab/destroy.js';
import { loadState, type LabState } from '../lab/state.js';
import type { ConvergeResult, DesignSpec, MissingRoutes, NodeMeasurement } from '../report/schema.js';
import { formulaSessions } from '../report/schema.js';
import { loadTopology } from '../topo/load.js';
import type { LabTopology } from '../topo/model.js';
import type { UpdateCounts } from './capture.js';
import { monoNow, monoToMs, wallMinusMonoMs, wallMsToMono } from './clock.js';
import { attachRunning, deployWatched, MeasureError, type LabSession, type SessionOptions } from './lab-session.js';
import { completionTimes, latest, nsToMs } from './observations.js';
import { throwIfInterrupted } from './interrupt.js';
import { sumUsage, type ProcUsage } from './proc.js';

/** The lab session's options (probes, capture, polling) plus what converge adds. */
export interface ConvergeOptions extends SessionOptions {
  /** Deploy this topology (fresh lab)… */
  topologyFile?: string;
  /** …or measure this running lab. */
  lab?: string;
  /** Keep a freshly deployed lab running afterwards. */
  keep?: boolean;
  /** Bound on waiting for convergence (ms). Default 60 s. */
  timeoutMs?: number;
  /** Count UPDATEs with a fabric capture (needs tcpdump). Default true here. */
  capture?: boolean;
}

export function designOf(topo: LabTopology): DesignSpec {
  const rr = topo.nodes.find((n) => n.role === 'rr');
  const client = topo.nodes.find((n) => n.role !== 'rr') ?? topo.nodes[0];
  return {
    mode: topo.mode,
    reflectors: topo.reflectors.length,
    nodes: topo.nodes.length,
    rrImpl: (rr ?? client).impl,
    clientImpl: client.impl,
    profile: topo.timers.profile,
    holdSeconds: topo.timers.hold,
  };
}

/** Sessions up, counted once per pair, when both ends that we can see say Established. */
export function countSessions(state: LabState, up: (node: string) => Set<string>): { established: number; perNode: Map<string, number> } {
  const addrToName = new Map(state.nodes.map((n) => [n.ipv4, n.name]));
  const perNode = new Map<string, number>();
  const seen = new Set<string>();
  let established = 0;
  for (const n of state.nodes) {
    const mine = up(n.name);
    perNode.set(n.name, n.peers.filter((p) => mine.has(p.address)).length);
    for (const p of n.peers) {
      const other = addrToName.get(p.address) ?? p.node;
      const key = [n.name, other].sort().join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      const otherNode = state.nodes.find((x) => x.name === other);
      const mineUp = mine.has(p.address);
      const theirsUp = otherNode ? up(other).has(n.ipv4) : mineUp;
      if (mineUp && theirsUp) established++;
    }
  }
  return { established, perNode };
}

function usageOf(state: LabState): Map<string, ProcUsage> {
  const m = new Map<string, ProcUsage>();
  for (const n of state.nodes) m.set(n.name, sumUsage(n.daemon?.processes.map((p) => p.pid) ?? []));
  return m;
}

/** One convergence measurement. Destroys a freshly deployed lab unless `keep`. */
export async function runConverge(opts: ConvergeOptions): Promise<ConvergeResult> {
  if (!opts.topologyFile && !opts.lab) throw new MeasureError('give a topology file (-t) or a running lab (--lab)');
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const say = opts.progress ?? (() => {});
  let s: LabSession | undefined;
  try {
    if (opts.lab) s = await attachRunning(opts.lab, opts);
    else {
      const topo = loadTopology(opts.topologyFile!);
      // converge -t measures a fresh deploy; a running lab of that name is measured with --lab.
      const running = loadState(topo.labDir);
      if (running) {
        throw new MeasureError(
          `lab ${topo.name} is already deployed (${running.status}): measure it with --lab ${topo.name}, or remove it first (bgplab destroy -t ${opts.topologyFile})`,
        );
      }
      s = await deployWatched(topo, { ...opts, capture: opts.capture ?? true });
    }
    return await measure(s, timeoutMs, say, opts.signal);
  } finally {
    if (s) {
      s.watcher.stop();
      await Promise.all(s.probes.map((p) => p.stop()));
      await s.capture?.stop();
      if (s.fresh && !opts.keep) {
        say(`Destroying lab ${s.state.name}`);
        await destroyLab({ name: s.state.name, state: s.state });
      }
    }
  }
}

async function measure(s: LabSession, timeoutMs: number, say: (m: string) => void, signal?: AbortSignal): Promise<ConvergeResult> {
  const { state, watcher, probes } = s;
  // t0 from the lab state is when the deploy noticed (it polls); the daemons' own records are exact.
  const labT0 = BigInt(state.listeningMono ?? state.t0Mono ?? String(monoNow()));
  let t0 = labT0;
  let t0Source = 'lab state (deploy saw every daemon listening)';
  say(`Waiting for convergence (at most ${(timeoutMs / 1000).toFixed(0)} s)`);
  let usage: Map<string, ProcUsage> | undefined;
  const converged = await watcher.until(
    () => {
      if (!watcher.allDone()) return false;
      usage ??= usageOf(state);
      return probes.every((p) => p.reached);
    },
    timeoutMs,
    signal,
  );
  throwIfInterrupted(signal, 'converge');
  usage ??= usageOf(state);
  // The capture needs a moment to flush its last block: overlap that with the final listings.
  const captureStopped = s.capture?.stop();
  await watcher.finalCheck();
  // The end of the measurement: what the watchers record after this (while the capture flushes) is not
  // part of it.
  const endT = monoNow();
  await Promise.all(probes.map((p) => p.stop()));
  let updates: UpdateCounts | undefined;
  if (s.capture) {
    await captureStopped;
    // Only what crossed the fabric until the end of the measurement (regression: a lab that had not
    // converged by its timeout showed UPDATEs from sessions that came up while the capture flushed).
    updates = s.capture.count(false, BigInt(Math.round((monoToMs(endT) + wallMinusMonoMs()) * 1e6)));
  }

  const own = watcher.listeningFromDaemons();
  const lastListen = s.fresh ? undefined : watcher.listeningFromDaemons(true);
  if (lastListen !== undefined && lastListen > labT0) {
    // A running lab changed since its deploy (a drill restarted a daemon): measuring from the deploy's
    // t0 would add the lab's age to every time. Every daemon has been listening since the last restart.
    t0 = lastListen;
    t0Source = 'last daemon to (re)start listening, from its own log (the lab changed since its deploy)';
  } else if (own !== undefined && own <= labT0) {
    t0 = own;
    t0Source = 'last daemon to listen, from its own log';
  }
  const times = completionTimes(
    watcher.exps,
    watcher.obs.filter((o) => o.t <= endT),
  );
  // Running lab measured from a restart: a node that held every route throughout (RFC 4724 kept them
  // while the daemon was away) completed before t0; it was converged at t0, 0 ms.
  const rel = (t: bigint | null | undefined) =>
    t === null || t === undefined ? null : Number(nsToMs(!s.fresh && t < t0 ? 0n : t - t0).toFixed(3));
  const allFib = watcher.exps.filter((e) => e.fib).map((e) => e.name);
  const bgpT = latest(times.bgp);
  const fibT = allFib.length ? latest(times.fib, (n) => allFib.includes(n)) : null;
  // From the deploy's start: the lab state records when every daemon was seen listening and how long
  // the deploy had taken by then (whole ms).
  const deployStart =
    s.fresh && state.listeningMono !== undefined && state.deployMs !== undefined
      ? BigInt(state.listeningMono) - BigInt(state.deployMs) * 1_000_000n
      : undefined;
  const upT = allFib.length ? fibT : bgpT;
  const fromDeployMs = deployStart !== undefined && upT !== null && upT !== undefined ? Number(nsToMs(upT - deployStart).toFixed(3)) : null;
  const reachedAll = probes.length > 0 && probes.every((p) => p.reached);
  const dpT = reachedAll
    ? probes.map((p) => wallMsToMono(p.firstStableWallMs!)).reduce((a, b) => (a > b ? a : b))
    : null;

  // Running lab: polled nodes were already converged when we looked; their times say nothing.
  const exactOnly = !s.fresh && state.nodes.some((n) => n.impl !== 'bgplab');
  // Running lab: the probes start now, long after t0, so their first reply measures our own start, not
  // the data plane's convergence (it read "16 s" on a lab whose FIB converged in 90 ms).
  const dataplaneTimed = s.fresh && !exactOnly;

  const ups = (name: string) => times.states.get(name)!.up;
  const sess = countSessions(state, ups);
  // What t0 left to do: the sessions up when the last daemon began to listen, and how long after it
  // the last one came up (fresh labs: a running lab's sessions were up long before we looked).
  const atT0 = s.fresh ? completionTimes(watcher.exps, watcher.obs.filter((o) => o.t <= t0)) : null;
  const upAtT0 = atT0 ? countSessions(state, (name) => atT0.states.get(name)!.up).established : null;
  const sessT = latest(times.sessions);
  const sessionsMs = !s.fresh || sessT === null ? null : Math.max(0, Number(nsToMs(sessT - t0).toFixed(3)));
  const missing: MissingRoutes[] = [];
  const nodes: NodeMeasurement[] = state.nodes.map((n) => {
    const st = times.states.get(n.name)!;
    const exp = st.exp.expected;
    const u = usage!.get(n.name)!;
    const per = updates?.perAddress.get(n.ipv4);
    const lackBgp = st.bgpCount === null ? [...exp].filter((p) => !st.bgp.has(p)) : [];
    const lackFib = n.fib ? [...exp].filter((p) => !st.fibSet.has(p)) : [];
    if ((st.bgpCount !== null && st.bgpCount < exp.size) || lackBgp.length || lackFib.length) {
      missing.push({ node: n.name, bgp: st.bgpCount !== null && st.bgpCount < exp.size ? [`${exp.size - st.bgpCount} routes (count only)`] : lackBgp, fib: lackFib });
    }
    return {
      name: n.name,
      role: n.role,
      impl: n.impl,
      sessions: { expected: n.peers.length, established: sess.perNode.get(n.name) ?? 0 },
      routes: st.bgpHave,
      expectedRoutes: exp.size,
      fibRoutes: n.fib ? st.fibSet.size : null,
      bgpMs: exactOnly ? null : rel(times.bgp.get(n.name)),
      fibMs: exactOnly || !n.fib ? null : rel(times.fib.get(n.name)),
      cpuMs: u.cpuMs,
      startupCpuMs: watcher.startupCpuMs(n.name),
      rssBytes: u.rssPeakBytes,
      pssBytes: u.pssBytes,
      updates: per ? { in: per.in, out: per.out, bytesIn: per.bytesIn, bytesOut: per.bytesOut } : { in: null, out: null, bytesIn: null, bytesOut: null },
    };
  });
  if (updates) {
    // A node with sessions up must have sent at least an End-of-RIB (RFC 4724 §2) or its blocks: none
    // seen means the capture missed its traffic, and the totals are a lower bound.
    const silent = nodes.filter((n) => n.sessions.established > 0 && (n.updates.out ?? 0) === 0).map((n) => n.name);
    if (silent.length) updates.notes.push(`no UPDATE captured from ${silent.join(', ')}: totals are a lower bound`);
  }
  const design = designOf(s.topo);
  const bgpMethod = watcher.methods();
  const fibMethod = watcher.fibMethod();
  const cpuVals = nodes.map((n) => n.cpuMs).filter((x): x is number => x !== null);
  const ok = converged && missing.length === 0 && sess.established === formulaSessions(design.mode, design.nodes, design.reflectors);
  return {
    lab: state.name,
    topology: state.topologyFile,
    design,
    deployMs: state.deployMs ?? null,
    sessions: { expected: s.topo.expectedSessions, established: sess.established, upAtT0 },
    convergence: {
      converged: ok,
      bgpMs: exactOnly ? null : rel(bgpT),
      fibMs: exactOnly ? null : rel(fibT),
      dataplaneMs: dataplaneTimed ? rel(dpT) : null,
      fromDeployMs: exactOnly ? null : fromDeployMs,
      sessionsMs,
      timeoutMs,
      method: {
        t0: t0Source,
        bgp: bgpMethod.bgp,
        fib: fibMethod.fib,
        dataplane: !probes.length
          ? 'no probe pairs'
          : dataplaneTimed
            ? `ping between ${probes.length} pod-address pairs every ${probes[0].intervalMs} ms; first of 3 replies in a row`
            : `running lab: ${probes.filter((p) => p.reached).length} of ${probes.length} pod-address pairs answer ping; no time (probes began after t0)`,
      },
      resolutionMs: { bgp: bgpMethod.resolutionMs, fib: fibMethod.resolutionMs, dataplane: probes[0]?.intervalMs ?? 0 },
    },
    dataplane: { pairs: probes.length, reached: probes.filter((p) => p.reached).length },
    updates: updates
      ? { messages: updates.messages, bytes: updates.bytes, source: `tcpdump on the fabric bridge ports${updates.notes.length ? ` (${updates.notes.join('; ')})` : ''}` }
      : { messages: null, bytes: null, source: s.captureNote ?? 'not measured' },
    cpu: { totalMs: cpuVals.length ? cpuVals.reduce((a, b) => a + b, 0) : null },
    nodes,
    missing,
  };
}
