/**
 * `bgplab converge -t FILE [-f json] [--keep] [--repeat K] [--lab NAME] [--timeout S]`: deploy a fresh lab
 * (or watch a running one with --lab), measure sessions, convergence (BGP, kernel FIB, data plane), UPDATEs,
 * CPU and memory, and destroy the lab unless --keep.
 */
import { Option, type Command } from 'commander';
import { CliError, cliError } from './errors.js';

interface Opts {
  topo?: string;
  topology?: string;
  lab?: string;
  format: string;
  keep?: boolean;
  repeat?: string;
  timeout?: string;
  resolution?: string;
  pairs?: string;
  capture: boolean;
}

export function register(program: Command): void {
  program
    .command('converge')
    .description('deploy a lab and measure sessions, convergence time (BGP, kernel FIB, data plane), UPDATEs, CPU and memory')
    .option('-t, --topo <file>', 'topology file (deploys a fresh lab)')
    // -t/--topo as in deploy, destroy, status and containerlab; --topology kept as a hidden alias.
    .addOption(new Option('--topology <file>').hideHelp())
    .option('--lab <name>', 'measure this running lab instead of deploying one')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('--keep', 'keep the lab running afterwards')
    .option('--repeat <k>', 'deploy, measure and destroy K times', '1')
    .option('--timeout <seconds>', 'bound on waiting for convergence', '60')
    .option('--resolution <ms>', 'polling interval for BIRD/FRR/GoBGP nodes', '20')
    .option('--pairs <n>', 'data-plane probe pairs (0: none)', '8')
    .option('--no-capture', 'do not capture the fabric to count UPDATEs')
    .action(async (o: Opts) => {
      if (o.topo && o.topology && o.topo !== o.topology) throw new CliError('-t/--topo and --topology name different files');
      o.topology ??= o.topo;
      if (o.format !== 'table' && o.format !== 'json') throw new CliError(`--format ${JSON.stringify(o.format)}: must be "table" or "json"`);
      if (!o.topology && !o.lab) throw new CliError('converge: give a topology file (-t FILE) or a running lab (--lab NAME)');
      if (o.topology && o.lab) throw new CliError('converge: -t and --lab exclude each other');
      const { positiveNumber, withInterrupt } = await import('../measure/interrupt.js');
      let repeat: number, timeoutS: number, resolution: number, pairs: number;
      try {
        repeat = positiveNumber('--repeat', o.repeat, 1, { integer: true, min: 1 });
        timeoutS = positiveNumber('--timeout', o.timeout, 60);
        resolution = positiveNumber('--resolution', o.resolution, 20, { min: 1 });
        pairs = o.pairs === '0' ? 0 : positiveNumber('--pairs', o.pairs, 8, { integer: true, min: 1 });
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      if (o.lab && repeat > 1) throw new CliError('converge: --repeat needs a fresh lab each time (-t FILE), not --lab');
      if (o.keep && repeat > 1) throw new CliError('converge: --keep with --repeat would leave the first lab in the way of the next');
      const { runConverge } = await import('../measure/converge.js');
      const { formatConverge } = await import('../measure/text.js');
      const { median } = await import('../report/format.js');
      const progress = o.format === 'table' && process.stderr.isTTY ? (m: string) => process.stderr.write(`${m}\n`) : undefined;
      const results: import('../report/schema.js').ConvergeResult[] = [];
      await withInterrupt(async (signal) => {
        for (let i = 0; i < repeat; i++) {
          if (signal.aborted) break;
          try {
            results.push(
              await runConverge({
                topologyFile: o.topology,
                lab: o.lab,
                keep: o.keep,
                timeoutMs: timeoutS * 1000,
                resolutionMs: resolution,
                probePairs: pairs,
                capture: o.capture,
                progress,
                signal,
              }),
            );
          } catch (e) {
            throw cliError(e, 'converge: ');
          }
          const r = results[results.length - 1];
          if (o.format === 'table') process.stdout.write((repeat > 1 ? `run ${i + 1} of ${repeat}\n` : '') + formatConverge(r) + '\n');
        }
      });
      if (o.format === 'json') {
        if (repeat === 1) process.stdout.write(JSON.stringify(results[0], null, 2) + '\n');
        else {
          const m = (f: (r: (typeof results)[number]) => number | null) => median(results.map(f));
          const summary = {
            bgpMs: m((r) => r.convergence.bgpMs),
            fibMs: m((r) => r.convergence.fibMs),
            dataplaneMs: m((r) => r.convergence.dataplaneMs),
            fromDeployMs: m((r) => r.convergence.fromDeployMs ?? null),
            sessionsMs: m((r) => r.convergence.sessionsMs ?? null),
            deployMs: m((r) => r.deployMs),
            cpuTotalMs: m((r) => r.cpu.totalMs),
          };
          process.stdout.write(JSON.stringify({ repeat, median: summary, runs: results }, null, 2) + '\n');
        }
      } else if (repeat > 1) {
        const fm = (xs: Array<number | null>) => median(xs);
        const { fmtMs } = await import('../report/format.js');
        process.stdout.write(
          `median of ${results.length}: BGP ${fmtMs(fm(results.map((r) => r.convergence.bgpMs)))}, FIB ${fmtMs(fm(results.map((r) => r.convergence.fibMs)))}, data plane ${fmtMs(fm(results.map((r) => r.convergence.dataplaneMs)))}\n`,
        );
      }
      if (results.some((r) => !r.convergence.converged)) process.exitCode = 1;
    });
}
