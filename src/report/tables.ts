/**
 * The report's tables as rows of strings (one source for text, Markdown and HTML), and results.csv
 * (one row per run, raw numbers, no units in cells: units are in the header).
 */
import { convergeGroups, drillRows } from './aggregate.js';
import { fmtBytes, fmtCpu, fmtInt, fmtMs, fmtOpt, type Align } from './format.js';
import { designLabel, implLabel, type ResultsFile } from './schema.js';

export interface Table {
  headers: string[];
  rows: string[][];
  align: Align[];
}

/** One row per (design, implementation, profile, N): medians over repeats. */
export function headlineTable(results: ResultsFile): Table {
  const rows = convergeGroups(results)
    .filter((g) => g.runs > 0)
    .map((g) => [
      g.design,
      g.impl,
      g.profile,
      String(g.nodes),
      `${fmtOpt(g.sessionsEstablished)}/${fmtInt(g.formulaSessions)}`,
      fmtMs(g.bgpMs),
      fmtMs(g.fibMs),
      fmtMs(g.dataplaneMs),
      fmtMs(g.deployMs),
      fmtMs(g.fromDeployMs),
      fmtCpu(g.cpuTotalMs),
      fmtBytes(g.rssMaxBytes),
      fmtBytes(g.pssMeanBytes),
      fmtOpt(g.updates),
      g.runs === g.converged ? String(g.runs) : `${g.converged} of ${g.runs} converged`,
    ]);
  return {
    headers: ['design', 'impl', 'profile', 'N', 'sessions', 'BGP', 'FIB', 'data plane', 'deploy', 'from deploy', 'CPU total', 'RSS max/node', 'PSS mean/node', 'UPDATEs', 'runs'],
    rows,
    align: ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  };
}

/** Per role: what one reflector costs compared with one client. */
export function roleTable(results: ResultsFile): Table {
  const rows: string[][] = [];
  for (const g of convergeGroups(results).filter((x) => x.runs > 0)) {
    for (const r of g.byRole) {
      rows.push([g.design, g.impl, String(g.nodes), r.role, r.impl, fmtCpu(r.cpuMs), fmtBytes(r.rssBytes), fmtBytes(r.pssBytes)]);
    }
  }
  return {
    headers: ['design', 'impl', 'N', 'role', 'daemon', 'CPU/node', 'RSS/node', 'PSS/node'],
    rows,
    align: ['l', 'l', 'r', 'l', 'l', 'r', 'r', 'r'],
  };
}

export function drillTable(results: ResultsFile): Table {
  const rows = drillRows(results).map((d) => [
    d.design,
    d.impl,
    String(d.nodes),
    d.drill.fault,
    d.drill.target,
    fmtMs(d.drill.detectionMs),
    fmtInt(d.drill.routesLost.peak),
    d.drill.routesLost.nodeSeconds.toFixed(1),
    `${fmtInt(d.drill.probes.lost)} of ${fmtInt(d.drill.probes.sent)}`,
    fmtMs(d.drill.reconvergeMs),
    d.drill.verdict,
  ]);
  return {
    headers: ['design', 'impl', 'N', 'fault', 'target', 'detection', 'routes lost (peak)', 'node·s', 'probes lost', 'reconverge', 'verdict'],
    rows,
    align: ['l', 'l', 'r', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'l'],
  };
}

/** Runs that failed or did not converge, with why and which nodes lacked which routes. */
export function failureTable(results: ResultsFile): Table {
  const rows: string[][] = [];
  for (const r of results.runs) {
    const c = r.converge;
    if (r.ok && (!c || c.convergence.converged)) continue;
    const missing = c?.missing
      .slice(0, 5)
      .map((m) => `${m.node}: ${m.bgp.length} BGP/${m.fib.length} FIB missing`)
      .join('; ');
    rows.push([r.id, r.error ?? (c && !c.convergence.converged ? 'did not converge' : ''), missing ?? '']);
  }
  return { headers: ['run', 'error', 'missing routes'], rows, align: ['l', 'l', 'l'] };
}

const CSV_COLUMNS = [
  'id', 'design', 'mode', 'reflectors', 'nodes', 'rr_impl', 'client_impl', 'impl', 'profile', 'hold_s', 'repeat', 'ok', 'error',
  'started_at', 'duration_ms', 'deploy_ms', 'sessions_expected', 'sessions_established', 'converged', 'bgp_ms', 'fib_ms',
  'dataplane_ms', 'from_deploy_ms', 'sessions_up_at_t0', 'sessions_ms', 'dataplane_pairs', 'dataplane_reached', 'update_messages', 'update_bytes', 'cpu_total_ms', 'cpu_mean_node_ms',
  'rss_max_bytes', 'rss_mean_bytes', 'pss_mean_bytes', 'drill_fault', 'drill_target', 'drill_for_ms', 'detection_ms',
  'routes_lost_peak', 'routes_lost_node_seconds', 'routes_lost_nodes', 'probes_sent', 'probes_lost', 'reconverge_ms', 'verdict',
] as const;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3)))) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** results.csv: one row per run, every run, raw numbers. */
export function resultsCsv(results: ResultsFile): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of results.runs) {
    const c = r.converge;
    const d = r.drill;
    const vals = (xs: Array<number | null> | undefined) => (xs ?? []).filter((x): x is number => typeof x === 'number');
    const cpu = vals(c?.nodes.map((n) => n.cpuMs));
    const rss = vals(c?.nodes.map((n) => n.rssBytes));
    const pss = vals(c?.nodes.map((n) => n.pssBytes));
    const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    const row: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      id: r.id,
      design: designLabel(r.design),
      mode: r.design.mode,
      reflectors: r.design.reflectors,
      nodes: r.design.nodes,
      rr_impl: r.design.rrImpl,
      client_impl: r.design.clientImpl,
      impl: implLabel(r.design),
      profile: r.design.profile,
      hold_s: r.design.holdSeconds,
      repeat: r.repeat,
      ok: r.ok,
      error: r.error,
      started_at: r.startedAt,
      duration_ms: r.durationMs,
      deploy_ms: c?.deployMs,
      sessions_expected: c?.sessions.expected,
      sessions_established: c?.sessions.established,
      converged: c?.convergence.converged,
      bgp_ms: c?.convergence.bgpMs,
      fib_ms: c?.convergence.fibMs,
      dataplane_ms: c?.convergence.dataplaneMs,
      from_deploy_ms: c?.convergence.fromDeployMs,
      sessions_up_at_t0: c?.sessions.upAtT0,
      sessions_ms: c?.convergence.sessionsMs,
      dataplane_pairs: c?.dataplane.pairs,
      dataplane_reached: c?.dataplane.reached,
      update_messages: c?.updates.messages,
      update_bytes: c?.updates.bytes,
      cpu_total_ms: c?.cpu.totalMs,
      cpu_mean_node_ms: avg(cpu),
      rss_max_bytes: rss.length ? Math.max(...rss) : null,
      rss_mean_bytes: avg(rss),
      pss_mean_bytes: avg(pss),
      drill_fault: d?.fault,
      drill_target: d?.target,
      drill_for_ms: d?.forMs,
      detection_ms: d?.detectionMs,
      routes_lost_peak: d?.routesLost.peak,
      routes_lost_node_seconds: d?.routesLost.nodeSeconds,
      routes_lost_nodes: d?.routesLost.nodesAffected,
      probes_sent: d?.probes.sent,
      probes_lost: d?.probes.lost,
      reconverge_ms: d?.reconvergeMs,
      verdict: d?.verdict,
    };
    lines.push(CSV_COLUMNS.map((k) => csvCell(row[k])).join(','));
  }
  return lines.join('\n') + '\n';
}
