/**
 * RFC 7606 (revised UPDATE error handling), one test per rule, named by section. Each checks the
 * NOTIFICATION code/subcode we would send, the approach (session reset, treat-as-withdraw,
 * attribute discard, AFI/SAFI disable), the byte offset, and that the rest of the message is
 * still decoded when the approach allows.
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage, type CodecContext, type DecodeResult, type UpdateMessage } from '../../src/wire/index.js';
import { BASE_ATTRS, ctxWith, hex, update } from './helpers.js';

const NLRI = '18 0a0001'; // 10.0.1.0/24
const ORIGIN = '400101 00';
const EMPTY_PATH = '400200';
const NEXT_HOP = '400304 0a000001';
const MP_REACH_V6 = '800e1e 0002 01 10 fd000000000000000000000000000001 00 40 20010db800010000';

function decode(attrs: string, nlri = NLRI, ctx: CodecContext = ctxWith(), withdrawn = ''): DecodeResult {
  return decodeMessage(update(withdrawn, attrs, nlri), ctx);
}

function only(res: DecodeResult): [number, number, string] {
  expect(res.errors).toHaveLength(1);
  const e = res.errors[0];
  return [e.code, e.subcode, e.action];
}

function upd(res: DecodeResult): UpdateMessage {
  expect(res.message?.type).toBe('UPDATE');
  return res.message as UpdateMessage;
}

describe('RFC 7606 §3 b (RFC 4271 §6.3): field lengths that overrun the message', () => {
  it('Withdrawn Routes Length too large is Malformed Attribute List, session reset', () => {
    const buf = update('', '', '');
    buf.writeUInt16BE(5, 19);
    const res = decodeMessage(buf, ctxWith());
    expect(only(res)).toEqual([3, 1, 'session-reset']);
    expect(res.message).toBeUndefined();
    expect(res.errors[0].offset).toBe(19);
  });
  it('Total Path Attribute Length too large is Malformed Attribute List, session reset', () => {
    const buf = update('', BASE_ATTRS, '');
    buf.writeUInt16BE(100, 21);
    const res = decodeMessage(buf, ctxWith());
    expect(only(res)).toEqual([3, 1, 'session-reset']);
    expect(res.errors[0].offset).toBe(21);
  });
});

describe('RFC 7606 §3 c: Optional/Transitive flags in conflict', () => {
  it('ORIGIN sent as optional is Attribute Flags Error, treat-as-withdraw, data = the attribute', () => {
    const res = decode(`c00101 00 ${EMPTY_PATH} ${NEXT_HOP}`);
    expect(only(res)).toEqual([3, 4, 'treat-as-withdraw']);
    expect(res.errors[0].data.toString('hex')).toBe('c0010100');
    expect(res.errors[0].offset).toBe(23);
    expect(upd(res).nlri).toEqual([{ prefix: '10.0.1.0/24' }]);
  });
  it('COMMUNITIES without the Transitive bit', () => {
    expect(only(decode(`${BASE_ATTRS} 800804 fde90001`))).toEqual([3, 4, 'treat-as-withdraw']);
  });
  it('the Partial and Extended Length bits are not conflicts', () => {
    expect(decode(`${ORIGIN} 50020000 ${NEXT_HOP} e00804 fde90001`).errors).toEqual([]);
  });
});

describe('RFC 7606 §3 d: missing well-known mandatory attributes', () => {
  it('NLRI without ORIGIN is Missing Well-known Attribute, treat-as-withdraw, data = the type code', () => {
    const res = decode(`${EMPTY_PATH} ${NEXT_HOP}`);
    expect(only(res)).toEqual([3, 3, 'treat-as-withdraw']);
    expect([...res.errors[0].data]).toEqual([1]);
  });
  it('NLRI without AS_PATH and NEXT_HOP: one error each', () => {
    const res = decode(ORIGIN);
    expect(res.errors.map((e) => [e.subcode, e.data[0]])).toEqual([
      [3, 2],
      [3, 3],
    ]);
  });
  it('MP_REACH_NLRI with NLRI needs ORIGIN and AS_PATH but not NEXT_HOP (RFC 4760 §3)', () => {
    expect(decode(`${MP_REACH_V6} ${ORIGIN} ${EMPTY_PATH}`, '').errors).toEqual([]);
    expect(decode(`${MP_REACH_V6} ${ORIGIN}`, '').errors.map((e) => [e.subcode, e.data[0]])).toEqual([[3, 2]]);
  });
  it('an UPDATE without reachability needs no attributes (withdrawals, End-of-RIB)', () => {
    expect(decode('', '', ctxWith(), '18 0a0001').errors).toEqual([]);
    expect(decode('800f03 000201', '').errors).toEqual([]);
  });
});

describe('RFC 7606 §3 g: repeated attributes', () => {
  it('a repeated attribute is discarded, the first kept, the message processed', () => {
    const res = decode(`${BASE_ATTRS} 800404 00000001 800404 00000002`);
    expect(only(res)).toEqual([3, 1, 'attribute-discard']);
    expect(upd(res).attributes.med).toBe(1);
    expect(upd(res).nlri).toHaveLength(1);
  });
  it('MP_REACH_NLRI twice is Malformed Attribute List, session reset', () => {
    const res = decode(`${MP_REACH_V6} ${MP_REACH_V6} ${ORIGIN} ${EMPTY_PATH}`, '');
    expect(only(res)).toEqual([3, 1, 'session-reset']);
    expect(res.message).toBeUndefined();
  });
  it('MP_UNREACH_NLRI twice is Malformed Attribute List, session reset', () => {
    expect(only(decode('800f03 000201 800f03 000201', ''))).toEqual([3, 1, 'session-reset']);
  });
});

describe('RFC 7606 §4: attribute lengths', () => {
  it('an attribute overrunning the Total Path Attribute Length: treat-as-withdraw, NLRI still located', () => {
    // MED claims 8 bytes, only 4 remain in the attribute list.
    const res = decode(`${BASE_ATTRS} 800408 00000001`);
    expect(only(res)).toEqual([3, 5, 'treat-as-withdraw']);
    expect(res.errors[0].offset).toBe(23 + 14);
    expect(upd(res).nlri).toEqual([{ prefix: '10.0.1.0/24' }]);
  });
  it('fewer than 3 bytes left for an attribute header: treat-as-withdraw', () => {
    expect(only(decode(`${BASE_ATTRS} 8004`))).toEqual([3, 1, 'treat-as-withdraw']);
  });
  it('fewer than 4 bytes left with Extended Length set: treat-as-withdraw', () => {
    expect(only(decode(`${BASE_ATTRS} 900400`))).toEqual([3, 1, 'treat-as-withdraw']);
  });
  it('zero length is a syntax error except for AS_PATH and ATOMIC_AGGREGATE', () => {
    expect(only(decode(`${BASE_ATTRS} 800400`))).toEqual([3, 5, 'treat-as-withdraw']);
    expect(decode(`${BASE_ATTRS} 400600`).errors).toEqual([]);
  });
});

describe('RFC 7606 §5.1: MP_REACH_NLRI position', () => {
  it('is accepted in any position', () => {
    const res = decode(`${ORIGIN} ${EMPTY_PATH} ${MP_REACH_V6}`, '');
    expect(res.errors).toEqual([]);
    expect(upd(res).attributes.mpReach?.nlri).toEqual([{ prefix: '2001:db8:1::/64' }]);
  });
});

describe('RFC 7606 §5.3: syntactically incorrect NLRI fields', () => {
  it('prefix length above 32 in the NLRI field: Invalid Network Field, session reset', () => {
    const res = decode(BASE_ATTRS, '21 0a000100');
    expect(only(res)).toEqual([3, 10, 'session-reset']);
    expect(res.message).toBeUndefined();
    expect(res.errors[0].offset).toBe(23 + 14);
  });
  it('a prefix overrunning the NLRI field: session reset', () => {
    expect(only(decode(BASE_ATTRS, '18 0a00'))).toEqual([3, 10, 'session-reset']);
  });
  it('a malformed Withdrawn Routes field: session reset', () => {
    expect(only(decode('', '', ctxWith(), '20 0a0001'))).toEqual([3, 10, 'session-reset']);
  });
  it('a malformed NLRI inside MP_REACH_NLRI: AFI/SAFI disable (RFC 4760 §7 Optional Attribute Error)', () => {
    const res = decode(`800e16 0002 01 10 fd000000000000000000000000000001 00 81 ${ORIGIN} ${EMPTY_PATH}`, '');
    expect(only(res)).toEqual([3, 9, 'afi-safi-disable']);
    expect(res.message).toBeDefined();
  });
  it('ADD-PATH NLRI cut inside the path identifier: session reset', () => {
    const ctx = ctxWith();
    ctx.addPath.ipv4.receive = true;
    expect(only(decode(BASE_ATTRS, '000000', ctx))).toEqual([3, 10, 'session-reset']);
  });
});

describe('RFC 7606 §7.1 ORIGIN', () => {
  it('length other than 1: treat-as-withdraw', () => {
    expect(only(decode(`40010200 00 ${EMPTY_PATH} ${NEXT_HOP}`))).toEqual([3, 5, 'treat-as-withdraw']);
  });
  it('undefined value: Invalid ORIGIN, treat-as-withdraw', () => {
    const res = decode(`400101 03 ${EMPTY_PATH} ${NEXT_HOP}`);
    expect(only(res)).toEqual([3, 6, 'treat-as-withdraw']);
    expect(upd(res).attributes.origin).toBeUndefined();
  });
});

describe('RFC 7606 §7.2 AS_PATH', () => {
  const withPath = (path: string, ctx?: CodecContext) => decode(`${ORIGIN} ${path} ${NEXT_HOP}`, NLRI, ctx);
  it('segment overrunning the attribute: Malformed AS_PATH, treat-as-withdraw', () => {
    expect(only(withPath('400206 0202 0000fde9'))).toEqual([3, 11, 'treat-as-withdraw']);
  });
  it('one byte left after the last segment', () => {
    expect(only(withPath('400207 0201 0000fde9 02'))).toEqual([3, 11, 'treat-as-withdraw']);
  });
  it('unrecognized segment type', () => {
    expect(only(withPath('400206 0501 0000fde9'))).toEqual([3, 11, 'treat-as-withdraw']);
  });
  it('segment length 0', () => {
    expect(only(withPath('400202 0200'))).toEqual([3, 11, 'treat-as-withdraw']);
  });
  it('2-octet ASNs on a session without 4-octet AS (RFC 6793)', () => {
    const res = withPath('400204 0201 fde9', ctxWith({ as4: false }));
    expect(res.errors).toEqual([]);
    expect(upd(res).attributes.asPath).toEqual([{ type: 2, asns: [65001] }]);
  });
  it('confederation segments from an external peer: treat-as-withdraw; from an internal one: fine', () => {
    const confed = '40020c 0301 0000fde9 0201 0000fdea';
    expect(only(withPath(confed, ctxWith({ session: 'ebgp' })))).toEqual([3, 11, 'treat-as-withdraw']);
    expect(withPath(confed, ctxWith({ session: 'ibgp' })).errors).toEqual([]);
  });
});

describe('RFC 7606 §7.3 NEXT_HOP', () => {
  it('length other than 4: treat-as-withdraw', () => {
    expect(only(decode(`${ORIGIN} ${EMPTY_PATH} 400305 0a00000100`))).toEqual([3, 5, 'treat-as-withdraw']);
  });
  it.each(['00000000', '7f000001', 'e0000001', 'ffffffff'])('%s is not a host address: Invalid NEXT_HOP, treat-as-withdraw', (nh) => {
    expect(only(decode(`${ORIGIN} ${EMPTY_PATH} 400304 ${nh}`))).toEqual([3, 8, 'treat-as-withdraw']);
  });
  it('without IPv4 NLRI the attribute is ignored (RFC 4760 §3): a bad one is only discarded', () => {
    expect(decode(`${MP_REACH_V6} ${ORIGIN} ${EMPTY_PATH} 400304 00000000`, '').errors).toEqual([]);
    const res = decode(`${MP_REACH_V6} ${ORIGIN} ${EMPTY_PATH} 400303 000000`, '');
    expect(only(res)).toEqual([3, 5, 'attribute-discard']);
    expect(upd(res).attributes.mpReach?.nlri).toHaveLength(1);
  });
});

describe('RFC 7606 §7.4 MULTI_EXIT_DISC', () => {
  it('length other than 4: treat-as-withdraw', () => {
    expect(only(decode(`${BASE_ATTRS} 800403 000001`))).toEqual([3, 5, 'treat-as-withdraw']);
  });
});

describe('RFC 7606 §7.5 LOCAL_PREF', () => {
  it('from an external peer: attribute discard, the route kept', () => {
    const res = decode(`${BASE_ATTRS} 400504 00000064`, NLRI, ctxWith({ session: 'ebgp' }));
    expect(only(res)).toEqual([3, 1, 'attribute-discard']);
    expect(upd(res).attributes.localPref).toBeUndefined();
    expect(upd(res).nlri).toHaveLength(1);
  });
  it('from an internal peer with length other than 4: treat-as-withdraw', () => {
    expect(only(decode(`${BASE_ATTRS} 400502 0064`, NLRI, ctxWith({ session: 'ibgp' })))).toEqual([3, 5, 'treat-as-withdraw']);
  });
});

describe('RFC 7606 §7.6 ATOMIC_AGGREGATE', () => {
  it('length other than 0: attribute discard', () => {
    const res = decode(`${BASE_ATTRS} 400601 00`);
    expect(only(res)).toEqual([3, 5, 'attribute-discard']);
    expect(upd(res).attributes.atomicAggregate).toBeUndefined();
  });
});

describe('RFC 7606 §7.7 AGGREGATOR', () => {
  it('length 6 on a 4-octet AS session: attribute discard', () => {
    expect(only(decode(`${BASE_ATTRS} c00706 fde9 0a000001`))).toEqual([3, 5, 'attribute-discard']);
  });
  it('length 6 without 4-octet AS is right', () => {
    const res = decode(`${ORIGIN} 400204 0201 fde9 ${NEXT_HOP} c00706 fde9 0a000001`, NLRI, ctxWith({ as4: false }));
    expect(res.errors).toEqual([]);
    expect(upd(res).attributes.aggregator).toEqual({ asn: 65001, address: '10.0.0.1' });
  });
});

describe('RFC 7606 §7.8 COMMUNITIES', () => {
  it('length not a multiple of 4: treat-as-withdraw', () => {
    expect(only(decode(`${BASE_ATTRS} c00805 fde9000100`))).toEqual([3, 5, 'treat-as-withdraw']);
  });
  it('length 0: treat-as-withdraw', () => {
    expect(only(decode(`${BASE_ATTRS} c00800`))).toEqual([3, 5, 'treat-as-withdraw']);
  });
});

describe('RFC 7606 §7.9 ORIGINATOR_ID and §7.10 CLUSTER_LIST', () => {
  it('from an external peer: attribute discard', () => {
    const res = decode(`${BASE_ATTRS} 800904 0a000009 800a04 0a00000a`, NLRI, ctxWith({ session: 'ebgp' }));
    expect(res.errors.map((e) => e.action)).toEqual(['attribute-discard', 'attribute-discard']);
    expect(upd(res).attributes.originatorId).toBeUndefined();
    expect(upd(res).attributes.clusterList).toBeUndefined();
  });
  it('ORIGINATOR_ID with length other than 4: treat-as-withdraw', () => {
    expect(only(decode(`${BASE_ATTRS} 800903 0a0000`))).toEqual([3, 5, 'treat-as-withdraw']);
  });
  it('CLUSTER_LIST with length not a multiple of 4: treat-as-withdraw', () => {
    expect(only(decode(`${BASE_ATTRS} 800a06 0a00000a0a00`))).toEqual([3, 5, 'treat-as-withdraw']);
  });
  it('from an internal peer they are kept', () => {
    const res = decode(`${BASE_ATTRS} 800904 0a000009 800a08 0a00000a0a00000b`, NLRI, ctxWith({ session: 'ibgp' }));
    expect(res.errors).toEqual([]);
    expect(upd(res).attributes).toMatchObject({ originatorId: '10.0.0.9', clusterList: ['10.0.0.10', '10.0.0.11'] });
  });
});

describe('RFC 7606 §7.11 MP_REACH_NLRI', () => {
  it('too short to hold AFI, SAFI and next-hop length: session reset', () => {
    expect(only(decode(`800e03 000201 ${ORIGIN} ${EMPTY_PATH}`, ''))).toEqual([3, 9, 'session-reset']);
  });
  it('next-hop length inconsistent with the AFI: AFI/SAFI disable', () => {
    expect(only(decode(`800e0d 0002 01 07 fd000000000000 00 00 ${ORIGIN} ${EMPTY_PATH}`, ''))).toEqual([3, 9, 'afi-safi-disable']);
  });
  it('next hop overrunning the attribute: AFI/SAFI disable', () => {
    expect(only(decode(`800e06 0002 01 10 fd00 ${ORIGIN} ${EMPTY_PATH}`, ''))).toEqual([3, 9, 'afi-safi-disable']);
  });
  it('global + link-local next hop (RFC 2545 §3)', () => {
    const res = decode(
      `800e2e 0002 01 20 fd000000000000000000000000000001 fe800000000000000000000000000001 00 40 20010db800010000 ${ORIGIN} ${EMPTY_PATH}`,
      '',
    );
    expect(res.errors).toEqual([]);
    expect(upd(res).attributes.mpReach?.nextHops).toEqual(['fd00::1', 'fe80::1']);
  });
  it('overrunning the attribute list: its NLRI cannot be located, session reset', () => {
    expect(only(decode(`${ORIGIN} ${EMPTY_PATH} 800e30 0002`, ''))).toEqual([3, 5, 'session-reset']);
  });
  it('other families are kept raw as unsupported, without error', () => {
    const res = decode(`800e11 0001 80 0c 000000000000000001020304 00 ${ORIGIN} ${EMPTY_PATH}`, '');
    expect(res.errors).toEqual([]);
    expect(upd(res).attributes.mpReach).toMatchObject({ afi: 1, safi: 128, nextHops: [], nlri: [] });
  });
});

describe('RFC 7606 §7.12 MP_UNREACH_NLRI', () => {
  it('too short for AFI and SAFI: session reset', () => {
    expect(only(decode('800f02 0002', ''))).toEqual([3, 9, 'session-reset']);
  });
  it('malformed withdrawn NLRI: AFI/SAFI disable', () => {
    expect(only(decode('800f05 000201 ff00', ''))).toEqual([3, 9, 'afi-safi-disable']);
  });
});

describe('RFC 7606 §7.14 EXTENDED_COMMUNITIES', () => {
  it('length not a multiple of 8: treat-as-withdraw', () => {
    expect(only(decode(`${BASE_ATTRS} c01007 0002fde9000000`))).toEqual([3, 5, 'treat-as-withdraw']);
  });
});

describe('RFC 8092 §5 LARGE_COMMUNITY', () => {
  it('length not a multiple of 12: treat-as-withdraw', () => {
    expect(only(decode(`${BASE_ATTRS} c0200b 0000fde90000000100000a`))).toEqual([3, 5, 'treat-as-withdraw']);
  });
});

describe('RFC 6793 §6 AS4_PATH and AS4_AGGREGATOR', () => {
  const old = () => ctxWith({ as4: false });
  const base2 = `${ORIGIN} 400204 0201 5ba0 ${NEXT_HOP}`; // AS_PATH [23456]
  it('kept from an OLD speaker', () => {
    const res = decode(`${base2} c01106 0201 00010000`, NLRI, old());
    expect(res.errors).toEqual([]);
    expect(upd(res).attributes.as4Path).toEqual([{ type: 2, asns: [65536] }]);
  });
  it('malformed AS4_PATH: attribute discard', () => {
    expect(only(decode(`${base2} c01106 0202 00010000`, NLRI, old()))).toEqual([3, 11, 'attribute-discard']);
  });
  it('AS4_PATH with confederation segments: attribute discard', () => {
    expect(only(decode(`${base2} c01106 0301 00010000`, NLRI, old()))).toEqual([3, 11, 'attribute-discard']);
  });
  it('AS4_AGGREGATOR with length other than 8: attribute discard', () => {
    expect(only(decode(`${base2} c01206 5ba0 0a000001`, NLRI, old()))).toEqual([3, 5, 'attribute-discard']);
  });
  it('between NEW speakers both are discarded (RFC 6793 §3)', () => {
    const res = decode(`${BASE_ATTRS} c01106 0201 00010000 c01208 00010000 0a000001`);
    expect(res.errors.map((e) => e.action)).toEqual(['attribute-discard', 'attribute-discard']);
    expect(upd(res).attributes.as4Path).toBeUndefined();
  });
});

describe('RFC 4271 §5 and §6.3: attributes we do not model', () => {
  it('optional ones are kept raw with their flags, no error', () => {
    const res = decode(`${BASE_ATTRS} c06303 010203 806402 0405`);
    expect(res.errors).toEqual([]);
    expect(upd(res).attributes.unknown).toEqual([
      { flags: 0xc0, code: 99, value: hex('010203') },
      { flags: 0x80, code: 100, value: hex('0405') },
    ]);
  });
  it('an unrecognized one with the Optional bit clear is Unrecognized Well-known Attribute, treat-as-withdraw', () => {
    const res = decode(`${BASE_ATTRS} 406301 00`);
    expect(only(res)).toEqual([3, 2, 'treat-as-withdraw']);
    expect(upd(res).attributes.unknown).toHaveLength(1);
  });
});
