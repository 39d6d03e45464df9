/**
 * Golden vectors from independent implementations: BIRD 2, FRR and GoBGP in a full mesh (a lab from
 * src/topo, each node originating one IPv4 /26 and one IPv6 /122 block), captured with tcpdump on the
 * fabric bridge, then decoded by our capture pipeline and codec. Every OPEN and UPDATE they send must
 * decode without error, carry the capabilities their configuration asks for (RFC 5492: MP-BGP RFC 4760,
 * 4-octet AS RFC 6793, route refresh RFC 2918, graceful restart RFC 4724, ADD-PATH RFC 7911, extended
 * message RFC 8654) and announce exactly the node's own blocks with its own next hop (iBGP: no
 * re-advertisement of iBGP-learned routes, RFC 4271 §9.2); and our encoder must give back bytes our
 * decoder reads as the same message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBgpCapture, type DecodedRecord } from '../../src/capture/index.js';
import { decodeMessage, defaultContext, encodeMessage, type CodecContext, type OpenMessage } from '../../src/wire/index.js';
import { missing } from '../helpers/env.js';
import { IopLab, sleep, viewOf, waitFor, type DaemonKind, type IopNode } from './helpers.js';

const skip = missing('root', 'ip', 'tcpdump', 'bird', 'frr', 'gobgp');

describe.skipIf(skip)('golden vectors: OPEN and UPDATE bytes from BIRD, FRR and GoBGP', () => {
  // GoBGP first: the lowest address, so in Calico's one-directional mesh it is passive towards both
  // others and never waits out its 5-10 s first-connect delay.
  const lab = new IopLab('t-iop-golden', 126, 'mesh', [{ impl: 'gobgp' }, { impl: 'bird' }, { impl: 'frr' }]);
  const daemons = lab.nodes as Array<IopNode & { impl: DaemonKind }>;
  let records: DecodedRecord[] = [];
  let notes: string[] = [];

  beforeAll(async () => {
    await lab.network();
    const file = join(lab.dir, 'fabric.pcap');
    const cap = await lab.capture(lab.bridgeNs, 'br0', file);
    await lab.startDaemons();
    // Converged: every daemon holds both other nodes' blocks of both families.
    await waitFor(
      'full mesh converged',
      async () => {
        for (const n of daemons) {
          const v = viewOf(n.impl, 'mesh');
          for (const f of ['ipv4', 'ipv6'] as const) {
            const have = new Set((await v.routes(n.handle!, f)).map((r) => r.prefix));
            for (const o of daemons) if (o !== n && !have.has(o.spec.podBlocks[f][0])) return false;
          }
        }
        return true;
      },
      30_000,
      250,
    );
    // Let the last segments reach the capture file (tcpdump --immediate-mode -U writes each at once).
    await sleep(300);
    await cap.stop();
    for (const item of decodeBgpCapture(readFileSync(file))) {
      if (item.kind === 'message') records.push(item);
      else notes.push(item.text);
    }
  }, 60_000);
  afterAll(async () => {
    await lab.down();
  }, 30_000);

  /** Messages one daemon sent, keyed by receiving peer address. */
  const sentBy = (n: IopNode): DecodedRecord[] => records.filter((r) => r.capture?.src.address === n.spec.fabric.ipv4);
  const opens = (n: IopNode): OpenMessage[] => sentBy(n).flatMap((r) => (r.result.message?.type === 'OPEN' ? [r.result.message] : []));
  const openOf = (address: string): OpenMessage | undefined => {
    const r = records.find((x) => x.capture?.src.address === address && x.result.message?.type === 'OPEN');
    return r?.result.message as OpenMessage | undefined;
  };

  /** The session context of a direction from both OPENs (RFC 7911 §4: ADD-PATH when one sends and the other receives). */
  function directionContext(from: string, to: string): CodecContext {
    const ctx = defaultContext();
    const a = openOf(from);
    const b = openOf(to);
    const ap = (o: OpenMessage | undefined, afi: number): number => {
      const c = o?.capabilities.find((x) => x.name === 'add-path');
      return c && c.name === 'add-path' ? (c.families.find((f) => f.afi === afi && f.safi === 1)?.sendReceive ?? 0) : 0;
    };
    for (const [fam, afi] of [['ipv4', 1], ['ipv6', 2]] as const) {
      const on = (ap(a, afi) & 2) !== 0 && (ap(b, afi) & 1) !== 0;
      ctx.addPath[fam] = { send: on, receive: on };
    }
    const ext = (o: OpenMessage | undefined): boolean => !!o?.capabilities.some((c) => c.name === 'extended-message');
    ctx.extendedMessage = ext(a) && ext(b);
    ctx.session = 'ibgp';
    return ctx;
  }

  it('captured the OPENs and UPDATEs of every session, and every message decodes without error', () => {
    expect(notes.filter((t) => /skipped|error/i.test(t))).toEqual([]);
    for (const n of daemons) {
      const types = new Set(sentBy(n).map((r) => r.result.message?.type));
      expect([...types].sort(), n.impl).toEqual(expect.arrayContaining(['KEEPALIVE', 'OPEN', 'UPDATE']));
      expect(opens(n), `${n.impl} sends one OPEN per session`).toHaveLength(2);
    }
    for (const r of records) {
      expect(r.result.errors, `${r.capture?.src.address} -> ${r.capture?.dst.address} ${r.bytes.toString('hex')}`).toEqual([]);
      expect(r.result.message).toBeDefined();
      expect(r.conflicting).toBeFalsy();
    }
  });

  it('OPENs carry the identity and the capabilities each configuration asks for', () => {
    const capNames = (o: OpenMessage): string[] => o.capabilities.map((c) => c.name);
    for (const n of daemons) {
      for (const o of opens(n)) {
        expect(o, n.impl).toMatchObject({ version: 4, myAs: 64512, holdTime: 9, bgpId: n.spec.routerId });
        expect(o.capabilities, n.impl).toEqual(
          expect.arrayContaining([
            { code: 1, name: 'multiprotocol', afi: 1, safi: 1 },
            { code: 1, name: 'multiprotocol', afi: 2, safi: 1 },
            { code: 2, name: 'route-refresh' },
            { code: 65, name: 'four-octet-as', asn: 64512 },
          ]),
        );
        if (n.impl === 'bird') {
          // Calico's template: graceful restart, `add paths on` (send and receive, RFC 7911 §4 value 3).
          expect(o.capabilities).toContainEqual(expect.objectContaining({ name: 'graceful-restart', restarting: false }));
          expect(o.capabilities).toContainEqual({ code: 69, name: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }, { afi: 2, safi: 1, sendReceive: 3 }] });
        } else if (n.impl === 'frr') {
          // `bgp graceful-restart`; FRR 8.4 always offers extended messages (RFC 8654) and its hostname (FQDN).
          expect(capNames(o)).toEqual(expect.arrayContaining(['graceful-restart', 'extended-message', 'enhanced-route-refresh']));
          expect(o.capabilities).toContainEqual(expect.objectContaining({ code: 73, name: 'fqdn', hostname: n.spec.name }));
        } else {
          expect(capNames(o)).toContain('fqdn');
          expect(capNames(o)).not.toContain('graceful-restart');
        }
      }
    }
  });

  it('UPDATEs announce exactly the node\'s own IPv4 and IPv6 blocks with its own next hops', () => {
    for (const n of daemons) {
      for (const peer of daemons.filter((x) => x !== n)) {
        const updates = sentBy(n)
          .filter((r) => r.capture?.dst.address === peer.spec.fabric.ipv4)
          .flatMap((r) => (r.result.message?.type === 'UPDATE' ? [r.result.message] : []));
        const v4 = updates.flatMap((u) => u.nlri.map((x) => x.prefix));
        const v6 = updates.flatMap((u) => (u.attributes.mpReach?.afi === 2 ? u.attributes.mpReach.nlri.map((x) => x.prefix) : []));
        const label = `${n.impl} -> ${peer.impl}`;
        expect(v4, label).toEqual([n.spec.podBlocks.ipv4[0]]);
        expect(v6, label).toEqual([n.spec.podBlocks.ipv6[0]]);
        expect(updates.flatMap((u) => u.withdrawn), label).toEqual([]);
        for (const u of updates) {
          if (u.nlri.length > 0) expect(u.attributes, label).toMatchObject({ nextHop: n.spec.fabric.ipv4, asPath: [], localPref: 100 });
          if (u.attributes.mpReach?.nlri.length) {
            expect(u.attributes.mpReach.nextHops[0], label).toBe(n.spec.fabric.ipv6);
            expect(u.attributes, label).toMatchObject({ asPath: [], localPref: 100 });
          }
        }
        // Path ids exactly where the two OPENs negotiated ADD-PATH for this direction (BIRD sends them to FRR).
        const ctx = directionContext(n.spec.fabric.ipv4, peer.spec.fabric.ipv4);
        const nlri = updates.flatMap((u) => [...u.nlri.map((x) => ['ipv4', x] as const), ...(u.attributes.mpReach?.nlri ?? []).map((x) => ['ipv6', x] as const)]);
        for (const [fam, x] of nlri) expect(x.pathId !== undefined, `${label} ${fam} path id`).toBe(ctx.addPath[fam].receive);
      }
    }
  });

  it('our codec agrees with the capture pipeline, and re-encodes each message to bytes that decode the same', () => {
    let checked = 0;
    for (const r of records) {
      const m = r.result.message;
      if (!m || (m.type !== 'OPEN' && m.type !== 'UPDATE')) continue;
      const ctx = directionContext(r.capture!.src.address, r.capture!.dst.address);
      const direct = decodeMessage(r.bytes, ctx);
      expect(direct.errors).toEqual([]);
      expect(direct.length).toBe(r.bytes.length);
      expect(direct.message).toEqual(m);
      const again = decodeMessage(encodeMessage(m, ctx), ctx);
      expect(again.errors).toEqual([]);
      expect(again.message).toEqual(m);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(6 + 12);
  });
});
