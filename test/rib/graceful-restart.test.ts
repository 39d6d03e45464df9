/**
 * RFC 4724 §4.2 Receiving Speaker procedures in the RIB: on a session end without NOTIFICATION the
 * peer's routes are kept, marked stale, still selected and still advertised; re-announced routes are
 * fresh again; End-of-RIB (purgeStale for one family) and the restart timer (purgeStale for all) remove
 * what is left. The clock is the caller's: the RIB only offers purgeStale.
 */
import { describe, expect, it } from 'vitest';
import { Rib } from '../../src/rib/index.js';
import type { PathAttributes } from '../../src/wire/types.js';

const AS = 64512;
const B = '10.0.0.2'; // restarting peer
const C = '10.0.0.3'; // another peer (client), to see what we advertise

function setup(): Rib {
  const rib = new Rib({ routerId: '1.1.1.1', asn: AS, clusterId: '1.1.1.1' });
  rib.addPeer({ address: B, asn: AS, rrClient: true, nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } });
  rib.addPeer({ address: C, asn: AS, rrClient: true, nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } });
  rib.peerUp(B, { routerId: '2.2.2.2' });
  rib.peerUp(C, { routerId: '3.3.3.3' });
  rib.flush(B);
  rib.flush(C);
  return rib;
}

const v4 = (nextHop: string, med?: number): PathAttributes => ({ origin: 0, asPath: [], localPref: 100, nextHop, ...(med === undefined ? {} : { med }) });
const v6 = (nextHop: string): PathAttributes => ({ origin: 0, asPath: [], localPref: 100, mpReach: { afi: 2, safi: 1, nextHops: [nextHop], nlri: [] } });
const nlri = (...p: string[]) => p.map((prefix) => ({ prefix }));

function announceFromB(rib: Rib): void {
  rib.applyUpdate(B, 'ipv4', v4(B), nlri('10.244.2.0/26', '10.244.3.0/26', '10.244.4.0/26'), []);
  rib.applyUpdate(B, 'ipv6', v6('fd00::2'), nlri('fd00:244:2::/122'), []);
}

const bestPeer = (rib: Rib, prefix: string) => rib.best(prefix)?.peer;

describe('graceful restart, receiving speaker (RFC 4724 §4.2)', () => {
  it('keeps the routes as stale after a down with retainStale: still best, nothing withdrawn from others, no FIB change', () => {
    const rib = setup();
    announceFromB(rib);
    rib.flush(C);
    rib.takeBestChanges();
    rib.peerDown(B, { retainStale: ['ipv4', 'ipv6'] });
    expect(rib.staleCount(B)).toBe(4);
    expect(rib.staleCount(B, 'ipv4')).toBe(3);
    expect(rib.staleCount(B, 'ipv6')).toBe(1);
    expect(bestPeer(rib, '10.244.2.0/26')).toBe(B);
    expect(rib.takeBestChanges()).toEqual([]);
    expect(rib.hasPending(C)).toBe(false); // C keeps what it was sent (§4.2: still advertised)
    expect(rib.adjRibOut(C, 'ipv4').size).toBe(3);
    expect(rib.peerStats(B)).toMatchObject({ received: 4, accepted: 4 });
    const routes = rib.routes('ipv4').filter((r) => r.peer === B);
    expect(routes.every((r) => r.stale && r.best)).toBe(true);
  });

  it('a route re-announced after the restart replaces the stale one (fresh); End-of-RIB purges the rest of that family only', () => {
    const rib = setup();
    announceFromB(rib);
    rib.flush(C);
    rib.takeBestChanges();
    rib.peerDown(B, { retainStale: ['ipv4', 'ipv6'] });
    rib.peerUp(B, { routerId: '2.2.2.2' });
    // Same attributes for one prefix, new attributes for another, the third is not sent again.
    rib.applyUpdate(B, 'ipv4', v4(B), nlri('10.244.2.0/26'), []);
    rib.applyUpdate(B, 'ipv4', v4(B, 5), nlri('10.244.3.0/26'), []);
    expect(rib.staleCount(B, 'ipv4')).toBe(1);
    expect(rib.routes('ipv4').find((r) => r.prefix === '10.244.2.0/26')?.stale).toBe(false);
    expect(rib.routes('ipv4').find((r) => r.prefix === '10.244.4.0/26')?.stale).toBe(true);
    rib.takeBestChanges();
    rib.flush(C);
    // End-of-RIB for IPv4 (RFC 4724 §4.2): the stale IPv4 route goes; IPv6 stays stale.
    expect(rib.purgeStale(B, 'ipv4')).toBe(1);
    expect(rib.best('10.244.4.0/26')).toBeUndefined();
    expect(rib.staleCount(B, 'ipv6')).toBe(1);
    expect(bestPeer(rib, 'fd00:244:2::/122')).toBe(B);
    expect(rib.takeBestChanges()).toEqual([{ op: 'del', family: 'ipv4', nextHop: B, peer: B, local: false, prefixes: ['10.244.4.0/26'] }]);
    expect(rib.flush(C).withdraw).toEqual([{ family: 'ipv4', prefixes: [{ prefix: '10.244.4.0/26' }] }]);
    expect(rib.peerStats(B)).toMatchObject({ received: 3, accepted: 3 });
    // A withdrawal of a stale route removes it for good (and it is no longer counted stale).
    rib.applyUpdate(B, 'ipv6', null, [], nlri('fd00:244:2::/122'));
    expect(rib.staleCount(B)).toBe(0);
    expect(rib.purgeStale(B)).toBe(0);
  });

  it('the restart timer purge (purgeStale with no family) removes every stale route while the peer is still down', () => {
    const rib = setup();
    announceFromB(rib);
    rib.takeBestChanges();
    expect(batchPrefixes(rib.flush(C).announce)).toHaveLength(4);
    rib.peerDown(B, { retainStale: ['ipv4', 'ipv6'] });
    expect(rib.flush(C).withdraw).toEqual([]);
    expect(rib.purgeStale(B)).toBe(4);
    expect(rib.stats()).toEqual({ ipv4: { routes: 0 }, ipv6: { routes: 0 } });
    const dels = rib.takeBestChanges();
    expect(dels.map((g) => [g.op, g.family, g.prefixes.length])).toEqual([
      ['del', 'ipv4', 3],
      ['del', 'ipv6', 1],
    ]);
    expect(batchPrefixes(rib.flush(C).withdraw)).toEqual(['10.244.2.0/26', '10.244.3.0/26', '10.244.4.0/26', 'fd00:244:2::/122']);
    expect(rib.peerStats(B)).toEqual({ received: 0, accepted: 0, sent: 0 });
  });

  it('only the families in retainStale are kept; a later down without graceful restart drops the stale routes too', () => {
    const rib = setup();
    announceFromB(rib);
    rib.peerDown(B, { retainStale: ['ipv4'] });
    expect(rib.staleCount(B)).toBe(3);
    expect(rib.best('fd00:244:2::/122')).toBeUndefined();
    rib.peerUp(B, { routerId: '2.2.2.2' });
    rib.peerDown(B); // e.g. a NOTIFICATION before End-of-RIB
    expect(rib.staleCount(B)).toBe(0);
    expect(rib.stats()).toEqual({ ipv4: { routes: 0 }, ipv6: { routes: 0 } });
  });

  it('a second graceful down before End-of-RIB keeps old stale and new routes stale together', () => {
    const rib = setup();
    announceFromB(rib);
    rib.peerDown(B, { retainStale: ['ipv4', 'ipv6'] });
    rib.peerUp(B, { routerId: '2.2.2.2' });
    rib.applyUpdate(B, 'ipv4', v4(B), nlri('10.244.9.0/26'), []);
    rib.peerDown(B, { retainStale: ['ipv4', 'ipv6'] });
    expect(rib.staleCount(B)).toBe(5);
    expect(rib.purgeStale(B)).toBe(5);
  });

  it('removePeer drops stale routes; bad retainStale is refused naming the value', () => {
    const rib = setup();
    announceFromB(rib);
    expect(() => rib.peerDown(B, { retainStale: ['ipx' as never] })).toThrow(/retainStale \["ipx"\]/);
    rib.peerDown(B, { retainStale: ['ipv4', 'ipv6'] });
    rib.removePeer(B);
    expect(rib.stats()).toEqual({ ipv4: { routes: 0 }, ipv6: { routes: 0 } });
  });
});

function batchPrefixes(groups: Array<{ prefixes: Array<{ prefix: string }> }>): string[] {
  return groups.flatMap((g) => g.prefixes.map((p) => p.prefix)).sort();
}
