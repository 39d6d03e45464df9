/**
 * Process identity, bounded termination and the daemon launcher, with real processes (no root needed):
 * a PID is only ever signalled while it still runs what we recorded.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { daemonEnvironment, launch, launchLine, LAUNCHER_MARK, shQuote } from '../../src/sys/launcher.js';
import {
  identify,
  isOurs,
  isRunning,
  killTogether,
  listeningTcpPorts,
  logExcerpt,
  readStat,
  sameProcess,
  signalIfOurs,
  terminate,
  waitUntil,
} from '../../src/sys/proc.js';

const dir = mkdtempSync(join(tmpdir(), 'bgplab-t-proc-'));
// Set before the first launch of this file, which starts the launcher with our environment.
process.env.NODE_EXTRA_CA_CERTS = '/nonexistent/bgplab-test-ca.pem';
/** The launched shell creates the log itself, a moment after answering the PID. */
const readLog = (f: string): string => {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('launcher lines (pure)', () => {
  it('quotes every word for sh, including quotes and spaces', () => {
    expect(shQuote("it's a b")).toBe(`'it'\\''s a b'`);
    expect(() => shQuote('a\nb')).toThrow(/newline/);
  });

  it('runs through nice when raised, with cwd, log and no stdin', () => {
    const line = launchLine('bird', ['-c', '/x y/bird.conf'], { logFile: '/l/bird.log', cwd: '/run dir', niceIncrement: 20 });
    expect(line).toBe(
      `cd '/run dir' || { echo "ERR cd"; continue; }; 'nice' '-n' '20' 'bird' '-c' '/x y/bird.conf' >>'/l/bird.log' 2>&1 </dev/null & echo "PID $!"`,
    );
    expect(launchLine('true', [], { logFile: '/l', niceIncrement: 0 })).toContain(`cd '/' ||`);
  });
});

describe('daemon environment', () => {
  it('drops NODE_EXTRA_CA_CERTS (each Node speaker would parse the bundle at start) and keeps the rest', () => {
    const env = daemonEnvironment({ PATH: '/bin', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', NODE_OPTIONS: '--x' });
    expect(env).toEqual({ PATH: '/bin', NODE_OPTIONS: '--x' });
  });

  it('launched daemons do not inherit NODE_EXTRA_CA_CERTS', async () => {
    const log = join(dir, 'env.log');
    await launch('sh', ['-c', 'echo "ca=${NODE_EXTRA_CA_CERTS-unset} path=${PATH:+set}"'], { logFile: log });
    expect(await waitUntil(() => readLog(log).includes('ca='), { timeoutMs: 5000, intervalMs: 20 })).toBe(true);
    expect(readLog(log).trim()).toBe('ca=unset path=set');
  });
});

describe('launched processes', () => {
  it('reports the PID of the program itself, writes its output to the log, in its own session', async () => {
    const log = join(dir, 'sleep.log');
    const pid = await launch('sh', ['-c', 'echo started; exec sleep 30.123', 'marker'], { logFile: log, cwd: dir });
    const id = identify(pid, '30.123')!;
    expect(id).toBeDefined();
    await waitUntil(() => readLog(log).includes('started'), { timeoutMs: 5000 });
    // Right after "started", sh may still be exec'ing sleep (its command line reads empty meanwhile).
    expect(await waitUntil(() => isRunning(id), { timeoutMs: 5000, intervalMs: 10 })).toBe(true);
    // Not in our session: a Ctrl-C of our terminal never reaches it.
    const sid = (p: number): string => readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[3];
    expect(sid(pid)).not.toBe(sid(process.pid));
    expect(await terminate(id, 2000)).toBe('terminated');
    expect(sameProcess(id)).toBe(false);
    expect(await terminate(id, 100)).toBe('gone');
  });

  it('never signals a process whose identity does not match', async () => {
    const pid = await launch('sleep', ['30'], { logFile: join(dir, 'other.log') });
    await waitUntil(() => !(readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(LAUNCHER_MARK)), { timeoutMs: 5000 });
    const st = readStat(pid)!;
    // Same PID, other start time: a reused PID. Same start time, other command line: not ours.
    expect(await terminate({ pid, startTime: String(Number(st.startTime) - 1), match: 'sleep' }, 100)).toBe('gone');
    expect(await terminate({ pid, startTime: st.startTime, match: 'bird' }, 100)).toBe('not-ours');
    expect(sameProcess({ pid, startTime: st.startTime, match: 'sleep' })).toBe(true);
    expect(await terminate({ pid, startTime: st.startTime, match: 'sleep' }, 2000)).toBe('terminated');
  });

  it('stops a recorded process whose command line reads empty (as FRR daemons can right after launch)', async () => {
    // perl clears its own command line: /proc/PID/cmdline reads empty while the process runs on.
    const pid = await launch('perl', ['-e', '$0 = ""; print "cleared\\n"; sleep 30', 'emptycmd-30.301'], { logFile: join(dir, 'empty.log') });
    const id = { ...identify(pid, 'emptycmd-30.301')! };
    await waitUntil(() => readLog(join(dir, 'empty.log')).includes('cleared'), { timeoutMs: 5000 });
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, '')).toBe('');
    expect(isOurs(id)).toBe(true);
    expect(signalIfOurs(id, 'SIGCONT')).toBe(true);
    // It was left running as 'not-ours' before, and so outlived `destroy`.
    expect(await terminate(id, 2000)).toBe('terminated');
    expect(sameProcess(id)).toBe(false);
  });

  it('rejects a launch into a missing directory and keeps serving the next ones', async () => {
    await expect(launch('true', [], { logFile: join(dir, 'x.log'), cwd: join(dir, 'missing') })).rejects.toThrow(/ERR cd/);
    expect(await launch('true', [], { logFile: join(dir, 'x.log') })).toBeGreaterThan(1);
  });

  it('killTogether freezes every process before killing any: none sees another go', async () => {
    // The watcher reads a FIFO the watched process holds open: its read ends, and it writes to its log,
    // the moment the watched process exits (a zombie's files are closed; `kill -0` would still succeed).
    const fifo = join(dir, 'together.fifo');
    execFileSync('mkfifo', [fifo]);
    const log = join(dir, 'watcher.log');
    const watcher = await launch('sh', ['-c', `echo ready; cat < '${fifo}' > /dev/null; echo saw-it-go`, 'together-watcher'], { logFile: log });
    const watched = await launch('sh', ['-c', `exec 3> '${fifo}'; echo ready; while :; do sleep 0.05 3>&-; done`, 'together-watched'], { logFile: join(dir, 'watched.log') });
    await waitUntil(() => readLog(log).includes('ready') && readLog(join(dir, 'watched.log')).includes('ready'), { timeoutMs: 5000 });
    // A stranger: same PID and start time as a live process, other command line. Never signalled.
    const bystander = await launch('sleep', ['30.4'], { logFile: join(dir, 'bystander.log') });
    // Past the launcher's exec (until then its command line is the launcher's, which counts as ours).
    await waitUntil(() => !readFileSync(`/proc/${bystander}/cmdline`, 'utf8').includes(LAUNCHER_MARK), { timeoutMs: 5000, intervalMs: 10 });
    const ids = [identify(watched, 'together-watched')!, identify(watcher, 'together-watcher')!, { ...identify(bystander, '30.4')!, match: 'bird' }];
    // The watched one first: stopped one by one, the watcher would see it go and say so.
    expect(await killTogether(ids, 3000)).toEqual(['killed', 'killed', 'not-ours']);
    expect(sameProcess(ids[0]!) || sameProcess(ids[1]!)).toBe(false);
    expect(readLog(log)).not.toContain('saw-it-go');
    expect(isRunning(identify(bystander, '30.4')!)).toBe(true);
    expect(await killTogether([identify(bystander, '30.4')!, ids[0]!], 3000)).toEqual(['killed', 'gone']);
  });

  it('escalates to SIGKILL after the grace period', async () => {
    const pid = await launch('sh', ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done', 'stubborn'], { logFile: join(dir, 'stubborn.log') });
    await waitUntil(() => readLog(join(dir, 'stubborn.log')).includes('ready'), { timeoutMs: 5000 });
    expect(await terminate(identify(pid, 'stubborn')!, 300)).toBe('killed');
  });
});

it('listeningTcpPorts sees a listener of our own namespace', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  expect(listeningTcpPorts(process.pid).has(port)).toBe(true);
  server.close();
});

it('logExcerpt prefers the lines that say what went wrong', () => {
  const f = join(dir, 'crash.log');
  writeFileSync(f, 'file:///x.js:1\nimport { a } from "b";\nSyntaxError: The requested module does not provide an export named a\n    at ModuleJob._instantiate\n\nNode.js v20.20.2\n');
  expect(logExcerpt(f)).toBe('SyntaxError: The requested module does not provide an export named a');
  expect(logExcerpt(join(dir, 'missing.log'))).toBe('');
});
