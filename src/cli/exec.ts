/**
 * `bgplab exec NODE [--lab NAME | -t FILE] -- CMD...`: run a command inside a node's network namespace
 * (as `containerlab exec` / `docker exec` do for containers), with the terminal attached; exits with the
 * command's status.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { CliError, cliError } from './errors.js';

/**
 * Pure: the words after NODE, which commander passes through untouched, split into our own options
 * (`--lab X`, `-t FILE`, still accepted between the node and the command) and the command, which starts
 * after `--` or at the first other word: `node1 --lab x -- ip route`, `node1 ping -c1 10.244.0.1`.
 */
export function splitExecArgs(words: string[]): { lab?: string; topo?: string; command: string[] } {
  const out: { lab?: string; topo?: string; command: string[] } = { command: [] };
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i];
    if (w === '--') {
      i++;
      break;
    }
    const eq = /^(--lab|--topo)=(.*)$/.exec(w);
    if (eq) {
      out[eq[1] === '--lab' ? 'lab' : 'topo'] = eq[2];
      continue;
    }
    if ((w === '--lab' || w === '-t' || w === '--topo') && i + 1 < words.length) {
      out[w === '--lab' ? 'lab' : 'topo'] = words[++i];
      continue;
    }
    break;
  }
  out.command = words.slice(i);
  return out;
}

export function register(program: Command): void {
  program
    .command('exec')
    .description('run a command in a lab node\'s network namespace')
    .argument('<node>', 'node name (node1) or container name (clab-<lab>-node1)')
    .argument('<command...>', 'command and arguments (after --)')
    .option('--lab <name>', 'the lab (default: the only deployed lab)')
    .option('-t, --topo <file>', 'the lab of this topology file')
    // Everything after the node's command is the command's own (`ping -c1` as docker exec takes it): our
    // options go before it. Regression: "unknown option '-c1'" without `--`.
    .passThroughOptions()
    .action(async (nodeName: string, words: string[], opts: { lab?: string; topo?: string }) => {
      const split = splitExecArgs(words);
      const command = split.command;
      opts = { lab: split.lab ?? opts.lab, topo: split.topo ?? opts.topo };
      const { resolveLab } = await import('../lab/index.js');
      let state;
      try {
        state = resolveLab({ lab: opts.lab, topology: opts.topo });
      } catch (err) {
        throw cliError(err);
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
