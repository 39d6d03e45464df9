import { describe, expect, it } from 'vitest';
import { BgpFramer, TcpReassembler, type StreamEvent, type TcpSegment } from '../../src/capture/index.js';
import { ACK, FIN, KEEPALIVE, PSH, RST, SYN, update } from './builders.js';

function segment(seq: number, payload: Buffer | string, flags = ACK | PSH, extra: Partial<TcpSegment> = {}): TcpSegment {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 179, seq: seq >>> 0, ack: 0, flags, payload: p, payloadLength: p.length, ...extra };
}

function reverse(ack: number, flags = ACK): TcpSegment {
  return { src: '10.0.0.2', dst: '10.0.0.1', srcPort: 179, dstPort: 40000, seq: 5000, ack: ack >>> 0, flags, payload: Buffer.alloc(0), payloadLength: 0 };
}

function run(segs: TcpSegment[], r = new TcpReassembler()): StreamEvent[] {
  const out: StreamEvent[] = [];
  segs.forEach((s, i) => out.push(...r.push(s, i + 1, BigInt(i + 1))));
  out.push(...r.finish());
  return out;
}

const text = (events: StreamEvent[]) =>
  events
    .filter((e) => e.kind === 'data')
    .map((e) => (e.kind === 'data' ? e.data.toString() : ''))
    .join('');

describe('TCP reassembly', () => {
  it('delivers in-order data after the SYN, from offset 0', () => {
    const ev = run([segment(99, '', SYN), segment(100, 'hello '), segment(106, 'world')]);
    expect(ev[0]).toMatchObject({ kind: 'start', midstream: false });
    expect(text(ev)).toBe('hello world');
    expect(ev.filter((e) => e.kind === 'gap')).toEqual([]);
  });

  it('reorders out-of-order segments and keeps each byte once', () => {
    const ev = run([segment(0, '', SYN), segment(5, 'C'), segment(4, 'B'), segment(1, 'AAA'), segment(6, 'D')]);
    expect(text(ev)).toBe('AAABCD');
    expect(ev.filter((e) => e.kind === 'gap')).toEqual([]);
    // 'B' and 'C' come out once the hole fills, with the frame that filled it (frame 4).
    const data = ev.filter((e) => e.kind === 'data');
    expect(data.map((e) => e.frame)).toEqual([4, 4, 4, 5]);
  });

  it('drops retransmissions, including partial overlaps, and keeps the new tail', () => {
    const ev = run([segment(0, '', SYN), segment(1, 'abcd'), segment(1, 'abcd'), segment(3, 'cdef'), segment(7, 'g')]);
    expect(text(ev)).toBe('abcdefg');
    expect(ev.some((e) => e.kind === 'conflict')).toBe(false);
  });

  it('reports a retransmission whose bytes differ as a conflict', () => {
    const ev = run([segment(1, 'first'), segment(1, 'other')]);
    expect(text(ev)).toBe('first');
    const conflict = ev.find((e) => e.kind === 'conflict');
    expect(conflict).toMatchObject({ kind: 'conflict', offset: 0, frame: 2 });
    expect(conflict?.kind === 'conflict' && conflict.data.toString()).toBe('other');
  });

  it('a capture starting mid-stream begins at the first segment seen', () => {
    const ev = run([segment(123456, 'xyz')]);
    expect(ev[0]).toMatchObject({ kind: 'start', midstream: true });
    expect(text(ev)).toBe('xyz');
  });

  it('follows the sequence space across the 2^32 wrap', () => {
    const ev = run([segment(0xfffffffd, 'ab'), segment(1, 'de'), segment(0xffffffff, 'c')]);
    expect(text(ev)).toBe('abcde');
  });

  it('turns a snap-length cut into a gap of the right size', () => {
    const cut = segment(1, 'abc', ACK, { payloadLength: 10 });
    const ev = run([segment(0, '', SYN), cut, segment(11, 'next')]);
    const gap = ev.find((e) => e.kind === 'gap');
    expect(gap).toMatchObject({ kind: 'gap', bytes: 7, offset: 3 });
    expect(text(ev)).toBe('abcnext');
  });

  it('declares a gap when the peer acknowledges bytes never captured', () => {
    const ev = run([segment(0, '', SYN), segment(1, 'abc'), segment(10, 'later'), reverse(15)]);
    const gap = ev.find((e) => e.kind === 'gap');
    expect(gap).toMatchObject({ kind: 'gap', bytes: 6, offset: 3, frame: 4 });
    expect(text(ev)).toBe('abclater');
    // 'later' is delivered right after the gap, not at the end of the capture
    const kinds = ev.map((e) => e.kind);
    expect(kinds.indexOf('gap')).toBeLessThan(kinds.lastIndexOf('data'));
    expect(kinds[kinds.length - 1]).toBe('end');
  });

  it('flushes held segments after a gap at the end of the capture', () => {
    const ev = run([segment(0, '', SYN), segment(1, 'ab'), segment(6, 'fg')]);
    expect(ev.find((e) => e.kind === 'gap')).toMatchObject({ bytes: 3, offset: 2 });
    expect(text(ev)).toBe('abfg');
    expect(ev[ev.length - 1]).toMatchObject({ kind: 'end', reason: 'end of capture' });
  });

  it('bounds what it holds: a hole older than the pending limit becomes a gap', () => {
    const r = new TcpReassembler({ maxPendingBytes: 10 });
    const ev = run([segment(0, '', SYN), segment(5, 'xxxxxx'), segment(11, 'yyyyyy')], r);
    expect(ev.find((e) => e.kind === 'gap')).toMatchObject({ bytes: 4, offset: 0, frame: 3 });
    expect(text(ev)).toBe('xxxxxxyyyyyy');
  });

  it('treats a far sequence jump as a gap of unknown size, not a reordering', () => {
    const ev = run([segment(1, 'ab'), segment(1 + 100_000_000, 'cd')]);
    expect(ev.find((e) => e.kind === 'gap')).toMatchObject({ bytes: undefined });
    expect(text(ev)).toBe('abcd');
  });

  it('ends a direction at FIN and RST, and starts anew on a SYN with a new ISN', () => {
    const ev = run([segment(0, '', SYN), segment(1, 'a', ACK | FIN), segment(900, '', SYN), segment(901, 'b'), segment(902, '', RST)]);
    const summary = ev.map((e) => (e.kind === 'end' ? `end:${e.reason}` : e.kind === 'start' ? 'start' : e.kind === 'data' ? `data:${e.data}` : e.kind));
    expect(summary).toEqual(['start', 'data:a', 'end:fin', 'start', 'data:b', 'end:rst']);
  });
});

describe('BGP framing over a stream', () => {
  const meta = (frame: number) => ({ frame, tsNs: BigInt(frame) });
  const u = update([10, 244, 3, 0]);

  it('frames messages split across chunks, with the frame of their last byte', () => {
    const f = new BgpFramer();
    const bytes = Buffer.concat([KEEPALIVE, u]);
    const out = [...f.push(bytes.subarray(0, 10), meta(1)), ...f.push(bytes.subarray(10, 30), meta(2)), ...f.push(bytes.subarray(30), meta(3))];
    expect(out.map((i) => [i.kind, i.offset, i.meta.frame])).toEqual([
      ['message', 0, 2],
      ['message', 19, 3],
    ]);
    expect(f.end(meta(3), true)).toEqual([]);
  });

  it('reports a bad marker as 1/1 and resynchronises on the next message', () => {
    const f = new BgpFramer();
    const out = [...f.push(Buffer.concat([Buffer.from('00112233445566778899aabbccddeeff0013', 'hex'), Buffer.from([4]), KEEPALIVE]), meta(1))];
    expect(out.map((i) => i.kind)).toEqual(['error', 'skipped', 'message']);
    expect(out[0].kind === 'error' && [out[0].error.code, out[0].error.subcode]).toEqual([1, 1]);
    expect(out[1]).toMatchObject({ kind: 'skipped', bytes: 19, offset: 0 });
    expect(out[2]).toMatchObject({ offset: 19 });
  });

  it('reports a header length below 19 as 1/2 with the length as data', () => {
    const f = new BgpFramer();
    const bad = Buffer.from('ffffffffffffffffffffffffffffffff000504', 'hex');
    const out = f.push(Buffer.concat([bad, KEEPALIVE]), meta(1));
    expect(out[0].kind === 'error' && [out[0].error.code, out[0].error.subcode, out[0].error.data.toString('hex')]).toEqual([1, 2, '0005']);
    expect(out[out.length - 1]).toMatchObject({ kind: 'message', offset: 19 });
  });

  it('in resync mode skips leading garbage and partial messages quietly (as a note)', () => {
    const f = new BgpFramer({ resync: true });
    const out = f.push(Buffer.concat([u.subarray(30), Buffer.from([0xff, 0xff]), KEEPALIVE]), meta(1));
    expect(out.map((i) => i.kind)).toEqual(['skipped', 'message']);
    expect(out[0]).toMatchObject({ bytes: u.length - 30 + 2 });
  });

  it('keeps a possible marker split across chunks while resynchronising', () => {
    const f = new BgpFramer({ resync: true });
    const a = f.push(Buffer.concat([Buffer.from('0102', 'hex'), KEEPALIVE.subarray(0, 10)]), meta(1));
    const b = f.push(KEEPALIVE.subarray(10), meta(2));
    expect([...a, ...b].map((i) => i.kind)).toEqual(['skipped', 'message']);
  });

  it('after a gap drops the incomplete message and finds the next one', () => {
    const f = new BgpFramer();
    const first = f.push(u.subarray(0, 25), meta(1));
    const gap = f.gap(meta(2));
    const after = f.push(Buffer.concat([u.subarray(40), KEEPALIVE]), meta(3));
    expect(first).toEqual([]);
    expect(gap).toMatchObject([{ kind: 'skipped', bytes: 25, offset: 0 }]);
    expect(after.map((i) => i.kind)).toEqual(['skipped', 'message']);
  });

  it('at the end, a truncated message is an error in strict mode and a note otherwise', () => {
    const strict = new BgpFramer();
    strict.push(u.subarray(0, 30), meta(1));
    const s = strict.end(meta(1), true);
    expect(s[0].kind === 'error' && s[0].error.reason).toMatch(/30 bytes into a 48-byte message/);
    const lax = new BgpFramer();
    lax.push(u.subarray(0, 30), meta(1));
    expect(lax.end(meta(1), false)).toMatchObject([{ kind: 'skipped', bytes: 30 }]);
  });
});
