/**
 * `bgplab speaker --config FILE` runs one speaker in the current network namespace (what a lab node
 * runs); `bgplab speaker status|routes --control SOCKET` query a running one, as `calicoctl node status`
 * and `birdc show route` do, with `-f json` for machines.
 */
import type { Command } from 'commander';
import ipaddr from 'ipaddr.js';
import { CliError } from './errors.js';

function checkFormat(f: string): 'table' | 'json' {
  if (f !== 'table' && f !== 'json') throw new CliError(`--format ${JSON.stringify(f)}: must be "table" or "json"`);
  return f;
}

/**
 * Pure: routes in address order (then shorter prefix first), the best path of a prefix first, as
 * `birdc show route` lists them; the Loc-RIB answers in its own hash order, which reads as random.
 */
export function sortRoutes<R extends { family: string; prefix: string; best: boolean }>(routes: R[]): R[] {
  const key = new Map<R, { bytes: number[]; len: number }>();
  for (const r of routes) {
    const [addr, len] = r.prefix.split('/');
    let bytes: number[] = [];
    try {
      bytes = ipaddr.parse(addr).toByteArray();
    } catch {
      /* not an address: sorts first, still shown */
    }
    key.set(r, { bytes, len: Number(len) || 0 });
  }
  const cmp = (a: R, b: R): number => {
    if (a.family !== b.family) return a.family < b.family ? -1 : 1;
    const ka = key.get(a)!;
    const kb = key.get(b)!;
    for (let i = 0; i < Math.max(ka.bytes.length, kb.bytes.length); i++) {
      const d = (ka.bytes[i] ?? -1) - (kb.bytes[i] ?? -1);
      if (d !== 0) return d;
    }
    if (ka.len !== kb.len) return ka.len - kb.len;
    return Number(b.best) - Number(a.best);
  };
  return [...routes].sort(cmp);
}

/** --timeout in milliseconds; a typo is refused rather than silently read as the default. */
function timeoutMs(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100 || n > 600_000) throw new CliError(`--timeout ${JSON.stringify(v)}: must be milliseconds between 100 and 600000`);
  return n;
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
        timeoutMs(opts.timeout),
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
      const res = await query<import('../speaker/status-types.js').RoutesResponse>(opts.control, req, timeoutMs(opts.timeout));
      const routes = sortRoutes(res.routes);
      if (format === 'json') process.stdout.write(JSON.stringify({ ...res, routes }, null, 2) + '\n');
      else process.stdout.write((await import('../speaker/render.js')).renderRoutes(routes, { all: opts.all }));
    });

  speaker
    .command('reset')
    .description('reset the session with one peer (Cease, administrative reset)')
    .requiredOption('--control <socket>', 'the speaker control socket')
    .argument('<peer>', 'peer address')
    .option('-f, --format <format>', 'table or json', 'table')
    .action(async (peer: string, opts: { control: string; format: string }) => {
      const format = checkFormat(opts.format);
      const res = await query<{ ok?: boolean; peer?: string }>(opts.control, { cmd: 'reset', peer }, 5000);
      // A sentence for people (as `birdc restart` answers), the speaker's JSON answer with -f json.
      process.stdout.write(format === 'json' ? `${JSON.stringify(res)}\n` : `session with ${res.peer ?? peer} reset (Cease NOTIFICATION 6/4, Administrative Reset); it reconnects on its own\n`);
    });
}
