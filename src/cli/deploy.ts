/**
 * `bgplab deploy -t FILE [--runtime auto|netns|containerlab]`: deploy a containerlab topology written by
 * `bgplab topo gen`, with containerlab when it and a Docker engine answer (auto), else with network
 * namespaces. Progress goes to stderr; the node table (as containerlab prints it) to stdout. Ctrl-C
 * during a netns deploy removes what was created.
 */
import type { Command } from 'commander';
import { CliError } from './errors.js';
import { checkFormat, renderInspect } from './inspect.js';

export function register(program: Command): void {
  program
    .command('deploy')
    .description('deploy a lab from a containerlab topology file (containerlab, or network namespaces)')
    .requiredOption('-t, --topo <file>', 'containerlab topology file written by bgplab topo gen')
    .option('--runtime <runtime>', 'auto, netns or containerlab', 'auto')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('--timeout <seconds>', 'give up when daemons are not listening after this long', '60')
    .action(async (opts: { topo: string; runtime: string; format: string; timeout: string }) => {
      const format = checkFormat(opts.format);
      const timeoutS = Number(opts.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 3600) {
        throw new CliError(`--timeout ${JSON.stringify(opts.timeout)}: must be a number of seconds between 0 and 3600`);
      }
      const lab = await import('../lab/index.js');
      if (!(lab.RUNTIME_REQUESTS as readonly string[]).includes(opts.runtime)) {
        throw new CliError(`--runtime ${JSON.stringify(opts.runtime)}: choose ${lab.RUNTIME_REQUESTS.join(', ')}`);
      }
      const { loadTopology, TopologyError } = await import('../topo/index.js');
      let topo;
      try {
        topo = loadTopology(opts.topo);
      } catch (err) {
        if (err instanceof TopologyError || (err as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError((err as Error).message);
        throw err;
      }
      const decision = lab.chooseRuntime(opts.runtime, await lab.probeRuntimes());
      if ('error' in decision) throw new CliError(decision.error);
      const info = (m: string): void => {
        process.stderr.write(`INFO ${m}\n`);
      };
      info(`Runtime: ${decision.runtime} (${decision.reason})`);
      const controller = new AbortController();
      const onSignal = (sig: NodeJS.Signals): void => {
        if (controller.signal.aborted) return;
        process.stderr.write(`\nINFO ${sig}: stopping the deploy and removing what was created\n`);
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let state;
      try {
        state =
          decision.runtime === 'netns'
            ? await new lab.NetnsRuntime().deploy(topo, { progress: info, signal: controller.signal, listenTimeoutMs: timeoutS * 1000 })
            : await new lab.ContainerlabRuntime().deploy(topo, { progress: info });
      } catch (err) {
        if (controller.signal.aborted) throw new CliError('deploy interrupted; the lab was removed', 130);
        throw new CliError((err as Error).message, 1);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      info(`Lab ${state.name}: ${state.nodes.length} nodes, every daemon listening, in ${state.deployMs} ms`);
      const nodes = lab.inspectLab(state);
      if (format === 'json') {
        process.stdout.write(JSON.stringify({ lab: state.name, runtime: state.runtime, labDir: state.labDir, deployMs: state.deployMs, nodes }, null, 2) + '\n');
      } else {
        process.stdout.write(renderInspect([{ lab: state.name, nodes }]));
      }
    });
}
