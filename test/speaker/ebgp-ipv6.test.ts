/**
 * eBGP over an IPv6 session carrying both families (RFC 4760), then iBGP onwards: AS_PATH prepend,
 * next hop self and no LOCAL_PREF towards the external peer (RFC 4271 §5.1), LOCAL_PREF added and the
 * next hop kept inside the AS; the status and routes CLI against the running speakers, and reset.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlRequest } from '../../src/speaker/control-client.js';
import type { RouteEntry, RoutesResponse } from '../../src/speaker/status-types.js';
import { missing } from '../helpers/env.js';
import { Fabric, kernelRoutes, waitFor, type FabricNode, type SpeakerHandle } from './fabric.js';
import { writePeerScript } from './peer-script.js';

const skip = missing('root', 'ip');
const CLI = resolve(process.cwd(), 'dist/src/cli/main.js');
const timers = { hold: 9, keepalive: 3, connectRetry: 2 };

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((r) =>
    execFile(process.execPath, [CLI, ...args], { timeout: 15_000 }, (e, out, err) =>
      r({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }),
    ),
  );
}

async function best(h: SpeakerHandle, prefix: string): Promise<RouteEntry | undefined> {
  const r = await controlRequest<RoutesResponse>(h.control, { cmd: 'routes' });
  return r.routes.find((x) => x.prefix === prefix && x.best);
}

describe.skipIf(skip)('eBGP over IPv6 transport, then iBGP', () => {
  const fabric = new Fabric(`t-spkebgp-${process.pid % 100000}`, 92);
  let nodes: FabricNode[];
  let a: SpeakerHandle;
  let b: SpeakerHandle;
  let c: SpeakerHandle;
  let script: string;

  beforeAll(async () => {
    nodes = await fabric.create(['a', 'b', 'c', 'x']);
    script = writePeerScript(fabric.dir);
    const [na, nb, nc] = nodes;
    a = fabric.startSpeaker(na, {
      routerId: na.ipv4,
      asn: 65001,
      timers,
      peers: [{ address: nb.ipv6, asn: 65002, description: 'tor-b' }],
      originate: ['10.244.1.0/26', 'fd00:244:0:1::/122'],
      fib: true,
    });
    b = fabric.startSpeaker(nb, {
      routerId: nb.ipv4,
      asn: 65002,
      timers,
      peers: [
        { address: na.ipv6, asn: 65001 },
        { address: nc.ipv4, asn: 65002 },
        { address: nodes[3].ipv4, asn: 65009, passive: true },
      ],
      fib: true,
    });
    c = fabric.startSpeaker(nc, {
      routerId: nc.ipv4,
      asn: 65002,
      timers,
      peers: [{ address: nb.ipv4, asn: 65002 }],
      originate: ['10.244.3.0/26', 'fd00:244:0:3::/122'],
      fib: true,
    });
  });
  afterAll(async () => {
    await fabric.destroy();
  });

  it('sends eBGP routes with our AS prepended, next hop self per family and no LOCAL_PREF', async () => {
    const [na, nb] = nodes;
    await waitFor('b has a routes', async () => !!(await best(b, '10.244.1.0/26')) && !!(await best(b, 'fd00:244:0:1::/122')), 20_000);
    const v4 = await best(b, '10.244.1.0/26');
    const v6 = await best(b, 'fd00:244:0:1::/122');
    // IPv4 over an IPv6 session: a's IPv4 address on the same interface is the next hop.
    expect(v4).toMatchObject({ peer: na.ipv6, nextHop: na.ipv4 });
    expect(v6).toMatchObject({ peer: na.ipv6, nextHop: na.ipv6 });
    expect(v4?.attributes.asPath).toEqual([{ type: 'AS_SEQUENCE', asns: [65001] }]);
    // What the external peer stores gets its own LOCAL_PREF (100); what goes on the wire has none: see below.
    // c's routes reach b on their own session: wait for the kernel to hold both (this raced).
    await waitFor('b has a and c routes in its kernel', async () => (await kernelRoutes(nb.ns, '-4')).length === 2 && (await kernelRoutes(nb.ns, '-6')).length === 2, 15_000);
    expect(await kernelRoutes(nb.ns, '-4')).toEqual([`10.244.1.0/26 via ${na.ipv4}`, `10.244.3.0/26 via ${nodes[2].ipv4}`]);
    expect(await kernelRoutes(nb.ns, '-6')).toEqual([`fd00:244:0:1::/122 via ${na.ipv6}`, `fd00:244:0:3::/122 via ${nodes[2].ipv6}`]);
    expect((await b.status()).peers[0]).toMatchObject({ type: 'ebgp', state: 'Established', families: ['ipv4', 'ipv6'] });
  });

  it('passes eBGP routes on inside the AS with LOCAL_PREF and the next hop unchanged', async () => {
    const [na, nb] = nodes;
    await waitFor('c has a routes', async () => !!(await best(c, '10.244.1.0/26')), 15_000);
    const v4 = await best(c, '10.244.1.0/26');
    expect(v4).toMatchObject({ peer: nb.ipv4, nextHop: na.ipv4 });
    expect(v4?.attributes).toMatchObject({ localPref: 100, asPath: [{ type: 'AS_SEQUENCE', asns: [65001] }] });
  });

  it('sends iBGP-learned routes to the eBGP peer with the path [65002] and next hop self', async () => {
    const [, nb] = nodes;
    await waitFor('a has c routes via b', async () => !!(await best(a, '10.244.3.0/26')) && !!(await best(a, 'fd00:244:0:3::/122')), 15_000);
    const v4 = await best(a, '10.244.3.0/26');
    const v6 = await best(a, 'fd00:244:0:3::/122');
    expect(v4).toMatchObject({ nextHop: nb.ipv4 });
    expect(v6).toMatchObject({ nextHop: nb.ipv6 });
    expect(v4?.attributes.asPath).toEqual([{ type: 'AS_SEQUENCE', asns: [65002] }]);
  });

  it('on the wire to an external peer: AS_PATH prepended, NEXT_HOP self, no LOCAL_PREF (RFC 4271 §5.1.5)', async () => {
    const [na, nb, nc, nx] = nodes;
    const peer = fabric.spawnIn(nx.ns, process.execPath, [script, 'session', nx.ipv4, nb.ipv4, nx.ipv4, '65009']);
    const lines = (): Array<Record<string, unknown>> =>
      peer.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    await waitFor('x got the table', () => lines().filter((e) => e.event === 'eor').length === 2, 10_000);
    const updates = lines().filter((e) => e.event === 'update');
    const fromA = updates.find((u) => (u.nlri as string[]).includes('10.244.1.0/26'));
    const fromC = updates.find((u) => (u.nlri as string[]).includes('10.244.3.0/26'));
    const fromC6 = updates.find((u) => (u.nlri as string[]).includes('fd00:244:0:3::/122'));
    expect(fromA).toMatchObject({ localPref: null, nextHop: nb.ipv4, asPath: [{ type: 2, asns: [65002, 65001] }] });
    expect(fromC).toMatchObject({ localPref: null, nextHop: nb.ipv4, asPath: [{ type: 2, asns: [65002] }] });
    expect(fromC6).toMatchObject({ localPref: null, nextHop: nb.ipv6 });
    peer.child.kill('SIGKILL');
    void na;
    void nc;
  });

  it('bgplab speaker status / routes print the tables and JSON of a running speaker', async () => {
    const [na, nb] = nodes;
    const t = await cli(['speaker', 'status', '--control', b.control]);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^bgplab speaker b: router id 10\.92\.0\.2, AS 65002, up /);
    expect(t.out).toMatch(new RegExp(`\\| ${na.ipv6.replace(/[.]/g, '\\.')}\\s+\\| 65001 \\| ebgp\\s+\\| up\\s+\\| \\d\\d:\\d\\d:\\d\\d \\| Established`));
    expect(t.out).toContain('Sessions: 2 of 3 established.');
    const j = await cli(['speaker', 'status', '--control', b.control, '-f', 'json']);
    const st = JSON.parse(j.out) as { peers: Array<{ address: string; prefixes: { received: number } }> };
    expect(st.peers.map((p) => p.address)).toEqual([na.ipv6, nodes[2].ipv4, nodes[3].ipv4]);
    const r = await cli(['speaker', 'routes', '--control', b.control, '--family', 'ipv4']);
    expect(r.out).toContain(`10.244.1.0/26        unicast [${na.ipv6}] * (100) [AS65001i]\n\tvia ${na.ipv4}\n`);
    const rj = await cli(['speaker', 'routes', '--control', b.control, '-f', 'json']);
    const routes = (JSON.parse(rj.out) as RoutesResponse).routes;
    expect(routes.find((x) => x.prefix === 'fd00:244:0:1::/122')).toMatchObject({ family: 'ipv6', nextHop: na.ipv6, peer: na.ipv6, best: true });
    const bad = await cli(['speaker', 'routes', '--control', b.control, '--family', 'ipv5']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--family "ipv5": must be "ipv4" or "ipv6"/);
    void nb;
  });

  it('reset sends Cease 6/4 and the session comes back', async () => {
    const [na] = nodes;
    const r = await cli(['speaker', 'reset', '--control', b.control, na.ipv6]);
    expect(r.code).toBe(0);
    await waitFor('a saw the reset', () => a.events().some((e) => e.event === 'notification' && e.code === 6 && e.subcode === 4), 5000);
    await waitFor('session back', async () => (await a.status()).peers[0].state === 'Established', 15_000);
    await waitFor('routes back', async () => !!(await best(b, '10.244.1.0/26')), 10_000);
    const bad = await cli(['speaker', 'reset', '--control', b.control, '10.1.2.3']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/"10\.1\.2\.3" is not a configured peer/);
  });
});
