/**
 * netnsListening: the kernel's word (ss -N, sock_diag) on whether a namespace listens on a TCP port,
 * which the deploy uses instead of walking /proc for BIRD, FRR and GoBGP. Needs root and ss.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { addNetns, delNetns, netnsListening } from '../../src/sys/netns.js';
import { sleep } from '../../src/sys/proc.js';
import { missing } from '../helpers/env.js';

const NS = `t-nsl-${process.pid}`;
let listener: ChildProcess | undefined;

afterAll(async () => {
  listener?.kill('SIGKILL');
  await delNetns(NS).catch(() => {});
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
