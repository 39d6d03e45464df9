import { describe, expect, it } from 'vitest';
import { decodeBgpBytes, decodeBgpCapture, LinkType, type DecodeItem, type DecodedRecord } from '../../src/capture/index.js';
import { ACK, KEEPALIVE, OPEN, PSH, SYN, ethernet, ipv4, ipv6, pcap, pcapng, sll, update } from './builders.js';

const messages = (items: DecodeItem[]) => items.filter((i): i is DecodedRecord => i.kind === 'message');
const notes = (items: DecodeItem[]) => items.filter((i) => i.kind === 'note').map((i) => i.text);

describe('decodeBgpCapture', () => {
  const stream = Buffer.concat([OPEN, KEEPALIVE, update([10, 244, 1, 0]), update([10, 244, 2, 0])]);
  const a = { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 179 };

  it('reassembles out-of-order and retransmitted segments into the right messages, with frames and times', () => {
    const cut = [0, 30, 50, 90, stream.length];
    const piece = (i: number) => stream.subarray(cut[i], cut[i + 1]);
    const seg = (i: number) => ethernet(ipv4({ ...a, seq: 1001 + cut[i], flags: ACK | PSH, payload: piece(i) }));
    const frames = [
      { data: ethernet(ipv4({ ...a, seq: 1000, flags: SYN })), ts: 100 },
      { data: seg(0), ts: 101 },
      { data: seg(2), ts: 102 }, // out of order
      { data: seg(1), ts: 103 }, // fills the hole
      { data: seg(1), ts: 104 }, // retransmission
      { data: seg(3), ts: 105 },
    ];
    const items = [...decodeBgpCapture(pcap(LinkType.ETHERNET, frames))];
    const msgs = messages(items);
    expect(msgs.map((m) => m.result.message?.type)).toEqual(['OPEN', 'KEEPALIVE', 'UPDATE', 'UPDATE']);
    expect(msgs.every((m) => m.result.errors.length === 0)).toBe(true);
    // OPEN and KEEPALIVE become complete when frame 4 fills the hole; the UPDATEs end in frame 6.
    expect(msgs.map((m) => m.capture?.frame)).toEqual([4, 4, 6, 6]);
    expect(msgs[0].capture?.tsNs).toBe(103_000_000_000n);
    expect(msgs[0].capture?.src).toEqual({ address: '10.0.0.1', port: 40000 });
    const u = msgs[3].result.message;
    expect(u?.type === 'UPDATE' && u.nlri.map((n) => n.prefix)).toEqual(['10.244.2.0/26']);
    expect(notes(items)).toEqual([]);
  });

  it('takes the session context from the OPENs: 4-octet AS only when both sides send it', () => {
    const open2 = Buffer.from(OPEN);
    // Peer OPEN without capabilities (opt param length 0), AS 65002.
    const bare = Buffer.concat([Buffer.from('ffffffffffffffffffffffffffffffff001d01', 'hex'), Buffer.from('04fdea005a0a00000200', 'hex')]);
    // A 2-octet AS_PATH [65001] UPDATE: as2 session.
    const u2 = Buffer.from('ffffffffffffffffffffffffffffffff002e02' + '0000' + '0012' + '40010100' + '400204020 1fde9'.replace(/ /g, '') + '4003040a000001' + '1a0af40100', 'hex');
    const b = { src: '10.0.0.2', dst: '10.0.0.1', srcPort: 179, dstPort: 40000 };
    const frames = [
      { data: sll(ipv4({ ...a, seq: 1, payload: open2 })) },
      { data: sll(ipv4({ ...b, seq: 1, payload: bare })) },
      { data: sll(ipv4({ ...a, seq: 1 + open2.length, payload: u2 })) },
    ];
    const msgs = messages([...decodeBgpCapture(pcapng(LinkType.LINUX_SLL, frames))]);
    expect(msgs).toHaveLength(3);
    const u = msgs[2].result.message;
    expect(msgs[2].result.errors).toEqual([]);
    expect(u?.type === 'UPDATE' && u.attributes.asPath).toEqual([{ type: 2, asns: [65001] }]);
    expect(msgs[2].guessed).toBeUndefined();
  });

  it('without OPENs, guesses 4-octet AS for an UPDATE that only decodes that way, and says so', () => {
    const frames = [{ data: ethernet(ipv6({ src: 'fd00::1', dst: 'fd00::2', srcPort: 179, dstPort: 50000, seq: 77, payload: update([10, 244, 3, 0], 4_200_000_000) })) }];
    const msgs = messages([...decodeBgpCapture(pcap(LinkType.ETHERNET, frames))]);
    expect(msgs[0].guessed).toEqual({ as4: true });
    expect(msgs[0].result.errors).toEqual([]);
    const u = msgs[0].result.message;
    expect(u?.type === 'UPDATE' && u.attributes.asPath?.[0].asns).toEqual([4_200_000_000]);
    // With the context forced, no guess is made.
    const forced = messages([...decodeBgpCapture(pcap(LinkType.ETHERNET, frames), { as4: false })]);
    expect(forced[0].guessed).toBeUndefined();
    expect(forced[0].result.errors.length).toBeGreaterThan(0);
  });

  it('filters on port 179 unless told otherwise', () => {
    const frames = [{ data: ethernet(ipv4({ ...a, dstPort: 1179, seq: 5, payload: KEEPALIVE })) }];
    const file = pcap(LinkType.ETHERNET, frames);
    const none = [...decodeBgpCapture(file)];
    expect(messages(none)).toEqual([]);
    expect(notes(none)[0]).toMatch(/no TCP segments on port 179 among 1 frames/);
    expect(messages([...decodeBgpCapture(file, { ports: [1179] })])).toHaveLength(1);
  });

  it('reports a gap and resynchronises on the next marker', () => {
    const body = Buffer.concat([update([10, 244, 1, 0]), update([10, 244, 2, 0]), KEEPALIVE]);
    const frames = [
      { data: ethernet(ipv4({ ...a, seq: 1000, flags: SYN })) },
      { data: ethernet(ipv4({ ...a, seq: 1001, payload: body.subarray(0, 20) })) },
      // bytes 20..59 never captured
      { data: ethernet(ipv4({ ...a, seq: 1061, payload: body.subarray(60) })) },
    ];
    const items = [...decodeBgpCapture(pcap(LinkType.ETHERNET, frames))];
    expect(messages(items).map((m) => m.result.message?.type)).toEqual(['KEEPALIVE']);
    const n = notes(items);
    expect(n.some((t) => /gap of 40 bytes at stream byte 20/.test(t))).toBe(true);
    expect(n.some((t) => /skipped/.test(t))).toBe(true);
  });
});

describe('decodeBgpBytes', () => {
  it('decodes concatenated messages and reports trailing bytes as a truncated message', () => {
    const input = Buffer.concat([KEEPALIVE, OPEN, KEEPALIVE.subarray(0, 10)]);
    const msgs = messages([...decodeBgpBytes(input)]);
    expect(msgs.map((m) => [m.offset, m.result.message?.type ?? 'error'])).toEqual([
      [0, 'KEEPALIVE'],
      [19, 'OPEN'],
      [56, 'error'],
    ]);
    expect(msgs[2].result.errors[0]).toMatchObject({ code: 1, subcode: 2 });
  });

  it('decodes ADD-PATH NLRI when told, and guesses it otherwise', () => {
    // UPDATE: ORIGIN IGP, empty AS_PATH, NEXT_HOP 10.0.0.1; NLRI path id 7 + 10.0.0.0/8.
    const attrs = '40010100' + '400200' + '4003040a000001';
    const nlri = '00000007' + '080a';
    const body = '0000' + (attrs.length / 2).toString(16).padStart(4, '0') + attrs + nlri;
    const len = 19 + body.length / 2;
    const buf = Buffer.from('ff'.repeat(16) + len.toString(16).padStart(4, '0') + '02' + body, 'hex');
    const told = messages([...decodeBgpBytes(buf, { addPath: ['ipv4'] })])[0];
    expect(told.result.errors).toEqual([]);
    const m = told.result.message;
    expect(m?.type === 'UPDATE' && m.nlri).toEqual([{ prefix: '10.0.0.0/8', pathId: 7 }]);
    const guessed = messages([...decodeBgpBytes(buf)])[0];
    expect(guessed.guessed?.addPath).toContain('ipv4');
  });
});
