/**
 * The allocation-light prefix text paths (src/wire/prefix.ts, src/wire/nlri.ts) against ipaddr.js,
 * an implementation independent of ours: bytes -> canonical text (RFC 5952 for IPv6, dotted quad
 * for IPv4) on decode, and text -> wire bytes on encode, for many random prefixes weighted towards
 * zero groups (where "::" placement and ties are decided), plus rejection of bad strings.
 */
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { decodeIPv4Prefixes, decodeIPv6Prefixes, writeNlri } from '../../src/wire/nlri.js';
import { parseIPv4Into, parseIPv6Into, writeNlriPrefix } from '../../src/wire/prefix.js';
import {
  ipv4PrefixToString,
  ipv4ToString,
  ipv6PrefixToString,
  ipv6ToString,
  parsePrefix,
  tryParsePrefix,
  type Nlri,
} from '../../src/wire/index.js';
import { v6Text } from './helpers.js';

const RUNS = 3000;

/** One 16-bit group, biased to zero and to every digit count (1..4 hex digits). */
const group = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 0xf }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10, max: 0xff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x100, max: 0xfff }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x1000, max: 0xffff }) },
);
const v6Bytes = fc.array(group, { minLength: 8, maxLength: 8 }).map((gs) => {
  const b = new Uint8Array(16);
  gs.forEach((g, i) => {
    b[2 * i] = g >> 8;
    b[2 * i + 1] = g & 0xff;
  });
  return b;
});
const v4Bytes = fc.uint8Array({ minLength: 4, maxLength: 4 });

/** Clears the host bits beyond `len` (RFC 4271 §4.3: they are not carried). */
function masked(raw: Uint8Array, len: number): Uint8Array {
  return raw.map((x, i) => {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    return keep === 0 ? 0 : x & ((0xff << (8 - keep)) & 0xff);
  });
}

/** NLRI wire form: length byte then ceil(len/8) bytes, host bits as given (the decoder clears them). */
function wire(raw: Uint8Array, len: number): Buffer {
  return Buffer.from([len, ...raw.subarray(0, (len + 7) >> 3)]);
}

const v4Ref = (b: ArrayLike<number>): string => ipaddr.fromByteArray(Array.from(b)).toString();

describe('bytes -> text agrees with ipaddr.js', () => {
  it('IPv6 addresses (RFC 5952 §4: lower case, no leading zeros, longest/first zero run as ::)', () => {
    fc.assert(
      fc.property(v6Bytes, (b) => {
        expect(ipv6ToString(b, 0)).toBe(v6Text(b));
      }),
      { numRuns: RUNS },
    );
  });
  it('IPv6 prefixes decoded from NLRI bytes, host bits cleared', () => {
    fc.assert(
      fc.property(v6Bytes, fc.integer({ min: 0, max: 128 }), (raw, len) => {
        const out: Nlri[] = [];
        const buf = wire(raw, len);
        expect(decodeIPv6Prefixes(buf, 0, buf.length, false, out)).toBeUndefined();
        const want = `${v6Text(masked(raw, len))}/${len}`;
        expect(out).toEqual([{ prefix: want }]);
        expect(ipv6PrefixToString(masked(raw, len), 0, len)).toBe(want);
      }),
      { numRuns: RUNS },
    );
  });
  it('IPv4 addresses and prefixes', () => {
    fc.assert(
      fc.property(v4Bytes, fc.integer({ min: 0, max: 32 }), (raw, len) => {
        expect(ipv4ToString(raw, 0)).toBe(v4Ref(raw));
        const out: Nlri[] = [];
        const buf = wire(raw, len);
        expect(decodeIPv4Prefixes(buf, 0, buf.length, false, out)).toBeUndefined();
        const want = `${v4Ref(masked(raw, len))}/${len}`;
        expect(out).toEqual([{ prefix: want }]);
        expect(ipv4PrefixToString(masked(raw, len), 0, len)).toBe(want);
      }),
      { numRuns: RUNS },
    );
  });
  it('a list of prefixes decodes to independent strings (the scratch buffer is copied out)', () => {
    const buf = Buffer.from([64, 0xfd, 0, 0, 0x10, 0, 1, 0, 0, 48, 0xfd, 0, 0, 0x10, 0, 2, 24, 10, 1, 2]);
    const v6: Nlri[] = [];
    expect(decodeIPv6Prefixes(buf, 0, 16, false, v6)).toBeUndefined();
    expect(v6.map((n) => n.prefix)).toEqual(['fd00:10:1::/64', 'fd00:10:2::/48']);
    const v4: Nlri[] = [];
    expect(decodeIPv4Prefixes(buf, 16, buf.length, true, v4)?.reason).toMatch(/ADD-PATH/);
    expect(decodeIPv4Prefixes(buf, 16, buf.length, false, v4)).toBeUndefined();
    expect(v4).toEqual([{ prefix: '10.1.2.0/24' }]);
  });
  it('edge texts', () => {
    const b = (...g: number[]) => {
      const out = new Uint8Array(16);
      g.forEach((x, i) => {
        out[2 * i] = x >> 8;
        out[2 * i + 1] = x & 0xff;
      });
      return out;
    };
    expect(ipv6PrefixToString(b(), 0, 0)).toBe('::/0');
    expect(ipv6ToString(b(0, 0, 0, 0, 0, 0, 0, 1), 0)).toBe('::1');
    expect(ipv6ToString(b(1), 0)).toBe('1::');
    expect(ipv6ToString(b(1, 0, 1, 0, 1, 0, 1, 0), 0)).toBe('1:0:1:0:1:0:1:0'); // one zero group: not compressed (§4.2.2)
    expect(ipv6ToString(b(1, 0, 0, 1, 0, 0, 1, 1), 0)).toBe('1::1:0:0:1:1'); // tie: first run (§4.2.3)
    expect(ipv6ToString(b(1, 0, 0, 1, 0, 0, 0, 1), 0)).toBe('1:0:0:1::1'); // longest run wins
    expect(ipv6PrefixToString(b(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff), 0, 128)).toBe(
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128',
    );
    expect(ipv4PrefixToString(Uint8Array.from([255, 255, 255, 255]), 0, 32)).toBe('255.255.255.255/32');
    expect(ipv4PrefixToString(Uint8Array.from([0, 0, 0, 0]), 0, 0)).toBe('0.0.0.0/0');
  });
});

describe('text -> bytes agrees with ipaddr.js', () => {
  /** Every spelling ipaddr.js makes of one address: RFC 5952, uncompressed, zero-padded, upper case. */
  const spellings = (b: Uint8Array): string[] => {
    const a = ipaddr.fromByteArray(Array.from(b)) as ipaddr.IPv6;
    const fixed = a.toNormalizedString().split(':').map((g) => g.padStart(4, '0')).join(':');
    return [a.toRFC5952String(), a.toNormalizedString(), fixed, fixed.toUpperCase(), a.toRFC5952String().toUpperCase()];
  };
  it('IPv6: every spelling parses to the same 16 bytes, and to the same NLRI bytes', () => {
    fc.assert(
      fc.property(v6Bytes, fc.integer({ min: 0, max: 128 }), (raw, len) => {
        const want = wire(masked(raw, len), len);
        for (const text of spellings(raw)) {
          const out = new Uint8Array(20).fill(0xee);
          expect(parseIPv6Into(text, 0, text.length, out, 2), text).toBe(true);
          expect([...out.subarray(2, 18)]).toEqual([...raw]);
          const nlri = Buffer.alloc(17);
          const end = writeNlriPrefix(nlri, 0, `${text}/${len}`, 'ipv6');
          expect(nlri.subarray(0, end)).toEqual(want);
        }
        // parsePrefix gives the canonical text back
        const canonical = `${v6Text(masked(raw, len))}/${len}`;
        expect(parsePrefix(`${spellings(raw)[2]}/${len}`, { clearHostBits: true }).prefix).toBe(canonical);
      }),
      { numRuns: RUNS },
    );
  });
  it('IPv4: dotted quads parse to the same NLRI bytes', () => {
    fc.assert(
      fc.property(v4Bytes, fc.integer({ min: 0, max: 32 }), (raw, len) => {
        const nlri = Buffer.alloc(17);
        const end = writeNlriPrefix(nlri, 0, `${v4Ref(raw)}/${len}`, 'ipv4');
        expect(nlri.subarray(0, end)).toEqual(wire(masked(raw, len), len));
      }),
      { numRuns: RUNS },
    );
  });
  it('random strings over the address alphabet: whatever we accept, ipaddr.js reads the same way', () => {
    const ch = fc.constantFrom(...'0123456789abcdefABCDEF:::::..'.split(''));
    fc.assert(
      fc.property(fc.array(ch, { minLength: 0, maxLength: 45 }), (chars) => {
        const text = chars.join('');
        const out = new Uint8Array(16);
        if (parseIPv6Into(text, 0, text.length, out, 0)) {
          expect(ipaddr.IPv6.isValid(text), text).toBe(true);
          expect([...out]).toEqual(ipaddr.IPv6.parse(text).toByteArray());
        }
        if (parseIPv4Into(text, 0, text.length, out, 0)) {
          expect(ipaddr.IPv4.isValidFourPartDecimal(text), text).toBe(true);
          expect([...out.subarray(0, 4)]).toEqual(ipaddr.IPv4.parse(text).toByteArray());
        }
      }),
      { numRuns: RUNS * 3 },
    );
  });
  it('embedded IPv4 tails (RFC 4291 §2.2 form 3)', () => {
    const out = new Uint8Array(16);
    expect(parseIPv6Into('::ffff:10.1.2.3', 0, 15, out, 0)).toBe(true);
    expect(ipv6ToString(out, 0)).toBe('::ffff:a01:203');
    expect(parseIPv6Into('1:2:3:4:5:6:10.1.2.3', 0, 20, out, 0)).toBe(true);
    expect(ipv6ToString(out, 0)).toBe('1:2:3:4:5:6:a01:203');
    for (const bad of ['1:2:3:4:5:6:7:10.1.2.3', '1:2:3:4:5:6::10.1.2.3x', '::10.1.2', '::10.1.2.3.4', '::010.1.2.3', '10.1.2.3::']) {
      expect(parseIPv6Into(bad, 0, bad.length, out, 0), bad).toBe(false);
    }
  });
});

describe('bad prefix strings are rejected, naming the value and the reason', () => {
  const bad6 = [
    'fd00::/129', 'fd00::/', 'fd00::', 'fd00::/08', 'fd00::/1280', 'fd00::/-1', 'fd00::/6x', 'fd00:::/64',
    ':fd00::/64', 'fd00:/64', 'fd00::1::/64', '1:2:3:4:5:6:7:8:9/128', '1:2:3:4:5:6:7/64', '12345::/16',
    'fd0g::/16', '1:2:3:4:5:6:7:8::/128', '::/ 0', ' ::/0', '/64', '10.0.0.0/8', '',
  ];
  const bad4 = ['10.0.0.0/33', '10.0.0/8', '010.0.0.0/8', '256.0.0.0/8', '10.0.0.0/08', '10.0.0.0/', '10.0.0.0', '1.2.3.4.5/32', '10..0.0/8', 'fd00::/8', '10.0.0.0/8 '];
  const write = (text: string, family: 'ipv4' | 'ipv6') => () => writeNlri(Buffer.alloc(32), 0, { prefix: text }, family, false);
  it.each(bad6)('ipv6 %j', (text) => {
    expect(writeNlriPrefix(Buffer.alloc(32), 0, text, 'ipv6')).toBe(-1);
    expect(write(text, 'ipv6')).toThrow(RangeError);
    expect(write(text, 'ipv6')).toThrow(`invalid ipv6 prefix "${text}": `);
  });
  it.each(bad4)('ipv4 %j', (text) => {
    expect(writeNlriPrefix(Buffer.alloc(32), 0, text, 'ipv4')).toBe(-1);
    expect(write(text, 'ipv4')).toThrow(`invalid ipv4 prefix "${text}": `);
  });
  it('the reason says what is wrong', () => {
    expect(write('fd00::/129', 'ipv6')).toThrow(/length 129 exceeds 128/);
    expect(write('fd00::/08', 'ipv6')).toThrow(/bad length "08"/);
    expect(write('fd0g::/16', 'ipv6')).toThrow(/bad IPv6 address "fd0g::"/);
    expect(write('10.0.0.0/8', 'ipv6')).toThrow(/not an IPv6 prefix/);
    expect(write('10.0.0/8', 'ipv4')).toThrow(/bad IPv4 address "10.0.0"/);
    expect(() => writeNlri(Buffer.alloc(32), 0, { prefix: 42 } as unknown as Nlri, 'ipv4', false)).toThrow(/not a string/);
    expect(tryParsePrefix('fd00::/1280')).toBe('bad length "1280"');
  });
  it('host bits are cleared on the wire (they cannot be carried)', () => {
    const b = Buffer.alloc(17);
    expect(b.subarray(0, writeNlriPrefix(b, 0, 'fd00::ffff/112', 'ipv6'))).toEqual(Buffer.from([112, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(b.subarray(0, writeNlriPrefix(b, 0, '10.1.2.3/23', 'ipv4'))).toEqual(Buffer.from([23, 10, 1, 2]));
  });
});
