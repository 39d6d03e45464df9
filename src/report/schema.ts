/**
 * The results.json contract: what `bgplab converge`, `drill` and `sweep` measure (src/measure writes it)
 * and what every report renders (src/report reads only this). Every figure in a report comes from a field
 * here; nothing is typed in. Times are milliseconds from a stated origin (t0 = every daemon listening, from
 * the lab's state; drills: the moment the fault was injected), sizes are bytes. `null` means "not measured"
 * (e.g. GoBGP has no kernel FIB), never zero.
 */

export const RESULTS_SCHEMA = 'bgplab-results/1';

export type Impl = 'bgplab' | 'bird' | 'frr' | 'gobgp';
export const IMPLS: readonly Impl[] = ['bgplab', 'bird', 'frr', 'gobgp'];
export type Mode = 'mesh' | 'rr';
export type Role = 'rr' | 'client' | 'mesh';
export type Fault = 'kill' | 'freeze' | 'link-down' | 'graceful' | 'restart';
export const FAULTS: readonly Fault[] = ['kill', 'freeze', 'link-down', 'graceful', 'restart'];

/** What was deployed: enough to regroup runs and to draw the formula curves. */
export interface DesignSpec {
  mode: Mode;
  /** Route reflectors (0 for mesh). */
  reflectors: number;
  nodes: number;
  rrImpl: Impl;
  clientImpl: Impl;
  /** Timers profile (fast, calico, rfc). */
  profile: string;
  holdSeconds: number;
}

export interface NodeMeasurement {
  name: string;
  role: Role;
  impl: Impl;
  sessions: { expected: number; established: number };
  /** Other nodes' pod blocks held in BGP (IPv4 + IPv6) at the end of the measurement. */
  routes: number;
  expectedRoutes: number;
  /** Other nodes' pod blocks in the kernel FIB; null when the node has no FIB (GoBGP). */
  fibRoutes: number | null;
  /** t0 → this node holds every expected route in BGP / in its kernel FIB. */
  bgpMs: number | null;
  fibMs: number | null;
  /** utime+stime of the node's daemon processes (/proc/PID/stat) when convergence was reached. */
  cpuMs: number | null;
  /**
   * Of cpuMs, what the daemon spent to start listening (its own record; bgplab only, else null): the
   * rest went to converging. Absent in results written before it was measured.
   */
  startupCpuMs?: number | null;
  /** Peak RSS (VmHWM) summed over the node's daemon processes. */
  rssBytes: number | null;
  /** Proportional set size (smaps_rollup): shared pages counted once across the lab. */
  pssBytes: number | null;
  /** UPDATE messages / bytes this node sent and received; null when the daemon does not say. */
  updates: { in: number | null; out: number | null; bytesIn: number | null; bytesOut: number | null };
}

export interface MissingRoutes {
  node: string;
  /** Expected prefixes absent from the node's BGP table / kernel FIB. */
  bgp: string[];
  fib: string[];
}

export interface ConvergeResult {
  lab: string;
  topology: string;
  design: DesignSpec;
  /** `bgplab deploy` wall time, namespaces to every daemon listening. */
  deployMs: number | null;
  sessions: {
    expected: number;
    established: number;
    /**
     * Sessions up (both ends Established) at t0, when the last daemon began to listen; fresh labs only,
     * absent in older results. With sessionsMs it shows how much of the protocol work t0 left to do.
     */
    upAtT0?: number | null;
  };
  convergence: {
    converged: boolean;
    /** t0 → last node holding every route in BGP; in its kernel FIB; last sampled probe pair answering. */
    bgpMs: number | null;
    fibMs: number | null;
    dataplaneMs: number | null;
    /**
     * Deploy start (the first namespace) → every route in every kernel FIB (in every BGP table when no
     * node programs a FIB); fresh labs only. What a user waits for from nothing. Unlike the times from
     * t0 it does not improve when work moves from after t0 to before it (a deploy that starts daemons
     * slower, or favours some of them, shortens fibMs and lengthens deployMs). Absent in older results.
     */
    fromDeployMs?: number | null;
    /** t0 → every session Established (0 when all were up by t0); absent in older results. */
    sessionsMs?: number | null;
    /** The bound it was given. */
    timeoutMs: number;
    /** How each time was taken and its resolution in ms (0 = exact event timestamps). */
    method: { t0?: string; bgp: string; fib: string; dataplane: string };
    resolutionMs: { bgp: number; fib: number; dataplane: number };
  };
  dataplane: { pairs: number; reached: number };
  updates: { messages: number | null; bytes: number | null; source: string };
  cpu: { totalMs: number | null };
  nodes: NodeMeasurement[];
  /** Nodes lacking routes at the end (empty when converged). */
  missing: MissingRoutes[];
}

export interface TimelineEntry {
  /** ms from fault injection (negative: before it). */
  tMs: number;
  what: string;
}

export interface DrillResult {
  lab: string;
  target: string;
  targetRole: Role;
  targetImpl: Impl;
  fault: Fault;
  forMs: number;
  /** Fault injected → first peer saw its session to the target leave Established. */
  detectionMs: number | null;
  detection: { firstMs: number | null; lastMs: number | null; peers: number; detected: number; method: string };
  /** (node, prefix) pairs missing from kernel FIBs; the target's own blocks and the target's table excluded. */
  routesLost: {
    peak: number;
    nodeSeconds: number;
    /** Nodes that lost at least one route, of the nodes watched. */
    nodesAffected: number;
    nodesWatched: number;
    /** Most routes one node lacked at once. */
    maxPerNode: number;
    /** First loss → last restoration. */
    durationMs: number;
  };
  probes: { pairs: number; intervalMs: number; sent: number; lost: number };
  /** Recovery action (restart, thaw, link up) → every route back in every kernel. */
  reconvergeMs: number | null;
  verdict: string;
  timeline: TimelineEntry[];
  /** Lost (node, prefix) pairs and lost probes over time, for the chart. */
  series: Array<{ tMs: number; routesLost: number; probesLost: number }>;
}

export interface RunRecord {
  /** Resume key: `<label>-n<N>-<impl>-<profile>[-<fault>]-r<repeat>`. */
  id: string;
  design: DesignSpec;
  repeat: number;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  error?: string;
  converge?: ConvergeResult;
  drill?: DrillResult;
}

export interface HostInfo {
  cpus: number;
  cpuModel: string;
  memBytes: number;
  kernel: string;
  node: string;
  /** Daemon versions found (`bird --version`…). */
  versions: Record<string, string>;
}

export interface ResultsFile {
  schema: typeof RESULTS_SCHEMA;
  generatedBy: string;
  createdAt: string;
  updatedAt: string;
  host: HostInfo | null;
  /** The grid a sweep was asked for (absent for single runs). */
  grid?: { modes: string[]; nodes: number[]; impls: string[]; profile: string; repeat: number; drill: Fault | null };
  runs: RunRecord[];
}

/** Short name of a design: `mesh`, `rr1`, `rr2`… */
export function designLabel(d: Pick<DesignSpec, 'mode' | 'reflectors'>): string {
  return d.mode === 'mesh' ? 'mesh' : `rr${d.reflectors}`;
}

/** Implementation label: `bird`, or `bird-rr/bgplab` for a mixed lab. */
export function implLabel(d: Pick<DesignSpec, 'mode' | 'rrImpl' | 'clientImpl'>): string {
  if (d.mode === 'mesh' || d.rrImpl === d.clientImpl) return d.clientImpl;
  return `${d.rrImpl}-rr/${d.clientImpl}`;
}

export function runId(d: DesignSpec, repeat: number, fault: Fault | null): string {
  const impl = implLabel(d).replace('/', '+');
  return `${designLabel(d)}-n${d.nodes}-${impl}-${d.profile}${fault ? `-${fault}` : ''}-r${repeat}`;
}

/** Formula session counts (RFC 4456: clients peer with reflectors only; reflectors mesh among themselves). */
export function formulaSessions(mode: Mode, nodes: number, reflectors: number): number {
  if (mode === 'mesh') return (nodes * (nodes - 1)) / 2;
  return reflectors * (nodes - reflectors) + (reflectors * (reflectors - 1)) / 2;
}

export function emptyResults(now: string, host: HostInfo | null, generatedBy: string): ResultsFile {
  return { schema: RESULTS_SCHEMA, generatedBy, createdAt: now, updatedAt: now, host, runs: [] };
}

// ---- validation: a results.json read from disk is input like any other ----------------------------

export class ResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsError';
  }
}

type Json = unknown;

function isObj(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, want: string, v: Json): never {
  const got = v === undefined ? 'missing' : JSON.stringify(v)?.slice(0, 60);
  throw new ResultsError(`results.json: ${path} must be ${want} (got ${got})`);
}

function num(o: Record<string, Json>, k: string, path: string, nullable = false): void {
  const v = o[k];
  if (nullable && v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${path}.${k}`, nullable ? 'a number or null' : 'a number', v);
}

function str(o: Record<string, Json>, k: string, path: string): void {
  if (typeof o[k] !== 'string') fail(`${path}.${k}`, 'a string', o[k]);
}

function obj(o: Record<string, Json>, k: string, path: string): Record<string, Json> {
  const v = o[k];
  if (!isObj(v)) fail(`${path}.${k}`, 'an object', v);
  return v;
}

function oneOf(o: Record<string, Json>, k: string, path: string, allowed: readonly string[]): void {
  if (typeof o[k] !== 'string' || !allowed.includes(o[k] as string)) fail(`${path}.${k}`, `one of ${allowed.join('|')}`, o[k]);
}

function checkDesign(d: Record<string, Json>, p: string): void {
  oneOf(d, 'mode', p, ['mesh', 'rr']);
  num(d, 'reflectors', p);
  num(d, 'nodes', p);
  oneOf(d, 'rrImpl', p, IMPLS);
  oneOf(d, 'clientImpl', p, IMPLS);
  str(d, 'profile', p);
  num(d, 'holdSeconds', p);
}

function checkConverge(c: Record<string, Json>, p: string): void {
  str(c, 'lab', p);
  checkDesign(obj(c, 'design', p), `${p}.design`);
  num(c, 'deployMs', p, true);
  const s = obj(c, 'sessions', p);
  num(s, 'expected', `${p}.sessions`);
  num(s, 'established', `${p}.sessions`);
  if ('upAtT0' in s) num(s, 'upAtT0', `${p}.sessions`, true);
  const cv = obj(c, 'convergence', p);
  if (typeof cv.converged !== 'boolean') fail(`${p}.convergence.converged`, 'a boolean', cv.converged);
  for (const k of ['bgpMs', 'fibMs', 'dataplaneMs']) num(cv, k, `${p}.convergence`, true);
  if ('fromDeployMs' in cv) num(cv, 'fromDeployMs', `${p}.convergence`, true);
  if ('sessionsMs' in cv) num(cv, 'sessionsMs', `${p}.convergence`, true);
  const u = obj(c, 'updates', p);
  num(u, 'messages', `${p}.updates`, true);
  num(u, 'bytes', `${p}.updates`, true);
  num(obj(c, 'cpu', p), 'totalMs', `${p}.cpu`, true);
  if (!Array.isArray(c.nodes)) fail(`${p}.nodes`, 'an array', c.nodes);
  c.nodes.forEach((n, i) => {
    const q = `${p}.nodes[${i}]`;
    if (!isObj(n)) fail(q, 'an object', n);
    str(n, 'name', q);
    oneOf(n, 'role', q, ['rr', 'client', 'mesh']);
    oneOf(n, 'impl', q, IMPLS);
    num(n, 'routes', q);
    num(n, 'expectedRoutes', q);
    for (const k of ['cpuMs', 'rssBytes', 'pssBytes', 'bgpMs', 'fibMs', 'fibRoutes']) num(n, k, q, true);
    if ('startupCpuMs' in n) num(n, 'startupCpuMs', q, true);
  });
  if (!Array.isArray(c.missing)) fail(`${p}.missing`, 'an array', c.missing);
}

function checkDrill(d: Record<string, Json>, p: string): void {
  str(d, 'target', p);
  oneOf(d, 'fault', p, FAULTS);
  num(d, 'forMs', p);
  num(d, 'detectionMs', p, true);
  const rl = obj(d, 'routesLost', p);
  for (const k of ['peak', 'nodeSeconds', 'nodesAffected', 'nodesWatched', 'maxPerNode', 'durationMs']) num(rl, k, `${p}.routesLost`);
  const pr = obj(d, 'probes', p);
  for (const k of ['pairs', 'intervalMs', 'sent', 'lost']) num(pr, k, `${p}.probes`);
  num(d, 'reconvergeMs', p, true);
  str(d, 'verdict', p);
  if (!Array.isArray(d.timeline)) fail(`${p}.timeline`, 'an array', d.timeline);
  if (!Array.isArray(d.series)) fail(`${p}.series`, 'an array', d.series);
}

/** Check a parsed results.json; throws ResultsError naming the first bad field. */
export function validateResults(v: Json): ResultsFile {
  if (!isObj(v)) fail('(top level)', 'an object', v);
  if (v.schema !== RESULTS_SCHEMA) fail('schema', JSON.stringify(RESULTS_SCHEMA), v.schema);
  if (!Array.isArray(v.runs)) fail('runs', 'an array', v.runs);
  const seen = new Set<string>();
  v.runs.forEach((r, i) => {
    const p = `runs[${i}]`;
    if (!isObj(r)) fail(p, 'an object', r);
    str(r, 'id', p);
    if (seen.has(r.id as string)) fail(`${p}.id`, 'unique', r.id);
    seen.add(r.id as string);
    checkDesign(obj(r, 'design', p), `${p}.design`);
    num(r, 'repeat', p);
    if (typeof r.ok !== 'boolean') fail(`${p}.ok`, 'a boolean', r.ok);
    if (r.converge !== undefined) checkConverge(obj(r, 'converge', p), `${p}.converge`);
    if (r.drill !== undefined) checkDrill(obj(r, 'drill', p), `${p}.drill`);
  });
  return v as unknown as ResultsFile;
}

/** Parse and validate results.json text. */
export function parseResults(text: string): ResultsFile {
  let v: Json;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ResultsError(`results.json is not JSON: ${(e as Error).message}`);
  }
  return validateResults(v);
}
