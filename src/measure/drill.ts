/**
 * `bgplab drill`: on a converged lab, start data-plane probes between pod addresses (pairs that do not
 * involve the target), watch every node's sessions and kernel routes, inject the fault into the target,
 * keep watching for the given time, recover, and watch until the lab has reconverged. The analysis is
 * pure (drill-analysis.ts); this file only does the I/O, each step bounded.
 *
 * Faults (RFC 4271 terms): kill = SIGKILL, the TCP connections are reset, peers see it at once;
 * freeze = SIGSTOP, silent until the peers' hold timers expire (§6.5); link-down = the node's bridge port
 * goes down, as a cut cable or a power loss, peers again wait for the hold timer; graceful = SIGTERM, the
 * daemon sends a Cease NOTIFICATION (§6.7) first; restart = stop and start again at once.
 */
import { startDaemon, stopDaemon } from '../daemons/index.js';
import type { DaemonHandle } from '../daemons/types.js';
import { destroyLab, labOfTopologyFile } from '../lab/destroy.js';
import { NodeNotFound } from '../lab/resolve.js';
import { loadState, recordSpawn, saveState, type LabState } from '../lab/state.js';
import type { DrillResult, Fault } from '../report/schema.js';
import { FAULTS } from '../report/schema.js';
import { runChecked } from '../sys/exec.js';
import { signalIfOurs } from '../sys/proc.js';
import { loadTopology } from '../topo/load.js';
import { monoNow } from './clock.js';
import { analyzeDrill } from './drill-analysis.js';
import { attachRunning, deployWatched, MeasureError, type LabSession } from './lab-session.js';
import { throwIfInterrupted } from './interrupt.js';
import { choosePairs, PingProbe } from './probes.js';

export interface DrillOptions {
  /** Topology file: its lab is used when deployed, else deployed for the drill and destroyed after. */
  topologyFile?: string;
  /** A running lab by name. */
  lab?: string;
  target: string;
  fault: Fault;
  /** How long the fault lasts before recovery (ms). Default: 2 hold times + 2 s (hold-timer faults), else 5 s. */
  forMs?: number;
  probePairs?: number;
  /** Probe interval (ms): 10 gives about 60 probes a second per pair with iputils ping. */
  probeIntervalMs?: number;
  resolutionMs?: number;
  /** Bound on the initial convergence and on reconvergence after recovery (ms). Default 60 s. */
  timeoutMs?: number;
  keep?: boolean;
  progress?: (message: string) => void;
  signal?: AbortSignal;
  speakerEntry?: string;
}

function checkOptions(o: DrillOptions): void {
  if (!FAULTS.includes(o.fault)) throw new MeasureError(`--fault ${JSON.stringify(o.fault)}: must be one of ${FAULTS.join(', ')}`);
  if (!o.topologyFile && !o.lab) throw new MeasureError('give a topology file (-t) or a running lab (--lab)');
  if (o.forMs !== undefined && (!Number.isFinite(o.forMs) || o.forMs < 0 || o.forMs > 3_600_000)) {
    throw new MeasureError(`--for ${o.forMs / 1000}: must be between 0 and 3600 seconds`);
  }
}

function handleOf(state: LabState, node: string): DaemonHandle {
  const n = state.nodes.find((x) => x.name === node);
  if (!n?.daemon) throw new MeasureError(`node ${node} has no running daemon recorded`);
  return n.daemon;
}

async function restartDaemon(state: LabState, name: string, speakerEntry?: string): Promise<DaemonHandle> {
  const i = state.nodes.findIndex((x) => x.name === name);
  const n = state.nodes[i];
  const h = await startDaemon({
    impl: n.impl,
    ns: n.ns,
    configPath: n.configPath,
    runDir: n.runDir,
    name: n.name,
    originate: n.impl === 'gobgp' ? [...n.podBlocks.ipv4, ...n.podBlocks.ipv6] : undefined,
    speakerEntry,
    onSpawn: (p) => recordSpawn(n.runDir, p),
  });
  // Record the new processes so destroy stops them by identity.
  state.nodes[i].daemon = h;
  const onDisk = loadState(state.labDir);
  if (onDisk) {
    const j = onDisk.nodes.findIndex((x) => x.name === name);
    if (j >= 0) onDisk.nodes[j].daemon = h;
    saveState(onDisk);
  }
  return h;
}

/** Run one drill. Deploys (and destroys) the lab when the topology's lab is not running. */
export async function runDrill(opts: DrillOptions): Promise<DrillResult> {
  checkOptions(opts);
  const say = opts.progress ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let s: LabSession | undefined;
  let fresh = false;
  const frozen: DaemonHandle[] = [];
  let linkDown: { ns: string; port: string } | undefined;
  try {
    if (opts.lab) s = await attachRunning(opts.lab, { resolutionMs: opts.resolutionMs, probePairs: 0 });
    else {
      const { name, labDir } = labOfTopologyFile(opts.topologyFile!);
      if (loadState(labDir)) s = await attachRunning(name, { resolutionMs: opts.resolutionMs, probePairs: 0 });
      else {
        const topo = loadTopology(opts.topologyFile!);
        fresh = true;
        s = await deployWatched(topo, { resolutionMs: opts.resolutionMs, probePairs: 0, capture: false, progress: say, signal: opts.signal, speakerEntry: opts.speakerEntry });
      }
    }
    const { state, watcher, topo } = s;
    const target = state.nodes.find((n) => n.name === opts.target);
    if (!target) throw new NodeNotFound(`--target ${JSON.stringify(opts.target)}: no such node in lab ${state.name} (nodes: ${state.nodes.map((n) => n.name).slice(0, 8).join(', ')}…)`);
    const topoNode = topo.nodes.find((n) => n.name === target.name)!;
    const holdMs = topo.timers.hold * 1000;
    const forMs = opts.forMs ?? (opts.fault === 'freeze' || opts.fault === 'link-down' ? 2 * holdMs + 2000 : 5000);

    say(`Waiting for lab ${state.name} to converge (at most ${timeoutMs / 1000} s)`);
    const convergedBefore = await watcher.until(() => watcher.allDone(), timeoutMs, opts.signal);
    throwIfInterrupted(opts.signal, 'drill');
    if (!convergedBefore) {
      const lacking = [...watcher.live.values()].filter((x) => !watcher.nodeDone(x.exp.name)).map((x) => x.exp.name);
      throw new MeasureError(`lab ${state.name} did not converge within ${timeoutMs / 1000} s (not done: ${lacking.slice(0, 10).join(', ')}); no drill on a lab that is not converged`);
    }

    // Probes between pod addresses of nodes other than the target.
    const intervalMs = opts.probeIntervalMs ?? 10;
    const pairs = choosePairs(state, opts.probePairs ?? 4, [target.name]);
    const probes = pairs.map((p) => new PingProbe(p, intervalMs, 3));
    for (const p of probes) p.start();
    s.probes.push(...probes);
    say(`Probing ${pairs.length} pod-address pairs every ${intervalMs} ms`);
    await watcher.until(() => probes.every((p) => p.reached), 5000, opts.signal);
    throwIfInterrupted(opts.signal, 'drill');
    const probesFrom = monoNow();
    // The target's peers are polled at full rate: they are the ones that detect the failure.
    for (const e of watcher.exps) if (e.peers.includes(target.ipv4)) watcher.hot.add(e.name);
    await watcher.watchFor(500, opts.signal);
    throwIfInterrupted(opts.signal, 'drill');

    const notes: Array<{ t: bigint; what: string }> = [];
    const h = handleOf(state, target.name);
    const pids = h.processes.map((p) => p.pid).join(',');
    say(`Injecting ${opts.fault} into ${target.name}`);
    let faultAt: bigint;
    switch (opts.fault) {
      case 'kill': {
        faultAt = monoNow();
        for (const p of h.processes) signalIfOurs(p, 'SIGKILL');
        notes.push({ t: faultAt, what: `fault: SIGKILL ${target.name} (${h.impl}, pid ${pids})` });
        break;
      }
      case 'freeze': {
        faultAt = monoNow();
        for (const p of h.processes) signalIfOurs(p, 'SIGSTOP');
        frozen.push(h);
        notes.push({ t: faultAt, what: `fault: SIGSTOP ${target.name} (${h.impl}, pid ${pids})` });
        break;
      }
      case 'link-down': {
        const port = topoNode.fabric.bridgePort;
        if (!state.fabricNs) throw new MeasureError('link-down needs the netns runtime (a fabric namespace)');
        linkDown = { ns: state.fabricNs, port };
        faultAt = monoNow();
        await runChecked('ip', ['-n', state.fabricNs, 'link', 'set', port, 'down']);
        notes.push({ t: faultAt, what: `fault: link down, ${target.name}'s bridge port ${port}` });
        break;
      }
      case 'graceful':
      case 'restart': {
        faultAt = monoNow();
        const r = await stopDaemon(h, 5000);
        notes.push({ t: faultAt, what: `fault: SIGTERM ${target.name} (${h.impl}, pid ${pids}): ${r.join(', ')}` });
        break;
      }
    }

    let recoverAt: bigint | null = null;
    if (opts.fault === 'restart') {
      recoverAt = monoNow();
      const nh = await restartDaemon(state, target.name, opts.speakerEntry);
      watcher.reattach(target.name, nh);
      watcher.resetNode(target.name);
      notes.push({ t: recoverAt, what: `recovery: ${target.name} started again (pid ${nh.processes.map((p) => p.pid).join(',')})` });
    }
    say(`Watching for ${(forMs / 1000).toFixed(1)} s`);
    // Interrupted or not, recover below (restart a killed daemon of a running lab); report nothing after.
    await watcher.watchFor(forMs, opts.signal);

    if (opts.fault !== 'restart') {
      recoverAt = monoNow();
      switch (opts.fault) {
        case 'kill':
        case 'graceful': {
          const nh = await restartDaemon(state, target.name, opts.speakerEntry);
          watcher.reattach(target.name, nh);
          notes.push({ t: recoverAt, what: `recovery: ${target.name} started again (pid ${nh.processes.map((p) => p.pid).join(',')})` });
          break;
        }
        case 'freeze':
          for (const p of h.processes) signalIfOurs(p, 'SIGCONT');
          frozen.length = 0;
          notes.push({ t: recoverAt, what: `recovery: SIGCONT ${target.name}` });
          break;
        case 'link-down':
          await runChecked('ip', ['-n', linkDown!.ns, 'link', 'set', linkDown!.port, 'up']);
          linkDown = undefined;
          notes.push({ t: recoverAt, what: `recovery: link up` });
          break;
      }
      watcher.resetNode(target.name);
    }
    say('Waiting for reconvergence');
    const seenSince = () => watcher.obs.some((o) => o.node === target.name && o.t > recoverAt!);
    const needFresh = opts.fault === 'kill' || opts.fault === 'graceful' || opts.fault === 'restart';
    await watcher.until(() => watcher.allDone() && (!needFresh || seenSince()), timeoutMs, opts.signal);
    throwIfInterrupted(opts.signal, 'drill');
    // A little more so the last changes and probe verdicts are in.
    await watcher.watchFor(300, opts.signal);
    throwIfInterrupted(opts.signal, 'drill');
    await Promise.all(probes.map((p) => p.stop()));
    const endAt = monoNow();
    await watcher.finalCheck();

    const peerImpls = new Set(state.nodes.filter((n) => n.peers.some((p) => p.address === target.ipv4)).map((n) => n.impl));
    const method = [...peerImpls]
      .map((i) => (i === 'bgplab' ? 'bgplab peers: speaker event log (exact)' : i === 'bird' ? 'BIRD peers: state changes in BIRD\'s log (ms)' : `${i} peers: CLI polled every 250 ms`))
      .join('; ');
    return analyzeDrill({
      lab: state.name,
      target: { name: target.name, address: target.ipv4, role: target.role, impl: target.impl, blocks: [...target.podBlocks.ipv4, ...target.podBlocks.ipv6].map((p) => p.toLowerCase()) },
      fault: opts.fault,
      forMs,
      faultAt,
      recoverAt,
      endAt,
      probesFrom,
      intervalMs: effectiveInterval(probes, probesFrom, endAt) ?? intervalMs,
      exps: watcher.exps,
      obs: watcher.obs,
      probes: probes.map((p) => p.result()),
      detectionMethod: method,
      notes,
    });
  } finally {
    // Never leave a frozen daemon or a cut link behind, whatever happened.
    for (const h of frozen) for (const p of h.processes) signalIfOurs(p, 'SIGCONT');
    if (linkDown) await runChecked('ip', ['-n', linkDown.ns, 'link', 'set', linkDown.port, 'up']).catch(() => {});
    if (s) {
      s.watcher.stop();
      await Promise.all(s.probes.map((p) => p.stop()));
      await s.capture?.stop();
      if (fresh && !opts.keep) {
        say(`Destroying lab ${s.state.name}`);
        await destroyLab({ name: s.state.name, state: s.state });
      }
    }
  }
}

/** Mean spacing of probe verdicts (ms) actually achieved, over all pairs. */
function effectiveInterval(probes: PingProbe[], from: bigint, to: bigint): number | undefined {
  let n = 0;
  for (const p of probes) n += p.verdicts().filter((v) => v.t >= from && v.t <= to).length;
  if (n === 0 || probes.length === 0) return undefined;
  return Number(((Number(to - from) / 1e6) * probes.length / n).toFixed(2));
}

