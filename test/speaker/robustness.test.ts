/**
 * A bgplab speaker against a scripted peer over real TCP in namespaces: garbage gets NOTIFICATION 1/1 and
 * a drop, and reconnects back off; ROUTE-REFRESH is answered from the Adj-RIB-Out with End-of-RIB; an
 * RFC 7606 treat-as-withdraw UPDATE withdraws without resetting the session; the hold timer expires on a
 * silent peer and its routes leave the kernel. The scripted peer is a small Node program built on src/wire
 * (dist), run inside the peer's namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlRequest } from '../../src/speaker/control-client.js';
import type { RoutesResponse } from '../../src/speaker/status-types.js';
import { missing } from '../helpers/env.js';
import { Fabric, kernelRoutes, waitFor, type FabricNode, type SpeakerHandle } from './fabric.js';
import { writePeerScript } from './peer-script.js';

const skip = missing('root', 'ip');
const timers = { hold: 9, keepalive: 3, connectRetry: 2 };

describe.skipIf(skip)('speaker robustness against a scripted peer', () => {
  const fabric = new Fabric(`t-spkrob-${process.pid % 100000}`, 91);
  let nodes: FabricNode[];
  let sp: SpeakerHandle;
  let script: string;

  const lines = (p: { stdout: () => string }): Array<Record<string, unknown>> =>
    p
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    nodes = await fabric.create(['sp', 'p1', 'p2', 'p3']);
    script = writePeerScript(fabric.dir);
    const [nsp, p1, p2, p3] = nodes;
    sp = fabric.startSpeaker(nsp, {
      routerId: nsp.ipv4,
      asn: 64512,
      timers,
      peers: [
        { address: p1.ipv4, asn: 64512, passive: true },
        { address: p2.ipv4, asn: 64512 }, // we dial p2, which answers with garbage
        { address: p3.ipv4, asn: 64512, passive: true, timers: { hold: 3, keepalive: 1 } },
      ],
      originate: ['10.244.1.0/26', '10.244.7.0/26'],
      fib: true,
    });
    await waitFor('speaker control socket', () => sp.status(), 10_000);
  });
  afterAll(async () => {
    await fabric.destroy();
  });

  it('answers garbage with NOTIFICATION 1/1 (Connection Not Synchronized) and drops the connection', async () => {
    const p1 = fabric.node('p1');
    const g = fabric.spawnIn(p1.ns, process.execPath, [script, 'garbage', p1.ipv4, nodes[0].ipv4]);
    await g.exited;
    const ev = lines(g);
    expect(ev).toContainEqual({ event: 'NOTIFICATION', code: 1, subcode: 1 });
    expect(ev[ev.length - 1]).toEqual({ event: 'closed' });
    const st = (await sp.status()).peers.find((p) => p.address === p1.ipv4);
    expect(st?.lastError).toMatch(/sent NOTIFICATION 1\/1/);
  });

  it('backs off when the peer it dials keeps sending garbage (no hot loop)', async () => {
    const p2 = fabric.node('p2');
    const l = fabric.spawnIn(p2.ns, process.execPath, [script, 'listen-garbage', p2.ipv4]);
    await new Promise((r) => setTimeout(r, 3000));
    l.child.kill('SIGKILL');
    const accepted = lines(l).filter((e) => e.event === 'accepted');
    const notifications = lines(l).filter((e) => e.event === 'notification');
    // ~100, 200, 400, 800, 1600 ms (jittered): a handful of attempts in 3 s, never dozens.
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    expect(accepted.length).toBeLessThanOrEqual(8);
    const gaps = accepted.slice(1).map((a, i) => (a.at as number) - (accepted[i].at as number));
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThan(gaps[i - 1] * 1.2);
    expect(notifications[0]).toEqual({ event: 'notification', code: 1, subcode: 1 });
    expect((await sp.status()).peers[0].state).not.toBe('Established'); // p1 untouched by p2's trouble
  });

  it('answers ROUTE-REFRESH with the Adj-RIB-Out and End-of-RIB; treat-as-withdraw keeps the session', async () => {
    const [nsp, p1] = nodes;
    const peer = fabric.spawnIn(p1.ns, process.execPath, [script, 'session', p1.ipv4, nsp.ipv4, p1.ipv4]);
    const send = (o: unknown): void => void peer.child.stdin?.write(JSON.stringify(o) + '\n');
    await waitFor('scripted session up and initial table + EoR', () => lines(peer).some((e) => e.event === 'eor' && e.family === 'ipv4'), 10_000);
    const initial = lines(peer).filter((e) => e.event === 'update').flatMap((e) => e.nlri as string[]);
    expect(initial.sort()).toEqual(['10.244.1.0/26', '10.244.7.0/26']);

    const before = lines(peer).length;
    send({ op: 'refresh' });
    await waitFor('refresh answered', () => lines(peer).slice(before).some((e) => e.event === 'eor'), 5000);
    const again = lines(peer).slice(before);
    expect(again.filter((e) => e.event === 'update').flatMap((e) => e.nlri as string[]).sort()).toEqual(['10.244.1.0/26', '10.244.7.0/26']);
    expect(again[again.length - 1]).toEqual({ event: 'eor', family: 'ipv4' });

    // Announce two prefixes; they reach the kernel.
    send({ op: 'announce', prefixes: ['10.244.50.0/26', '10.244.51.0/26'] });
    await waitFor('kernel has the announced routes', async () => (await kernelRoutes(nsp.ns, '-4')).filter((r) => r.includes(' via ')).length === 2);
    // RFC 7606 §7.1: an ORIGIN of 7 is treat-as-withdraw. UPDATE: no withdrawn, attrs ORIGIN=7,
    // AS_PATH empty, NEXT_HOP p1, LOCAL_PREF 100; NLRI 10.244.50.0/26.
    const nh = p1.ipv4.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join('');
    const attrs = `40010107400200400304${nh}400504${(100).toString(16).padStart(8, '0')}`;
    const body = `0000${(attrs.length / 2).toString(16).padStart(4, '0')}${attrs}1a0af43200`;
    const len = (19 + body.length / 2).toString(16).padStart(4, '0');
    send({ op: 'raw', hex: `${'ff'.repeat(16)}${len}02${body}` });
    await waitFor('treat-as-withdraw removed the route', async () => (await kernelRoutes(nsp.ns, '-4')).filter((r) => r.includes(' via ')).length === 1);
    expect((await kernelRoutes(nsp.ns, '-4')).filter((r) => r.includes(' via '))).toEqual([`10.244.51.0/26 via ${p1.ipv4}`]);
    const st = (await sp.status()).peers.find((p) => p.address === p1.ipv4);
    expect(st?.state).toBe('Established');
    // The event log is written in blocks every 20 ms: wait for it.
    const ev = await waitFor('update-error logged', () => sp.events().find((e) => e.event === 'update-error'), 3000);
    expect(ev).toMatchObject({ peer: p1.ipv4, action: 'treat-as-withdraw' });
    const r = await controlRequest<RoutesResponse>(sp.control, { cmd: 'routes', family: 'ipv4' });
    expect(r.routes.map((x) => x.prefix).sort()).toEqual(['10.244.1.0/26', '10.244.51.0/26', '10.244.7.0/26']);
    peer.child.kill('SIGKILL');
    await waitFor('routes gone after the peer died', async () => (await kernelRoutes(nsp.ns, '-4')).filter((r) => r.includes(' via ')).length === 0);
  });

  it('a speaker stalled past the hold time reads what its peer sent meanwhile before its timers decide (no spurious 4/0)', async () => {
    // 100 speakers on 2 cores can wait seconds for the CPU; the peer kept talking all along.
    const [nsp, , , p3] = nodes;
    const peer = fabric.spawnIn(p3.ns, process.execPath, [script, 'session', p3.ipv4, nsp.ipv4, p3.ipv4]);
    const send = (o: unknown): void => void peer.child.stdin?.write(JSON.stringify(o) + '\n');
    await waitFor('session up', () => lines(peer).some((e) => e.event === 'eor'), 10_000);
    const pid = sp.proc.pid;
    process.kill(pid, 'SIGSTOP');
    try {
      // 4 s stopped (hold time 3 s), a KEEPALIVE every 500 ms waiting in its socket.
      for (let i = 0; i < 8; i++) {
        send({ op: 'keepalive' });
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(lines(peer).filter((e) => e.event === 'notification' || e.event === 'closed')).toEqual([]);
    expect((await sp.status()).peers.find((p) => p.address === p3.ipv4)?.state).toBe('Established');
    peer.child.kill('SIGKILL');
    await peer.exited;
  });

  it('expires the hold timer of a silent peer (NOTIFICATION 4/0) and removes its routes', async () => {
    const [nsp, , , p3] = nodes;
    const peer = fabric.spawnIn(p3.ns, process.execPath, [script, 'session', p3.ipv4, nsp.ipv4, p3.ipv4]);
    const send = (o: unknown): void => void peer.child.stdin?.write(JSON.stringify(o) + '\n');
    await waitFor('session up', () => lines(peer).some((e) => e.event === 'eor'), 10_000);
    send({ op: 'announce', prefixes: ['10.244.60.0/26'] });
    await waitFor('route in kernel', async () => (await kernelRoutes(nsp.ns, '-4')).some((r) => r.startsWith('10.244.60.0/26')));
    // Now say nothing: the hold time is 3 s.
    const t0 = Date.now();
    await waitFor('hold timer expired', () => lines(peer).some((e) => e.event === 'notification'), 8000);
    expect(lines(peer).find((e) => e.event === 'notification')).toEqual({ event: 'notification', code: 4, subcode: 0 });
    expect(Date.now() - t0).toBeLessThan(5000);
    await waitFor('route gone', async () => !(await kernelRoutes(nsp.ns, '-4')).some((r) => r.startsWith('10.244.60.0/26')));
    peer.child.kill('SIGKILL');
  });
});
