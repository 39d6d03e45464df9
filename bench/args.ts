/**
 * Command-line flags of a benchmark: node's parseArgs, with --help printing the usage line and an unknown
 * or malformed flag printing what was wrong and the usage (exit 2), instead of a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export function benchArgs<O extends NonNullable<ParseArgsConfig['options']>>(name: string, usage: string, options: O) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`usage: ${usage}\n`);
    process.exit(0);
  }
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    process.stderr.write(`bench/${name}: ${(err as Error).message}\nusage: ${usage}\n`);
    process.exit(2);
  }
}
