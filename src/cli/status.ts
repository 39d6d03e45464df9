/**
 * `bgplab status [--lab NAME | -t FILE] [--node X] [-f json] [--wait S]`: BGP state of a lab, for every
 * implementation (control socket, birdc, vtysh, gobgp). One node: `calicoctl node status` style (IPv4 and
 * IPv6 sections: PEER ADDRESS | PEER TYPE | STATE | SINCE | INFO). Whole lab: one row per node with
 * sessions established of expected and routes in BGP and in the kernel of expected, and a total line.
 * `--wait S` polls (bounded) until the lab has converged and fails if it has not.
 */
import type { Command } from 'commander';
import type { LabTotals, NodeDetail, NodeSummary } from '../lab/status.js';
import { CliError, cliError } from './errors.js';
import { checkFormat } from './inspect.js';
import { renderTable } from './table.js';

/** calicoctl's SINCE: time of day when today, else the date. */
export function sinceText(iso: string | undefined, now: Date): string {
  if (!iso) return '-';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '-';
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  return day(t) === day(now) ? t.toISOString().slice(11, 19) : day(t);
}

/** BIRD's protocol state words, which calicoctl shows as STATE. */
function stateWord(fsm: string): string {
  return fsm === 'Established' ? 'up' : fsm === 'Idle' ? 'down' : 'start';
}

/** Pure: one node as calicoctl node status shows it. */
export function renderNodeStatus(d: NodeDetail, now: Date): string {
  const out: string[] = [];
  const est = d.peers.filter((p) => p.state === 'Established').length;
  out.push(`bgplab node ${d.node} (${d.impl}, ${d.role}): ${est} of ${d.peers.length + d.missing.length} sessions established`);
  out.push('');
  for (const fam of ['ipv4', 'ipv6'] as const) {
    out.push(`${fam === 'ipv4' ? 'IPv4' : 'IPv6'} BGP status`);
    // A session carries a family when it says so; without that, by its transport address.
    const rows = d.peers
      .filter((p) => (p.families ? p.families.includes(fam) : p.address.includes(':') === (fam === 'ipv6')))
      // An up session shows only "Established", as calicoctl does: the last error of a session that has
      // since come up (a dial refused while the peer was starting) read as a current fault.
      .map((p) => [p.address, p.type, stateWord(p.state), sinceText(p.since, now), p.state === 'Established' ? p.state : [p.state, p.info].filter(Boolean).join(' ')]);
    for (const m of d.missing) {
      if (m.address.includes(':') === (fam === 'ipv6') || fam === 'ipv4') rows.push([m.address, m.type, 'down', '-', 'not configured on the daemon']);
    }
    if (rows.length === 0) out.push(`No ${fam === 'ipv4' ? 'IPv4' : 'IPv6'} peers found.`, '');
    else out.push(renderTable(['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'], rows, { style: 'ascii' }));
  }
  const k = d.kernel ? `kernel IPv4 ${d.kernel.ipv4}/${d.expected.ipv4}, IPv6 ${d.kernel.ipv6}/${d.expected.ipv6}` : 'kernel: no FIB (GoBGP)';
  out.push(`Routes learned: BGP IPv4 ${d.routes.ipv4}/${d.expected.ipv4}, IPv6 ${d.routes.ipv6}/${d.expected.ipv6}; ${k}`);
  return out.join('\n') + '\n';
}

const frac = (a: number, b: number): string => `${a}/${b}`;

/** Pure: one row per node and a total line. */
export function renderLabStatus(lab: string, rows: NodeSummary[], totals: LabTotals): string {
  const body = rows.map((r) => [
    r.name,
    r.role,
    r.impl,
    frac(r.sessions.established, r.sessions.expected),
    frac(r.bgp.ipv4, r.expected.ipv4),
    frac(r.bgp.ipv6, r.expected.ipv6),
    r.kernel ? frac(r.kernel.ipv4, r.expected.ipv4) : '-',
    r.kernel ? frac(r.kernel.ipv6, r.expected.ipv6) : '-',
    r.error ? `error: ${r.error}` : '',
  ]);
  const footer = [
    [
      `TOTAL (${totals.nodes})`,
      '',
      '',
      frac(totals.sessionsEstablished, totals.sessionsExpected),
      frac(totals.bgp.ipv4, totals.expected.ipv4),
      frac(totals.bgp.ipv6, totals.expected.ipv6),
      frac(totals.kernel.ipv4, totals.expectedKernel.ipv4),
      frac(totals.kernel.ipv6, totals.expectedKernel.ipv6),
      totals.converged ? 'converged' : 'not converged',
    ],
  ];
  const header = ['NODE', 'ROLE', 'IMPL', 'SESSIONS', 'BGP IPv4', 'BGP IPv6', 'KERNEL IPv4', 'KERNEL IPv6', 'NOTE'];
  const align: Array<'left' | 'right'> = ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'left'];
  return `Lab ${lab}\n` + renderTable(header, body, { footer, align });
}

export function register(program: Command): void {
  program
    .command('status')
    .description('BGP sessions and routes of a lab or of one node (like calicoctl node status)')
    .option('--lab <name>', 'the lab (default: the only deployed lab)')
    .option('-t, --topo <file>', 'the lab of this topology file')
    .option('--node <name>', 'one node in detail')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('--timeout <ms>', 'per query', '5000')
    .option('--wait <seconds>', 'poll until the lab has converged (fails if it has not by then)')
    .action(async (opts: { lab?: string; topo?: string; node?: string; format: string; timeout: string; wait?: string }) => {
      const format = checkFormat(opts.format);
      const timeoutMs = Number(opts.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) {
        throw new CliError(`--timeout ${JSON.stringify(opts.timeout)}: must be milliseconds between 100 and 60000`);
      }
      const waitS = opts.wait === undefined ? 0 : Number(opts.wait);
      if (!Number.isFinite(waitS) || waitS < 0 || waitS > 3600) throw new CliError(`--wait ${JSON.stringify(opts.wait)}: must be seconds between 0 and 3600`);
      const lab = await import('../lab/index.js');
      let state;
      try {
        state = lab.resolveLab({ lab: opts.lab, topology: opts.topo });
      } catch (err) {
        throw cliError(err);
      }
      if (state.runtime !== 'netns') throw new CliError(`lab ${state.name} runs in containerlab: status reads namespaces of the netns runtime only`);

      if (opts.node) {
        let detail;
        try {
          detail = await lab.nodeDetail(state, opts.node, timeoutMs);
        } catch (err) {
          throw cliError(err);
        }
        if (format === 'json') process.stdout.write(JSON.stringify(detail, null, 2) + '\n');
        else process.stdout.write(renderNodeStatus(detail, new Date()));
        return;
      }

      const deadline = Date.now() + waitS * 1000;
      let result = await lab.labStatus(state, { timeoutMs });
      // Bounded: one poll per second at most until the deadline.
      for (let i = 0; !result.totals.converged && Date.now() < deadline && i < 3600; i++) {
        await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, deadline - Date.now()))));
        result = await lab.labStatus(state, { timeoutMs });
      }
      if (format === 'json') process.stdout.write(JSON.stringify({ lab: state.name, nodes: result.rows, totals: result.totals }, null, 2) + '\n');
      else process.stdout.write(renderLabStatus(state.name, result.rows, result.totals));
      if (waitS > 0 && !result.totals.converged) {
        throw new CliError(`lab ${state.name} has not converged after ${waitS} s`, 1);
      }
    });
}
