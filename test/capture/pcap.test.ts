import { describe, expect, it } from 'vitest';
import { decodePacket, LinkType, readCapture, isCaptureFile } from '../../src/capture/index.js';
import { ethernet, ipv4, ipv6, loopback, pcap, pcapng, ppp, sll, sll2, KEEPALIVE } from './builders.js';

const seg = { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 179, seq: 1000, payload: KEEPALIVE };

describe('pcap files', () => {
  it('reads little-endian microsecond pcap with timestamps, lengths and link type', () => {
    const file = pcap(LinkType.ETHERNET, [{ data: ethernet(ipv4(seg)), ts: 1_700_000_000.25 }, { data: ethernet(ipv4(seg)), ts: 1_700_000_001 }]);
    const cap = readCapture(file);
    expect(cap.format).toBe('pcap');
    expect(cap.warnings).toEqual([]);
    expect(cap.packets.map((p) => p.frame)).toEqual([1, 2]);
    expect(cap.packets[0].tsNs).toBe(1_700_000_000_250_000_000n);
    expect(cap.packets[0].linkType).toBe(1);
    expect(cap.packets[0].origLen).toBe(cap.packets[0].data.length);
  });

  it('reads big-endian nanosecond pcap', () => {
    const file = pcap(LinkType.RAW, [{ data: ipv4(seg), ts: 1_600_000_000.000000123 }], { bigEndian: true, nanos: true });
    const cap = readCapture(file);
    expect(cap.packets).toHaveLength(1);
    expect(cap.packets[0].linkType).toBe(101);
    // float rounding of the builder: within a microsecond
    expect(Number(cap.packets[0].tsNs! - 1_600_000_000_000_000_000n)).toBeLessThan(1000);
  });

  it('keeps the packets before a truncated record and warns', () => {
    const file = pcap(LinkType.RAW, [{ data: ipv4(seg) }, { data: ipv4(seg) }]);
    const cap = readCapture(file.subarray(0, file.length - 10));
    expect(cap.packets).toHaveLength(1);
    expect(cap.warnings[0]).toMatch(/record 2 claims/);
  });

  it('rejects what is not a capture, by its magic', () => {
    expect(isCaptureFile(Buffer.from('hello world'))).toBe(false);
    expect(() => readCapture(Buffer.from('hello world'))).toThrow(/not a pcap or pcapng file/);
  });
});

describe('pcapng files', () => {
  it('reads EPBs with nanosecond if_tsresol, little endian', () => {
    const file = pcapng(LinkType.ETHERNET, [{ data: ethernet(ipv4(seg)), ts: 1_650_000_000.5 }], { tsresol: 9 });
    const cap = readCapture(file);
    expect(cap.format).toBe('pcapng');
    expect(cap.warnings).toEqual([]);
    expect(cap.packets[0].tsNs).toBe(1_650_000_000_500_000_000n);
  });

  it('reads big-endian sections with the default microsecond resolution', () => {
    const file = pcapng(LinkType.LINUX_SLL, [{ data: sll(ipv4(seg)), ts: 1_650_000_000.000001 }], { bigEndian: true });
    const cap = readCapture(file);
    expect(cap.packets).toHaveLength(1);
    expect(cap.packets[0].tsNs).toBe(1_650_000_000_000_001_000n);
    expect(cap.packets[0].linkType).toBe(113);
  });

  it('reads Simple Packet Blocks (no timestamp) and several sections of different byte order', () => {
    const a = pcapng(LinkType.RAW, [{ data: ipv4(seg), simple: true }]);
    const b = pcapng(LinkType.ETHERNET, [{ data: ethernet(ipv4(seg)) }], { bigEndian: true });
    const cap = readCapture(Buffer.concat([a, b]));
    expect(cap.packets.map((p) => [p.frame, p.linkType, p.tsNs === undefined])).toEqual([
      [1, 101, true],
      [2, 1, false],
    ]);
    expect(decodePacket(cap.packets[0].linkType, cap.packets[0].data, cap.packets[0].origLen)).toHaveProperty('segment');
  });

  it('stops with a warning at a block whose length is impossible', () => {
    const file = pcapng(LinkType.RAW, [{ data: ipv4(seg) }, { data: ipv4(seg) }]);
    const broken = Buffer.from(file);
    // Second EPB's length field: SHB (28) + IDB (20) + first EPB.
    const firstEpb = broken.readUInt32LE(28 + 20 + 4);
    broken.writeUInt32LE(0xfffffff0, 28 + 20 + firstEpb + 4);
    const cap = readCapture(broken);
    expect(cap.packets).toHaveLength(1);
    expect(cap.warnings[0]).toMatch(/bad length/);
  });
});

describe('link layers down to TCP', () => {
  const v4 = ipv4(seg);
  const v6 = ipv6({ ...seg, src: 'fd00::1', dst: 'fd00::2' });
  const cases: Array<[string, number, Buffer, string]> = [
    ['Ethernet', LinkType.ETHERNET, ethernet(v4), '10.0.0.1'],
    ['Ethernet + 802.1Q', LinkType.ETHERNET, ethernet(v4, 1), '10.0.0.1'],
    ['Ethernet + QinQ, IPv6', LinkType.ETHERNET, ethernet(v6, 2), 'fd00::1'],
    ['Linux SLL', LinkType.LINUX_SLL, sll(v4), '10.0.0.1'],
    ['Linux SLL2, IPv6', LinkType.LINUX_SLL2, sll2(v6), 'fd00::1'],
    ['raw IP (101)', LinkType.RAW, v6, 'fd00::1'],
    ['raw IP (12)', LinkType.RAW_OPENBSD, v4, '10.0.0.1'],
    ['raw IP (14)', LinkType.RAW_BSDOS, v4, '10.0.0.1'],
    ['NULL (host order)', LinkType.NULL, loopback(v4, false), '10.0.0.1'],
    ['LOOP (network order), IPv6', LinkType.LOOP, loopback(v6, true), 'fd00::1'],
    ['PPP', LinkType.PPP, ppp(v4), '10.0.0.1'],
    ['Cisco HDLC', LinkType.C_HDLC, Buffer.concat([Buffer.from('0f000800', 'hex'), v4]), '10.0.0.1'],
    // Cisco HDLC carrying MPLS (two labels, bottom of stack on the second), then IPv4.
    ['Cisco HDLC + MPLS', LinkType.C_HDLC, Buffer.concat([Buffer.from('0f008847' + '00019040' + '00190140', 'hex'), v4]), '10.0.0.1'],
  ];
  for (const [name, linkType, frame, src] of cases) {
    it(`decodes ${name}`, () => {
      const r = decodePacket(linkType, frame, frame.length);
      expect(r).toHaveProperty('segment');
      if (!('segment' in r)) return;
      expect(r.segment.src).toBe(src);
      expect(r.segment.dstPort).toBe(179);
      expect(r.segment.seq).toBe(1000);
      expect(r.segment.payload.equals(KEEPALIVE)).toBe(true);
    });
  }

  it('steps over IPv6 hop-by-hop and destination-options headers', () => {
    const frame = ipv6({ ...seg, src: 'fd00::1', dst: 'fd00::2' }, true);
    const r = decodePacket(LinkType.RAW, frame, frame.length);
    expect('segment' in r && r.segment.payload.equals(KEEPALIVE)).toBe(true);
  });

  it('reports a snap-length cut as missing payload bytes', () => {
    const frame = ethernet(v4);
    const r = decodePacket(LinkType.ETHERNET, frame.subarray(0, frame.length - 5), frame.length);
    expect('segment' in r && [r.segment.payload.length, r.segment.payloadLength]).toEqual([14, 19]);
  });

  it('marks a first IPv4 fragment as continuing', () => {
    const frame = ipv4(seg, { moreFragments: true });
    const r = decodePacket(LinkType.RAW, frame, frame.length);
    expect('segment' in r && r.segment.tailUnknown).toBe(true);
  });

  it('skips what is not TCP over IP, and never throws on truncated or random frames', () => {
    expect(decodePacket(LinkType.ETHERNET, Buffer.from('ffffffffffff0200000000010806', 'hex'), 14)).toEqual({ skip: 'EtherType 0x0806 is not IP' });
    expect(decodePacket(999, v4, v4.length)).toHaveProperty('skip');
    const full = ethernet(ipv6({ ...seg, src: 'fd00::1', dst: 'fd00::2' }, true));
    for (let n = 0; n < full.length; n++) {
      expect(() => decodePacket(LinkType.ETHERNET, full.subarray(0, n), full.length)).not.toThrow();
    }
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(60 + (i % 40));
      for (let k = 0; k < b.length; k++) b[k] = (x = (x * 1103515245 + 12345) & 0x7fffffff) & 0xff;
      for (const lt of [0, 1, 9, 12, 101, 104, 108, 113, 178, 276]) expect(() => decodePacket(lt, b, b.length)).not.toThrow();
    }
  });
});
