/**
 * Update generation and the Adj-RIB-Out: coalescing before a flush, nothing resent that was already
 * sent, full-table dump with End-of-RIB for a new session and for ROUTE-REFRESH (RFC 2918), a session
 * going down, and the best-path change stream for the FIB. A randomized check compares what a peer
 * ends up with after any interleaving of changes and flushes to a fresh full-table dump.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rib } from '../../src/rib/index.js';
import type { OutboundBatch } from '../../src/rib/index.js';
import type { PathAttributes } from '../../src/wire/types.js';

const AS = 65000;
const S = '10.0.0.11'; // client that sends
const R = '10.0.0.12'; // client that receives
const T = '10.0.0.13'; // another client

function reflector(peers = [S, R, T]): Rib {
  const r = new Rib({ routerId: '10.0.0.1', asn: AS, clusterId: '10.0.0.1' });
  for (const p of peers) {
    r.addPeer({ address: p, asn: AS, rrClient: true, routerId: p, nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' } });
  }
  return r;
}

const attrs = (med: number, nextHop = S): PathAttributes => ({ origin: 0, asPath: [], nextHop, localPref: 100, med });
const nlri = (...prefixes: string[]) => prefixes.map((prefix) => ({ prefix }));

/** Batch as plain data: announced prefix -> MED, withdrawn prefixes, EoR families. */
function summary(b: OutboundBatch): { announce: Record<string, number | undefined>; withdraw: string[]; eor: string[] } {
  const announce: Record<string, number | undefined> = {};
  for (const g of b.announce) for (const p of g.prefixes) announce[p.prefix] = g.attrs.attrs.med;
  return { announce, withdraw: b.withdraw.flatMap((w) => w.prefixes.map((p) => p.prefix)), eor: b.endOfRib };
}

function upAll(r: Rib, peers = [S, R, T]): void {
  for (const p of peers) {
    r.peerUp(p);
    r.flush(p);
  }
}

describe('update generation (Adj-RIB-Out)', () => {
  it('groups prefixes sharing attributes into one announcement', () => {
    const r = reflector();
    upAll(r);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24', '10.2.0.0/24', '10.3.0.0/24'), []);
    r.applyUpdate(S, 'ipv4', attrs(2), nlri('10.4.0.0/24'), []);
    const b = r.flush(R);
    expect(b.announce.map((g) => g.prefixes.length)).toEqual([3, 1]);
    expect(b.withdraw).toEqual([]);
    expect(b.endOfRib).toEqual([]);
  });

  it('a prefix that changes again before it is sent goes out once, with the latest attributes', () => {
    const r = reflector();
    upAll(r);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24'), []);
    r.applyUpdate(S, 'ipv4', attrs(2), nlri('10.1.0.0/24'), []);
    r.applyUpdate(S, 'ipv4', attrs(3), nlri('10.1.0.0/24'), []);
    expect(summary(r.flush(R))).toEqual({ announce: { '10.1.0.0/24': 3 }, withdraw: [], eor: [] });
  });

  it('announce then withdraw before anything was sent sends nothing', () => {
    const r = reflector();
    upAll(r);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24'), []);
    r.applyUpdate(S, 'ipv4', null, [], nlri('10.1.0.0/24'));
    expect(summary(r.flush(R))).toEqual({ announce: {}, withdraw: [], eor: [] });
    expect(r.hasPending(R)).toBe(false);
  });

  it('withdraw then re-announce of what was already sent sends nothing; a real withdrawal is sent once', () => {
    const r = reflector();
    upAll(r);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24'), []);
    r.flush(R);
    r.applyUpdate(S, 'ipv4', null, [], nlri('10.1.0.0/24'));
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24'), []);
    expect(summary(r.flush(R))).toEqual({ announce: {}, withdraw: [], eor: [] });
    r.applyUpdate(S, 'ipv4', null, [], nlri('10.1.0.0/24'));
    expect(summary(r.flush(R))).toEqual({ announce: {}, withdraw: ['10.1.0.0/24'], eor: [] });
    expect(summary(r.flush(R))).toEqual({ announce: {}, withdraw: [], eor: [] });
    // Withdrawing what the peer never had sends nothing either.
    r.applyUpdate(S, 'ipv4', null, [], nlri('10.9.0.0/24'));
    expect(summary(r.flush(R))).toEqual({ announce: {}, withdraw: [], eor: [] });
  });

  it('an identical re-announcement from the source causes no output and no best-path change', () => {
    const r = reflector();
    upAll(r);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24'), []);
    r.flush(R);
    r.takeBestChanges();
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24'), []); // new object, equal attributes
    expect(r.hasPending(R)).toBe(false);
    expect(r.takeBestChanges()).toEqual([]);
  });

  it('RFC 4271 §4.3: a prefix both withdrawn and announced in one UPDATE is announced', () => {
    const r = reflector();
    upAll(r);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24'), nlri('10.1.0.0/24'));
    expect(r.best('10.1.0.0/24')?.peer).toBe(S);
  });

  it('a new session gets the full table followed by End-of-RIB per family; an empty table gets End-of-RIB alone', () => {
    const r = reflector();
    r.peerUp(S);
    expect(summary(r.flush(S))).toEqual({ announce: {}, withdraw: [], eor: ['ipv4', 'ipv6'] });
    r.originate(['10.244.1.0/26', 'fd00:10::/122']);
    r.applyUpdate(S, 'ipv4', attrs(5), nlri('10.1.0.0/24'), []);
    r.peerUp(R);
    expect(r.hasPending(R)).toBe(true);
    const b = r.flush(R);
    expect(summary(b)).toEqual({ announce: { '10.244.1.0/26': undefined, 'fd00:10::/122': undefined, '10.1.0.0/24': 5 }, withdraw: [], eor: ['ipv4', 'ipv6'] });
    expect(r.hasPending(R)).toBe(false);
    expect(summary(r.flush(R))).toEqual({ announce: {}, withdraw: [], eor: [] });
  });

  it('changes made between peerUp and the first flush are part of the dump, once', () => {
    const r = reflector();
    upAll(r, [S]);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24', '10.2.0.0/24'), []);
    r.peerUp(R);
    r.applyUpdate(S, 'ipv4', attrs(2), nlri('10.1.0.0/24'), []);
    r.applyUpdate(S, 'ipv4', null, [], nlri('10.2.0.0/24'));
    expect(summary(r.flush(R))).toEqual({ announce: { '10.1.0.0/24': 2 }, withdraw: [], eor: ['ipv4', 'ipv6'] });
  });

  it('RFC 2918: ROUTE-REFRESH resends the whole Adj-RIB-Out, then End-of-RIB', () => {
    const r = reflector();
    upAll(r);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24', '10.2.0.0/24'), []);
    r.flush(R);
    r.dumpFor(R, ['ipv4']);
    expect(summary(r.flush(R))).toEqual({ announce: { '10.1.0.0/24': 1, '10.2.0.0/24': 1 }, withdraw: [], eor: ['ipv4'] });
    // A change pending at refresh time is folded in, not sent twice.
    r.applyUpdate(S, 'ipv4', attrs(9), nlri('10.2.0.0/24'), []);
    r.applyUpdate(S, 'ipv4', null, [], nlri('10.1.0.0/24'));
    r.dumpFor(R);
    expect(summary(r.flush(R))).toEqual({ announce: { '10.2.0.0/24': 9 }, withdraw: ['10.1.0.0/24'], eor: ['ipv4', 'ipv6'] });
  });

  it('session down: its routes leave the Loc-RIB, other peers get withdrawals or the replacement path', () => {
    const r = reflector();
    upAll(r);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24', '10.2.0.0/24'), []);
    r.applyUpdate(T, 'ipv4', { ...attrs(1, T), localPref: 50 }, nlri('10.2.0.0/24'), []);
    r.flush(R);
    r.takeBestChanges();
    expect(r.peerStats(S)).toEqual({ received: 2, accepted: 2, sent: 0 });
    expect(r.peerStats(R)).toEqual({ received: 0, accepted: 0, sent: 2 });
    r.peerDown(S);
    expect(r.peerStats(S)).toEqual({ received: 0, accepted: 0, sent: 0 });
    const b = r.flush(R);
    expect(summary(b)).toEqual({ announce: { '10.2.0.0/24': 1 }, withdraw: ['10.1.0.0/24'], eor: [] });
    expect(b.announce[0].attrs.attrs.nextHop).toBe(T);
    expect(r.takeBestChanges()).toEqual([
      { op: 'del', family: 'ipv4', nextHop: S, peer: S, local: false, prefixes: ['10.1.0.0/24'] },
      { op: 'replace', family: 'ipv4', nextHop: T, peer: T, local: false, prefixes: ['10.2.0.0/24'] },
    ]);
    expect(r.stats().ipv4.routes).toBe(1);
    // A flush to a peer that is down gives nothing; when it comes back it gets a full table again.
    expect(summary(r.flush(S))).toEqual({ announce: {}, withdraw: [], eor: [] });
    r.peerUp(S);
    expect(summary(r.flush(S))).toEqual({ announce: { '10.2.0.0/24': 1 }, withdraw: [], eor: ['ipv4', 'ipv6'] });
  });

  it('best-path changes are coalesced per prefix and grouped by operation, peer and next hop', () => {
    const r = reflector();
    upAll(r);
    r.originate(['10.244.1.0/26']);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24', '10.2.0.0/24'), []);
    r.applyUpdate(S, 'ipv4', attrs(2), nlri('10.1.0.0/24'), []); // same next hop: still one add
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.3.0.0/24'), []);
    r.applyUpdate(S, 'ipv4', null, [], nlri('10.3.0.0/24')); // undone: not reported
    expect(r.takeBestChanges()).toEqual([
      { op: 'add', family: 'ipv4', nextHop: null, peer: null, local: true, prefixes: ['10.244.1.0/26'] },
      { op: 'add', family: 'ipv4', nextHop: S, peer: S, local: false, prefixes: ['10.1.0.0/24', '10.2.0.0/24'] },
    ]);
    expect(r.takeBestChanges()).toEqual([]);
    r.applyUpdate(S, 'ipv4', attrs(3), nlri('10.1.0.0/24'), []); // MED only: nothing for the FIB
    expect(r.takeBestChanges()).toEqual([]);
    r.applyUpdate(S, 'ipv4', attrs(3, '10.0.0.99'), nlri('10.1.0.0/24'), []);
    expect(r.takeBestChanges()).toEqual([
      { op: 'replace', family: 'ipv4', nextHop: '10.0.0.99', peer: S, local: false, prefixes: ['10.1.0.0/24'] },
    ]);
    r.withdrawOriginated(['10.244.1.0/26']);
    expect(r.takeBestChanges()).toEqual([{ op: 'del', family: 'ipv4', nextHop: null, peer: null, local: true, prefixes: ['10.244.1.0/26'] }]);
  });

  it('originate and withdrawOriginated reach every peer', () => {
    const r = reflector();
    upAll(r);
    r.originate(['10.244.1.0/26']);
    r.originate(['10.244.1.0/26']); // twice is once
    for (const p of [S, R, T]) expect(summary(r.flush(p)).announce).toEqual({ '10.244.1.0/26': undefined });
    r.withdrawOriginated(['10.244.1.0/26', '10.244.2.0/26']);
    for (const p of [S, R, T]) expect(summary(r.flush(p)).withdraw).toEqual(['10.244.1.0/26']);
    expect(r.routes()).toEqual([]);
  });

  it('interning: equal attributes from different UPDATEs and peers share one frozen set', () => {
    const r = reflector();
    upAll(r);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24'), []);
    r.applyUpdate(T, 'ipv4', attrs(1), nlri('10.2.0.0/24'), []);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.3.0.0/24'), []);
    const a = r.best('10.1.0.0/24')?.attrs;
    expect(r.best('10.2.0.0/24')?.attrs).toBe(a);
    expect(r.best('10.3.0.0/24')?.attrs).toBe(a);
    expect(Object.isFrozen(a?.attrs.asPath)).toBe(true);
  });
});

// ---------------------------------------------------------------- randomized

type Op =
  | { kind: 'announce'; peer: number; start: number; count: number; variant: number }
  | { kind: 'withdraw'; peer: number; start: number; count: number }
  | { kind: 'flush'; peer: number }
  | { kind: 'bounce'; peer: number }
  | { kind: 'refresh'; peer: number }
  | { kind: 'best' };

const SENDERS = ['10.0.0.11', '10.0.0.13'];
const RECEIVERS = ['10.0.0.12', '10.0.0.14'];
const POOL = 3000;
const prefixOf = (i: number) => `10.${(i >> 8) & 255}.${i & 255}.0/24`;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('announce' as const), peer: fc.nat(1), start: fc.nat(POOL - 1), count: fc.integer({ min: 1, max: 1500 }), variant: fc.nat(3) }),
  fc.record({ kind: fc.constant('withdraw' as const), peer: fc.nat(1), start: fc.nat(POOL - 1), count: fc.integer({ min: 1, max: 1500 }) }),
  fc.record({ kind: fc.constant('flush' as const), peer: fc.nat(1) }),
  fc.record({ kind: fc.constant('bounce' as const), peer: fc.nat(1) }),
  fc.record({ kind: fc.constant('refresh' as const), peer: fc.nat(1) }),
  fc.record({ kind: fc.constant('best' as const) }),
);

function randomizedRib(): Rib {
  const r = new Rib({ routerId: '10.0.0.1', asn: AS, clusterId: '10.0.0.1' });
  for (const p of [...SENDERS, ...RECEIVERS]) {
    r.addPeer({ address: p, asn: AS, rrClient: true, routerId: p, nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' }, families: ['ipv4'] });
    r.peerUp(p);
  }
  return r;
}

/** A peer's view built only from the batches it was sent. */
function applyBatch(view: Map<string, string>, b: OutboundBatch): void {
  for (const w of b.withdraw) for (const p of w.prefixes) {
    if (!view.has(p.prefix)) throw new Error(`withdrawal of ${p.prefix}, which was never announced`);
    view.delete(p.prefix);
  }
  for (const g of b.announce) for (const p of g.prefixes) view.set(p.prefix, g.attrs.key);
}

describe('long-running tables', () => {
  it('withdrawals reach a peer whose refresh is pending even after the change log was compacted and empty destinations freed', () => {
    const r = reflector();
    upAll(r);
    const many = Array.from({ length: 3000 }, (_, i) => ({ prefix: `10.${i >> 8}.${i & 255}.0/24` }));
    r.applyUpdate(S, 'ipv4', attrs(1), many, []);
    expect(r.flush(R).announce[0].prefixes).toHaveLength(3000);
    expect(r.flush(T).announce[0].prefixes).toHaveLength(3000);
    r.takeBestChanges();
    r.applyUpdate(S, 'ipv4', null, [], many.slice(0, 2000));
    r.takeBestChanges();
    r.dumpFor(T);
    r.flush(S);
    expect(r.flush(R).withdraw[0].prefixes).toHaveLength(2000); // T's pending dump does not hold the log
    const refreshed = r.flush(T);
    expect(refreshed.withdraw[0].prefixes).toHaveLength(2000);
    expect(refreshed.announce[0].prefixes).toHaveLength(1000);
    // Prefixes coming back after their destinations were freed are new again for everyone.
    r.applyUpdate(S, 'ipv4', attrs(2), many.slice(0, 10), []);
    expect(summary(r.flush(R)).announce).toEqual(Object.fromEntries(many.slice(0, 10).map((n) => [n.prefix, 2])));
    expect(r.adjRibOut(R, 'ipv4').size).toBe(1010);
  });
});

describe('change log compaction', () => {
  it('a pass that flushes every peer walks the peers once per family, not once per peer, and leaves the log empty', () => {
    const clients = Array.from({ length: 100 }, (_, i) => `10.0.1.${i + 1}`);
    const r = reflector(clients);
    upAll(r, clients);
    for (let pass = 0; pass < 10; pass++) {
      r.applyUpdate(clients[pass], 'ipv4', attrs(1, clients[pass]), nlri(`10.${pass}.0.0/24`), []);
      const before = r.logWalks;
      let announced = 0;
      for (const c of clients) announced += r.flush(c).announce.length;
      expect(announced).toBe(clients.length - 1); // everyone but the originator
      // Before: one walk of 100 peers per peer and family, 200 a pass.
      expect(r.logWalks - before).toBeLessThanOrEqual(2);
      expect(r.changeLogLength('ipv4')).toBe(0);
    }
  });

  it('a peer that goes down or asks for a refresh mid-pass does not hold the log', () => {
    const r = reflector();
    upAll(r);
    r.applyUpdate(S, 'ipv4', attrs(1), nlri('10.1.0.0/24'), []);
    r.flush(S);
    r.peerDown(R); // R never consumes the entry
    r.flush(T);
    expect(r.changeLogLength('ipv4')).toBe(0);
    r.peerUp(R);
    r.applyUpdate(S, 'ipv4', attrs(2), nlri('10.2.0.0/24'), []);
    r.dumpFor(T); // T will get a full table: it does not need the log
    r.flush(S);
    r.flush(R);
    expect(r.changeLogLength('ipv4')).toBe(0);
    expect(summary(r.flush(T)).announce).toEqual({ '10.1.0.0/24': 1, '10.2.0.0/24': 2 });
  });
});

describe('update generation against a fresh full table (randomized)', () => {
  it('any interleaving of changes, flushes, refreshes and session bounces leaves each peer with exactly the current table', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
        const r = randomizedRib();
        // The senders' current Adj-RIB-In, kept by the test.
        const state = SENDERS.map(() => new Map<string, number>());
        const views = RECEIVERS.map(() => new Map<string, string>());
        const fib = new Map<string, string>();
        const takeFib = () => {
          for (const g of r.takeBestChanges()) for (const p of g.prefixes) {
            if (g.op === 'del') fib.delete(p);
            else fib.set(p, `${g.peer}`);
          }
        };
        for (const op of ops) {
          if (op.kind === 'announce' || op.kind === 'withdraw') {
            const list = [];
            for (let i = op.start; i < Math.min(POOL, op.start + op.count); i++) list.push({ prefix: prefixOf(i) });
            const peer = SENDERS[op.peer];
            if (op.kind === 'announce') {
              r.applyUpdate(peer, 'ipv4', { origin: 0, asPath: [], nextHop: peer, localPref: 100, med: op.variant }, list, []);
              for (const n of list) state[op.peer].set(n.prefix, op.variant);
            } else {
              r.applyUpdate(peer, 'ipv4', null, [], list);
              for (const n of list) state[op.peer].delete(n.prefix);
            }
          } else if (op.kind === 'flush') {
            applyBatch(views[op.peer], r.flush(RECEIVERS[op.peer]));
          } else if (op.kind === 'bounce') {
            // The receiver's session resets: it forgets everything and gets a new full table.
            r.peerDown(RECEIVERS[op.peer]);
            views[op.peer].clear();
            r.peerUp(RECEIVERS[op.peer]);
          } else if (op.kind === 'refresh') {
            r.dumpFor(RECEIVERS[op.peer]);
          } else {
            takeFib();
          }
        }
        for (let i = 0; i < RECEIVERS.length; i++) applyBatch(views[i], r.flush(RECEIVERS[i]));
        takeFib();

        // The reference: a fresh RIB given only the final state, dumping once.
        const fresh = randomizedRib();
        SENDERS.forEach((peer, s) => {
          const byMed = new Map<number, Array<{ prefix: string }>>();
          for (const [prefix, med] of state[s]) byMed.set(med, [...(byMed.get(med) ?? []), { prefix }]);
          for (const [med, list] of byMed) fresh.applyUpdate(peer, 'ipv4', { origin: 0, asPath: [], nextHop: peer, localPref: 100, med }, list, []);
        });
        RECEIVERS.forEach((peer, i) => {
          const expected = new Map<string, string>();
          applyBatch(expected, fresh.flush(peer));
          expect(views[i]).toEqual(expected);
          expect(new Map([...r.adjRibOut(peer, 'ipv4')].map(([p, a]) => [p, a.key]))).toEqual(expected);
        });
        const expectedFib = new Map<string, string>();
        for (const e of fresh.routes('ipv4')) if (e.best) expectedFib.set(e.prefix, `${e.peer}`);
        expect(fib).toEqual(expectedFib);
        // Once every peer has been flushed, nobody needs the change log: it is compacted away.
        for (const peer of SENDERS) r.flush(peer);
        expect(r.changeLogLength('ipv4')).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------- quiet changes (no reflection)

type MeshOp =
  | { kind: 'announce'; from: number; start: number; count: number; variant: number }
  | { kind: 'withdraw'; from: number; start: number; count: number }
  | { kind: 'originate'; start: number; count: number }
  | { kind: 'unoriginate'; start: number; count: number }
  | { kind: 'pass' }
  | { kind: 'bounce'; to: number };

/** Senders: two iBGP peers and one eBGP peer. Receivers: two iBGP peers and one eBGP peer. */
const MESH_FROM = [
  { address: '10.0.1.1', asn: AS },
  { address: '10.0.1.2', asn: AS },
  { address: '10.0.1.3', asn: 65001 },
];
const MESH_TO = [
  { address: '10.0.2.1', asn: AS },
  { address: '10.0.2.2', asn: AS },
  { address: '10.0.2.3', asn: 65002 },
];
const MESH_POOL = 200;
const meshPrefix = (i: number) => `10.200.${i}.0/24`;

const meshOpArb: fc.Arbitrary<MeshOp> = fc.oneof(
  fc.record({ kind: fc.constant('announce' as const), from: fc.nat(2), start: fc.nat(MESH_POOL - 1), count: fc.integer({ min: 1, max: 80 }), variant: fc.nat(2) }),
  fc.record({ kind: fc.constant('withdraw' as const), from: fc.nat(2), start: fc.nat(MESH_POOL - 1), count: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant('originate' as const), start: fc.nat(MESH_POOL - 1), count: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('unoriginate' as const), start: fc.nat(MESH_POOL - 1), count: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('pass' as const) }),
  fc.record({ kind: fc.constant('bounce' as const), to: fc.nat(2) }),
);

function meshRib(): Rib {
  const r = new Rib({ routerId: '10.0.0.1', asn: AS });
  for (const p of [...MESH_FROM, ...MESH_TO]) {
    r.addPeer({ address: p.address, asn: p.asn, routerId: p.address, nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' }, families: ['ipv4'] });
    r.peerUp(p.address);
  }
  return r;
}

describe('quiet changes on a speaker that does not reflect (RFC 4271 §9.2)', () => {
  it('a full-mesh speaker skips iBGP-learned changes for its iBGP peers without scanning, and still sends its own routes and withdrawals', () => {
    const r = meshRib();
    const [A, B] = MESH_FROM.map((p) => p.address);
    const [X, Y, E] = MESH_TO.map((p) => p.address);
    for (const p of MESH_TO) r.flush(p.address);
    r.applyUpdate(A, 'ipv4', { origin: 0, asPath: [], nextHop: A, localPref: 100 }, nlri('10.1.0.0/24'), []);
    r.applyUpdate(B, 'ipv4', { origin: 0, asPath: [], nextHop: B, localPref: 200 }, nlri('10.1.0.0/24'), []);
    expect(r.hasPending(X)).toBe(false); // iBGP-learned: never to an iBGP peer without reflection
    expect(r.hasPending(Y)).toBe(false);
    expect(r.hasPending(E)).toBe(true); // but to the eBGP peer
    r.skipQuietChanges();
    expect(r.hasPending(X)).toBe(false);
    expect(summary(r.flush(E)).announce).toEqual({ '10.1.0.0/24': undefined });
    // Our own block goes to everyone; once it loses to a learned path it is withdrawn from iBGP peers.
    r.originate(['10.1.0.0/24']);
    expect(r.hasPending(X)).toBe(true);
    expect(summary(r.flush(X)).announce).toEqual({ '10.1.0.0/24': undefined });
    r.applyUpdate(B, 'ipv4', null, [], nlri('10.1.0.0/24'));
    r.withdrawOriginated(['10.1.0.0/24']);
    expect(r.best('10.1.0.0/24')?.peer).toBe(A); // learned again: quiet for Y, not for X, which had ours
    expect(r.hasPending(X)).toBe(true);
    expect(summary(r.flush(X))).toEqual({ announce: {}, withdraw: ['10.1.0.0/24'], eor: [] });
  });

  it('the output version moves only when some peer may have something new', () => {
    const r = new Rib({ routerId: '10.0.0.1', asn: AS });
    const [A, B] = MESH_FROM.map((p) => p.address);
    for (const p of [A, B]) r.addPeer({ address: p, asn: AS, routerId: p, nextHopSelf: { ipv4: '10.0.0.1' }, families: ['ipv4'] });
    r.addPeer({ address: '10.0.2.3', asn: 65002, routerId: '10.0.2.3', nextHopSelf: { ipv4: '10.0.0.1' }, families: ['ipv4'] });
    r.peerUp(A);
    r.peerUp(B);
    let v = r.outputVersion;
    r.applyUpdate(A, 'ipv4', { origin: 0, asPath: [], nextHop: A, localPref: 100 }, nlri('10.1.0.0/24'), []);
    expect(r.outputVersion).toBe(v); // iBGP-learned, iBGP peers only: quiet
    r.originate(['10.9.0.0/24']);
    expect(r.outputVersion).not.toBe(v); // ours goes to everyone
    v = r.outputVersion;
    r.peerUp('10.0.2.3');
    expect(r.outputVersion).not.toBe(v); // a session up: its full table
    v = r.outputVersion;
    r.applyUpdate(B, 'ipv4', { origin: 0, asPath: [], nextHop: B, localPref: 100 }, nlri('10.2.0.0/24'), []);
    expect(r.outputVersion).not.toBe(v); // the eBGP peer is sent iBGP-learned routes
    v = r.outputVersion;
    r.dumpFor(A);
    expect(r.outputVersion).not.toBe(v); // ROUTE-REFRESH
  });

  it('skipping quiet changes leaves every peer with what flushing every peer on every pass gives (randomized)', () => {
    fc.assert(
      fc.property(fc.array(meshOpArb, { minLength: 1, maxLength: 30 }), (ops) => {
        // As the speaker: passes while the output version stands still are skipped; otherwise only
        // what hasPending() names is flushed, then skipQuietChanges().
        const lazy = meshRib();
        const eager = meshRib(); // flushes every receiver on every pass
        const lazyViews = MESH_TO.map(() => new Map<string, string>());
        const eagerViews = MESH_TO.map(() => new Map<string, string>());
        let flushedVersion = -1;
        const pass = () => {
          const version = lazy.outputVersion;
          MESH_TO.forEach((p, i) => {
            if (version !== flushedVersion && lazy.hasPending(p.address)) applyBatch(lazyViews[i], lazy.flush(p.address));
            applyBatch(eagerViews[i], eager.flush(p.address));
          });
          flushedVersion = version;
          lazy.skipQuietChanges();
          lazy.takeBestChanges();
          eager.takeBestChanges();
        };
        for (const op of ops) {
          const list = [];
          if ('start' in op) for (let i = op.start; i < Math.min(MESH_POOL, op.start + op.count); i++) list.push({ prefix: meshPrefix(i) });
          for (const r of [lazy, eager]) {
            if (op.kind === 'announce') {
              const from = MESH_FROM[op.from];
              const asPath = from.asn === AS ? [] : [{ type: 2 as const, asns: [from.asn] }];
              r.applyUpdate(from.address, 'ipv4', { origin: 0, asPath, nextHop: from.address, localPref: 100, med: op.variant }, list, []);
            } else if (op.kind === 'withdraw') r.applyUpdate(MESH_FROM[op.from].address, 'ipv4', null, [], list);
            else if (op.kind === 'originate') r.originate(list.map((n) => n.prefix));
            else if (op.kind === 'unoriginate') r.withdrawOriginated(list.map((n) => n.prefix));
            else if (op.kind === 'bounce') {
              r.peerDown(MESH_TO[op.to].address);
              r.peerUp(MESH_TO[op.to].address);
            }
          }
          if (op.kind === 'bounce') {
            lazyViews[op.to].clear();
            eagerViews[op.to].clear();
          }
          if (op.kind === 'pass') pass();
        }
        pass();
        MESH_TO.forEach((p, i) => {
          expect(lazy.hasPending(p.address)).toBe(false);
          expect(lazyViews[i]).toEqual(eagerViews[i]);
          expect(lazy.adjRibOut(p.address, 'ipv4')).toEqual(eager.adjRibOut(p.address, 'ipv4'));
        });
      }),
      { numRuns: 300 },
    );
  });
});
