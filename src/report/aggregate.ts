/**
 * Grouping of raw runs into what tables and charts show: one group per (design, implementation, profile,
 * N), with the median over repeats. The raw runs stay in results.json; a report only ever summarizes them.
 */
import { median } from './format.js';
import { designLabel, formulaSessions, implLabel, type ConvergeResult, type DrillResult, type ResultsFile, type RunRecord } from './schema.js';

export interface ConvergeGroup {
  /** `rr2 bird fast` style key shared by all N of one curve. */
  seriesKey: string;
  design: string;
  impl: string;
  profile: string;
  mode: 'mesh' | 'rr';
  reflectors: number;
  nodes: number;
  /** Runs with a converge result (ok or not), and how many of them converged. */
  runs: number;
  converged: number;
  failed: number;
  formulaSessions: number;
  sessionsExpected: number | null;
  sessionsEstablished: number | null;
  bgpMs: number | null;
  fibMs: number | null;
  dataplaneMs: number | null;
  deployMs: number | null;
  /** Deploy start → every route in every FIB (runs measured before it existed have none). */
  fromDeployMs: number | null;
  cpuTotalMs: number | null;
  /** Per-daemon figures: median over runs of the mean (CPU, PSS) or max (RSS) over the lab's nodes. */
  cpuPerNodeMs: number | null;
  rssMaxBytes: number | null;
  rssMeanBytes: number | null;
  pssMeanBytes: number | null;
  updates: number | null;
  updateBytes: number | null;
  /** Per role (rr / client / mesh): median over runs of the role's mean CPU and RSS. */
  byRole: Array<{ role: string; impl: string; cpuMs: number | null; rssBytes: number | null; pssBytes: number | null }>;
}

export interface DrillRow {
  run: RunRecord;
  drill: DrillResult;
  seriesKey: string;
  design: string;
  impl: string;
  nodes: number;
}

function mean(values: Array<number | null>): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

function max(values: Array<number | null>): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? Math.max(...v) : null;
}

export function seriesKeyOf(r: RunRecord): string {
  return `${designLabel(r.design)} ${implLabel(r.design)} ${r.design.profile}`;
}

/** Converge groups sorted by design, implementation, N. */
export function convergeGroups(results: ResultsFile): ConvergeGroup[] {
  const byKey = new Map<string, RunRecord[]>();
  for (const r of results.runs) {
    const k = `${seriesKeyOf(r)}|${r.design.nodes}`;
    const list = byKey.get(k) ?? [];
    list.push(r);
    byKey.set(k, list);
  }
  const groups: ConvergeGroup[] = [];
  for (const runs of byKey.values()) {
    const d = runs[0].design;
    const cs = runs.map((r) => r.converge).filter((c): c is ConvergeResult => !!c);
    const ok = cs.filter((c) => c.convergence.converged);
    const roles = new Map<string, { impl: string; cpu: number[]; rss: number[]; pss: number[] }>();
    for (const c of cs) {
      const perRole = new Map<string, { impl: string; cpu: Array<number | null>; rss: Array<number | null>; pss: Array<number | null> }>();
      for (const n of c.nodes) {
        const e = perRole.get(n.role) ?? { impl: n.impl, cpu: [], rss: [], pss: [] };
        e.cpu.push(n.cpuMs);
        e.rss.push(n.rssBytes);
        e.pss.push(n.pssBytes);
        perRole.set(n.role, e);
      }
      for (const [role, e] of perRole) {
        const acc = roles.get(role) ?? { impl: e.impl, cpu: [], rss: [], pss: [] };
        const [mc, mr, mp] = [mean(e.cpu), mean(e.rss), mean(e.pss)];
        if (mc !== null) acc.cpu.push(mc);
        if (mr !== null) acc.rss.push(mr);
        if (mp !== null) acc.pss.push(mp);
        roles.set(role, acc);
      }
    }
    groups.push({
      seriesKey: seriesKeyOf(runs[0]),
      design: designLabel(d),
      impl: implLabel(d),
      profile: d.profile,
      mode: d.mode,
      reflectors: d.reflectors,
      nodes: d.nodes,
      runs: cs.length,
      converged: ok.length,
      failed: runs.filter((r) => !r.ok).length,
      formulaSessions: formulaSessions(d.mode, d.nodes, d.reflectors),
      sessionsExpected: median(cs.map((c) => c.sessions.expected)),
      sessionsEstablished: median(cs.map((c) => c.sessions.established)),
      bgpMs: median(ok.map((c) => c.convergence.bgpMs)),
      fibMs: median(ok.map((c) => c.convergence.fibMs)),
      dataplaneMs: median(ok.map((c) => c.convergence.dataplaneMs)),
      deployMs: median(cs.map((c) => c.deployMs)),
      fromDeployMs: median(ok.map((c) => c.convergence.fromDeployMs ?? null)),
      cpuTotalMs: median(ok.map((c) => c.cpu.totalMs)),
      cpuPerNodeMs: median(ok.map((c) => mean(c.nodes.map((n) => n.cpuMs)))),
      rssMaxBytes: median(cs.map((c) => max(c.nodes.map((n) => n.rssBytes)))),
      rssMeanBytes: median(cs.map((c) => mean(c.nodes.map((n) => n.rssBytes)))),
      pssMeanBytes: median(cs.map((c) => mean(c.nodes.map((n) => n.pssBytes)))),
      updates: median(ok.map((c) => c.updates.messages)),
      updateBytes: median(ok.map((c) => c.updates.bytes)),
      byRole: [...roles].map(([role, e]) => ({ role, impl: e.impl, cpuMs: median(e.cpu), rssBytes: median(e.rss), pssBytes: median(e.pss) })),
    });
  }
  const designOrder = (g: ConvergeGroup) => (g.mode === 'mesh' ? 0 : g.reflectors);
  return groups.sort(
    (a, b) => designOrder(a) - designOrder(b) || a.impl.localeCompare(b.impl) || a.profile.localeCompare(b.profile) || a.nodes - b.nodes,
  );
}

/** Every drill run, in file order. */
export function drillRows(results: ResultsFile): DrillRow[] {
  return results.runs
    .filter((r): r is RunRecord & { drill: DrillResult } => !!r.drill)
    .map((r) => ({ run: r, drill: r.drill, seriesKey: seriesKeyOf(r), design: designLabel(r.design), impl: implLabel(r.design), nodes: r.design.nodes }));
}

/** Distinct series keys in group order. */
export function seriesKeys(groups: ConvergeGroup[]): string[] {
  return [...new Set(groups.map((g) => g.seriesKey))];
}
