/**
 * Two bgplab speakers over real TCP in namespaces: session up, IPv4 and IPv6 routes both ways over one
 * IPv4 session (MP-BGP, IPv6 next hop = the node's IPv6 fabric address), kernel routes installed with
 * our protocol id and removed when the peer dies, SIGTERM sends Cease 6/2 and cleans the kernel, and a
 * connection from an unknown address is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlRequest } from '../../src/speaker/control-client.js';
import type { RoutesResponse } from '../../src/speaker/status-types.js';
import { missing } from '../helpers/env.js';
import { Fabric, kernelRoutes, waitFor, type SpeakerHandle } from './fabric.js';

const skip = missing('root', 'ip');
const fabric = new Fabric(`t-spk2-${process.pid % 100000}`, 81);

const timers = { hold: 9, keepalive: 3, connectRetry: 2 };

describe.skipIf(skip)('two bgplab speakers in namespaces', () => {
  let a: SpeakerHandle;
  let b: SpeakerHandle;

  beforeAll(async () => {
    const [na, nb] = await fabric.create(['a', 'b', 'x']);
    a = fabric.startSpeaker(na, {
      routerId: na.ipv4,
      asn: 64512,
      timers,
      peers: [{ address: nb.ipv4, asn: 64512 }],
      originate: ['10.244.1.0/26', 'fd00:244:0:1::/122'],
      fib: true,
    });
    b = fabric.startSpeaker(nb, {
      routerId: nb.ipv4,
      asn: 64512,
      timers,
      peers: [{ address: na.ipv4, asn: 64512 }],
      originate: ['10.244.2.0/26', 'fd00:244:0:2::/122'],
      fib: true,
    });
  });
  afterAll(async () => {
    await fabric.destroy();
  });

  it('establishes the session and exchanges IPv4 and IPv6 routes with the right next hops', async () => {
    const [na, nb] = [fabric.node('a'), fabric.node('b')];
    await waitFor('both sessions Established', async () => {
      const [sa, sb] = await Promise.all([a.status(), b.status()]);
      return sa.peers[0].state === 'Established' && sb.peers[0].state === 'Established';
    }, 15_000).catch((err) => {
      throw new Error(`${(err as Error).message}\nA stderr: ${a.proc.stderr()}\nB stderr: ${b.proc.stderr()}`);
    });
    await waitFor('routes in the kernel of a', async () => (await kernelRoutes(na.ns, '-6')).length === 2 && (await kernelRoutes(na.ns, '-4')).length === 2);
    expect(await kernelRoutes(na.ns, '-4')).toEqual(['10.244.2.0/26 via 10.81.0.2', 'blackhole 10.244.1.0/26']);
    expect(await kernelRoutes(na.ns, '-6')).toEqual(['blackhole fd00:244:0:1::/122', 'fd00:244:0:2::/122 via fd00:81::2']);
    await waitFor('routes in the kernel of b', async () => (await kernelRoutes(nb.ns, '-6')).length === 2);
    expect(await kernelRoutes(nb.ns, '-4')).toEqual(['10.244.1.0/26 via 10.81.0.1', 'blackhole 10.244.2.0/26']);
    expect(await kernelRoutes(nb.ns, '-6')).toEqual(['blackhole fd00:244:0:2::/122', 'fd00:244:0:1::/122 via fd00:81::1']);

    const st = await a.status();
    expect(st.peers[0]).toMatchObject({ address: nb.ipv4, state: 'Established', prefixes: { received: 2, accepted: 2, sent: 2 } });
    expect(st.rib).toEqual({ ipv4: { routes: 2 }, ipv6: { routes: 2 } });
    expect(st.fib.installed).toBe(4); // 2 learned + 2 blackholes

    const r = await controlRequest<RoutesResponse>(a.control, { cmd: 'routes', family: 'ipv6' });
    const learned = r.routes.find((x) => x.prefix === 'fd00:244:0:2::/122');
    expect(learned).toMatchObject({ family: 'ipv6', nextHop: 'fd00:81::2', peer: nb.ipv4, best: true });
    expect(learned?.attributes).toMatchObject({ origin: 'IGP', localPref: 100, asPath: [] });

    // The event log has the session, the learned routes and the FIB programming, with monotonic stamps
    // (written in blocks every 20 ms: wait for the last of them).
    const fibAdds = (): string[] => a.events().filter((e) => e.event === 'fib' && e.op === 'add').flatMap((e) => e.prefixes as string[]);
    await waitFor('fib events logged', () => fibAdds().length === 2, 3000);
    const ev = a.events();
    expect(ev[0]).toMatchObject({ event: 'start', node: 'a' });
    expect(ev.find((e) => e.event === 'session' && e.state === 'Established')).toMatchObject({ peer: nb.ipv4, prev: 'OpenConfirm' });
    expect(ev.find((e) => e.event === 'route' && e.prefix === '10.244.2.0/26')).toMatchObject({ op: 'add', family: 'ipv4', nextHop: nb.ipv4, peer: nb.ipv4 });
    const fibEv = ev.filter((e) => e.event === 'fib' && e.op === 'add').flatMap((e) => e.prefixes as string[]);
    expect(fibEv.sort()).toEqual(['10.244.2.0/26', 'fd00:244:0:2::/122']);
    for (const e of ev) expect(typeof e.mono === 'string' && /^\d+$/.test(e.mono as string)).toBe(true);
  });

  it('refuses a connection from an address that is not a configured peer', async () => {
    const nx = fabric.node('x');
    // From namespace x, open a TCP connection to a:179 and see it closed without a byte.
    const probe = fabric.spawnIn(nx.ns, process.execPath, [
      '-e',
      `const s=require('net').connect(179,'${fabric.node('a').ipv4}');let n=0;s.on('data',d=>n+=d.length);s.on('close',()=>{console.log('closed '+n);process.exit(0)});s.on('error',e=>{console.log('error '+e.code);process.exit(0)});setTimeout(()=>{console.log('open');process.exit(1)},3000);`,
    ]);
    const r = await probe.exited;
    expect(probe.stdout().trim()).toMatch(/^(closed 0|error ECONNRESET)$/);
    expect(r.code).toBe(0);
    await waitFor('refused event', () => a.events().find((e) => e.event === 'refused'), 3000);
    expect(a.events().find((e) => e.event === 'refused')).toMatchObject({ address: nx.ipv4, reason: 'not a configured peer' });
    // The real session is untouched.
    expect((await a.status()).peers[0].state).toBe('Established');
  });

  it('withdraws routes from the kernel when the peer dies, and sends Cease 6/2 on SIGTERM', async () => {
    const na = fabric.node('a');
    const r = await b.stop('SIGTERM');
    expect(r.code).toBe(0);
    // b cleaned its own kernel on the way out.
    expect(await kernelRoutes(fabric.node('b').ns, '-4')).toEqual([]);
    expect(await kernelRoutes(fabric.node('b').ns, '-6')).toEqual([]);
    // a heard the Cease (6/2) and withdrew b's routes from its kernel, keeping its blackholes.
    await waitFor('a withdrew b routes', async () => (await kernelRoutes(na.ns, '-4')).length === 1 && (await kernelRoutes(na.ns, '-6')).length === 1);
    expect(await kernelRoutes(na.ns, '-4')).toEqual(['blackhole 10.244.1.0/26']);
    const st = await a.status();
    expect(st.peers[0].state).not.toBe('Established');
    // lastError says why the session last went down: the Cease, or (once a's reconnect back-off fires) the
    // refused dial to the stopped b; the event log keeps the NOTIFICATION either way.
    expect(st.peers[0].lastError).toMatch(/received NOTIFICATION 6\/2|ECONNREFUSED/);
    const fibDels = (): string[] => a.events().filter((e) => e.event === 'fib' && e.op === 'del').flatMap((e) => e.prefixes as string[]);
    await waitFor('fib del events logged', () => fibDels().length === 2, 3000);
    const ev = a.events();
    expect(ev.find((e) => e.event === 'notification' && e.direction === 'received')).toMatchObject({ code: 6, subcode: 2 });
    expect(ev.find((e) => e.event === 'route' && e.op === 'del' && e.prefix === '10.244.2.0/26')).toBeDefined();
    expect(ev.filter((e) => e.event === 'fib' && e.op === 'del').flatMap((e) => e.prefixes as string[]).sort()).toEqual(['10.244.2.0/26', 'fd00:244:0:2::/122']);
  });
});
