/**
 * Prefix and address helpers (canonical text per RFC 5952), AS path helpers (RFC 6793, RFC 4271
 * §9.1.2.2) and the pass-on rule for unknown attributes (RFC 4271 §5).
 */
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  asPathLength,
  attributesToPropagate,
  decodeMessage,
  defaultContext,
  encodeMessage,
  ipv6ToString,
  mergeAs4Path,
  normalizeAddress,
  parsePrefix,
  prefixFamily,
  propagateUnknownAttributes,
  splitAs4Path,
  tryParsePrefix,
  type UpdateMessage,
} from '../../src/wire/index.js';
import { v6Text } from './helpers.js';

describe('parsePrefix / prefixFamily', () => {
  it('parses IPv4 and IPv6 prefixes to canonical text and wire bytes', () => {
    expect(parsePrefix('10.244.3.0/26')).toEqual({
      family: 'ipv4',
      prefix: '10.244.3.0/26',
      address: '10.244.3.0',
      length: 26,
      bytes: Buffer.from([10, 244, 3, 0]),
    });
    expect(parsePrefix('FD00:10:0:0::40/122')).toMatchObject({ family: 'ipv6', prefix: 'fd00:10::40/122', length: 122 });
    expect(parsePrefix('0.0.0.0/0').bytes.length).toBe(0);
    expect(parsePrefix('::ffff:10.0.0.0/104').prefix).toBe('::ffff:a00:0/104');
  });
  it('rejects what is not a prefix, naming the value and the problem', () => {
    expect(() => parsePrefix('10.0.0.1/24')).toThrow(/"10\.0\.0\.1\/24".*host bits/);
    expect(parsePrefix('10.0.0.1/24', { clearHostBits: true }).prefix).toBe('10.0.0.0/24');
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0/8', '010.0.0.0/8', '256.0.0.0/8', '10.0.0.0/08', 'fd00::/129', 'fd00:::/64', '1:2:3:4:5:6:7:8:9/128', 'x/1', '10.0.0.0/']) {
      expect(typeof tryParsePrefix(bad), bad).toBe('string');
    }
  });
  it('prefixFamily goes by the colon', () => {
    expect(prefixFamily('10.0.0.0/8')).toBe('ipv4');
    expect(prefixFamily('fd00::/8')).toBe('ipv6');
  });
  it('IPv6 text agrees with ipaddr.js RFC 5952 output for random addresses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (b, sparse) => {
        const bytes = sparse ? b.map((x, i) => (i % 5 === 0 ? x : 0)) : b;
        const ours = ipv6ToString(bytes, 0);
        expect(ours).toBe(v6Text(bytes));
        expect(normalizeAddress(ours)).toBe(ours);
        expect(normalizeAddress((ipaddr.fromByteArray([...bytes]) as ipaddr.IPv6).toNormalizedString())).toBe(ours);
      }),
      { numRuns: 2000 },
    );
  });
  it('normalizeAddress', () => {
    expect(normalizeAddress('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeAddress('::')).toBe('::');
    expect(normalizeAddress('1.2.3.4')).toBe('1.2.3.4');
    expect(normalizeAddress('1.2.3')).toBeUndefined();
    expect(normalizeAddress('::1.2.3.4')).toBe('::102:304');
  });
});

describe('AS paths (RFC 6793, RFC 4271 §9.1.2.2)', () => {
  it('asPathLength counts an AS_SET as one and confederation segments as zero', () => {
    expect(
      asPathLength([
        { type: 2, asns: [1, 2, 3] },
        { type: 1, asns: [4, 5] },
        { type: 3, asns: [6] },
      ]),
    ).toBe(4);
  });
  it('mergeAs4Path puts the AS4_PATH behind the leading ASes of AS_PATH (§4.2.3)', () => {
    const asPath = [{ type: 2 as const, asns: [65001, 23456, 23456] }];
    expect(mergeAs4Path(asPath, [{ type: 2, asns: [4200000001, 4200000002] }])).toEqual([
      { type: 2, asns: [65001, 4200000001, 4200000002] },
    ]);
    // AS4_PATH longer than AS_PATH: ignored.
    expect(mergeAs4Path(asPath, [{ type: 2, asns: [1, 2, 3, 4] }])).toEqual(asPath);
    expect(mergeAs4Path(asPath, undefined)).toBe(asPath);
  });
  it('splitAs4Path makes AS_TRANS and AS4_PATH for an OLD speaker, and the two merge back', () => {
    const path = [{ type: 2 as const, asns: [65001, 4200000001] }];
    const split = splitAs4Path(path);
    expect(split).toEqual({ asPath: [{ type: 2, asns: [65001, 23456] }], as4Path: path });
    expect(mergeAs4Path(split.asPath, split.as4Path)).toEqual(path);
    expect(splitAs4Path([{ type: 2, asns: [65001] }]).as4Path).toBeUndefined();
  });
  it('a 2-octet session encodes large ASNs as AS_TRANS (RFC 6793 §4.2.2)', () => {
    const ctx = { ...defaultContext(), as4: false };
    const msg: UpdateMessage = { type: 'UPDATE', withdrawn: [], nlri: [], attributes: { asPath: [{ type: 2, asns: [4200000001] }] } };
    const back = decodeMessage(encodeMessage(msg, ctx), ctx).message as UpdateMessage;
    expect(back.attributes.asPath).toEqual([{ type: 2, asns: [23456] }]);
  });
  it('segments longer than 255 ASNs are split on the wire', () => {
    const asns = Array.from({ length: 300 }, (_, i) => i + 1);
    const msg: UpdateMessage = { type: 'UPDATE', withdrawn: [], nlri: [], attributes: { asPath: [{ type: 2, asns }] } };
    const back = decodeMessage(encodeMessage(msg, defaultContext()), defaultContext()).message as UpdateMessage;
    expect(back.attributes.asPath).toEqual([
      { type: 2, asns: asns.slice(0, 255) },
      { type: 2, asns: asns.slice(255) },
    ]);
  });
});

describe('unknown attributes passed on (RFC 4271 §5)', () => {
  const unknown = [
    { flags: 0xc0, code: 99, value: Buffer.from([1]) },
    { flags: 0x80, code: 100, value: Buffer.from([2]) },
    { flags: 0x40, code: 101, value: Buffer.from([3]) },
  ];
  it('optional transitive ones go on with Partial set; the others are dropped', () => {
    expect(propagateUnknownAttributes(unknown)).toEqual([{ flags: 0xe0, code: 99, value: Buffer.from([1]) }]);
    expect(propagateUnknownAttributes([unknown[1]])).toBeUndefined();
    const attrs = attributesToPropagate({ origin: 0, unknown });
    expect(attrs).toEqual({ origin: 0, unknown: [{ flags: 0xe0, code: 99, value: Buffer.from([1]) }] });
    expect(attributesToPropagate({ origin: 0, unknown: [unknown[1]] })).toEqual({ origin: 0 });
  });
  it('the Partial bit survives encoding and decoding', () => {
    const msg: UpdateMessage = { type: 'UPDATE', withdrawn: [], nlri: [], attributes: attributesToPropagate({ unknown }) };
    const back = decodeMessage(encodeMessage(msg, defaultContext()), defaultContext()).message as UpdateMessage;
    expect(back.attributes.unknown?.[0].flags).toBe(0xe0);
  });
});

describe('encoding names the bad field', () => {
  const ctx = defaultContext();
  it.each([
    [{ nextHop: '10.0.0' }, /nextHop.*10\.0\.0/],
    [{ med: -1 }, /MULTI_EXIT_DISC.*-1/],
    [{ communities: [2 ** 32] }, /communities\[0\]/],
    [{ origin: 7 }, /origin/],
    [{ mpReach: { afi: 2, safi: 1, nextHops: [], nlri: [] } }, /nextHops/],
  ])('%o', (attributes, pattern) => {
    const msg = { type: 'UPDATE', withdrawn: [], nlri: [], attributes } as unknown as UpdateMessage;
    expect(() => encodeMessage(msg, ctx)).toThrow(pattern);
  });
  it('an UPDATE above the maximum size', () => {
    const nlri = Array.from({ length: 1100 }, (_, i) => ({ prefix: `10.${i >> 8}.${i & 255}.0/24` }));
    expect(() => encodeMessage({ type: 'UPDATE', withdrawn: [], nlri, attributes: {} }, ctx)).toThrow(/exceeds the maximum message size 4096/);
  });
});
