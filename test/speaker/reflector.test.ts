/**
 * Route reflection over real TCP in namespaces (RFC 4456): one reflector with three clients, then two
 * reflectors sharing a cluster id with the same clients. Checks what each client learns (next hop
 * unchanged, ORIGINATOR_ID, CLUSTER_LIST), the loop rules, kernel routes, and withdrawal when a client dies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlRequest } from '../../src/speaker/control-client.js';
import type { RouteEntry, RoutesResponse } from '../../src/speaker/status-types.js';
import { missing } from '../helpers/env.js';
import { Fabric, kernelRoutes, waitFor, type FabricNode, type SpeakerHandle } from './fabric.js';

const skip = missing('root', 'ip');
const timers = { hold: 9, keepalive: 3, connectRetry: 2 };
const ASN = 64512;

async function routes(h: SpeakerHandle, family?: 'ipv4' | 'ipv6'): Promise<RouteEntry[]> {
  return (await controlRequest<RoutesResponse>(h.control, family ? { cmd: 'routes', family } : { cmd: 'routes' })).routes;
}

async function allEstablished(hs: SpeakerHandle[], what: string): Promise<void> {
  await waitFor(what, async () => {
    const st = await Promise.all(hs.map((h) => h.status()));
    return st.every((s) => s.peers.every((p) => p.state === 'Established'));
  }, 20_000);
}

const block4 = (n: FabricNode): string => `10.244.${n.index}.0/26`;
const block6 = (n: FabricNode): string => `fd00:244:0:${n.index}::/122`;

describe.skipIf(skip)('one route reflector with three clients', () => {
  const fabric = new Fabric(`t-spkrr-${process.pid % 100000}`, 82);
  let rr: SpeakerHandle;
  const clients: SpeakerHandle[] = [];
  let nodes: FabricNode[];

  beforeAll(async () => {
    nodes = await fabric.create(['rr', 'c1', 'c2', 'c3']);
    const [nrr, ...nc] = nodes;
    rr = fabric.startSpeaker(nrr, {
      routerId: nrr.ipv4,
      asn: ASN,
      clusterId: '10.82.0.100',
      timers,
      peers: nc.map((n) => ({ address: n.ipv4, asn: ASN, rrClient: true })),
      // This file checks RFC 4271 withdrawal when a peer dies; RFC 4724 stale retention (on by default)
      // is covered by graceful-restart.test.ts.
      gracefulRestart: false,
    });
    for (const n of nc) {
      clients.push(
        fabric.startSpeaker(n, {
          routerId: n.ipv4,
          asn: ASN,
          timers,
          peers: [{ address: nrr.ipv4, asn: ASN }],
          originate: [block4(n), block6(n)],
          fib: true,
        }),
      );
    }
  });
  afterAll(async () => {
    await fabric.destroy();
  });

  it('reflects every client route to the other clients with ORIGINATOR_ID and CLUSTER_LIST, next hop unchanged', async () => {
    await allEstablished([rr, ...clients], 'all sessions Established');
    const [, c1, c2, c3] = nodes;
    await waitFor('c1 kernel has c2 and c3 routes', async () => (await kernelRoutes(c1.ns, '-4')).length === 3 && (await kernelRoutes(c1.ns, '-6')).length === 3);
    expect(await kernelRoutes(c1.ns, '-4')).toEqual([`${block4(c2)} via ${c2.ipv4}`, `${block4(c3)} via ${c3.ipv4}`, `blackhole ${block4(c1)}`]);
    expect(await kernelRoutes(c1.ns, '-6')).toEqual([`blackhole ${block6(c1)}`, `${block6(c2)} via ${c2.ipv6}`, `${block6(c3)} via ${c3.ipv6}`]);

    const r1 = await routes(clients[0]);
    const fromC2 = r1.find((r) => r.prefix === block4(c2));
    expect(fromC2).toMatchObject({ peer: nodes[0].ipv4, nextHop: c2.ipv4, best: true });
    expect(fromC2?.attributes).toMatchObject({ originatorId: c2.ipv4, clusterList: ['10.82.0.100'], localPref: 100, origin: 'IGP' });
    const fromC3v6 = r1.find((r) => r.prefix === block6(c3));
    expect(fromC3v6?.attributes).toMatchObject({ originatorId: c3.ipv4, clusterList: ['10.82.0.100'] });
    expect(fromC3v6?.nextHop).toBe(c3.ipv6);

    // The reflector holds all six blocks, learned from the clients, and does not touch its kernel.
    const st = await rr.status();
    expect(st.rib).toEqual({ ipv4: { routes: 3 }, ipv6: { routes: 3 } });
    expect(st.clusterId).toBe('10.82.0.100');
    expect(st.peers.map((p) => p.prefixes)).toEqual([
      { received: 2, accepted: 2, sent: 4 },
      { received: 2, accepted: 2, sent: 4 },
      { received: 2, accepted: 2, sent: 4 },
    ]);
    expect(await kernelRoutes(nodes[0].ns, '-4')).toEqual([]);
  });

  it('withdraws a dead client routes from the other clients and their kernels', async () => {
    const [, c1, , c3] = nodes;
    // SIGKILL: no Cease, no cleanup; the reflector sees the TCP connection close.
    await clients[0].stop('SIGKILL');
    await waitFor('c3 lost c1 routes', async () => (await kernelRoutes(c3.ns, '-4')).length === 2 && (await kernelRoutes(c3.ns, '-6')).length === 2);
    expect((await kernelRoutes(c3.ns, '-4')).some((r) => r.startsWith(block4(c1)))).toBe(false);
    const st = await rr.status();
    expect(st.peers.find((p) => p.address === c1.ipv4)?.state).not.toBe('Established');
    expect(st.rib).toEqual({ ipv4: { routes: 2 }, ipv6: { routes: 2 } });
  });
});

for (const shared of [true, false]) {
  describe.skipIf(skip)(`two route reflectors with ${shared ? 'a shared cluster id' : 'distinct cluster ids'}`, () => {
    const subnet = shared ? 83 : 93;
    const fabric = new Fabric(`t-spkrr${shared ? 's' : 'd'}-${process.pid % 100000}`, subnet);
    const clusterOf = (i: number): string => (shared ? `10.${subnet}.0.200` : `10.${subnet}.0.${201 + i}`);
    let rrs: SpeakerHandle[] = [];
    const clients: SpeakerHandle[] = [];
    let nodes: FabricNode[];

    beforeAll(async () => {
      nodes = await fabric.create(['rr1', 'rr2', 'c1', 'c2']);
      const [r1, r2, c1, c2] = nodes;
      rrs = [r1, r2].map((n, i) =>
        fabric.startSpeaker(n, {
          routerId: n.ipv4,
          asn: ASN,
          clusterId: clusterOf(i),
          timers,
          peers: [
            { address: (i === 0 ? r2 : r1).ipv4, asn: ASN }, // the other reflector: a non-client iBGP peer
            { address: c1.ipv4, asn: ASN, rrClient: true },
            { address: c2.ipv4, asn: ASN, rrClient: true },
          ],
        }),
      );
      for (const n of [c1, c2]) {
        clients.push(
          fabric.startSpeaker(n, {
            routerId: n.ipv4,
            asn: ASN,
            timers,
            peers: [{ address: r1.ipv4, asn: ASN }, { address: r2.ipv4, asn: ASN }],
            originate: [block4(n), block6(n)],
            fib: true,
            gracefulRestart: false, // the dead reflector's paths go at once (no RFC 4724 stale retention)
          }),
        );
      }
    });
    afterAll(async () => {
      await fabric.destroy();
    });

    it(`clients learn each route from both reflectors; ${shared ? "a reflector drops the other one's copy (cluster loop)" : 'a reflector prefers the direct path (shorter CLUSTER_LIST)'}`, async () => {
      await allEstablished([...rrs, ...clients], 'all sessions Established');
      const [r1, r2, c1, c2] = nodes;
      await waitFor('c1 has c2 block via both reflectors', async () => (await routes(clients[0], 'ipv4')).filter((r) => r.prefix === block4(c2)).length === 2);
      const paths = (await routes(clients[0], 'ipv4')).filter((r) => r.prefix === block4(c2));
      expect(paths.map((p) => p.peer).sort()).toEqual([r1.ipv4, r2.ipv4]);
      for (const p of paths) {
        expect(p.nextHop).toBe(c2.ipv4);
        expect(p.attributes).toMatchObject({ originatorId: c2.ipv4, clusterList: [clusterOf(p.peer === r1.ipv4 ? 0 : 1)] });
      }
      // RFC 4271 §9.1.2.2 g: equal otherwise, the lowest peer address wins.
      expect(paths.find((p) => p.best)?.peer).toBe(r1.ipv4);

      // rr2 gets c2's block from rr1 with CLUSTER_LIST [rr1's cluster id]. Shared id: RFC 4456 §8 loop,
      // never used. Distinct ids: a valid path, but RFC 4456 §9 prefers the direct one (shorter CLUSTER_LIST).
      await waitFor('rr2 has the reflected copy from rr1', async () => (await routes(rrs[1], 'ipv4')).some((r) => r.prefix === block4(c2) && r.peer === r1.ipv4));
      const atRr2 = (await routes(rrs[1], 'ipv4')).filter((r) => r.prefix === block4(c2));
      const viaRr1 = atRr2.find((r) => r.peer === r1.ipv4) as RouteEntry & { rejected?: string };
      expect(viaRr1.best).toBe(false);
      expect(viaRr1.attributes).toMatchObject({ originatorId: c2.ipv4, clusterList: [clusterOf(0)] });
      if (shared) expect(viaRr1.rejected).toBe('cluster-loop');
      else expect(viaRr1.rejected).toBeUndefined();
      expect(atRr2.find((r) => r.peer === c2.ipv4)?.best).toBe(true);
      expect(await kernelRoutes(c1.ns, '-4')).toEqual([`${block4(c2)} via ${c2.ipv4}`, `blackhole ${block4(c1)}`]);
    });

    it('keeps the routes through the second reflector when the first dies', async () => {
      const [r1, r2, c1, c2] = nodes;
      await rrs[0].stop('SIGKILL');
      await waitFor('c1 uses rr2 for c2 block', async () => {
        const p = (await routes(clients[0], 'ipv4')).filter((r) => r.prefix === block4(c2));
        return p.length === 1 && p[0].peer === r2.ipv4 && p[0].best;
      });
      expect(await kernelRoutes(c1.ns, '-4')).toEqual([`${block4(c2)} via ${c2.ipv4}`, `blackhole ${block4(c1)}`]);
      expect(await kernelRoutes(c1.ns, '-6')).toEqual([`blackhole ${block6(c1)}`, `${block6(c2)} via ${c2.ipv6}`]);
      void r1;
    });
  });
}
