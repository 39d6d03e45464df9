/**
 * Status parsers against real output captured from BIRD 2.0.12, FRR 8.4.4 and GoBGP 3.10 running in a
 * bgplab netns lab on this machine kind (fixtures/), and against malformed input (never throws).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  birdTimeToIso,
  countGobgpLearned,
  normalizeFsmState,
  parseBirdStatus,
  parseFrrStatus,
  parseGobgpNeighbors,
  parseSpeakerStatus,
  splitJsonDocuments,
} from '../../src/daemons/parse.js';

const fixture = (f: string): string => readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8');
const NOW = new Date('2026-11-28T16:40:00Z');

describe('BIRD (birdc show route … count; show protocols all)', () => {
  // node1, a client of rr1 (up) and rr2 (killed: Active, last error Administrative shutdown).
  const s = parseBirdStatus(fixture('bird-client-status.txt'), NOW);

  it('finds one peer per BGP protocol with its RFC 4271 state', () => {
    expect(s.impl).toBe('bird');
    expect(s.peers.map((p) => [p.address, p.state])).toEqual([
      ['10.0.0.1', 'Established'],
      ['10.0.0.2', 'Active'],
    ]);
  });

  it('reads AS, families, received routes, since and the last error', () => {
    const [up, down] = s.peers;
    expect(up.asn).toBe(64512);
    expect(up.families).toEqual(['ipv4', 'ipv6']);
    expect(up.prefixesReceived).toBeGreaterThan(0);
    expect(up.since).toMatch(/^2026-11-28T\d\d:37:03/);
    expect(down.info).toBe('Received: Administrative shutdown');
    expect(down.families).toBeUndefined();
  });

  it('counts best BGP routes per family (not the static blocks, not the kernel-learned ones)', () => {
    expect(s.routes).toEqual({ ipv4: 2, ipv6: 2 });
  });

  it('turns time-of-day and ISO-long times into ISO timestamps', () => {
    const now = new Date(2026, 10, 28, 16, 40, 0);
    expect(new Date(birdTimeToIso('16:29:06.120', now)!).getTime()).toBe(new Date(2026, 10, 28, 16, 29, 6, 120).getTime());
    // A time of day after now was yesterday.
    expect(new Date(birdTimeToIso('23:59:00', now)!).getDate()).toBe(27);
    expect(birdTimeToIso('2026-11-28 16:37:03', now)).toBe(new Date(2026, 10, 28, 16, 37, 3).toISOString());
    expect(birdTimeToIso('garbage', now)).toBeUndefined();
  });
});

describe('FRR (vtysh show bgp summary json + show bgp <afi> unicast json)', () => {
  // rr1, an FRR reflector with two GoBGP clients and the other FRR reflector.
  const s = parseFrrStatus(fixture('frr-rr1-status.txt'), NOW);

  it('merges the per-family peer lists into one row per session', () => {
    expect(s.peers.map((p) => p.address).sort()).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4']);
    for (const p of s.peers) {
      expect(p.state).toBe('Established');
      expect(p.families).toEqual(['ipv4', 'ipv6']);
      expect(p.asn).toBe(64512);
      expect(Date.parse(p.since!)).toBeLessThan(NOW.getTime());
    }
  });

  it('counts learned best paths only (the local block has peerId "(unspec)")', () => {
    expect(s.routes).toEqual({ ipv4: 3, ipv6: 3 });
  });
});

describe('GoBGP (gobgp neighbor -j; global rib -a ipv6 -j)', () => {
  it('reads neighbours with the numeric session state of the API', () => {
    const peers = parseGobgpNeighbors(JSON.parse(fixture('gobgp-neighbor.json')));
    expect(peers.map((p) => [p.address, p.state, p.asn])).toEqual([
      ['10.0.0.1', 'Established', 64512],
      ['10.0.0.2', 'Established', 64512],
    ]);
    expect(peers[0].families).toEqual(['ipv4', 'ipv6']);
    expect(peers[0].since).toMatch(/^20\d\d-/);
  });

  it('counts destinations whose best path came from a neighbour', () => {
    // Four IPv6 blocks in the lab, one of them the node's own.
    expect(countGobgpLearned(JSON.parse(fixture('gobgp-rib-ipv6.json')))).toBe(3);
  });
});

describe('bgplab control socket answers', () => {
  it('normalizes status + routes (learned best routes only)', () => {
    const status = {
      name: 'n1',
      peers: [
        { address: '10.0.0.2', asn: 64512, state: 'Established', since: '2026-11-28T16:00:00.000Z', lastError: null, prefixes: { received: 2 }, families: ['ipv4', 'ipv6'] },
        { address: '10.0.0.3', asn: 64512, state: 'Active', since: null, lastError: 'connect: ECONNREFUSED', prefixes: { received: 0 } },
      ],
      rib: { ipv4: { routes: 9 }, ipv6: { routes: 9 } },
    };
    const routes = {
      routes: [
        { prefix: '10.244.0.0/26', family: 'ipv4', peer: null, best: true },
        { prefix: '10.244.0.64/26', family: 'ipv4', peer: '10.0.0.2', best: true },
        { prefix: '10.244.0.64/26', family: 'ipv4', peer: '10.0.0.3', best: false },
        { prefix: 'fd00::40/122', family: 'ipv6', peer: '10.0.0.2', best: true },
      ],
    };
    const s = parseSpeakerStatus(status, routes);
    expect(s.routes).toEqual({ ipv4: 1, ipv6: 1 });
    expect(s.peers[0]).toMatchObject({ address: '10.0.0.2', state: 'Established', prefixesReceived: 2, families: ['ipv4', 'ipv6'] });
    expect(s.peers[1]).toMatchObject({ state: 'Active', info: 'connect: ECONNREFUSED' });
    expect(s.peers[1].since).toBeUndefined();
  });
});

describe('robustness', () => {
  it('normalizes every spelling of the FSM states', () => {
    expect(normalizeFsmState(6)).toBe('Established');
    expect(normalizeFsmState(1)).toBe('Idle');
    expect(normalizeFsmState('ESTABLISHED')).toBe('Established');
    expect(normalizeFsmState('BGP_FSM_OPENCONFIRM')).toBe('OpenConfirm');
    expect(normalizeFsmState('opensent')).toBe('OpenSent');
    expect(normalizeFsmState(undefined)).toBe('Idle');
  });

  it('splits concatenated JSON documents and skips broken ones', () => {
    expect(splitJsonDocuments('{"a":1}\n% error {not json}\n[1,"]"]{"b":"}"}')).toEqual([{ a: 1 }, [1, ']'], { b: '}' }]);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.jsonValue(), (text, json) => {
        parseBirdStatus(text, NOW);
        parseFrrStatus(text, NOW);
        parseFrrStatus(JSON.stringify(json), NOW);
        parseGobgpNeighbors(json);
        countGobgpLearned(json);
        parseSpeakerStatus(json, json);
      }),
      { numRuns: 300 },
    );
  });
});
