import { describe, expect, it } from 'vitest';
import { buildOpen, negotiate, openFamilies, validateOpen } from '../../src/fsm/index.js';
import type { Capability, OpenMessage } from '../../src/wire/types.js';
import { peerOpen } from './harness.js';

const local = { asn: 64512, routerId: '10.0.0.1' };
const peer = { asn: 64512, families: ['ipv4', 'ipv6'] as Array<'ipv4' | 'ipv6'> };

function withCaps(caps: Capability[], over: Partial<OpenMessage> = {}): OpenMessage {
  return peerOpen({ capabilities: caps, ...over });
}

describe('buildOpen (RFC 4271 §4.2, RFC 5492)', () => {
  it('carries MP ipv4/ipv6, route refresh, enhanced route refresh, 4-octet AS, graceful restart, extended message', () => {
    const open = buildOpen({ asn: 64512, routerId: '10.0.0.1' });
    expect(open).toMatchObject({ type: 'OPEN', version: 4, myAs: 64512, holdTime: 90, bgpId: '10.0.0.1' });
    expect(open.capabilities).toEqual([
      { code: 1, name: 'multiprotocol', afi: 1, safi: 1 },
      { code: 1, name: 'multiprotocol', afi: 2, safi: 1 },
      { code: 2, name: 'route-refresh' },
      { code: 70, name: 'enhanced-route-refresh' },
      { code: 65, name: 'four-octet-as', asn: 64512 },
      { code: 64, name: 'graceful-restart', restarting: false, notification: false, restartTime: 120, families: [] },
      { code: 6, name: 'extended-message' },
    ]);
  });

  it('sends AS_TRANS (23456) in My AS for an AS above 65535 and the real AS in the capability (RFC 6793 §4.1)', () => {
    const open = buildOpen({ asn: 4200000001, routerId: '10.0.0.1' });
    expect(open.myAs).toBe(23456);
    expect(open.capabilities).toContainEqual({ code: 65, name: 'four-octet-as', asn: 4200000001 });
    expect(buildOpen({ asn: 65535, routerId: '10.0.0.1' }).myAs).toBe(65535);
  });

  it('follows the options: families, hold time, no GR, GR families, no extended message, add-path', () => {
    const open = buildOpen({
      asn: 65001,
      routerId: '192.0.2.1',
      holdTime: 0,
      families: ['ipv6'],
      routeRefresh: false,
      enhancedRouteRefresh: false,
      extendedMessage: false,
      gracefulRestart: { restartTime: 30, restarting: true, families: [{ family: 'ipv6', forwardingPreserved: true }] },
      addPath: { ipv6: 'both' },
    });
    expect(open.holdTime).toBe(0);
    expect(open.capabilities).toEqual([
      { code: 1, name: 'multiprotocol', afi: 2, safi: 1 },
      { code: 65, name: 'four-octet-as', asn: 65001 },
      { code: 64, name: 'graceful-restart', restarting: true, notification: false, restartTime: 30, families: [{ afi: 2, safi: 1, forwardingPreserved: true }] },
      { code: 69, name: 'add-path', families: [{ afi: 2, safi: 1, sendReceive: 3 }] },
    ]);
    expect(buildOpen({ asn: 1, routerId: '1.1.1.1', gracefulRestart: false }).capabilities.some((c) => c.code === 64)).toBe(false);
  });

  it.each([
    [{ asn: 0, routerId: '10.0.0.1' }, /asn 0/],
    [{ asn: 2 ** 32, routerId: '10.0.0.1' }, /asn 4294967296/],
    [{ asn: 1, routerId: '0.0.0.0' }, /routerId "0.0.0.0"/],
    [{ asn: 1, routerId: '10.0.0.256' }, /routerId "10.0.0.256"/],
    [{ asn: 1, routerId: '10.0.0.1', holdTime: 2 }, /holdTime 2/],
    [{ asn: 1, routerId: '10.0.0.1', families: [] }, /families/],
    [{ asn: 1, routerId: '10.0.0.1', families: ['ipv5' as 'ipv4'] }, /"ipv5"/],
    [{ asn: 1, routerId: '10.0.0.1', gracefulRestart: { restartTime: 4096 } }, /restartTime 4096/],
  ])('refuses bad configuration %j naming the field', (cfg, message) => {
    expect(() => buildOpen(cfg)).toThrow(message);
  });
});

describe('validateOpen (RFC 4271 §6.2)', () => {
  const hex = (b: Buffer | undefined) => b?.toString('hex');
  const cases: Array<[string, OpenMessage, typeof peer | { asn: number; families?: Array<'ipv4' | 'ipv6'> }, [number, number, string] | undefined]> = [
    ['a good OPEN', peerOpen(), peer, undefined],
    ['version 3: 2/1, data = our version 4', peerOpen({ version: 3 }), peer, [2, 1, '0004']],
    ['version 5: 2/1, data = 4 (largest supported below the bid)', peerOpen({ version: 5 }), peer, [2, 1, '0004']],
    ['a non-capability optional parameter: 2/4', peerOpen({ otherParameters: [{ type: 1, data: Buffer.from([0]) }] }), peer, [2, 4, '']],
    ['wrong AS (capability): 2/2, data = the claimed AS', withCaps([{ code: 65, name: 'four-octet-as', asn: 64999 }], { myAs: 64999 }), peer, [2, 2, '0000fde7']],
    ['wrong AS (no capability): 2/2, data = My AS', withCaps([], { myAs: 64999 }), peer, [2, 2, 'fde7']],
    ['AS 0 in My AS (RFC 7607): 2/2', withCaps([], { myAs: 0 }), { asn: 0 + 64512 }, [2, 2, '0000']],
    ['AS 0 in the 4-octet capability (RFC 7607): 2/2', withCaps([{ code: 65, name: 'four-octet-as', asn: 0 }], { myAs: 64512 }), peer, [2, 2, '00000000']],
    ['My AS contradicting the capability: 2/2', withCaps([{ code: 65, name: 'four-octet-as', asn: 64512 }], { myAs: 64513 }), peer, [2, 2, 'fc01']],
    ['4-octet AS without AS_TRANS in My AS: 2/2', withCaps([{ code: 65, name: 'four-octet-as', asn: 4200000001 }], { myAs: 64512 }), { asn: 4200000001 }, [2, 2, 'fc00']],
    ['AS_TRANS as the 4-octet AS: 2/2', withCaps([{ code: 65, name: 'four-octet-as', asn: 23456 }], { myAs: 23456 }), peer, [2, 2, '00005ba0']],
    ['4-octet configured AS, old speaker with AS_TRANS: 2/2', withCaps([], { myAs: 23456 }), { asn: 4200000001 }, [2, 2, '5ba0']],
    ['BGP identifier 0.0.0.0 (RFC 6286 §2.2): 2/3', peerOpen({ bgpId: '0.0.0.0' }), peer, [2, 3, '']],
    ['our own BGP identifier from an internal peer: 2/3', peerOpen({ bgpId: '10.0.0.1' }), peer, [2, 3, '']],
    ['a malformed BGP identifier: 2/3', peerOpen({ bgpId: 'ten' }), peer, [2, 3, '']],
    ['hold time 1: 2/6', peerOpen({ holdTime: 1 }), peer, [2, 6, '']],
    ['hold time 2: 2/6', peerOpen({ holdTime: 2 }), peer, [2, 6, '']],
    ['hold time 0 is fine', peerOpen({ holdTime: 0 }), peer, undefined],
    ['hold time 3 is fine', peerOpen({ holdTime: 3 }), peer, undefined],
    ['no common family: 2/7, data = our MP capabilities', withCaps([{ code: 1, name: 'multiprotocol', afi: 25, safi: 70 }, { code: 65, name: 'four-octet-as', asn: 64512 }]), peer, [2, 7, '010400010001' + '010400020001']],
    ['no MP capability implies IPv4 (RFC 4760 §8); we offer only IPv6: 2/7', withCaps([]), { asn: 64512, families: ['ipv6'] }, [2, 7, '010400020001']],
    ['no MP capability implies IPv4, which we offer', withCaps([]), peer, undefined],
    ['unknown capabilities are ignored (RFC 5492 §3)', withCaps([...peerOpen().capabilities, { code: 99, name: 'unknown', data: Buffer.from([1, 2]) }]), peer, undefined],
  ];
  it.each(cases)('%s', (_name, open, peerCfg, expected) => {
    const e = validateOpen(open, local, peerCfg);
    if (expected === undefined) {
      expect(e).toBeUndefined();
    } else {
      expect(e).toBeDefined();
      expect([e!.code, e!.subcode, hex(e!.data)]).toEqual(expected);
      expect(e!.reason.length).toBeGreaterThan(10);
    }
  });

  it('accepts our own identifier from an external peer (RFC 6286 §2.2)', () => {
    const open = withCaps([{ code: 65, name: 'four-octet-as', asn: 65010 }], { myAs: 65010, bgpId: '10.0.0.1' });
    expect(validateOpen(open, local, { asn: 65010 })).toBeUndefined();
  });

  it('accepts a 4-octet AS peer sending AS_TRANS in My AS', () => {
    const open = withCaps([{ code: 65, name: 'four-octet-as', asn: 4200000001 }], { myAs: 23456 });
    expect(validateOpen(open, local, { asn: 4200000001 })).toBeUndefined();
  });

  it('names the values in its reason', () => {
    expect(validateOpen(withCaps([], { myAs: 64999 }), local, peer)?.reason).toMatch(/64999.*64512/);
  });
});

describe('negotiate', () => {
  const ours = buildOpen({ asn: 64512, routerId: '10.0.0.1', holdTime: 90 });

  it('takes the smaller hold time and scales keepalive to a third (RFC 4271 §4.2, §4.4)', () => {
    const n = negotiate(ours, peerOpen({ holdTime: 9 }));
    expect(n.holdTime).toBe(9);
    expect(n.holdTimeMs).toBe(9000);
    expect(n.keepaliveMs).toBe(3000);
    const n2 = negotiate(ours, peerOpen({ holdTime: 240 }));
    expect(n2.holdTime).toBe(90);
    expect(n2.keepaliveMs).toBe(30_000);
  });

  it('applies the configured keepalive/hold ratio to a lower negotiated hold time', () => {
    // Configured hold 90 / keepalive 10: ratio 1/9; negotiated hold 9 gives keepalive 1 s.
    expect(negotiate(ours, peerOpen({ holdTime: 9 }), { keepaliveTime: 10 }).keepaliveMs).toBe(1000);
    expect(negotiate(ours, peerOpen({ holdTime: 90 }), { keepaliveTime: 10 }).keepaliveMs).toBe(10_000);
  });

  it('hold time 0 means no keepalives', () => {
    const n = negotiate(ours, peerOpen({ holdTime: 0 }));
    expect([n.holdTime, n.keepaliveMs]).toEqual([0, 0]);
  });

  it('takes the families both offer, IPv4 implied for a side without MP capabilities', () => {
    expect(negotiate(ours, peerOpen()).families).toEqual(['ipv4', 'ipv6']);
    expect(negotiate(ours, withCaps([{ code: 1, name: 'multiprotocol', afi: 2, safi: 1 }])).families).toEqual(['ipv6']);
    expect(negotiate(ours, withCaps([])).families).toEqual(['ipv4']);
    const v6only = buildOpen({ asn: 64512, routerId: '10.0.0.1', families: ['ipv6'] });
    expect(negotiate(v6only, withCaps([])).families).toEqual([]);
    expect(openFamilies(withCaps([{ code: 1, name: 'multiprotocol', afi: 25, safi: 70 }]))).toEqual([]);
  });

  it('as4, extended message and enhanced route refresh need both sides; route refresh needs the peer', () => {
    const full = negotiate(ours, withCaps([
      { code: 65, name: 'four-octet-as', asn: 64512 },
      { code: 6, name: 'extended-message' },
      { code: 2, name: 'route-refresh' },
      { code: 70, name: 'enhanced-route-refresh' },
    ]));
    expect(full).toMatchObject({ as4: true, extendedMessage: true, maxMessageSize: 65535, routeRefresh: true, enhancedRouteRefresh: true });
    const bare = negotiate(ours, withCaps([]));
    expect(bare).toMatchObject({ as4: false, extendedMessage: false, maxMessageSize: 4096, routeRefresh: false, enhancedRouteRefresh: false });
    const oursBare = buildOpen({ asn: 64512, routerId: '10.0.0.1', extendedMessage: false, routeRefresh: false, enhancedRouteRefresh: false });
    expect(negotiate(oursBare, withCaps([{ code: 6, name: 'extended-message' }, { code: 2, name: 'route-refresh' }]))).toMatchObject({
      extendedMessage: false,
      routeRefresh: true,
    });
  });

  it('reports the session type and the codec context', () => {
    const ibgp = negotiate(ours, peerOpen());
    expect(ibgp.session).toBe('ibgp');
    expect(ibgp.codec).toEqual({
      as4: true,
      extendedMessage: false,
      session: 'ibgp',
      addPath: { ipv4: { receive: false, send: false }, ipv6: { receive: false, send: false } },
    });
    const ebgp = negotiate(ours, withCaps([{ code: 65, name: 'four-octet-as', asn: 4200000001 }], { myAs: 23456 }));
    expect([ebgp.session, ebgp.peerAs, ebgp.localAs, ebgp.peerBgpId]).toEqual(['ebgp', 4200000001, 64512, '10.0.0.2']);
  });

  it('reads the peer graceful restart capability', () => {
    const n = negotiate(ours, withCaps([
      { code: 64, name: 'graceful-restart', restarting: true, notification: false, restartTime: 90, families: [{ afi: 1, safi: 1, forwardingPreserved: true }, { afi: 25, safi: 70, forwardingPreserved: false }] },
    ]));
    expect(n.gracefulRestart).toEqual({ restartTime: 90, restarting: true, notification: false, families: [{ family: 'ipv4', forwardingPreserved: true }] });
    expect(negotiate(ours, withCaps([])).gracefulRestart).toBeUndefined();
  });

  it('works out ADD-PATH per family (RFC 7911 §4)', () => {
    const mine = buildOpen({ asn: 64512, routerId: '10.0.0.1', addPath: { ipv4: 'both', ipv6: 'receive' } });
    const theirs = withCaps([
      { code: 1, name: 'multiprotocol', afi: 1, safi: 1 },
      { code: 1, name: 'multiprotocol', afi: 2, safi: 1 },
      { code: 69, name: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 2 }, { afi: 2, safi: 1, sendReceive: 3 }] },
    ]);
    expect(negotiate(mine, theirs).addPath).toEqual({ ipv4: { receive: true, send: false }, ipv6: { receive: true, send: false } });
    expect(negotiate(theirs, mine).addPath).toEqual({ ipv4: { receive: false, send: true }, ipv6: { receive: false, send: true } });
    expect(negotiate(mine, peerOpen()).addPath.ipv4).toEqual({ receive: false, send: false });
  });
});
