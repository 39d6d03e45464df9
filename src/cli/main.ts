#!/usr/bin/env node
/**
 * The `bgplab` command line: one file per verb under src/cli, each exporting
 * `register(program)`. This file only assembles them and owns the process-wide error policy
 * (a bad flag or input prints a clear message and exits non-zero; never a stack trace).
 */
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';

const program = new Command();
program
  .name('bgplab')
  .description('BGP lab for Calico-style pod networking: full mesh or route reflectors, measured')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

// Each verb registers itself. Keep this list sorted by verb.
const verbs: Array<() => Promise<{ register(p: Command): void }>> = [
  () => import('./converge.js'),
  () => import('./decode.js'),
  () => import('./deploy.js'),
  () => import('./destroy.js'),
  () => import('./drill.js'),
  () => import('./exec.js'),
  () => import('./inspect.js'),
  () => import('./report.js'),
  () => import('./speaker.js'),
  () => import('./status.js'),
  () => import('./sweep.js'),
  () => import('./topo.js'),
];

async function main(): Promise<void> {
  for (const load of verbs) (await load()).register(program);
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`bgplab: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}

await main();
