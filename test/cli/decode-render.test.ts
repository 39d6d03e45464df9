/**
 * The JSON and text renderings of decoded messages (src/wire/json.ts, notification-names.ts):
 * field names users script against, ADD-PATH path ids beside unchanged prefix strings, error
 * objects, NOTIFICATION data per RFC, and the text summary.
 */
import { describe, expect, it } from 'vitest';
import type { DecodeError, DecodeResult, UpdateMessage } from '../../src/wire/types.js';
import { attributesToJson, endOfRib, extendedCommunityToString, familyName, jsonToText, mostSevere, resultToJson } from '../../src/wire/json.js';
import { errorName, notificationDetails } from '../../src/wire/notification-names.js';

const header = (type: number, length: number) => {
  const b = Buffer.alloc(19, 0xff);
  b.writeUInt16BE(length, 16);
  b[18] = type;
  return b;
};

const err = (action: DecodeError['action'], code = 3, subcode = 1, offset = 23): DecodeError => ({ code, subcode, data: Buffer.from([1, 2]), action, offset, reason: `${action} here` });

describe('UPDATE as JSON', () => {
  const update: UpdateMessage = {
    type: 'UPDATE',
    withdrawn: [{ prefix: '10.244.9.0/26', pathId: 3 }],
    nlri: [
      { prefix: '10.244.1.0/26', pathId: 1 },
      { prefix: '10.244.2.0/26', pathId: 2 },
    ],
    attributes: {
      origin: 2,
      asPath: [
        { type: 2, asns: [65001, 65002] },
        { type: 1, asns: [65003, 65004] },
        { type: 3, asns: [64512] },
      ],
      nextHop: '10.0.0.1',
      med: 5,
      localPref: 200,
      atomicAggregate: true,
      aggregator: { asn: 65001, address: '10.0.0.1' },
      communities: [(65000 << 16) | 1, 0xffffff01],
      originatorId: '10.0.0.7',
      clusterList: ['10.0.0.100', '10.0.0.101'],
      mpReach: { afi: 2, safi: 1, nextHops: ['fd00::1', 'fe80::1'], nlri: [{ prefix: 'fd00:10::/122', pathId: 9 }] },
      mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: 'fd00:20::/122' }] },
      extendedCommunities: [Buffer.from('0002fde800000064', 'hex')],
      largeCommunities: [[4200000000, 1, 2]],
      unknown: [{ flags: 0xc0, code: 35, value: Buffer.from('0000fde9', 'hex') }],
    },
  };

  it('keeps prefix strings and puts ADD-PATH path ids in parallel arrays', () => {
    const o = resultToJson({ message: update, errors: [], length: 100 }, header(2, 100));
    expect(o).toMatchObject({
      type: 'UPDATE',
      length: 100,
      withdrawn: ['10.244.9.0/26'],
      withdrawnPathIds: [3],
      nlri: ['10.244.1.0/26', '10.244.2.0/26'],
      nlriPathIds: [1, 2],
    });
    expect(o.error).toBeUndefined();
    expect(o.raw).toBeUndefined();
  });

  it('names every attribute as documented', () => {
    expect(attributesToJson(update.attributes)).toEqual({
      origin: 'INCOMPLETE',
      asPath: [
        { type: 'AS_SEQUENCE', asns: [65001, 65002] },
        { type: 'AS_SET', asns: [65003, 65004] },
        { type: 'AS_CONFED_SEQUENCE', asns: [64512] },
      ],
      nextHop: '10.0.0.1',
      med: 5,
      localPref: 200,
      atomicAggregate: true,
      aggregator: { asn: 65001, address: '10.0.0.1' },
      communities: ['65000:1', '65535:65281'],
      originatorId: '10.0.0.7',
      clusterList: ['10.0.0.100', '10.0.0.101'],
      mpReach: { afi: 2, safi: 1, family: 'ipv6-unicast', nextHops: ['fd00::1', 'fe80::1'], nlri: ['fd00:10::/122'], nlriPathIds: [9] },
      mpUnreach: { afi: 2, safi: 1, family: 'ipv6-unicast', withdrawn: ['fd00:20::/122'] },
      extendedCommunities: ['target:65000:100'],
      largeCommunities: ['4200000000:1:2'],
      unknown: [{ code: 35, name: 'only-to-customer', flags: 0xc0, value: '0000fde9' }],
    });
  });

  it('renders text: as-path segments BIRD-style, well-known communities named, path ids shown', () => {
    const text = jsonToText(resultToJson({ message: update, errors: [], length: 100 }, header(2, 100)), 'P ');
    expect(text.split('\n')).toEqual([
      'P UPDATE (100 bytes): 3 announced, 2 withdrawn',
      '    withdrawn (1): 10.244.9.0/26 (path-id 3)',
      '    origin INCOMPLETE, as-path 65001 65002 {65003,65004} (64512), next-hop 10.0.0.1, med 5, local-pref 200, atomic-aggregate, aggregator 65001 10.0.0.1, communities 65000:1 65535:65281(no-export), large-communities 4200000000:1:2, extended-communities target:65000:100, originator-id 10.0.0.7, cluster-list 10.0.0.100 10.0.0.101, only-to-customer(35, flags 0xc0) 0x0000fde9',
      '    mp-reach ipv6-unicast next-hop fd00::1 fe80::1: fd00:10::/122 (path-id 9)',
      '    mp-unreach ipv6-unicast: fd00:20::/122',
      '    nlri (2): 10.244.1.0/26 (path-id 1) 10.244.2.0/26 (path-id 2)',
    ]);
  });

  it('recognises End-of-RIB (RFC 4724 §2) for IPv4 and MP families', () => {
    expect(endOfRib({ type: 'UPDATE', withdrawn: [], nlri: [], attributes: {} })).toEqual({ afi: 1, safi: 1 });
    expect(endOfRib({ type: 'UPDATE', withdrawn: [], nlri: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [] } } })).toEqual({ afi: 2, safi: 1 });
    expect(endOfRib({ type: 'UPDATE', withdrawn: [], nlri: [], attributes: { origin: 0 } })).toBeUndefined();
    const o = resultToJson({ message: { type: 'UPDATE', withdrawn: [], nlri: [], attributes: {} }, errors: [], length: 23 }, header(2, 23));
    expect(o.endOfRib).toEqual({ afi: 1, safi: 1, family: 'ipv4-unicast' });
    expect(jsonToText(o)).toBe('UPDATE (23 bytes): End-of-RIB ipv4-unicast');
  });
});

describe('errors as JSON', () => {
  it('error is the most severe (RFC 7606 §3), errors lists all, raw has the bytes, message fields stay', () => {
    const msg: UpdateMessage = { type: 'UPDATE', withdrawn: [], nlri: [{ prefix: '10.0.0.0/8' }], attributes: { origin: 0 } };
    const result: DecodeResult = { message: msg, errors: [err('attribute-discard', 3, 9, 40), err('treat-as-withdraw', 3, 6, 26)], length: 30 };
    const bytes = header(2, 30);
    const o = resultToJson(result, bytes);
    expect(o.error).toEqual({
      code: 3,
      subcode: 6,
      name: 'UPDATE Message Error / Invalid ORIGIN Attribute',
      action: 'treat-as-withdraw',
      offset: 26,
      reason: 'treat-as-withdraw here',
      data: '0102',
    });
    expect((o.errors as unknown[]).length).toBe(2);
    expect(o.raw).toBe(bytes.toString('hex'));
    expect(o.nlri).toEqual(['10.0.0.0/8']);
    expect(mostSevere([err('treat-as-withdraw'), err('session-reset'), err('afi-safi-disable')])?.action).toBe('session-reset');
  });

  it('a message lost to a header error still says its type and length when the marker is valid', () => {
    const o = resultToJson({ errors: [err('session-reset', 1, 2, 16)], length: 0 }, header(2, 19));
    expect(o).toMatchObject({ type: 'UPDATE', length: 19, error: { name: 'Message Header Error / Bad Message Length' } });
    const unknownType = resultToJson({ errors: [err('session-reset', 1, 3, 18)], length: 19 }, header(9, 19));
    expect(unknownType).toMatchObject({ type: 'UNKNOWN', typeCode: 9 });
    expect(jsonToText(unknownType).split('\n')[0]).toBe('UNKNOWN(9) (19 bytes)');
    const noMarker = resultToJson({ errors: [err('session-reset', 1, 1, 0)], length: 0 }, Buffer.alloc(19));
    expect(noMarker).toMatchObject({ type: 'UNKNOWN', length: 19 });
    expect(noMarker.typeCode).toBeUndefined();
  });
});

describe('OPEN, ROUTE-REFRESH and NOTIFICATION as JSON', () => {
  it('OPEN: myAs is the 4-octet AS of the capability; capabilities with names and families', () => {
    const o = resultToJson(
      {
        message: {
          type: 'OPEN',
          version: 4,
          myAs: 23456,
          holdTime: 90,
          bgpId: '10.0.0.1',
          capabilities: [
            { code: 1, name: 'multiprotocol', afi: 2, safi: 1 },
            { code: 65, name: 'four-octet-as', asn: 4200000001 },
            { code: 69, name: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }] },
            { code: 64, name: 'graceful-restart', restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] },
            { code: 75, name: 'unknown', data: Buffer.from('0161', 'hex') },
          ],
        },
        errors: [],
        length: 60,
      },
      header(1, 60),
    );
    expect(o).toMatchObject({ type: 'OPEN', version: 4, myAs: 4200000001, myAs2Octet: 23456, holdTime: 90, bgpId: '10.0.0.1' });
    expect(o.capabilities).toEqual([
      { code: 1, name: 'multiprotocol', afi: 2, safi: 1, family: 'ipv6-unicast' },
      { code: 65, name: 'four-octet-as', asn: 4200000001 },
      { code: 69, name: 'add-path', families: [{ afi: 1, safi: 1, family: 'ipv4-unicast', sendReceive: 'send-receive' }] },
      { code: 64, name: 'graceful-restart', restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, family: 'ipv4-unicast', forwardingPreserved: true }] },
      { code: 75, name: 'software-version', data: '0161' },
    ]);
    expect(jsonToText(o)).toBe(
      'OPEN (60 bytes): version 4, AS 4200000001 (2-octet field 23456), hold 90s, id 10.0.0.1\n' +
        '    capabilities: multiprotocol ipv6-unicast; four-octet-as 4200000001; add-path ipv4-unicast send-receive; graceful-restart 120s restarting ipv4-unicast(F); software-version(75) 0x0161',
    );
  });

  it('ROUTE-REFRESH subtypes (RFC 7313)', () => {
    const o = resultToJson({ message: { type: 'ROUTE-REFRESH', afi: 2, safi: 1, subtype: 2 }, errors: [], length: 23 }, header(5, 23));
    expect(o).toEqual({ type: 'ROUTE-REFRESH', length: 23, afi: 2, safi: 1, family: 'ipv6-unicast', subtype: 2, subtypeName: 'EoRR' });
  });

  it('NOTIFICATION names and the data RFCs define', () => {
    expect(errorName(6, 2)).toBe('Cease / Administrative Shutdown');
    expect(errorName(8, 0)).toBe('Send Hold Timer Expired / Unspecific');
    expect(errorName(2, 11)).toBe('OPEN Message Error / Role Mismatch');
    expect(errorName(99, 1)).toBe('Unknown error code 99 / Unknown subcode 1');
    expect(notificationDetails(6, 4, Buffer.from('\x05hello', 'latin1'))).toEqual({ shutdownCommunication: 'hello' });
    expect(notificationDetails(6, 2, Buffer.from([2, 0xc3, 0x28])).invalid).toMatch(/not valid UTF-8/);
    expect(notificationDetails(6, 9, Buffer.from([6, 2, 3, 0x6f, 0x66, 0x66]))).toMatchObject({ inner: { code: 6, subcode: 2, subcodeName: 'Administrative Shutdown', details: { shutdownCommunication: 'off' } } });
    expect(notificationDetails(6, 1, Buffer.from('00010100000064', 'hex'))).toEqual({ maxPrefixes: { afi: 1, safi: 1, limit: 100 } });
    expect(notificationDetails(1, 2, Buffer.from('0005', 'hex'))).toEqual({ value: 5 });
    expect(notificationDetails(2, 2, Buffer.from('fde9', 'hex'))).toEqual({ value: 65001 });
    const o = resultToJson({ message: { type: 'NOTIFICATION', code: 4, subcode: 0, data: Buffer.alloc(0) }, errors: [], length: 21 }, header(3, 21));
    expect(o).toEqual({ type: 'NOTIFICATION', length: 21, code: 4, subcode: 0, codeName: 'Hold Timer Expired', subcodeName: 'Unspecific', data: '' });
    expect(jsonToText(o)).toBe('NOTIFICATION (21 bytes): 4/0 Hold Timer Expired / Unspecific');
  });
});

describe('small formatters', () => {
  it('families and extended communities', () => {
    expect(familyName(1, 1)).toBe('ipv4-unicast');
    expect(familyName(25, 70)).toBe('l2vpn-evpn');
    expect(familyName(7, 9)).toBe('afi-7-safi-9');
    expect(extendedCommunityToString(Buffer.from('0102c0a8010a0064', 'hex'))).toBe('target:192.168.1.10:100');
    expect(extendedCommunityToString(Buffer.from('0203fa56ea000001', 'hex'))).toBe('origin:4200000000:1');
    expect(extendedCommunityToString(Buffer.from('4300000000000000', 'hex'))).toBe('ovs:valid');
    expect(extendedCommunityToString(Buffer.from('030c000000000008', 'hex'))).toBe('encap:vxlan');
    expect(extendedCommunityToString(Buffer.from('8008fde800000064', 'hex'))).toBe('redirect:65000:100');
    expect(extendedCommunityToString(Buffer.from('0a0b0c0d0e0f1011', 'hex'))).toBe('0x0a0b0c0d0e0f1011');
  });
});
