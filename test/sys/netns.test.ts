/**
 * netnsListening: the kernel's word (ss -N, sock_diag) on whether a namespace listens on a TCP port,
 * which the deploy uses instead of walking /proc for BIRD, FRR and GoBGP. netnsPidsOf: the processes
 * of several namespaces from one pass over /proc, as `ip netns pids` finds them. Needs root and ss.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { addNetns, delNetns, netnsListening, netnsPidsOf } from '../../src/sys/netns.js';
import { sleep } from '../../src/sys/proc.js';
import { missing } from '../helpers/env.js';

const NS = `t-nsl-${process.pid}`;
let listener: ChildProcess | undefined;

const NS2 = `t-nsp-${process.pid}`;
let sleeper: ChildProcess | undefined;

afterAll(async () => {
  listener?.kill('SIGKILL');
  sleeper?.kill('SIGKILL');
  await delNetns(NS).catch(() => {});
  await delNetns(NS2).catch(() => {});
});

describe.skipIf(!!missing('root', 'ip', 'ss'))('netnsListening', () => {
  it('says false, then true once something listens on the port, and undefined for no namespace', async () => {
    await addNetns(NS);
    expect(await netnsListening(NS, 179)).toBe(false);
    listener = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', "require('net').createServer().listen(179, '::', () => console.log('up'))"], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let up = false;
    listener.stdout!.on('data', () => (up = true));
    for (let i = 0; i < 100 && !up; i++) await sleep(50);
    expect(up).toBe(true);
    expect(await netnsListening(NS, 179)).toBe(true);
    // Another port in the same namespace is not listening.
    expect(await netnsListening(NS, 180)).toBe(false);
    expect(await netnsListening(`${NS}-absent`, 179)).toBeUndefined();
    await expect(netnsListening(NS, 70000)).rejects.toThrow(/not a TCP port/);
  }, 20_000);
});

describe.skipIf(!!missing('root', 'ip'))('netnsPidsOf', () => {
  it('finds what runs in each namespace, as ip netns pids does, and nothing for a missing one', async () => {
    await addNetns(NS2);
    sleeper = spawn('ip', ['netns', 'exec', NS2, 'sleep', '30'], { stdio: 'ignore' });
    let pids: number[] = [];
    for (let i = 0; i < 100 && pids.length === 0; i++) {
      await sleep(20);
      pids = netnsPidsOf([NS2]).get(NS2)!;
    }
    expect(pids).toEqual([sleeper.pid]); // `ip netns exec` execs the command: same PID
    const byIp = execFileSync('ip', ['netns', 'pids', NS2], { encoding: 'utf8' }).trim().split('\n').map(Number);
    const both = netnsPidsOf([NS2, `${NS2}-absent`]);
    expect(both.get(NS2)).toEqual(byIp);
    expect(both.get(`${NS2}-absent`)).toEqual([]);
    // Nothing of our own namespace is counted as the lab's.
    expect(both.get(NS2)).not.toContain(process.pid);
  }, 20_000);
});
