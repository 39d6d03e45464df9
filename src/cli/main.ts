#!/usr/bin/env node
/**
 * The `bgplab` command line: one file per verb under src/cli, each exporting
 * `register(program)`. This file only assembles them and owns the process-wide error policy
 * (a bad flag or input prints a clear message and exits non-zero; never a stack trace).
 */
import { Command, CommanderError } from 'commander';
import { CliError, usageExitCode } from './errors.js';

const program = new Command();
program
  .name('bgplab')
  .description('BGP lab for Calico-style pod networking: full mesh or route reflectors, measured')
  .version('0.1.0')
  // One line per usage error, in the same `bgplab: …` shape as our own CliErrors (the full help after
  // every typo buried the line that says what was wrong). Inherited by every verb registered below.
  .configureOutput({ outputError: (text, write) => write(`bgplab: ${text.replace(/^error: /, '')}`) })
  .exitOverride()
  // Lets `exec` pass the options after its command through (`bgplab exec node1 ping -c1 …`).
  .enablePositionalOptions();

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
      process.exitCode = usageExitCode(err);
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`bgplab: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    // Anything else is our bug, not the user's: one line, the stack only on request.
    const e = err as Error;
    process.stderr.write(`bgplab: ${e?.message ?? String(err)}\n`);
    if (process.env.BGPLAB_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
    process.exitCode = 1;
  }
}

await main();
