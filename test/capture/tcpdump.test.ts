/**
 * tcpdump's BGP regression captures (test/fixtures/tcpdump, BSD licence): every one decodes
 * without an exception in bounded time (fuzzed ones included), and what tcpdump's expected output
 * shows (prefixes, AS paths, capabilities, NOTIFICATION codes) is found in ours.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBgpCapture, type DecodeInputOptions } from '../../src/capture/index.js';
import { jsonToText, resultToJson, type JsonObject } from '../../src/wire/json.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'tcpdump');

interface Decoded {
  records: Array<JsonObject & { frame?: number; src?: string; guessed?: unknown; conflicting?: boolean }>;
  notes: string[];
}

function decode(name: string, options: DecodeInputOptions = {}): Decoded {
  const records: Decoded['records'] = [];
  const notes: string[] = [];
  for (const item of decodeBgpCapture(readFileSync(join(DIR, name)), options)) {
    if (item.kind === 'note') {
      notes.push(item.text);
      continue;
    }
    const json = resultToJson(item.result, item.bytes);
    if (item.capture) Object.assign(json, { frame: item.capture.frame, src: item.capture.src.address });
    if (item.guessed) json.guessed = item.guessed;
    if (item.conflicting) json.conflicting = true;
    records.push(json);
  }
  return { records, notes };
}

const ofType = (d: Decoded, type: string) => d.records.filter((r) => r.type === type);
const attrs = (r: JsonObject) => (r.attributes ?? {}) as JsonObject;
const capNames = (r: JsonObject) => (r.capabilities as JsonObject[]).map((c) => c.name);
const allNlri = (d: Decoded) => ofType(d, 'UPDATE').flatMap((r) => [...((r.nlri as string[]) ?? []), ...(((attrs(r).mpReach as JsonObject)?.nlri as string[]) ?? [])]);

describe('tcpdump captures: no crash, bounded time', () => {
  const captures = readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f));
  it('has the captures', () => {
    expect(captures.length).toBeGreaterThanOrEqual(38);
  });
  for (const file of captures) {
    it(`decodes ${file}`, () => {
      const started = performance.now();
      const d = decode(file);
      // Text rendering must not throw either.
      for (const r of d.records) expect(typeof jsonToText(r)).toBe('string');
      expect(performance.now() - started).toBeLessThan(5000);
      for (const r of d.records) {
        expect(['OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH', 'UNKNOWN']).toContain(r.type);
        if (r.error) expect(r.error).toMatchObject({ code: expect.any(Number), subcode: expect.any(Number), action: expect.any(String), reason: expect.any(String) });
      }
    });
  }
});

describe('tcpdump captures: what the .out files show', () => {
  it('bgp-large-community: large communities, 4-octet AS_PATH 65536 (guessed: no OPEN), prefixes', () => {
    const d = decode('bgp-large-community.pcap');
    const ups = ofType(d, 'UPDATE');
    expect(ups).toHaveLength(5);
    expect(attrs(ups[0]).largeCommunities).toEqual(['65535:1:1', '4294967295:4294967295:4294967295']);
    expect(attrs(ups[4]).largeCommunities).toEqual(['65536:1:1', '65536:1:2', '65536:1:3']);
    for (const u of ups) {
      expect(attrs(u).asPath).toEqual([{ type: 'AS_SEQUENCE', asns: [65536] }]);
      expect(attrs(u).nextHop).toBe('192.0.2.2');
      expect(u.guessed).toEqual({ as4: true });
      expect(u.error).toBeUndefined();
    }
    expect(allNlri(d)).toEqual(['203.0.113.16/32', '203.0.113.12/32', '203.0.113.11/32', '203.0.113.15/32', '203.0.113.13/32']);
  });

  it('bgp-4byte-asn: AS_TRANS with the 4-octet capability, AS4_PATH on 2-octet sessions, native 4-octet paths', () => {
    const d = decode('bgp-4byte-asn.pcap');
    const opens = ofType(d, 'OPEN');
    expect(opens).toHaveLength(8);
    const speaker = opens[0];
    expect([speaker.myAs, speaker.myAs2Octet, speaker.holdTime, speaker.bgpId]).toEqual([2764334674, 23456, 180, '0.0.1.1']);
    expect(capNames(speaker)).toEqual(['multiprotocol', 'route-refresh', 'graceful-restart', 'four-octet-as', 'add-path']);
    expect((speaker.capabilities as JsonObject[])[4]).toMatchObject({ families: [{ afi: 1, safi: 1, sendReceive: 'receive' }] });
    expect(opens[1]).toMatchObject({ myAs: 200, bgpId: '0.0.2.1' });
    const ups = ofType(d, 'UPDATE');
    // Session with AS 200 (no AS4 capability): 2-octet AS_PATH with AS_TRANS and an AS4_PATH.
    expect(attrs(ups[0]).asPath).toEqual([{ type: 'AS_SEQUENCE', asns: [200, 1, 23456, 23456, 23456] }]);
    expect(attrs(ups[0]).as4Path).toEqual([{ type: 'AS_SEQUENCE', asns: [1, 222222, 333333, 4294967290] }]);
    expect(ups[0].nlri).toEqual(['4.4.4.4/32', '5.5.5.5/32', '1.1.1.1/32', '2.2.2.2/32', '3.3.3.3/32']);
    // Session with AS 300 (both sent the capability): native 4-octet AS_PATH.
    expect(attrs(ups[1]).asPath).toEqual([{ type: 'AS_SEQUENCE', asns: [2764334674, 200, 1, 222222, 333333, 4294967290] }]);
    expect(ups.every((u) => u.error === undefined && u.guessed === undefined)).toBe(true);
    expect(ups.some((u) => (u.withdrawn as string[]).join() === '5.5.5.5/32,1.1.1.1/32,2.2.2.2/32,3.3.3.3/32,4.4.4.4/32')).toBe(true);
    expect(ofType(d, 'NOTIFICATION')[0]).toMatchObject({ code: 6, subcode: 6, codeName: 'Cease', subcodeName: 'Other Configuration Change' });
    expect(d.records).toHaveLength(35);
  });

  it('mpbgp-linklocal-nexthop: IPv6 MP_REACH with global and link-local next hops', () => {
    const d = decode('mpbgp-linklocal-nexthop.pcap');
    const u = ofType(d, 'UPDATE')[0];
    expect(attrs(u)).toMatchObject({ origin: 'INCOMPLETE', asPath: [{ type: 'AS_SEQUENCE', asns: [1] }], nextHop: '0.0.0.0' });
    expect(attrs(u).mpReach).toEqual({ afi: 2, safi: 1, family: 'ipv6-unicast', nextHops: ['dead:beef::1', 'fe80::1ff:fe01:0'], nlri: ['4:5::/64'] });
  });

  it('bgp-addpath: path ids guessed without an OPEN; the NEXT_HOP of length 0 is reported', () => {
    const d = decode('bgp-addpath.pcap');
    const u = ofType(d, 'UPDATE')[0];
    expect(u.guessed).toMatchObject({ addPath: expect.arrayContaining(['ipv4']) });
    const errors = (u.errors ?? [u.error]) as JsonObject[];
    expect(errors.some((e) => e.subcode === 5 && /NEXT_HOP/.test(String(e.reason)))).toBe(true);
    // Told explicitly, the same errors come without a guess.
    const told = ofType(decode('bgp-addpath.pcap', { addPath: ['ipv4', 'ipv6'] }), 'UPDATE')[0];
    expect(told.guessed).toBeUndefined();
    expect(told.error).toEqual(u.error);
  });

  it('bgp-enhanced-route-refresh-subtype: IPv6 transport, ROUTE-REFRESH request/BoRR/EoRR around UPDATEs', () => {
    const d = decode('bgp-enhanced-route-refresh-subtype.pcapng');
    const rr = ofType(d, 'ROUTE-REFRESH');
    expect(rr.map((r) => [r.family, r.subtype, r.subtypeName])).toEqual([
      ['ipv4-unicast', 0, 'request'],
      ['ipv4-unicast', 1, 'BoRR'],
      ['ipv4-unicast', 2, 'EoRR'],
    ]);
    expect(rr[0].src).toBe('2a02:abc::17');
    const ups = ofType(d, 'UPDATE');
    expect(ups[0].nlri).toEqual(['10.0.0.0/24', '192.168.3.0/24', '192.168.2.0/24', '192.168.1.0/24', '172.16.16.3/32', '172.16.16.2/32', '172.16.16.1/32']);
    expect(attrs(ups[0]).asPath).toEqual([{ type: 'AS_SEQUENCE', asns: [174, 65001] }]);
    expect(attrs(ups[1])).toMatchObject({ med: 0, nextHop: '192.168.10.123' });
    // A segment the capture missed (acknowledged by the peer) is reported, not silently skipped.
    expect(d.notes.some((n) => /gap of 153 bytes/.test(n))).toBe(true);
  });

  it('bgp-extended-optional-parameters-length: RFC 9072 OPEN in pcapng over IPv6', () => {
    const d = decode('bgp-extended-optional-parameters-length.pcapng');
    const o = ofType(d, 'OPEN')[0];
    expect(o).toMatchObject({ myAs: 174, holdTime: 180, bgpId: '6.6.6.6' });
    expect(o.error).toBeUndefined();
    expect(capNames(o)).toEqual([
      'multiprotocol',
      'multiprotocol',
      'route-refresh-cisco',
      'route-refresh',
      'enhanced-route-refresh',
      'four-octet-as',
      'extended-message',
      'add-path',
      'fqdn',
      'graceful-restart',
      'long-lived-graceful-restart',
    ]);
    const caps = o.capabilities as JsonObject[];
    expect(caps[8]).toMatchObject({ hostname: 'exit1-debian-11' });
    expect(caps[7]).toMatchObject({ families: [{ family: 'ipv4-unicast', sendReceive: 'receive' }, { family: 'ipv6-unicast', sendReceive: 'receive' }] });
  });

  it('bgp-infinite-loop: header length 19 on an UPDATE is a Bad Message Length error, decoding goes on', () => {
    const d = decode('bgp-infinite-loop.pcap');
    expect(d.records).toHaveLength(4);
    for (const r of d.records) {
      expect(r).toMatchObject({ type: 'UPDATE', length: 19, error: { code: 1, subcode: 2, name: 'Message Header Error / Bad Message Length', action: 'session-reset' } });
    }
  });

  it('shutdown communications (RFC 8203, 9003) and their malformed variants', () => {
    const d = decode('bgp-shutdown-communication.pcapng');
    const n = ofType(d, 'NOTIFICATION');
    expect(n.map((r) => [r.code, r.subcode, r.shutdownCommunication])).toEqual([
      [6, 2, 'This is a test of the shutdown communication system.'],
      [6, 4, 'This is a test of the shutdown communication system.'],
    ]);
    // The second one reuses the first one's sequence numbers: shown, flagged, not dropped.
    expect(n[1].conflicting).toBe(true);

    const long = ofType(decode('bgp-extended-shutdown-msg.pcapng'), 'NOTIFICATION')[0];
    expect(String(long.shutdownCommunication)).toHaveLength(210);
    expect(String(long.shutdownCommunication)).toMatch(/^\[TICKET-1-1438367390\] software upgrade;/);

    const v = ofType(decode('bgp-shutdown-msg-variations.pcap'), 'NOTIFICATION');
    expect(v[0]).toMatchObject({ shutdownCommunication: '0123456789', extraData: Buffer.from('ExtraData').toString('hex') });
    expect(v[1]).toMatchObject({ shutdownCommunication: '' });
    expect(v[2].invalid).toMatch(/length 64 runs past/);
  });

  it('other NOTIFICATIONs: hard reset (RFC 8538), BFD down, ROUTE-REFRESH message error', () => {
    expect(ofType(decode('bgp-cease-hard-reset.pcap'), 'NOTIFICATION')[0]).toMatchObject({
      code: 6,
      subcode: 9,
      subcodeName: 'Hard Reset',
      inner: { code: 6, subcode: 3, subcodeName: 'Peer De-configured' },
    });
    expect(ofType(decode('bgp-malformed-hard-reset.pcap'), 'NOTIFICATION')[0].invalid).toMatch(/hard reset data is 0 bytes/);
    expect(ofType(decode('bgp-bfd-cease.pcap'), 'NOTIFICATION')[0]).toMatchObject({ code: 6, subcode: 10, subcodeName: 'BFD Down' });
    expect(ofType(decode('bgp_notification_rr_msg_error.pcap'), 'NOTIFICATION')[0]).toMatchObject({
      code: 7,
      subcode: 1,
      codeName: 'ROUTE-REFRESH Message Error',
      subcodeName: 'Invalid Message Length',
    });
  });

  it('bgp-aigp (Juniper Ethernet link type): iBGP attributes, AIGP kept raw, labeled-unicast End-of-RIB', () => {
    const d = decode('bgp-aigp.pcap');
    const [u, eor] = ofType(d, 'UPDATE');
    expect(attrs(u)).toMatchObject({ origin: 'INCOMPLETE', asPath: [], med: 0, localPref: 100, communities: ['65000:11201'], originatorId: '172.16.21.4', clusterList: ['172.16.20.5'] });
    expect((attrs(u).unknown as JsonObject[])[0]).toMatchObject({ code: 26, name: 'aigp' });
    expect(attrs(u).mpReach).toMatchObject({ afi: 1, safi: 4, family: 'ipv4-labeled-unicast', unsupported: true });
    expect(eor.endOfRib).toEqual({ afi: 1, safi: 4, family: 'ipv4-labeled-unicast' });
  });

  it('bgp_vpn_attrset (PPP link type): VPNv4 kept raw, route target, ATTR_SET kept', () => {
    const u = ofType(decode('bgp_vpn_attrset.pcap'), 'UPDATE')[0];
    expect(attrs(u).extendedCommunities).toEqual(['target:300:300']);
    expect((attrs(u).unknown as JsonObject[]).map((a) => a.name)).toContain('attr-set');
    expect(attrs(u).mpReach).toMatchObject({ family: 'ipv4-mpls-vpn', unsupported: true });
  });

  it('extended communities and other capabilities: OVS, link bandwidth, EVPN/encap, role, BGPsec, multiple labels', () => {
    const ovs = ofType(decode('bgp-ovs.pcapng'), 'UPDATE');
    expect(ovs.map((u) => [u.nlri, attrs(u).extendedCommunities])).toEqual([
      [['10.0.103.145/32'], ['ovs:not-found']],
      [['10.10.10.10/32'], ['ovs:invalid']],
      [['172.18.0.0/16'], ['ovs:not-found']],
      [['192.168.10.0/24'], ['ovs:not-found']],
    ]);
    expect(attrs(ofType(decode('bgp-link-bw-extcommunity.pcapng'), 'UPDATE')[0]).extendedCommunities).toEqual(['link-bandwidth:65000:125000']);
    const encap = ofType(decode('bgp-encap.pcap'), 'UPDATE')[0];
    expect(attrs(encap).extendedCommunities).toEqual(['target:65000:101', 'encap:vxlan']);
    expect(attrs(encap).mpReach).toMatchObject({ family: 'l2vpn-evpn', unsupported: true });
    expect(capNames(ofType(decode('bgp-evpn.pcap'), 'OPEN')[0])).toContain('long-lived-graceful-restart');
    expect((ofType(decode('bgp-evpn.pcap'), 'OPEN')[0].capabilities as JsonObject[])[1]).toMatchObject({ afi: 25, safi: 70, family: 'l2vpn-evpn' });
    expect(ofType(decode('bgp-role.pcapng'), 'OPEN')[0].capabilities).toContainEqual({ code: 9, name: 'role', data: '03' });
    const bgpsec = decode('bgp-bgpsec.pcap');
    expect(capNames(ofType(bgpsec, 'OPEN')[0])).toEqual(expect.arrayContaining(['bgpsec', 'extended-message', 'enhanced-route-refresh']));
    expect(ofType(bgpsec, 'UPDATE').length).toBeGreaterThanOrEqual(20);
    const lu = decode('bgp-lu-multiple-labels.pcap');
    expect(capNames(ofType(lu, 'OPEN')[0])).toContain('multiple-labels');
    expect(ofType(lu, 'UPDATE').some((u) => (u.endOfRib as JsonObject | undefined)?.family === 'ipv4-labeled-unicast')).toBe(true);
    expect(ofType(lu, 'NOTIFICATION')[0]).toMatchObject({ code: 6, subcode: 4 });
    expect(ofType(decode('bgp-orf.pcapng'), 'ROUTE-REFRESH')).toHaveLength(2);
    const rtc = ofType(decode('bgp-rt-prefix.pcap'), 'UPDATE');
    expect(rtc.length).toBeGreaterThan(0);
    expect(attrs(rtc[0]).mpReach).toMatchObject({ afi: 1, safi: 132, family: 'ipv4-rtc', unsupported: true });
  });
});
