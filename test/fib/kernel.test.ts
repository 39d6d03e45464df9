import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familiesWithPossibleStaleRoutes, KernelFib, resolveProtocol, resolveTable, type FibAccepted } from '../../src/fib/index.js';
import { addNetns, delNetns, ipBatch, runChecked } from '../../src/sys/index.js';
import { missing } from '../helpers/env.js';

const skip = missing('root', 'ip');
const NS = `t-fib-${process.pid}`;

async function ourRoutes(family: '-4' | '-6', proto = 200, table = 'main'): Promise<string[]> {
  const out = await runChecked('ip', ['-n', NS, family, 'route', 'show', 'proto', String(proto), 'table', table]);
  return out
    .split('\n')
    .map((l) => l.trim().replace(/\s+metric \d+.*$/, ''))
    .filter((l) => l)
    .sort();
}

describe('resolving protocol and table names', () => {
  it('uses 200 for "bgplab" unless rt_protos registers it, and knows the kernel table names', () => {
    expect(resolveProtocol(undefined)).toBe(200);
    expect(resolveProtocol('bgplab')).toBe(200);
    expect(resolveProtocol(201)).toBe(201);
    expect(resolveProtocol('bird')).toBe(12); // registered in /etc/iproute2/rt_protos
    expect(() => resolveProtocol('no-such-proto')).toThrow(/no-such-proto.*rt_protos/);
    expect(() => resolveProtocol(2)).toThrow(/5-255/);
    expect(resolveTable('main')).toBe(254);
    expect(resolveTable(100)).toBe(100);
  });
});

// /proc/net/route and /proc/net/ipv6_route as a fresh lab node namespace shows them (kernel 6.18): the
// connected fabric subnet, local and multicast routes, and IPv6's null entry (::/0, metric ffffffff).
const V4_HEAD = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';
const V4_FRESH = `${V4_HEAD}eth1\t0000000A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n`;
const V6_FRESH = [
  'fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000003 00000000 00000001     eth1',
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
  '00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo',
  'fd000000000000000000000000000014 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001     eth1',
  'ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000005 00000000 00000001     eth1',
  '',
].join('\n');

describe('deciding whether a start-up flush can find anything', () => {
  const fams = (v4: string, v6: string): string[] => [...familiesWithPossibleStaleRoutes(v4, v6)].sort();

  it('skips both families in a fresh namespace (connected, local, multicast and the null entry only)', () => {
    expect(fams(V4_FRESH, V6_FRESH)).toEqual([]);
  });

  it('flushes the family that has a route via a gateway or a blackhole, whatever its protocol', () => {
    // A leftover IPv4 blackhole of ours (no device) and a learned route via 10.0.0.5.
    expect(fams(`${V4_FRESH}*\tC004F40A\t00000000\t0001\t0\t0\t0\tC0FFFFFF\t0\t0\t0\n`, V6_FRESH)).toEqual(['ipv4']);
    expect(fams(`${V4_FRESH}eth1\t00F40A0A\t0500000A\t0003\t0\t0\t0\tC0FFFFFF\t0\t0\t0\n`, V6_FRESH)).toEqual(['ipv4']);
    // An IPv6 blackhole /122 (RTF_REJECT, not the null entry) and a route via fd00::5.
    const v6Blackhole = 'fd0000100244000000000000000004c0 7a 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00200200       lo';
    const v6Via = 'fd001002440000000000000000000000 7a 00000000000000000000000000000000 00 fd000000000000000000000000000005 00000400 00000001 00000000 00000003     eth1';
    expect(fams(V4_FRESH, `${V6_FRESH}${v6Blackhole}\n`)).toEqual(['ipv6']);
    expect(fams(V4_FRESH, `${V6_FRESH}${v6Via}\n`)).toEqual(['ipv6']);
  });

  it('says "may" for a line it cannot read', () => {
    expect(fams(`${V4_HEAD}eth1\t0000000A\t00000000\tzz\t0\n`, V6_FRESH)).toEqual(['ipv4']);
    expect(fams(V4_FRESH, 'fd00 40 0 00 0 00000100 00000003 00000000 xyz eth1\n')).toEqual(['ipv6']);
  });
});

describe.skipIf(skip)('kernel FIB programming in a namespace', () => {
  beforeAll(async () => {
    await delNetns(NS);
    await addNetns(NS);
    // No dummy driver here: a veth pair with both ends in the namespace gives us a connected subnet.
    await ipBatch(NS, [
      'link add fab0 type veth peer name fab1',
      'link set fab0 up',
      'link set fab1 up',
      'addr add 10.77.0.1/24 dev fab0',
      'addr add fd00:77::1/64 dev fab0 nodad',
    ]);
  });
  afterAll(async () => {
    await delNetns(NS);
  });

  it('flushes stale routes of its protocol at start, installs batches, reports what the kernel accepted', async () => {
    // A stale route from a "crashed" previous run, and a route of another protocol that must survive.
    await ipBatch(NS, [
      'route add 10.200.0.0/24 via 10.77.0.9 proto 200',
      'route add fd00:200::/64 via fd00:77::9 proto 200',
      'route add 10.201.0.0/24 via 10.77.0.9 proto static',
    ]);
    const accepted: FibAccepted[] = [];
    const errors: string[] = [];
    const fib = new KernelFib({ netns: NS, onAccepted: (a) => accepted.push(...a), onError: (e) => errors.push(e) });
    await fib.start();
    expect(await ourRoutes('-4')).toEqual([]);
    expect(await ourRoutes('-6')).toEqual([]);
    expect(await runChecked('ip', ['-n', NS, 'route', 'show', '10.201.0.0/24'])).toMatch(/proto static/);

    fib.set('10.244.1.0/26', '10.77.0.2');
    fib.set('10.244.2.0/26', '10.77.0.3');
    fib.set('10.244.2.0/26', '10.77.0.4'); // changed again in the same tick: written once, last wins
    fib.set('fd00:244::/122', 'fd00:77::2');
    fib.blackhole('10.244.0.0/26');
    await fib.settled();
    expect(await ourRoutes('-4')).toEqual([
      '10.244.1.0/26 via 10.77.0.2 dev fab0',
      '10.244.2.0/26 via 10.77.0.4 dev fab0',
      'blackhole 10.244.0.0/26',
    ].sort());
    expect(await ourRoutes('-6')).toEqual(['fd00:244::/122 via fd00:77::2 dev fab0']);
    // Blackholes are local and not reported as FIB events.
    expect(accepted).toEqual([
      { op: 'add', family: 'ipv4', prefixes: ['10.244.1.0/26', '10.244.2.0/26'] },
      { op: 'add', family: 'ipv6', prefixes: ['fd00:244::/122'] },
    ]);
    expect(fib.installedCount).toBe(4);
    expect(errors).toEqual([]);

    // Withdraw one, replace one, leave one unchanged (no line written for it).
    accepted.length = 0;
    fib.remove('10.244.1.0/26');
    fib.set('10.244.2.0/26', '10.77.0.5');
    fib.set('fd00:244::/122', 'fd00:77::2');
    fib.remove('10.99.0.0/24'); // never installed: nothing to do
    await fib.settled();
    expect(accepted).toEqual([
      { op: 'del', family: 'ipv4', prefixes: ['10.244.1.0/26'] },
      { op: 'add', family: 'ipv4', prefixes: ['10.244.2.0/26'] },
    ]);
    expect(await ourRoutes('-4')).toEqual(['10.244.2.0/26 via 10.77.0.5 dev fab0', 'blackhole 10.244.0.0/26'].sort());

    await fib.stop();
    expect(await ourRoutes('-4')).toEqual([]);
    expect(await ourRoutes('-6')).toEqual([]);
    expect(await runChecked('ip', ['-n', NS, 'route', 'show', '10.201.0.0/24'])).toMatch(/proto static/);
  });

  it('reads the namespace\'s /proc/net to skip the start-up flush in a clean table, and flushes when it is not', async () => {
    // A namespace of its own (the other tests leave routes of other protocols behind), and a process inside
    // it whose /proc/PID/net is the view the speaker has as its own /proc/net.
    const ns = `${NS}-proc`;
    await delNetns(ns);
    await addNetns(ns);
    await ipBatch(ns, ['link add fab0 type veth peer name fab1', 'link set fab0 up', 'link set fab1 up', 'addr add 10.77.0.1/24 dev fab0', 'addr add fd00:77::1/64 dev fab0 nodad']);
    const holder = spawn('ip', ['netns', 'exec', ns, 'sleep', '60'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const procNet = `/proc/${holder.pid}/net`;
      const clean = new KernelFib({ netns: ns, protocol: 203, procNet });
      await clean.start();
      expect(clean.flushRuns).toBe(0);
      clean.set('10.246.1.0/26', '10.77.0.2');
      await clean.settled();
      await clean.stop(); // the stop flush always runs
      expect(clean.flushRuns).toBe(2);

      await ipBatch(ns, ['route add 10.246.9.0/26 via 10.77.0.9 proto 203']); // left by a crashed run
      const stale = new KernelFib({ netns: ns, protocol: 203, procNet });
      await stale.start();
      expect(stale.flushRuns).toBe(1); // IPv4 only: the IPv6 table is clean
      expect(await runChecked('ip', ['-n', ns, 'route', 'show', 'proto', '203'])).toBe('');
      await stale.stop();
    } finally {
      holder.kill('SIGKILL');
      await delNetns(ns);
    }
  });

  it('keeps one batch in flight: what changes while ip works waits and goes out as one batch', async () => {
    const accepted: FibAccepted[] = [];
    const fib = new KernelFib({ netns: NS, protocol: 204, onAccepted: (a) => accepted.push(...a) });
    await fib.start();
    const ip = (fib as unknown as { child: { pid: number } }).child.pid;
    const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));
    process.kill(ip, 'SIGSTOP'); // ip cannot answer: the first batch stays in flight
    try {
      fib.set('10.247.1.0/26', '10.77.0.2');
      await nextTurn(); // written
      fib.set('10.247.2.0/26', '10.77.0.3');
      await nextTurn();
      fib.set('10.247.3.0/26', '10.77.0.4');
      await nextTurn();
    } finally {
      process.kill(ip, 'SIGCONT');
    }
    await fib.settled();
    expect(accepted).toEqual([
      { op: 'add', family: 'ipv4', prefixes: ['10.247.1.0/26'] },
      { op: 'add', family: 'ipv4', prefixes: ['10.247.2.0/26', '10.247.3.0/26'] },
    ]);
    expect(await ourRoutes('-4', 204)).toHaveLength(3);
    await fib.stop();
    expect(await ourRoutes('-4', 204)).toEqual([]);
  });

  it('reports a route the kernel refuses and carries on with the rest of the batch', async () => {
    const accepted: FibAccepted[] = [];
    const errors: string[] = [];
    const fib = new KernelFib({ netns: NS, protocol: 201, onAccepted: (a) => accepted.push(...a), onError: (e) => errors.push(e) });
    await fib.start();
    fib.set('10.245.1.0/26', '192.0.2.1'); // next hop not on any connected subnet
    fib.set('10.245.2.0/26', '10.77.0.2');
    await fib.settled();
    expect(errors).toEqual([expect.stringMatching(/^kernel refused replace 10\.245\.1\.0\/26 via 192\.0\.2\.1: .*(unreachable|invalid gateway)/i)]);
    expect(accepted).toEqual([{ op: 'add', family: 'ipv4', prefixes: ['10.245.2.0/26'] }]);
    expect(await ourRoutes('-4', 201)).toEqual(['10.245.2.0/26 via 10.77.0.2 dev fab0']);
    await fib.stop();
    expect(await ourRoutes('-4', 201)).toEqual([]);
  });

  it('programs 20,000 routes in a few batches, well under the time of a process per route', async () => {
    const fib = new KernelFib({ netns: NS, protocol: 202 });
    await fib.start();
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) fib.set(`10.${100 + (i >> 8)}.${i & 255}.0/24`, '10.77.0.2');
    await fib.settled();
    const ms = performance.now() - t0;
    const lines = (await ourRoutes('-4', 202)).length;
    expect(lines).toBe(20_000);
    process.stdout.write(`fib: 20000 routes installed in ${ms.toFixed(0)} ms\n`);
    expect(ms).toBeLessThan(10_000);
    await fib.stop();
    expect((await ourRoutes('-4', 202)).length).toBe(0);
  });
});
