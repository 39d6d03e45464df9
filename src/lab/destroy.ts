/**
 * Tearing a lab down from what it recorded: daemons by recorded PID (identity checked against
 * /proc/PID/stat start time and cmdline, never by name; all frozen, then killed, as `docker rm -f`
 * would: nothing of a lab outlives it for a graceful stop to clean), then any process still inside one
 * of the lab's own namespaces (a daemon spawned by a deploy killed before it could record the PID),
 * then the namespaces (which takes the veths and the fabric bridge with them), FRR's path spaces, the
 * lab directory and the index entry. Idempotent: whatever is already gone is skipped.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { DaemonProcess } from '../daemons/types.js';
import { run } from '../sys/exec.js';
import { netnsExists, netnsPidsOf } from '../sys/netns.js';
import { killTogether, pidExists, sleep, waitUntil } from '../sys/proc.js';
import { TopologyError } from '../topo/model.js';
import { fabricNamespace, nodeNamespace } from './plan.js';
import {
  indexEntry,
  listIndex,
  loadState,
  recordedSpawns,
  stateFile,
  unregisterLab,
  type IndexEntry,
  type LabState,
} from './state.js';

export interface DestroyReport {
  lab: string;
  processes: number;
  namespaces: number;
  removedDir: boolean;
}

/** Only what bgplab created under a lab directory may be removed: `clab-<name>` directories. */
function safeLabDir(labDir: string, name: string): boolean {
  return labDir.startsWith('/') && basename(labDir) === `clab-${name}` && resolve(labDir) !== '/';
}

function processesOf(state: LabState | undefined): DaemonProcess[] {
  if (!state) return [];
  const seen = new Set<string>();
  const out: DaemonProcess[] = [];
  for (const n of state.nodes) {
    for (const p of [...(n.daemon?.processes ?? []), ...recordedSpawns(n.runDir)]) {
      const key = `${p.pid}/${p.startTime}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(p);
    }
  }
  return out;
}

/**
 * Kill whatever still runs inside the namespaces the lab created (found in one pass over /proc): a
 * daemon a deploy started but did not get to record, or a daemon's helper. Being in the lab's own
 * namespace is what makes it the lab's. Frozen, then killed, as the recorded daemons.
 */
async function emptyNamespaces(names: string[]): Promise<number> {
  const pids = [...netnsPidsOf(names).values()].flat().filter((p) => p !== process.pid);
  if (pids.length === 0) return 0;
  for (const sig of ['SIGSTOP', 'SIGKILL'] as const) {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  }
  await waitUntil(() => pids.every((p) => !pidExists(p)), { timeoutMs: 3000, intervalMs: 10 });
  return pids.length;
}

async function deleteNamespaces(names: string[]): Promise<number> {
  const present = names.filter((n) => netnsExists(n));
  if (present.length === 0) return 0;
  // One fork for all; -force keeps going past one that vanished meanwhile.
  await run('ip', ['-force', '-batch', '-'], { input: present.map((n) => `netns del ${n}`).join('\n') + '\n', timeoutMs: 30_000 });
  // Bounded re-check: a namespace whose deletion failed is reported by the caller's assertions.
  await waitUntil(() => present.every((n) => !netnsExists(n)), { timeoutMs: 2000, intervalMs: 20 });
  return present.filter((n) => !netnsExists(n)).length;
}

/**
 * Destroy one lab given whatever is left of it: its state (lab directory), its index entry, or only the
 * namespace names a topology file implies.
 */
export async function destroyLab(opts: {
  name: string;
  labDir?: string;
  state?: LabState;
  entry?: IndexEntry;
  /** Namespaces implied by the topology file, for a lab whose state and index entry are both gone. */
  impliedNamespaces?: string[];
}): Promise<DestroyReport> {
  const entry = opts.entry ?? indexEntry(opts.name);
  const labDir = opts.labDir ?? opts.state?.labDir ?? entry?.labDir;
  const state = opts.state ?? (labDir ? loadState(labDir) : undefined);
  const report: DestroyReport = { lab: opts.name, processes: 0, namespaces: 0, removedDir: false };

  if (state?.runtime === 'containerlab' || entry?.runtime === 'containerlab') {
    const { destroyContainerlab } = await import('./containerlab-runtime.js');
    await destroyContainerlab(state, entry);
  }

  // 1. Daemons by recorded identity, all frozen before any is killed (killTogether: stopped one by one,
  //    every survivor would withdraw and reflect the routes of each that goes).
  const results = await killTogether(processesOf(state), 3000);
  report.processes = results.filter((r) => r === 'killed').length;

  // 2. Namespaces: recorded ones, plus the implied ones (all `clab-<lab>-…`, created by us).
  const names = new Set<string>([...(state?.namespaces ?? []), ...(entry?.namespaces ?? []), ...(opts.impliedNamespaces ?? [])]);
  const nsList = [...names].filter((n) => n.startsWith(`clab-${opts.name}-`));
  const stragglers = await emptyNamespaces(nsList);
  report.processes += stragglers;
  if (stragglers > 0) await sleep(50);
  report.namespaces = await deleteNamespaces(nsList);

  // 3. FRR path spaces outside the lab directory.
  for (const n of state?.nodes ?? []) {
    for (const p of n.daemon?.extraPaths ?? []) {
      if (p.startsWith('/var/run/frr/') && !p.includes('..')) rmSync(p, { recursive: true, force: true });
    }
    if (n.impl === 'frr') rmSync(`/var/run/frr/${n.ns}`, { recursive: true, force: true });
  }

  // 4. Files and index entry.
  if (labDir && existsSync(labDir) && safeLabDir(labDir, opts.name)) {
    rmSync(labDir, { recursive: true, force: true });
    report.removedDir = true;
  }
  unregisterLab(opts.name);
  return report;
}

/** Lab name and directory a topology file implies (without validating the rest of it). */
export function labOfTopologyFile(file: string): { name: string; labDir: string; namespaces: string[] } {
  const abs = resolve(file);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(abs, 'utf8'));
  } catch (err) {
    throw new TopologyError(`cannot read topology file ${file}: ${(err as Error).message}`, 'file');
  }
  const d = (doc && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
  const name = d.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) {
    throw new TopologyError(`${file}: field name ${JSON.stringify(name)} is not a lab name`, 'name');
  }
  const topo = (d.topology && typeof d.topology === 'object' ? d.topology : {}) as Record<string, unknown>;
  const nodes = topo.nodes && typeof topo.nodes === 'object' ? Object.keys(topo.nodes as object) : [];
  const namespaces = [fabricNamespace(name), ...nodes.map((n) => nodeNamespace(name, n))].filter((n) => /^[A-Za-z0-9_.-]{1,64}$/.test(n));
  return { name, labDir: join(dirname(abs), `clab-${name}`), namespaces };
}

export async function destroyByTopologyFile(file: string): Promise<DestroyReport> {
  const { name, labDir, namespaces } = labOfTopologyFile(file);
  return destroyLab({ name, labDir, impliedNamespaces: namespaces });
}

export async function destroyByName(name: string): Promise<DestroyReport> {
  const entry = indexEntry(name);
  if (!entry) {
    // Not registered: maybe only namespaces are left. Nothing to find them by but the name prefix of
    // namespaces we record, which we cannot enumerate safely without state; report nothing to do.
    return destroyLab({ name });
  }
  return destroyLab({ name, entry });
}

/** Every lab in the index (and any lab directory state the index points at). */
export async function destroyAll(): Promise<DestroyReport[]> {
  const out: DestroyReport[] = [];
  for (const e of listIndex()) out.push(await destroyLab({ name: e.name, entry: e }));
  return out;
}

export { stateFile };
