/**
 * `bgplab inspect [--lab NAME | -t FILE] [-f json]`: the nodes of deployed labs in containerlab's table
 * (name, role, implementation, state, IPv4/IPv6 address, PID). Without a lab, every deployed lab.
 */
import type { Command } from 'commander';
import type { NodeInspect } from '../lab/status.js';
import type { LabState } from '../lab/state.js';
import { CliError, cliError } from './errors.js';
import { renderTable } from './table.js';

export function checkFormat(f: string): 'table' | 'json' {
  if (f !== 'table' && f !== 'json') throw new CliError(`--format ${JSON.stringify(f)}: must be "table" or "json"`);
  return f;
}

/** Pure: containerlab-style node table; a Lab column when several labs are shown. */
export function renderInspect(labs: Array<{ lab: string; nodes: NodeInspect[] }>): string {
  const many = labs.length > 1;
  const header = [...(many ? ['Lab'] : []), 'Name', 'Role', 'Impl', 'State', 'IPv4/6 Address', 'PID'];
  const rows: string[][] = [];
  for (const l of labs) {
    for (const n of l.nodes) {
      rows.push([
        ...(many ? [l.lab] : []),
        n.longname,
        n.role,
        n.impl,
        n.state,
        [n.ipv4, n.ipv6 ?? ''].filter(Boolean).join('\n'),
        n.pids.length ? n.pids.join('\n') : '-',
      ]);
    }
  }
  return renderTable(header, rows, { rowSeparators: true });
}

export async function inspectLabs(opts: { lab?: string; topology?: string }): Promise<Array<{ lab: string; state: LabState; nodes: NodeInspect[] }>> {
  const { resolveLab, allLabs, inspectLab } = await import('../lab/index.js');
  let states: LabState[];
  if (opts.lab || opts.topology) {
    try {
      states = [resolveLab(opts)];
    } catch (err) {
      throw cliError(err);
    }
  } else {
    states = allLabs();
  }
  return states.map((s) => ({ lab: s.name, state: s, nodes: inspectLab(s) }));
}

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show the nodes of deployed labs (like containerlab inspect)')
    .option('--lab <name>', 'only this lab')
    .option('-t, --topo <file>', 'only the lab of this topology file')
    .option('-f, --format <format>', 'table or json', 'table')
    .action(async (opts: { lab?: string; topo?: string; format: string }) => {
      const format = checkFormat(opts.format);
      const labs = await inspectLabs({ lab: opts.lab, topology: opts.topo });
      // Without a choice of lab, also the labs whose state file is gone: what they left is not invisible.
      const stateless = opts.lab || opts.topo ? [] : (await import('../lab/index.js')).labsWithoutState();
      if (format === 'json') {
        const out = [
          ...labs.map((l) => ({
            lab: l.lab,
            runtime: l.state.runtime,
            status: l.state.status,
            labDir: l.state.labDir,
            deployMs: l.state.deployMs ?? null,
            nodes: l.nodes,
          })),
          ...stateless.map((o) => ({
            lab: o.entry.name,
            runtime: o.entry.runtime,
            status: 'state-missing',
            labDir: o.entry.labDir,
            deployMs: null,
            nodes: [],
            namespaces: o.namespaces,
          })),
        ];
        process.stdout.write(JSON.stringify(opts.lab || opts.topo ? out[0] : out, null, 2) + '\n');
        return;
      }
      if (labs.length === 0 && stateless.length === 0) {
        process.stdout.write('no lab is deployed\n');
        return;
      }
      if (labs.length > 0) process.stdout.write(renderInspect(labs.map((l) => ({ lab: l.lab, nodes: l.nodes }))));
      for (const o of stateless) {
        const left = o.namespaces.length ? `${o.namespaces.length} of its ${o.entry.namespaces.length} namespaces remain` : 'none of its namespaces remain';
        process.stdout.write(`lab ${o.entry.name}: its state ${o.entry.labDir}/state.json is gone; ${left}; remove it with bgplab destroy --lab ${o.entry.name}\n`);
      }
    });
}
