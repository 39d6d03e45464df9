/**
 * BIRD 2: `bird -f -c CONF -s SOCK -P PIDFILE` in the foreground inside the node's namespace; status via
 * `birdc -s SOCK` (`show protocols all`, `show route primary … count`). Kernel routes: proto bird.
 */
import { run } from '../sys/exec.js';
import { checkSocketPath, checkStartOptions, DaemonError, daemonHandle, runPath, spawnInNetns } from './common.js';
import { BIRD_STATUS_COMMANDS, parseBirdStatus } from './parse.js';
import type { DaemonHandle, DaemonStatus, StartDaemonOptions } from './types.js';

export async function startBird(o: StartDaemonOptions): Promise<DaemonHandle> {
  checkStartOptions(o);
  const sock = runPath(o, 'bird.ctl');
  checkSocketPath(o.name, sock);
  const log = runPath(o, 'bird.log');
  const argv = ['bird', '-f', '-c', o.configPath, '-s', sock, '-P', runPath(o, 'bird.pid')];
  const proc = await spawnInNetns(o, 'bird', argv, sock, log);
  return daemonHandle(o, 'bird', { processes: [proc], control: sock, kernelProtocol: 'bird' });
}

export async function birdStatus(h: DaemonHandle, timeoutMs: number, now = new Date()): Promise<DaemonStatus> {
  // One birdc for all commands: it reads them from stdin when stdin is not a terminal.
  const r = await run('birdc', ['-s', h.control], { input: BIRD_STATUS_COMMANDS.join('\n') + '\n', timeoutMs });
  if (r.code !== 0 || /Unable to connect/i.test(r.stdout + r.stderr)) {
    throw new DaemonError(h.name, `birdc -s ${h.control}: ${(r.stderr || r.stdout).trim().split('\n')[0] || `exit ${r.code}`}`);
  }
  return parseBirdStatus(r.stdout, now);
}
