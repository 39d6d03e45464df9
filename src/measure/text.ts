/** Plain-text renderings of measurements for the terminal (the JSON forms are the schema types). */
import { fmtBytes, fmtCpu, fmtInt, fmtMs, textTable } from '../report/format.js';
import { designLabel, implLabel, type ConvergeResult } from '../report/schema.js';

export function formatConverge(r: ConvergeResult): string {
  const d = r.design;
  const c = r.convergence;
  const formula = d.mode === 'mesh' ? 'N(N-1)/2' : 'R(N-R) + R(R-1)/2';
  const out: string[] = [];
  out.push(`lab ${r.lab}: ${d.nodes} nodes, ${designLabel(d)}, ${implLabel(d)}, profile ${d.profile} (hold ${d.holdSeconds} s)`);
  out.push('');
  out.push(`sessions     ${fmtInt(r.sessions.established)} of ${fmtInt(r.sessions.expected)} established (formula ${formula} = ${fmtInt(r.sessions.expected)})`);
  if (r.sessions.upAtT0 != null && c.sessionsMs != null) {
    out.push(`             ${fmtInt(r.sessions.upAtT0)} up at t0, every one up ${fmtMs(c.sessionsMs)} after t0`);
  }
  out.push(`deploy       ${fmtMs(r.deployMs)} (namespaces to every daemon listening)`);
  out.push(`convergence  BGP ${fmtMs(c.bgpMs)}, kernel FIB ${fmtMs(c.fibMs)}, data plane ${fmtMs(c.dataplaneMs)} (from t0: every daemon listening)${c.converged ? '' : '  NOT CONVERGED'}`);
  out.push(`             BGP: ${c.method.bgp}; FIB: ${c.method.fib}; data plane: ${c.method.dataplane}`);
  if (c.fromDeployMs != null) out.push(`from deploy  ${fmtMs(c.fromDeployMs)} (deploy start to every route in every ${r.nodes.some((n) => n.fibRoutes !== null) ? 'kernel FIB' : 'BGP table'})`);
  out.push(`UPDATEs      ${r.updates.messages === null ? '—' : `${fmtInt(r.updates.messages)} messages, ${fmtInt(r.updates.bytes ?? 0)} bytes`} (${r.updates.source})`);
  const startup = r.nodes.map((n) => n.startupCpuMs).filter((v): v is number => typeof v === 'number');
  const startupNote = startup.length
    ? ` (of which ${fmtCpu(startup.reduce((a, b) => a + b, 0))} for ${startup.length} bgplab speakers to start listening)`
    : '';
  out.push(`CPU          ${fmtCpu(r.cpu.totalMs)} in all daemons from start to convergence${startupNote}`);
  out.push('');
  const rows = r.nodes.map((n) => [
    n.name,
    n.role,
    n.impl,
    `${n.sessions.established}/${n.sessions.expected}`,
    `${n.routes}/${n.expectedRoutes}`,
    n.fibRoutes === null ? '—' : `${n.fibRoutes}/${n.expectedRoutes}`,
    fmtMs(n.bgpMs),
    fmtMs(n.fibMs),
    fmtCpu(n.cpuMs),
    fmtBytes(n.rssBytes),
    fmtBytes(n.pssBytes),
    n.updates.out === null ? '—' : `${fmtInt(n.updates.out)}/${fmtInt(n.updates.in ?? 0)}`,
  ]);
  out.push(
    textTable(
      ['NODE', 'ROLE', 'IMPL', 'SESSIONS', 'BGP ROUTES', 'FIB ROUTES', 'BGP AT', 'FIB AT', 'CPU', 'RSS PEAK', 'PSS', 'UPDATES OUT/IN'],
      rows,
      ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ).trimEnd(),
  );
  if (r.missing.length) {
    out.push('');
    out.push(`${r.missing.length} node(s) lack routes:`);
    for (const m of r.missing.slice(0, 20)) {
      const part = (what: string, l: string[]) => (l.length ? `${what} ${l.slice(0, 6).join(', ')}${l.length > 6 ? ` and ${l.length - 6} more` : ''}` : '');
      out.push(`  ${m.node}: ${[part('BGP:', m.bgp), part('FIB:', m.fib)].filter(Boolean).join('; ')}`);
    }
    if (r.missing.length > 20) out.push(`  … and ${r.missing.length - 20} more nodes`);
  }
  return out.join('\n') + '\n';
}
