/**
 * `bgplab sweep --modes mesh,rr1,rr2,rr3 --nodes 10,25,50,100 [--impl bgplab,bird] [--profile fast]
 * [--repeat 3] [--drill kill] -o DIR`: the grid, one fresh lab per run, with a progress bar and an
 * estimate of the time left; resumable (runs already in DIR/results.json are skipped); writes
 * results.json, results.csv, report.md and report.html (+ chart PNGs when rsvg-convert is installed).
 */
import type { Command } from 'commander';
import { CliError } from './errors.js';

interface Opts {
  modes: string;
  nodes: string;
  impl: string;
  rrImpl?: string;
  profile: string;
  repeat: string;
  drill?: string;
  drillFor?: string;
  drillModes?: string;
  output: string;
  timeout: string;
  dryRun?: boolean;
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function register(program: Command): void {
  program
    .command('sweep')
    .description('run a grid of designs and sizes, one fresh lab each, and write results.json, CSV, Markdown and HTML reports')
    .option('--modes <list>', 'designs: mesh, rr1, rr2, rr3…', 'mesh,rr2')
    .option('--nodes <list>', 'lab sizes', '10,25')
    .option('--impl <list>', 'implementations (every node): bgplab, bird, frr, gobgp', 'bgplab')
    .option('--rr-impl <impl>', 'reflector implementation when it differs (mixed labs)')
    .option('--profile <profile>', 'timers: fast, calico, rfc', 'fast')
    .option('--repeat <k>', 'repeats of every cell', '1')
    .option('--drill <fault>', 'after converging, drill the first reflector (or node1 of a mesh): kill, freeze, link-down, graceful, restart')
    .option('--drill-for <seconds>', 'drill fault duration')
    .option('--drill-modes <list>', 'drill only these designs (default: every design)')
    .requiredOption('-o, --output <dir>', 'output directory (resumes when it has results.json)')
    .option('--timeout <seconds>', 'bound on each convergence', '120')
    .option('--dry-run', 'print the plan and exit')
    .action(async (o: Opts) => {
      const { planSweep, runSweep, progressLine } = await import('../measure/sweep.js');
      const { positiveNumber, withInterrupt } = await import('../measure/interrupt.js');
      const { FAULTS, IMPLS } = await import('../report/schema.js');
      type Impl = import('../report/schema.js').Impl;
      type Fault = import('../report/schema.js').Fault;
      if (!['fast', 'calico', 'rfc'].includes(o.profile)) throw new CliError(`--profile ${JSON.stringify(o.profile)}: must be fast, calico or rfc`);
      if (o.drill && !(FAULTS as readonly string[]).includes(o.drill)) throw new CliError(`--drill ${JSON.stringify(o.drill)}: must be one of ${FAULTS.join(', ')}`);
      if (o.rrImpl && !(IMPLS as readonly string[]).includes(o.rrImpl)) throw new CliError(`--rr-impl ${JSON.stringify(o.rrImpl)}: must be one of ${IMPLS.join(', ')}`);
      let repeat: number, timeout: number, drillFor: number | undefined, nodes: number[];
      const opts = {} as Parameters<typeof runSweep>[0];
      try {
        repeat = positiveNumber('--repeat', o.repeat, 1, { integer: true, min: 1 });
        timeout = positiveNumber('--timeout', o.timeout, 120);
        drillFor = o.drillFor === undefined ? undefined : positiveNumber('--drill-for', o.drillFor, 0, { min: 0 });
        nodes = list(o.nodes).map((n) => positiveNumber('--nodes', n, 0, { integer: true, min: 2 }));
        Object.assign(opts, {
          modes: list(o.modes),
          nodes,
          impls: list(o.impl) as Impl[],
          rrImpl: o.rrImpl as Impl | undefined,
          profile: o.profile,
          repeat,
          drill: (o.drill ?? null) as Fault | null,
          drillModes: o.drillModes === undefined ? undefined : list(o.drillModes),
          outDir: o.output,
          timeoutMs: timeout * 1000,
          drillForMs: drillFor === undefined ? undefined : drillFor * 1000,
        });
        const plan = planSweep(opts);
        if (plan.length === 0) throw new Error('the grid is empty');
        if (o.dryRun) {
          for (const e of plan) process.stdout.write(`${e.id}\n`);
          return;
        }
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      const tty = process.stderr.isTTY;
      let last = '';
      let interrupted: AbortSignal | undefined;
      const out = await withInterrupt((signal) => {
        interrupted = signal;
        return runSweep({
          ...opts,
          signal,
          log: (m) => process.stderr.write(`${tty && last ? '\n' : ''}${m}\n`),
          progress: (p) => {
            last = progressLine(p);
            process.stderr.write(tty ? `\r\x1b[K${last}` : `${last}\n`);
          },
        }).catch((e: Error) => {
          throw new CliError(`sweep: ${e.message}`, 1);
        });
      });
      if (tty) process.stderr.write('\n');
      const { headlineText } = await import('../report/render.js');
      process.stdout.write(headlineText(out.results));
      process.stdout.write(`\n${out.ran} run(s) done, ${out.skipped} skipped (already in results.json); report in ${out.report.dir}/report.md and report.html${out.report.png ? ' (with PNG charts)' : ` (${out.report.pngNote})`}\n`);
      if (out.results.runs.some((r) => !r.ok)) process.exitCode = 1;
      if (interrupted?.aborted) {
        // Ctrl-C: what finished is in results.json; the same command resumes (the cut-off run is redone).
        process.stderr.write(`bgplab: sweep interrupted; run the same command again to resume from ${out.report.dir}/results.json\n`);
        process.exitCode = 130;
      }
    });
}
