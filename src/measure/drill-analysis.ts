/**
 * Pure analysis of a drill: from the observations recorded around a fault (sessions, kernel routes),
 * the probe verdicts and the moments of injection and recovery, compute detection, route loss (peak,
 * node-prefix-seconds), probe loss, reconvergence, a timeline and a one-line verdict.
 *
 * Route loss counts (node, prefix) pairs missing from kernel FIBs among the nodes that stay up; the
 * target's own pod blocks are excluded (a dead node's blocks are meant to be withdrawn), and so is the
 * target's own table.
 */
import { fmtInt, fmtMs, fmtSeconds } from '../report/format.js';
import type { DrillResult, Fault, TimelineEntry } from '../report/schema.js';
import { completionTimes, latest, NodeState, nsToMs, sortObservations, type NodeExpectation, type Observation } from './observations.js';

export interface ProbeVerdict {
  /** Monotonic ns of the reply or of the "no answer" verdict. */
  t: bigint;
  ok: boolean;
}

export interface ProbePair {
  from: string;
  to: string;
  verdicts: ProbeVerdict[];
}

export interface DrillInput {
  lab: string;
  target: { name: string; address: string; role: DrillResult['targetRole']; impl: DrillResult['targetImpl']; blocks: string[] };
  fault: Fault;
  forMs: number;
  /** Monotonic ns: fault injected; recovery action taken; end of observation. */
  faultAt: bigint;
  recoverAt: bigint | null;
  endAt: bigint;
  /** Probe verdicts before this time are ignored (probes warming up). */
  probesFrom: bigint;
  intervalMs: number;
  exps: NodeExpectation[];
  obs: Observation[];
  probes: ProbePair[];
  /** How sessions were watched, per implementation (for the record). */
  detectionMethod: string;
  /** Extra timeline lines from the runner (fault injected, process ids…), times in ns. */
  notes: Array<{ t: bigint; what: string }>;
}

/**
 * How close a kernel delete and an add of the same prefix on the same node must be to count as one
 * replacement. FRR's zebra changes a route's next hop by deleting the route and adding it again (a few
 * µs apart in `ip monitor`), where bgplab and BIRD replace it in one netlink message; no probe can fall
 * into such a gap, and counting it made FRR clients "lose" routes in drills where nothing was lost.
 */
export const REPLACE_WINDOW_NS = 2_000_000n;

/**
 * Kernel route changes with each delete that the same prefix's add follows within REPLACE_WINDOW_NS on
 * the same node taken out, with that add (a replacement, not a loss). Input sorted by time; pure.
 */
export function coalesceReplacements(sorted: readonly Observation[], windowNs: bigint = REPLACE_WINDOW_NS): Observation[] {
  // For each fib observation, the prefixes to drop from it.
  const drop = new Map<number, Set<string>>();
  for (let i = 0; i < sorted.length; i++) {
    const del = sorted[i];
    if (del.kind !== 'fib' || del.op !== 'del') continue;
    for (const prefix of del.prefixes) {
      for (let j = i + 1; j < sorted.length && sorted[j].t - del.t <= windowNs; j++) {
        const o = sorted[j];
        if (o.node !== del.node || o.kind !== 'fib' || !o.prefixes.includes(prefix)) continue;
        if (o.op === 'add' && !drop.get(j)?.has(prefix)) {
          for (const k of [i, j]) {
            if (!drop.has(k)) drop.set(k, new Set());
            drop.get(k)!.add(prefix);
          }
        }
        break; // the next change of this prefix decides: an add pairs, a second delete does not
      }
    }
  }
  if (drop.size === 0) return [...sorted];
  const out: Observation[] = [];
  sorted.forEach((o, i) => {
    const gone = drop.get(i);
    if (!gone || o.kind !== 'fib') out.push(o);
    else {
      const left = o.prefixes.filter((p) => !gone.has(p));
      if (left.length > 0) out.push({ ...o, prefixes: left });
    }
  });
  return out;
}

export function analyzeDrill(d: DrillInput): DrillResult {
  const ms = (t: bigint) => nsToMs(t - d.faultAt);
  const timeline: Array<{ t: bigint; what: string }> = [...d.notes];
  const sorted = coalesceReplacements(sortObservations(d.obs));

  // Detection: peers of the target whose session to it leaves Established after the fault.
  const peersOfTarget = d.exps.filter((e) => e.name !== d.target.name && e.peers.includes(d.target.address));
  const watchedPeers = new Set(peersOfTarget.map((e) => e.name));
  const upNow = new Map<string, boolean>();
  const detectedAt = new Map<string, bigint>();
  for (const o of sorted) {
    if (!watchedPeers.has(o.node)) continue;
    let up: boolean | undefined;
    if (o.kind === 'session' && o.peer === d.target.address) up = o.up;
    else if (o.kind === 'sessionSet') up = o.peers.includes(d.target.address);
    if (up === undefined) continue;
    const was = upNow.get(o.node) ?? false;
    upNow.set(o.node, up);
    // Log stamps are ms-precise wall clock: allow 2 ms of rounding before the fault, counted as 0.
    if (was && !up && o.t >= d.faultAt - 2_000_000n && !detectedAt.has(o.node)) detectedAt.set(o.node, o.t < d.faultAt ? d.faultAt : o.t);
  }
  const det = [...detectedAt.values()].sort((a, b) => (a < b ? -1 : 1));
  const firstDet = det[0];
  const lastDet = det[det.length - 1];
  if (firstDet !== undefined) {
    timeline.push({ t: firstDet, what: `first peer saw ${d.target.name} down (${[...detectedAt].find(([, t]) => t === firstDet)![0]})` });
    if (det.length > 1) timeline.push({ t: lastDet, what: `last of ${det.length} of ${peersOfTarget.length} peers saw ${d.target.name} down` });
  }

  // Route loss among surviving nodes, target's blocks excluded.
  const targetBlocks = new Set(d.target.blocks);
  const lossExps = d.exps
    .filter((e) => e.name !== d.target.name && e.fib)
    .map((e) => ({ ...e, expected: new Set([...e.expected].filter((p) => !targetBlocks.has(p))) }));
  const states = new Map(lossExps.map((e) => [e.name, new NodeState(e)]));
  let total = 0;
  const perNode = new Map<string, number>();
  for (const e of lossExps) perNode.set(e.name, e.expected.size);
  total = [...perNode.values()].reduce((a, b) => a + b, 0);
  const series: DrillResult['series'] = [{ tMs: 0, routesLost: 0, probesLost: 0 }];
  let peak = 0;
  let maxPerNode = 0;
  const affected = new Set<string>();
  let pairNs = 0n;
  let lastT = d.faultAt;
  let firstLoss: bigint | undefined;
  let lastRestore: bigint | undefined;
  let peakAt: bigint | undefined;
  let baseline: number | undefined;
  const seriesFrom = d.faultAt;
  const probeLostBefore = (t: bigint) => {
    let n = 0;
    for (const p of d.probes) for (const v of p.verdicts) if (!v.ok && v.t >= d.probesFrom && v.t <= t) n++;
    return n;
  };
  const push = (t: bigint, v: number) => {
    if (t < seriesFrom || t > d.endAt) return;
    const prev = series[series.length - 1];
    if (prev && prev.routesLost === v) return;
    // A step: hold the previous value up to this instant, then jump.
    if (prev) series.push({ tMs: ms(t), routesLost: prev.routesLost, probesLost: probeLostBefore(t) });
    series.push({ tMs: ms(t), routesLost: v, probesLost: probeLostBefore(t) });
  };
  for (const o of sorted) {
    const s = states.get(o.node);
    if (!s || (o.kind !== 'fib' && o.kind !== 'fibSet')) continue;
    if (o.t > d.endAt) break;
    if (o.t >= d.faultAt) {
      if (baseline === undefined) baseline = total;
      pairNs += BigInt(total - baseline) * (o.t - lastT);
      lastT = o.t;
    }
    const before = perNode.get(o.node)!;
    s.apply(o);
    const after = s.fibMissing;
    perNode.set(o.node, after);
    total += after - before;
    if (o.t >= d.faultAt) {
      const lost = total - baseline!;
      if (lost > 0 && firstLoss === undefined) {
        firstLoss = o.t;
        timeline.push({ t: o.t, what: `first route lost (${o.node})` });
      }
      if (after > 0 && after > before) affected.add(o.node);
      maxPerNode = Math.max(maxPerNode, after);
      if (lost > peak) {
        peak = lost;
        peakAt = o.t;
      }
      if (lost <= 0 && before - after > 0 && firstLoss !== undefined) lastRestore = o.t;
      push(o.t, Math.max(0, lost));
    }
  }
  if (baseline === undefined) baseline = total;
  // Lost again after a restoration and still missing at the end: not restored.
  if (total - baseline > 0) lastRestore = undefined;
  pairNs += BigInt(Math.max(0, total - baseline)) * (d.endAt > lastT ? d.endAt - lastT : 0n);
  push(d.endAt, Math.max(0, total - baseline));
  const endSeries = series[series.length - 1];
  if (endSeries.tMs < ms(d.endAt)) series.push({ tMs: ms(d.endAt), routesLost: endSeries.routesLost, probesLost: probeLostBefore(d.endAt) });
  if (peakAt !== undefined) timeline.push({ t: peakAt, what: `peak: ${fmtInt(peak)} (node, prefix) pairs missing` });
  if (lastRestore !== undefined) timeline.push({ t: lastRestore, what: 'every route back in every surviving kernel' });
  if (baseline > 0) timeline.push({ t: d.faultAt, what: `note: ${baseline} (node, prefix) pairs were already missing before the fault` });

  // Probes.
  let sent = 0;
  let lost = 0;
  let firstProbeLoss: bigint | undefined;
  let lastProbeLoss: bigint | undefined;
  for (const p of d.probes) {
    for (const v of p.verdicts) {
      if (v.t < d.probesFrom || v.t > d.endAt) continue;
      sent++;
      if (!v.ok) {
        lost++;
        if (firstProbeLoss === undefined || v.t < firstProbeLoss) firstProbeLoss = v.t;
        if (lastProbeLoss === undefined || v.t > lastProbeLoss) lastProbeLoss = v.t;
      }
    }
  }
  if (firstProbeLoss !== undefined) timeline.push({ t: firstProbeLoss, what: 'first probe lost' });
  if (lastProbeLoss !== undefined && lastProbeLoss !== firstProbeLoss) timeline.push({ t: lastProbeLoss, what: 'last probe lost' });

  // Reconvergence after recovery: every node (target included) with every route and every session.
  let reconvergeMs: number | null = null;
  if (d.recoverAt !== null) {
    const after = completionTimes(d.exps, sorted, d.recoverAt);
    const tFib = latest(after.fib);
    const tBgp = latest(after.bgp);
    const tSes = latest(after.sessions);
    if (tSes !== null) timeline.push({ t: tSes, what: 'every session Established again' });
    if (tFib !== null && tBgp !== null && tSes !== null) {
      const t = [tFib, tBgp, tSes].reduce((a, b) => (a > b ? a : b));
      reconvergeMs = nsToMs(t - d.recoverAt);
      timeline.push({ t, what: 'reconverged: every route in every BGP table and kernel' });
    }
  }

  const durationMs = firstLoss !== undefined ? nsToMs((lastRestore ?? d.endAt) - firstLoss) : 0;
  const routesLost = {
    peak,
    nodeSeconds: Number((Number(pairNs) / 1e9).toFixed(3)),
    nodesAffected: affected.size,
    nodesWatched: lossExps.length,
    maxPerNode,
    durationMs,
  };
  const probesText = `${fmtInt(lost)} of ${fmtInt(sent)} probes lost`;
  const verdict =
    peak === 0
      ? `no route lost, ${probesText}`
      : `${affected.size} of ${lossExps.length} nodes lost ${fmtInt(maxPerNode)} route${maxPerNode === 1 ? '' : 's'} for ${fmtSeconds(durationMs)}${lastRestore === undefined ? ' (still missing at the end)' : ''}; ${probesText}`;

  const entries: TimelineEntry[] = timeline
    .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0))
    .map((e) => ({ tMs: Number(ms(e.t).toFixed(3)), what: e.what }));
  return {
    lab: d.lab,
    target: d.target.name,
    targetRole: d.target.role,
    targetImpl: d.target.impl,
    fault: d.fault,
    forMs: d.forMs,
    detectionMs: firstDet !== undefined ? Number(ms(firstDet).toFixed(3)) : null,
    detection: {
      firstMs: firstDet !== undefined ? Number(ms(firstDet).toFixed(3)) : null,
      lastMs: lastDet !== undefined ? Number(ms(lastDet).toFixed(3)) : null,
      peers: peersOfTarget.length,
      detected: det.length,
      method: d.detectionMethod,
    },
    routesLost,
    probes: { pairs: d.probes.length, intervalMs: d.intervalMs, sent, lost },
    reconvergeMs: reconvergeMs === null ? null : Number(reconvergeMs.toFixed(3)),
    verdict,
    timeline: entries,
    series: series.map((s) => ({ ...s, tMs: Number(s.tMs.toFixed(3)) })),
  };
}

/** Human-readable timeline (what `bgplab drill` prints). */
export function formatDrill(r: DrillResult): string {
  const lines = [`drill ${r.fault} ${r.target} (${r.targetRole}, ${r.targetImpl}) in lab ${r.lab}, watched ${fmtSeconds(r.forMs)}`, ''];
  for (const e of r.timeline) lines.push(`${(e.tMs / 1000).toFixed(3).padStart(9)} s  ${e.what}`);
  lines.push('');
  lines.push(`detection    ${fmtMs(r.detectionMs)}${r.detection.detected ? ` (${r.detection.detected} of ${r.detection.peers} peers, ${fmtMs(r.detection.firstMs)} to ${fmtMs(r.detection.lastMs)}; ${r.detection.method})` : ''}`);
  lines.push(`routes lost  peak ${fmtInt(r.routesLost.peak)}, ${r.routesLost.nodeSeconds.toFixed(1)} node-prefix-seconds, ${r.routesLost.nodesAffected} of ${r.routesLost.nodesWatched} nodes`);
  lines.push(`probes       ${fmtInt(r.probes.lost)} of ${fmtInt(r.probes.sent)} lost (${r.probes.pairs} pairs, every ${r.probes.intervalMs} ms)`);
  lines.push(`reconverge   ${fmtMs(r.reconvergeMs)} after recovery`);
  lines.push(`verdict      ${r.verdict}`);
  return lines.join('\n') + '\n';
}
