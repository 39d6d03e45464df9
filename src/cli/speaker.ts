/**
 * `bgplab speaker --config FILE` runs one speaker in the current network namespace (what a lab node
 * runs); `bgplab speaker status|routes --control SOCKET` query a running one, as `calicoctl node status`
 * and `birdc show route` do, with `-f json` for machines.
 */
import type { Command } from 'commander';
import { CliError } from './errors.js';

function checkFormat(f: string): 'table' | 'json' {
  if (f !== 'table' && f !== 'json') throw new CliError(`--format ${JSON.stringify(f)}: must be "table" or "json"`);
  return f;
}

async function query<T>(socket: string, req: Parameters<typeof import('../speaker/control-client.js').controlRequest>[1], timeoutMs: number): Promise<T> {
  const { controlRequest } = await import('../speaker/control-client.js');
  try {
    return await controlRequest<T>(socket, req, timeoutMs);
  } catch (err) {
    throw new CliError((err as Error).message, 1);
  }
}

export function register(program: Command): void {
  const speaker = program
    .command('speaker')
    .description('run a bgplab BGP speaker (--config FILE), or query one (status, routes)')
    .option('--config <file>', 'speaker configuration (YAML or JSON)')
    .action(async (opts: { config?: string }) => {
      if (!opts.config) throw new CliError('speaker: --config FILE is required (or use "speaker status" / "speaker routes")');
      const { runSpeakerMain } = await import('../speaker/main.js');
      try {
        await runSpeakerMain(opts.config);
      } catch (err) {
        throw new CliError(`speaker: ${(err as Error)?.message ?? String(err)}`, 2);
      }
    });

  speaker
    .command('status')
    .description('sessions and counters of a running speaker (like calicoctl node status)')
    .requiredOption('--control <socket>', 'the speaker control socket')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('--timeout <ms>', 'give up after this many milliseconds', '5000')
    .action(async (opts: { control: string; format: string; timeout: string }) => {
      const format = checkFormat(opts.format);
      const status = await query<import('../speaker/status-types.js').SpeakerStatus>(
        opts.control,
        { cmd: 'status' },
        Number(opts.timeout) || 5000,
      );
      if (format === 'json') process.stdout.write(JSON.stringify(status, null, 2) + '\n');
      else process.stdout.write((await import('../speaker/render.js')).renderStatus(status));
    });

  speaker
    .command('routes')
    .description('the Loc-RIB of a running speaker (like birdc show route)')
    .requiredOption('--control <socket>', 'the speaker control socket')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('--family <family>', 'ipv4 or ipv6 only')
    .option('--all', 'show every path attribute (like birdc show route all)')
    .option('--timeout <ms>', 'give up after this many milliseconds', '5000')
    .action(async (opts: { control: string; format: string; family?: string; all?: boolean; timeout: string }) => {
      const format = checkFormat(opts.format);
      if (opts.family !== undefined && opts.family !== 'ipv4' && opts.family !== 'ipv6') {
        throw new CliError(`--family ${JSON.stringify(opts.family)}: must be "ipv4" or "ipv6"`);
      }
      const req = opts.family ? { cmd: 'routes' as const, family: opts.family as 'ipv4' | 'ipv6' } : { cmd: 'routes' as const };
      const res = await query<import('../speaker/status-types.js').RoutesResponse>(opts.control, req, Number(opts.timeout) || 5000);
      if (format === 'json') process.stdout.write(JSON.stringify(res, null, 2) + '\n');
      else process.stdout.write((await import('../speaker/render.js')).renderRoutes(res.routes, { all: opts.all }));
    });

  speaker
    .command('reset')
    .description('reset the session with one peer (Cease, administrative reset)')
    .requiredOption('--control <socket>', 'the speaker control socket')
    .argument('<peer>', 'peer address')
    .action(async (peer: string, opts: { control: string }) => {
      const res = await query<{ ok?: boolean }>(opts.control, { cmd: 'reset', peer }, 5000);
      process.stdout.write(`${JSON.stringify(res)}\n`);
    });
}
