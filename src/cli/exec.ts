/**
 * `bgplab exec NODE [--lab NAME | -t FILE] -- CMD...`: run a command inside a node's network namespace
 * (as `containerlab exec` / `docker exec` do for containers), with the terminal attached; exits with the
 * command's status.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { CliError } from './errors.js';

export function register(program: Command): void {
  program
    .command('exec')
    .description('run a command in a lab node\'s network namespace')
    .argument('<node>', 'node name (node1) or container name (clab-<lab>-node1)')
    .argument('<command...>', 'command and arguments (after --)')
    .option('--lab <name>', 'the lab (default: the only deployed lab)')
    .option('-t, --topo <file>', 'the lab of this topology file')
    .action(async (nodeName: string, command: string[], opts: { lab?: string; topo?: string }) => {
      const { resolveLab } = await import('../lab/index.js');
      let state;
      try {
        state = resolveLab({ lab: opts.lab, topology: opts.topo });
      } catch (err) {
        throw new CliError((err as Error).message, 1);
      }
      if (state.runtime !== 'netns') throw new CliError(`lab ${state.name} runs in containerlab: use containerlab exec or docker exec`);
      const node = state.nodes.find((n) => n.name === nodeName || n.ns === nodeName);
      if (!node) throw new CliError(`no node ${JSON.stringify(nodeName)} in lab ${state.name}`);
      if (command.length === 0) throw new CliError('exec: give a command after --');
      const code = await new Promise<number>((resolve) => {
        const child = spawn('ip', ['netns', 'exec', node.ns, ...command], { stdio: 'inherit' });
        child.on('error', (e) => {
          process.stderr.write(`bgplab: exec: ${e.message}\n`);
          resolve(127);
        });
        child.on('exit', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
      });
      process.exitCode = code;
    });
}
