/**
 * Loc-RIB best-path changes to the kernel FIB (src/speaker/fib-changes.ts), with a real RIB and a real
 * KernelFib programming a namespace this test creates. The case that used to be lost: the best path of
 * a prefix switches from a learned route to one we originate (op 'replace', local) — the learned kernel
 * route must go and our blackhole take its place; and back again when we stop originating.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelFib } from '../../src/fib/kernel.js';
import { Rib } from '../../src/rib/index.js';
import { applyBestChangesToFib, type FibPolicy } from '../../src/speaker/fib-changes.js';
import { addNetns, delNetns, ipBatch } from '../../src/sys/index.js';
import { missing } from '../helpers/env.js';
import { kernelRoutes } from './fabric.js';

const skip = missing('root', 'ip');
const ns = `t-fibchg-${process.pid % 100000}`;
const PEER = '10.87.0.2';
const P = '10.244.7.0/26';
const P6 = 'fd00:244:0:7::/122';

describe.skipIf(skip)('best-path changes to the kernel FIB', () => {
  beforeAll(async () => {
    await delNetns(ns);
    await addNetns(ns);
    // No dummy driver here: a veth pair inside the namespace gives the next hops a connected subnet.
    await ipBatch(ns, [
      'link add v0 type veth peer name v1',
      'addr add 10.87.0.1/24 dev v0',
      'addr add fd00:87::1/64 dev v0 nodad',
      'link set v0 up',
      'link set v1 up',
    ]);
  });
  afterAll(async () => {
    await delNetns(ns);
  });

  async function scenario(policy: FibPolicy): Promise<Array<{ v4: string[]; v6: string[] }>> {
    const fib = new KernelFib({ netns: ns });
    await fib.start();
    const snapshots: Array<{ v4: string[]; v6: string[] }> = [];
    try {
      const rib = new Rib({ routerId: '10.87.0.1', asn: 64512 });
      rib.addPeer({ address: PEER, asn: 64512, nextHopSelf: { ipv4: '10.87.0.1', ipv6: 'fd00:87::1' } });
      rib.peerUp(PEER, { routerId: PEER });
      const step = async (): Promise<void> => {
        applyBestChangesToFib(rib.takeBestChanges(), fib, policy);
        await fib.settled(5000);
        snapshots.push({ v4: await kernelRoutes(ns, '-4'), v6: await kernelRoutes(ns, '-6') });
      };
      rib.applyUpdate(PEER, 'ipv4', { origin: 0, asPath: [], localPref: 100, nextHop: PEER }, [{ prefix: P }], []);
      rib.applyUpdate(PEER, 'ipv6', { origin: 0, asPath: [], localPref: 100, mpReach: { afi: 2, safi: 1, nextHops: ['fd00:87::2'], nlri: [] } }, [{ prefix: P6 }], []);
      await step(); // learned best
      rib.originate([P, P6]);
      await step(); // ours best: 'replace', local
      rib.withdrawOriginated([P, P6]);
      await step(); // learned best again
      rib.applyUpdate(PEER, 'ipv4', null, [], [{ prefix: P }]);
      rib.applyUpdate(PEER, 'ipv6', null, [], [{ prefix: P6 }]);
      await step(); // nothing
    } finally {
      await fib.stop();
    }
    return snapshots;
  }

  it('learned -> ours -> learned -> gone, with blackholes (Calico default)', async () => {
    const s = await scenario({ installLearned: true, blackhole: true });
    expect(s).toEqual([
      { v4: [`${P} via ${PEER}`], v6: [`${P6} via fd00:87::2`] },
      { v4: [`blackhole ${P}`], v6: [`blackhole ${P6}`] },
      { v4: [`${P} via ${PEER}`], v6: [`${P6} via fd00:87::2`] },
      { v4: [], v6: [] },
    ]);
  });

  it('without blackholes, our route taking over removes the learned one from the kernel', async () => {
    const s = await scenario({ installLearned: true, blackhole: false });
    expect(s.map((x) => x.v4)).toEqual([[`${P} via ${PEER}`], [], [`${P} via ${PEER}`], []]);
  });
});
