/**
 * Properties of the capture pipeline (fast-check): reassembly restores any stream from any
 * order of its segments with duplicates, and mutated captures or random bytes never make the
 * pipeline throw.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBgpBytes, decodeBgpCapture, TcpReassembler, type TcpSegment } from '../../src/capture/index.js';
import { resultToJson, jsonToText } from '../../src/wire/json.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tcpdump');

/** A stream cut into segments, and an order to send them in (random keys), with optional duplicates. */
const scenario = (withDuplicates: boolean) =>
  fc
    .record({
      bytes: fc.uint8Array({ minLength: 1, maxLength: 600, size: 'max' }),
      sizes: fc.array(fc.noBias(fc.integer({ min: 1, max: 120 })), { minLength: 1, maxLength: 40 }),
      isn: fc.integer({ min: 0, max: 0xffffffff }),
    })
    .chain(({ bytes, sizes, isn }) => {
      const stream = Buffer.from(bytes);
      const segs: TcpSegment[] = [];
      for (let off = 0, i = 0; off < stream.length; i++) {
        const n = Math.min(sizes[i % sizes.length], stream.length - off);
        const payload = stream.subarray(off, off + n);
        segs.push({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 179, seq: (isn + 1 + off) >>> 0, ack: 0, flags: 0x18, payload, payloadLength: n });
        off += n;
      }
      const n = segs.length;
      return fc.tuple(
        fc.constant({ stream, segs, isn }),
        fc.array(fc.noBias(fc.nat()), { minLength: 2 * n, maxLength: 2 * n }),
        fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((d) => (withDuplicates ? d : d.map(() => false))),
      );
    });

function reassembleInOrder(isn: number, segs: TcpSegment[], keys: number[], dup: boolean[]): { data: Buffer; odd: number } {
  const entries = segs.map((s, i) => ({ s, k: keys[i] }));
  segs.forEach((s, i) => {
    if (dup[i]) entries.push({ s, k: keys[segs.length + i] });
  });
  entries.sort((a, b) => a.k - b.k);
  const r = new TcpReassembler();
  const syn: TcpSegment = { ...segs[0], seq: isn >>> 0, flags: 0x02, payload: Buffer.alloc(0), payloadLength: 0 };
  const events = [syn, ...entries.map((e) => e.s)].flatMap((s, i) => r.push(s, i + 1, undefined)).concat(r.finish());
  return {
    data: Buffer.concat(events.flatMap((e) => (e.kind === 'data' ? [e.data] : []))),
    odd: events.filter((e) => e.kind === 'gap' || e.kind === 'conflict').length,
  };
}

describe('reassembly property', () => {
  for (const withDuplicates of [false, true]) {
    it(`any order of the segments${withDuplicates ? ', with retransmissions,' : ''} gives back the stream exactly`, () => {
      fc.assert(
        fc.property(scenario(withDuplicates), ([{ stream, segs, isn }, keys, dup]) => {
          const { data, odd } = reassembleInOrder(isn, segs, keys, dup);
          expect(data.equals(stream)).toBe(true);
          expect(odd).toBe(0);
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe('robustness', () => {
  const seeds = ['bgp-4byte-asn.pcap', 'bgp-enhanced-route-refresh-subtype.pcapng', 'bgp-aigp.pcap', 'bgp_vpn_attrset.pcap', 'bgp-role.pcapng'].map((f) =>
    readFileSync(join(FIXTURES, f)),
  );

  it('mutated captures never throw and render', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 30 }),
        fc.option(fc.nat(), { nil: undefined }),
        (which, edits, cut) => {
          const file = Buffer.from(seeds[which]);
          // Keep the first 4 bytes (the magic): anything else may change.
          for (const [pos, value] of edits) file[4 + (pos % (file.length - 4))] = value;
          const input = cut === undefined ? file : file.subarray(0, 4 + (cut % (file.length - 4)));
          for (const item of decodeBgpCapture(input)) {
            if (item.kind === 'message') jsonToText(resultToJson(item.result, item.bytes));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('random bytes as hex input never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300, size: 'max' }), fc.boolean(), (bytes, marker) => {
        const input = marker ? Buffer.concat([Buffer.alloc(16, 0xff), Buffer.from(bytes)]) : Buffer.from(bytes);
        for (const item of decodeBgpBytes(input)) {
          if (item.kind === 'message') jsonToText(resultToJson(item.result, item.bytes));
        }
      }),
      { numRuns: 500 },
    );
  });
});
