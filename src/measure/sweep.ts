/**
 * `bgplab sweep`: run a grid of designs × sizes × implementations (× repeats), one fresh lab per run,
 * optionally a drill on each, recording every run raw in DIR/results.json (rewritten atomically after
 * each run, so an interrupted sweep resumes where it stopped: runs already in the file are skipped),
 * then render the report. Topologies are generated into DIR/topologies/.
 */
import { cpus, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { readResults, writeReport, writeResults, type WrittenReport } from '../report/files.js';
import { emptyResults, runId, type DesignSpec, type Fault, type HostInfo, type Impl, type ResultsFile, type RunRecord } from '../report/schema.js';
import { IMPLS } from '../report/schema.js';
import { run } from '../sys/exec.js';
import { generateLab } from '../topo/gen.js';
import { writeLab } from '../topo/write.js';
import type { TimersProfileName } from '../topo/model.js';
import { runConverge } from './converge.js';
import { runDrill } from './drill.js';
import { destroyByTopologyFile } from '../lab/destroy.js';

export interface SweepPlanEntry {
  id: string;
  design: DesignSpec;
  repeat: number;
  drill: Fault | null;
  labName: string;
}

export interface SweepOptions {
  modes: string[];
  nodes: number[];
  impls: Impl[];
  /** Reflector implementation when it differs from the clients' (mixed labs). */
  rrImpl?: Impl;
  profile: TimersProfileName;
  repeat: number;
  drill: Fault | null;
  /** Designs the drill runs on (default: all). */
  drillModes?: string[];
  outDir: string;
  timeoutMs?: number;
  /** Drill duration (ms); default per fault (see drill.ts). */
  drillForMs?: number;
  progress?: (p: SweepProgress) => void;
  log?: (message: string) => void;
  signal?: AbortSignal;
}

export interface SweepProgress {
  done: number;
  total: number;
  skipped: number;
  current: SweepPlanEntry | null;
  elapsedMs: number;
  /** Estimated time left (ms), null before the first run finished. */
  leftMs: number | null;
}

const HOLD: Record<TimersProfileName, number> = { fast: 9, calico: 240, rfc: 90 };

/** Parse `mesh`, `rr1`, `rr2`… into a mode and reflector count. */
export function parseMode(m: string): { mode: 'mesh' | 'rr'; reflectors: number } {
  if (m === 'mesh') return { mode: 'mesh', reflectors: 0 };
  const r = /^rr([1-9]\d?)$/.exec(m);
  if (!r) throw new Error(`--modes: ${JSON.stringify(m)} is not mesh or rrR (rr1, rr2, …)`);
  return { mode: 'rr', reflectors: Number(r[1]) };
}

/** The grid in run order: implementation, design, N, repeat. Refuses impossible cells (R >= N). */
export function planSweep(o: Pick<SweepOptions, 'modes' | 'nodes' | 'impls' | 'rrImpl' | 'profile' | 'repeat' | 'drill' | 'drillModes'>): SweepPlanEntry[] {
  for (const m of o.drillModes ?? []) {
    if (!o.modes.includes(m)) throw new Error(`--drill-modes: ${JSON.stringify(m)} is not one of --modes ${o.modes.join(',')}`);
  }
  const plan: SweepPlanEntry[] = [];
  for (const impl of o.impls) {
    if (!IMPLS.includes(impl)) throw new Error(`--impl: ${JSON.stringify(impl)} is not one of ${IMPLS.join(', ')}`);
    for (const m of o.modes) {
      const { mode, reflectors } = parseMode(m);
      for (const n of o.nodes) {
        if (!Number.isInteger(n) || n < 2) throw new Error(`--nodes: ${n} must be an integer >= 2`);
        if (mode === 'rr' && reflectors >= n) throw new Error(`--modes ${m} with --nodes ${n}: needs more nodes than reflectors`);
        const design: DesignSpec = {
          mode,
          reflectors,
          nodes: n,
          rrImpl: mode === 'rr' ? (o.rrImpl ?? impl) : impl,
          clientImpl: impl,
          profile: o.profile,
          holdSeconds: HOLD[o.profile],
        };
        const drill = o.drill && (!o.drillModes || o.drillModes.includes(m)) ? o.drill : null;
        for (let k = 1; k <= o.repeat; k++) {
          const id = runId(design, k, drill);
          const implTag = design.rrImpl === design.clientImpl ? impl : `${design.rrImpl}-${impl}`;
          plan.push({ id, design, repeat: k, drill, labName: `sw-${m}-${n}-${implTag}`.slice(0, 40) });
        }
      }
    }
  }
  return plan;
}

async function version(cmd: string, args: string[]): Promise<string | undefined> {
  const r = await run(cmd, args, { timeoutMs: 5000 });
  const m = /(\d+\.\d+(?:\.\d+)?)/.exec(r.stdout + r.stderr);
  return r.code === 0 || m ? m?.[1] : undefined;
}

export async function hostInfo(): Promise<HostInfo> {
  const versions: Record<string, string> = {};
  const bird = await version('bird', ['--version']);
  if (bird) versions.bird = bird;
  const frr = await version('/usr/lib/frr/bgpd', ['--version']);
  if (frr) versions.frr = frr;
  const gobgp = await version('gobgpd', ['--version']);
  if (gobgp) versions.gobgp = gobgp;
  const c = cpus();
  return { cpus: c.length, cpuModel: c[0]?.model.trim() ?? 'unknown', memBytes: totalmem(), kernel: release(), node: process.version, versions };
}

/** Expected wall time of a run, for the estimate: grows with N (and N² for a mesh). */
function weight(e: SweepPlanEntry): number {
  const n = e.design.nodes;
  const base = 3 + n * 0.05 + (e.design.mode === 'mesh' ? (n * n) / 4000 : 0);
  return base + (e.drill ? 10 + (e.drill === 'freeze' || e.drill === 'link-down' ? 2 * e.design.holdSeconds : 0) : 0);
}

export async function runSweep(o: SweepOptions): Promise<{ results: ResultsFile; report: WrittenReport; ran: number; skipped: number }> {
  const outDir = resolve(o.outDir);
  const plan = planSweep(o);
  const log = o.log ?? (() => {});
  let results: ResultsFile;
  try {
    results = await readResults(outDir);
    log(`Resuming: ${results.runs.length} run(s) already in ${join(outDir, 'results.json')}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    results = emptyResults(new Date().toISOString(), await hostInfo(), 'bgplab 0.1.0');
  }
  results.grid = { modes: o.modes, nodes: o.nodes, impls: o.impls, profile: o.profile, repeat: o.repeat, drill: o.drill };
  const doneIds = new Set(results.runs.filter((r) => r.ok).map((r) => r.id));
  const todo = plan.filter((e) => !doneIds.has(e.id));
  const skipped = plan.length - todo.length;
  // A failed run is retried: drop its old record.
  results.runs = results.runs.filter((r) => r.ok || !todo.some((e) => e.id === r.id));
  const started = Date.now();
  let doneWeight = 0;
  let doneMs = 0;
  const totalWeight = todo.reduce((a, e) => a + weight(e), 0);
  const report = (current: SweepPlanEntry | null, done: number) =>
    o.progress?.({
      done: skipped + done,
      total: plan.length,
      skipped,
      current,
      elapsedMs: Date.now() - started,
      leftMs: doneWeight > 0 ? ((totalWeight - doneWeight) * doneMs) / doneWeight : null,
    });
  let ran = 0;
  for (const e of todo) {
    if (o.signal?.aborted) break;
    report(e, ran);
    const t0 = Date.now();
    const rec = await runOne(e, outDir, o);
    results.runs.push(rec);
    results.updatedAt = new Date().toISOString();
    await writeResults(outDir, results);
    ran++;
    doneWeight += weight(e);
    doneMs += Date.now() - t0;
    if (!rec.ok) log(`${e.id}: ${rec.error}`);
  }
  report(null, ran);
  const written = await writeReport(outDir, results, { title: 'bgplab sweep' });
  return { results, report: written, ran, skipped };
}

async function runOne(e: SweepPlanEntry, outDir: string, o: SweepOptions): Promise<RunRecord> {
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const d = e.design;
  const file = join(outDir, 'topologies', `${e.labName}.clab.yml`);
  const rec: RunRecord = { id: e.id, design: d, repeat: e.repeat, startedAt, durationMs: 0, ok: false };
  try {
    const spec = generateLab({
      name: e.labName,
      mode: d.mode,
      nodes: d.nodes,
      rr: d.mode === 'rr' ? d.reflectors : undefined,
      rrImpl: d.mode === 'rr' ? d.rrImpl : undefined,
      clientImpl: d.clientImpl,
      profile: d.profile as TimersProfileName,
    });
    writeLab(spec, file);
    // A lab left behind by an interrupted run of the same cell is in the way: remove it first.
    await destroyByTopologyFile(file).catch(() => {});
    const c = await runConverge({ topologyFile: file, keep: !!e.drill, timeoutMs: o.timeoutMs ?? 120_000, signal: o.signal });
    rec.converge = c;
    rec.design = { ...d, holdSeconds: c.design.holdSeconds };
    if (e.drill) {
      try {
        const target = d.mode === 'rr' ? 'rr1' : spec.nodes[0].name;
        rec.drill = await runDrill({ lab: e.labName, target, fault: e.drill, forMs: o.drillForMs, timeoutMs: o.timeoutMs ?? 120_000, signal: o.signal });
      } finally {
        await destroyByTopologyFile(file).catch(() => {});
      }
    }
    rec.ok = c.convergence.converged;
    if (!rec.ok) rec.error = `did not converge within ${(c.convergence.timeoutMs / 1000).toFixed(0)} s (${c.missing.length} nodes lacking routes)`;
  } catch (err) {
    rec.error = (err as Error).message;
    await destroyByTopologyFile(file).catch(() => {});
  }
  rec.durationMs = Date.now() - t0;
  return rec;
}

/** `[#######.......] 7/24  rr2 N=50 bird #2  3m12s elapsed, ~4m left` */
export function progressLine(p: SweepProgress, width = 24): string {
  const frac = p.total ? p.done / p.total : 1;
  const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
  const t = (ms: number) => {
    const s = Math.round(ms / 1000);
    return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
  };
  const cur = p.current ? `  ${p.current.id}` : '  done';
  const left = p.leftMs === null ? (p.current ? ', estimating' : '') : `, ~${t(p.leftMs)} left`;
  return `[${bar}] ${p.done}/${p.total}${cur}  ${t(p.elapsedMs)} elapsed${left}`;
}
