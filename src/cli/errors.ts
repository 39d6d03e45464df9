import type { CommanderError } from 'commander';

/** An error meant for the user: printed as one line without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** --help and --version exit as commander says; a bad flag, value or verb is a usage error: 2, like CliError. */
export function usageExitCode(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return err.exitCode;
  return 2;
}

/**
 * Errors from the layers below whose message names a value the user gave (a topology file or one of its
 * fields, a node name, a speaker config): usage errors, exit 2. Matched by name so that this module, which
 * every verb loads, stays free of the heavy imports.
 */
const USAGE_ERROR_NAMES = new Set(['TopologyError', 'NodeNotFound', 'ConfigError']);

/** Wrap an error from below as a CliError: exit 2 for the user's bad value, else `otherwise` (1). */
export function cliError(err: unknown, prefix = '', otherwise = 1): CliError {
  if (err instanceof CliError) return err;
  const e = err as Error | undefined;
  // Ctrl-C: the shell's status for SIGINT.
  if (e?.name === 'Interrupted') return new CliError(e.message, 130);
  return new CliError(`${prefix}${e?.message ?? String(err)}`, e && USAGE_ERROR_NAMES.has(e.name) ? 2 : otherwise);
}
