/**
 * `bgplab drill -t FILE --target NODE --fault kill|freeze|link-down|graceful|restart [--for S] [-f json]`:
 * fail one node of a converged lab while probing the data plane, recover, and report detection, route
 * loss, probe loss and reconvergence as a timeline and a verdict.
 */
import { Option, type Command } from 'commander';
import { CliError, cliError } from './errors.js';

interface Opts {
  topo?: string;
  topology?: string;
  lab?: string;
  target: string;
  fault: string;
  for?: string;
  format: string;
  pairs?: string;
  interval?: string;
  timeout?: string;
  resolution?: string;
  keep?: boolean;
}

export function register(program: Command): void {
  program
    .command('drill')
    .description('fail a node (kill, freeze, link-down, graceful, restart) while probing pods; report detection, route and probe loss, reconvergence')
    .option('-t, --topo <file>', 'topology file (its lab is used if deployed, else deployed for the drill and destroyed after)')
    // -t/--topo as in deploy, destroy, status and containerlab; --topology kept as a hidden alias.
    .addOption(new Option('--topology <file>').hideHelp())
    .option('--lab <name>', 'a running lab')
    .requiredOption('--target <node>', 'node to fail, e.g. rr1')
    .requiredOption('--fault <fault>', 'kill | freeze | link-down | graceful | restart')
    .option('--for <seconds>', 'how long the fault lasts before recovery (default: 2 hold times + 2 s for freeze/link-down, else 5 s)')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('--pairs <n>', 'probe pairs', '4')
    .option('--interval <ms>', 'probe interval per pair', '10')
    .option('--timeout <seconds>', 'bound on convergence before and after the fault', '60')
    .option('--resolution <ms>', 'polling interval for BIRD/FRR/GoBGP nodes', '20')
    .option('--keep', 'keep a lab deployed for the drill')
    .action(async (o: Opts) => {
      if (o.topo && o.topology && o.topo !== o.topology) throw new CliError('-t/--topo and --topology name different files');
      o.topology ??= o.topo;
      if (o.format !== 'table' && o.format !== 'json') throw new CliError(`--format ${JSON.stringify(o.format)}: must be "table" or "json"`);
      if (!o.topology && !o.lab) throw new CliError('drill: give a topology file (-t FILE) or a running lab (--lab NAME)');
      const { FAULTS } = await import('../report/schema.js');
      if (!(FAULTS as readonly string[]).includes(o.fault)) throw new CliError(`--fault ${JSON.stringify(o.fault)}: must be one of ${FAULTS.join(', ')}`);
      const { positiveNumber, withInterrupt } = await import('../measure/interrupt.js');
      let forS: number | undefined, pairs: number, interval: number, timeout: number, resolution: number;
      try {
        forS = o.for === undefined ? undefined : positiveNumber('--for', o.for, 0, { min: 0 });
        pairs = positiveNumber('--pairs', o.pairs, 4, { integer: true, min: 1 });
        interval = positiveNumber('--interval', o.interval, 10, { min: 2 });
        timeout = positiveNumber('--timeout', o.timeout, 60);
        resolution = positiveNumber('--resolution', o.resolution, 20, { min: 1 });
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      if (interval > 20) throw new CliError(`--interval ${o.interval}: at most 20 ms (at least 50 probes a second per pair)`);
      const { runDrill } = await import('../measure/drill.js');
      const { formatDrill } = await import('../measure/drill-analysis.js');
      const progress = o.format === 'table' && process.stderr.isTTY ? (m: string) => process.stderr.write(`${m}\n`) : undefined;
      const r = await withInterrupt(async (signal) => {
        try {
          return await runDrill({
            topologyFile: o.topology,
            lab: o.lab,
            target: o.target,
            fault: o.fault as import('../report/schema.js').Fault,
            forMs: forS === undefined ? undefined : forS * 1000,
            probePairs: pairs,
            probeIntervalMs: interval,
            timeoutMs: timeout * 1000,
            resolutionMs: resolution,
            keep: o.keep,
            progress,
            signal,
          });
        } catch (e) {
          throw cliError(e, 'drill: ');
        }
      });
      process.stdout.write(o.format === 'json' ? JSON.stringify(r, null, 2) + '\n' : formatDrill(r));
    });
}
