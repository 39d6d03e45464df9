/**
 * RFC 4271 §9.2.1.1 MinRouteAdvertisementInterval on a reflector (config `advertisementIntervalMs`), over
 * real TCP in namespaces with two scripted clients: a client's initial table goes at once; after a quiet
 * interval the first change goes at once too; changes that follow within the interval wait for its end
 * and go out together, in one UPDATE when they share their attributes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/env.js';
import { Fabric, sleep, waitFor, type FabricNode, type SpeakerHandle, type StartedProcess } from './fabric.js';
import { writePeerScript } from './peer-script.js';

const skip = missing('root', 'ip');
const INTERVAL_MS = 600;

type Line = Record<string, unknown> & { event: string };
const lines = (p: StartedProcess): Line[] =>
  p
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
const updates = (p: StartedProcess): Array<{ at: number; nlri: string[] }> =>
  lines(p)
    .filter((e) => e.event === 'update')
    .map((e) => ({ at: e.at as number, nlri: e.nlri as string[] }));

describe.skipIf(skip)('advertisement interval on a reflector', () => {
  const fabric = new Fabric(`t-spkmrai-${process.pid % 100000}`, 97);
  let nodes: FabricNode[];
  let rr: SpeakerHandle;
  let script: string;

  beforeAll(async () => {
    nodes = await fabric.create(['rr', 'a', 'b']);
    script = writePeerScript(fabric.dir);
    const [nrr, a, b] = nodes;
    rr = fabric.startSpeaker(nrr, {
      routerId: nrr.ipv4,
      asn: 64512,
      clusterId: '10.97.0.100',
      timers: { hold: 9, keepalive: 3, connectRetry: 2 },
      peers: [a, b].map((n) => ({ address: n.ipv4, asn: 64512, rrClient: true, passive: true })),
      originate: ['10.244.97.0/26'],
      advertisementIntervalMs: INTERVAL_MS,
    });
    await waitFor('reflector control socket', () => rr.status(), 10_000);
  });
  afterAll(async () => {
    await fabric.destroy();
  });

  it('sends the initial table at once, then batches what changes within the interval', async () => {
    const [nrr, a, b] = nodes;
    const pa = fabric.spawnIn(a.ns, process.execPath, [script, 'session', a.ipv4, nrr.ipv4, a.ipv4]);
    const pb = fabric.spawnIn(b.ns, process.execPath, [script, 'session', b.ipv4, nrr.ipv4, b.ipv4]);
    const send = (o: unknown): void => void pa.child.stdin?.write(JSON.stringify(o) + '\n');
    // Initial table (our own block) and End-of-RIB right after Established: not held back.
    await waitFor('both clients have the initial table and End-of-RIB', () =>
      [pa, pb].every((p) => lines(p).some((e) => e.event === 'eor' && e.family === 'ipv4')),
    10_000);
    for (const p of [pa, pb]) expect(updates(p).flatMap((u) => u.nlri)).toEqual(['10.244.97.0/26']);

    // A quiet interval later, a's first announcement goes to b at once.
    await sleep(INTERVAL_MS + 200);
    const sentAt = Date.now();
    send({ op: 'announce', prefixes: ['10.244.1.0/26'] });
    const first = await waitFor('b learns 10.244.1.0/26', () => updates(pb).find((u) => u.nlri.includes('10.244.1.0/26')), 5000);
    expect(first.at - sentAt).toBeLessThan(INTERVAL_MS / 2);

    // Two more within the interval: they wait for its end and travel together.
    send({ op: 'announce', prefixes: ['10.244.2.0/26'] });
    await sleep(100);
    send({ op: 'announce', prefixes: ['10.244.3.0/26'] });
    const batch = await waitFor('b learns 10.244.2.0/26 and 10.244.3.0/26', () => updates(pb).find((u) => u.nlri.includes('10.244.3.0/26')), 5000);
    expect(batch.nlri.sort()).toEqual(['10.244.2.0/26', '10.244.3.0/26']);
    expect(batch.at - first.at).toBeGreaterThanOrEqual(INTERVAL_MS - 50);
    expect(batch.at - first.at).toBeLessThan(INTERVAL_MS + 1000);

    // The speaker reports the same: every route reached b's Adj-RIB-Out.
    const st = await rr.status();
    expect(st.peers.find((p) => p.address === b.ipv4)?.prefixes.sent).toBe(4);
  });
});
