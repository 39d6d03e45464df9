/**
 * Our interface addresses (src/speaker/interfaces.ts): the /proc/net parsers on the kernel's own text,
 * and two speakers whose links are not RUNNING (libuv lists no address on them) that must still carry
 * IPv6 over their IPv4 session with their IPv6 fabric addresses as next hops (RFC 4760 §3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedIface, mergeInterfaceAddresses, parseConnectedRoutes, parseIfInet6 } from '../../src/speaker/interfaces.js';
import { ipBatch, run } from '../../src/sys/index.js';
import { missing } from '../helpers/env.js';
import { Fabric, kernelRoutes, waitFor, type SpeakerHandle } from './fabric.js';

// Lines as this machine's kernel prints them (flags: 0x80 permanent, 0x40 tentative, 0x08 dadfailed).
const IF_INET6 = [
  'fd000000000000000000000000000002 04 40 00 82     eth0',
  '00000000000000000000000000000001 01 80 10 80       lo',
  'fe8000000000000000fc00fffe000001 04 40 20 80     eth0',
  'fd000081000000000000000000000001 05 40 00 c0     eth1',
  'fd000081000000000000000000000009 05 40 00 88     eth1',
  'garbage line',
].join('\n');

const ROUTE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  'eth1\t0000000A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'pod\t0051000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  'down\t0063000A\t00000000\t0000\t0\t0\t0\t00FFFFFF\t0\t0\t0',
].join('\n');

describe('/proc/net parsers', () => {
  it('reads IPv6 addresses from if_inet6: tentative kept, loopback and failed DAD left out', () => {
    expect(parseIfInet6(IF_INET6).map((a) => [a.address, a.prefixLength, a.iface])).toEqual([
      ['fd00::2', 64, 'eth0'],
      ['fe80::fc:ff:fe00:1', 64, 'eth0'],
      ['fd00:81::1', 64, 'eth1'],
    ]);
  });

  it('reads on-link IPv4 routes (host byte order, either endianness) and finds the most specific', () => {
    const routes = parseConnectedRoutes(ROUTE, true);
    expect(routes.map((r) => r.iface)).toEqual(['eth0', 'eth1', 'pod']); // no default route, nothing down
    expect(connectedIface(routes, '192.0.2.77')).toBe('eth0');
    expect(connectedIface(routes, '10.0.3.4')).toBe('eth1');
    expect(connectedIface(routes, '10.0.81.9')).toBe('pod'); // /24 inside the /16: the longer wins
    expect(connectedIface(routes, '198.51.100.1')).toBeUndefined();
    expect(connectedIface(routes, 'not an address')).toBeUndefined();
    const bigEndian = ROUTE.replace('000200C0', 'C0000200').replace('00FFFFFF', 'FFFFFF00');
    expect(connectedIface(parseConnectedRoutes(bigEndian, false), '192.0.2.77')).toBe('eth0');
  });

  it("adds only interfaces libuv did not list (it lists RUNNING ones; its view of those wins)", () => {
    const listed = parseIfInet6('fd000000000000000000000000000002 04 40 00 80 eth0');
    const merged = mergeInterfaceAddresses(listed, parseIfInet6(IF_INET6));
    expect(merged.map((a) => `${a.iface} ${a.address}`)).toEqual(['eth0 fd00::2', 'eth1 fd00:81::1']);
  });
});

const skip = missing('root', 'ip');
const fabric = new Fabric(`t-spkif-${process.pid % 100000}`, 86);
const timers = { hold: 9, keepalive: 3, connectRetry: 1 };

describe.skipIf(skip)('speakers on links that are not RUNNING yet', () => {
  let a: SpeakerHandle;
  let b: SpeakerHandle;

  beforeAll(async () => {
    const [na, nb] = await fabric.create(['a', 'b']);
    // Dormant: traffic flows but the link is not RUNNING, as a new link is for up to ~1 s while the
    // kernel's link watch catches up; os.networkInterfaces() then lists none of its addresses.
    // (The mode applies from the next transition: down and up, which drops IPv6 addresses: add it again.)
    for (const n of [na, nb]) {
      await ipBatch(n.ns, ['link set eth1 mode dormant', 'link set eth1 down', 'link set eth1 up', `addr replace ${n.ipv6}/64 dev eth1 nodad`]);
    }
    const start = (self: typeof na, other: typeof na, i: number): SpeakerHandle =>
      fabric.startSpeaker(self, {
        routerId: self.ipv4,
        asn: 64512,
        timers,
        peers: [{ address: other.ipv4, asn: 64512, families: ['ipv4', 'ipv6'] }],
        originate: [`10.244.${i}.0/26`, `fd00:244:0:${i}::/122`],
        fib: true,
      });
    a = start(na, nb, 1);
    b = start(nb, na, 2);
  });
  afterAll(async () => {
    await fabric.destroy();
  });

  it('exchange IPv6 routes with their IPv6 fabric addresses as next hops', async () => {
    const [na, nb] = [fabric.node('a'), fabric.node('b')];
    expect((await run('ip', ['-n', na.ns, '-o', 'link', 'show', 'eth1'])).stdout).toMatch(/state DORMANT/);
    await waitFor(
      'IPv6 routes in both kernels',
      async () => (await kernelRoutes(na.ns, '-6')).length === 2 && (await kernelRoutes(nb.ns, '-6')).length === 2,
      15_000,
    ).catch((err) => {
      const errors = [...a.events(), ...b.events()].filter((e) => e.event === 'error').map((e) => e.message);
      throw new Error(`${(err as Error).message}; speaker errors: ${JSON.stringify(errors)}`);
    });
    expect(await kernelRoutes(na.ns, '-6')).toEqual(['blackhole fd00:244:0:1::/122', `fd00:244:0:2::/122 via ${nb.ipv6}`]);
    expect(await kernelRoutes(nb.ns, '-6')).toEqual(['blackhole fd00:244:0:2::/122', `fd00:244:0:1::/122 via ${na.ipv6}`]);
    expect(await kernelRoutes(na.ns, '-4')).toEqual([`10.244.2.0/26 via ${nb.ipv4}`, 'blackhole 10.244.1.0/26']);
    expect([...a.events(), ...b.events()].filter((e) => e.event === 'error')).toEqual([]);
  });
});
