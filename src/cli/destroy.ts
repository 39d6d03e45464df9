/**
 * `bgplab destroy -t FILE | --lab NAME | --all`: remove every process (by recorded PID), namespace,
 * veth, bridge and file of a lab. Idempotent, and works after a crash or an interrupted deploy.
 */
import type { Command } from 'commander';
import { CliError, cliError } from './errors.js';

export function register(program: Command): void {
  program
    .command('destroy')
    .description('remove a lab: its daemons, namespaces, links and files')
    .option('-t, --topo <file>', 'the lab of this topology file')
    .option('--lab <name>', 'the lab of this name')
    .option('-a, --all', 'every lab bgplab deployed on this machine')
    .action(async (opts: { topo?: string; lab?: string; all?: boolean }) => {
      const chosen = [opts.topo, opts.lab, opts.all].filter((x) => x !== undefined && x !== false).length;
      if (chosen !== 1) throw new CliError('destroy: give exactly one of -t FILE, --lab NAME or --all');
      const lab = await import('../lab/index.js');
      let reports;
      try {
        if (opts.all) reports = await lab.destroyAll();
        else if (opts.topo) reports = [await lab.destroyByTopologyFile(opts.topo)];
        else reports = [await lab.destroyByName(opts.lab!)];
      } catch (err) {
        throw cliError(err);
      }
      if (reports.length === 0) process.stderr.write('INFO no lab to destroy\n');
      for (const r of reports) {
        process.stderr.write(
          `INFO Destroyed lab ${r.lab}: ${r.processes} processes stopped, ${r.namespaces} namespaces removed` +
            `${r.removedDir ? ', lab directory removed' : ''}\n`,
        );
      }
    });
}
