/**
 * RFC 4724 graceful restart between two bgplab speakers in namespaces, A in helper mode for B:
 * - B killed (SIGKILL: TCP closed, no NOTIFICATION): A keeps B's routes as stale, in its Loc-RIB, in
 *   its kernel, in status; B restarts originating one prefix fewer: B's new OPEN has the F bit clear
 *   (we never preserve forwarding state), so A drops the stale routes at once (§4.2) and takes B's
 *   fresh table; the prefix B no longer originates is gone.
 * - B killed and not restarted: the restart timer (B's 120 s capped by A's staleTime) purges them.
 * - B stopped with SIGTERM (Cease 6/2): A withdraws at once, nothing kept stale.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlRequest } from '../../src/speaker/control-client.js';
import type { RoutesResponse } from '../../src/speaker/status-types.js';
import type { SpeakerConfig } from '../../src/speaker/config-types.js';
import { missing } from '../helpers/env.js';
import { Fabric, kernelRoutes, waitFor, type FabricNode, type SpeakerHandle } from './fabric.js';

const skip = missing('root', 'ip');
const fabric = new Fabric(`t-spkgr-${process.pid % 100000}`, 85);
const timers = { hold: 9, keepalive: 3, connectRetry: 1 };
const STALE_TIME = 5;

const P1 = '10.244.2.0/26';
const P2 = '10.244.3.0/26';
const P1v6 = 'fd00:244:0:2::/122';

describe.skipIf(skip)('graceful restart (RFC 4724) between two bgplab speakers', () => {
  let na: FabricNode;
  let nb: FabricNode;
  let a: SpeakerHandle;
  let b: SpeakerHandle;
  const bConfig = (originate: string[]): Omit<SpeakerConfig, 'control' | 'eventLog'> => ({
    routerId: nb.ipv4,
    asn: 64512,
    timers,
    peers: [{ address: na.ipv4, asn: 64512 }],
    originate,
    fib: true,
  });
  const learnedV4 = async (): Promise<string[]> => (await kernelRoutes(na.ns, '-4')).filter((r) => !r.startsWith('blackhole'));
  const learnedV6 = async (): Promise<string[]> => (await kernelRoutes(na.ns, '-6')).filter((r) => !r.startsWith('blackhole'));
  const grEvents = (op: string): Array<Record<string, unknown>> => a.events().filter((e) => e.event === 'gr' && e.op === op);
  const established = async (): Promise<boolean> => (await a.status()).peers[0].state === 'Established';

  beforeAll(async () => {
    [na, nb] = await fabric.create(['a', 'b']);
    a = fabric.startSpeaker(na, {
      routerId: na.ipv4,
      asn: 64512,
      timers,
      peers: [{ address: nb.ipv4, asn: 64512 }],
      originate: ['10.244.1.0/26'],
      fib: true,
      gracefulRestart: { staleTime: STALE_TIME },
    });
    b = fabric.startSpeaker(nb, bConfig([P1, P2, P1v6]));
    await waitFor('A has B routes in its kernel', async () => (await learnedV4()).length === 2 && (await learnedV6()).length === 1, 15_000).catch((err) => {
      throw new Error(`${(err as Error).message}\nA stderr: ${a.proc.stderr()}\nB stderr: ${b.proc.stderr()}`);
    });
  });
  afterAll(async () => {
    await fabric.destroy();
  });

  it('keeps a killed peer\'s routes as stale, then takes its fresh table after it restarts (F bit clear: stale purged at its OPEN)', async () => {
    await b.stop('SIGKILL');
    await waitFor('A marks B routes stale', () => grEvents('stale').length === 1, 5000);
    expect(grEvents('stale')[0]).toMatchObject({ peer: nb.ipv4, count: 3, families: ['ipv4', 'ipv6'], restartTimeMs: STALE_TIME * 1000 });
    // Still in the kernel, still in the Loc-RIB (stale), shown in status.
    expect(await learnedV4()).toEqual([`${P1} via ${nb.ipv4}`, `${P2} via ${nb.ipv4}`]);
    expect(await learnedV6()).toEqual([`${P1v6} via ${nb.ipv6}`]);
    const st = await a.status();
    expect(st.peers[0].state).not.toBe('Established');
    expect(st.peers[0].staleRoutes).toBe(3);
    expect(st.rib).toEqual({ ipv4: { routes: 3 }, ipv6: { routes: 1 } });
    const r = await controlRequest<RoutesResponse>(a.control, { cmd: 'routes' });
    expect(r.routes.filter((x) => x.peer === nb.ipv4).map((x) => [x.prefix, x.best, x.stale])).toEqual(
      expect.arrayContaining([
        [P1, true, true],
        [P2, true, true],
        [P1v6, true, true],
      ]),
    );

    // B comes back without P2.
    b = fabric.startSpeaker(nb, bConfig([P1, P1v6]));
    await waitFor('session back', established, 10_000);
    await waitFor('P2 gone from A', async () => !(await learnedV4()).some((x) => x.startsWith(P2)), 5000);
    await waitFor('P1 fresh in A', async () => (await learnedV4()).length === 1 && (await learnedV6()).length === 1, 5000);
    expect(await learnedV4()).toEqual([`${P1} via ${nb.ipv4}`]);
    expect(await learnedV6()).toEqual([`${P1v6} via ${nb.ipv6}`]);
    const purge = grEvents('purge');
    expect(purge.reduce((n, e) => n + (e.count as number), 0)).toBe(3);
    expect(purge.every((e) => /F bit clear/.test(e.reason as string))).toBe(true);
    const st2 = await a.status();
    expect(st2.peers[0].staleRoutes).toBe(0);
    const r2 = await controlRequest<RoutesResponse>(a.control, { cmd: 'routes' });
    expect(r2.routes.filter((x) => x.peer === nb.ipv4).some((x) => x.stale)).toBe(false);
  });

  it('purges the stale routes when the restart timer expires and the peer is not back', async () => {
    const purgesBefore = grEvents('purge').length;
    await b.stop('SIGKILL');
    await waitFor('stale again', () => grEvents('stale').length === 2, 5000);
    const killedAt = Date.now();
    expect(grEvents('stale')[1]).toMatchObject({ count: 2 });
    expect(await learnedV4()).toEqual([`${P1} via ${nb.ipv4}`]);
    await waitFor('timer purge', () => grEvents('purge').length > purgesBefore, (STALE_TIME + 5) * 1000, 200);
    expect(Date.now() - killedAt).toBeGreaterThan((STALE_TIME - 1) * 1000);
    expect(grEvents('purge').at(-1)).toMatchObject({ peer: nb.ipv4, count: 2, reason: 'restart timer expired' });
    await waitFor('kernel cleaned', async () => (await learnedV4()).length === 0 && (await learnedV6()).length === 0, 3000);
    expect((await a.status()).rib).toEqual({ ipv4: { routes: 1 }, ipv6: { routes: 0 } });
  }, 20_000);

  it('withdraws at once when the peer stops with a NOTIFICATION (SIGTERM: Cease)', async () => {
    b = fabric.startSpeaker(nb, bConfig([P1, P1v6]));
    await waitFor('session back', established, 10_000);
    await waitFor('routes back', async () => (await learnedV4()).length === 1 && (await learnedV6()).length === 1, 5000);
    const staleBefore = grEvents('stale').length;
    expect((await b.stop('SIGTERM')).code).toBe(0);
    await waitFor('A withdrew B routes', async () => (await learnedV4()).length === 0 && (await learnedV6()).length === 0, 3000);
    expect(grEvents('stale').length).toBe(staleBefore);
    expect((await a.status()).peers[0].staleRoutes).toBe(0);
  });
});
