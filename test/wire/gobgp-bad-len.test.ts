/**
 * GoBGP's fuzzer corpus of messages with bad lengths (test/fixtures/gobgp-bad-len, Apache-2.0).
 * Every one must be rejected (session reset, no message): with the marker check, as Connection
 * Not Synchronized (RFC 4271 §6.1); with it bypassed, by the length error inside.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MessageReader, decodeMessage, defaultContext } from '../../src/wire/index.js';
import { FIXTURES } from './helpers.js';

const DIR = join(FIXTURES, 'gobgp-bad-len');
const files = readdirSync(DIR).filter((f) => /^[0-9a-f]{40}$/.test(f)).sort();

/**
 * With the marker check bypassed: [code, subcode, offset] of the session-reset error.
 * OPEN: Optional Parameters Length disagrees with the message length (RFC 4271 §4.2; 2/0 as
 * FRR and BIRD send). UPDATE: MP_UNREACH_NLRI overruns the attributes, so its NLRI cannot be
 * located (RFC 7606 §4 with §7.12: Attribute Length Error, session reset); or the attribute
 * overrun is treat-as-withdraw (§4) but the NLRI field then holds a prefix longer than 32 bits
 * (§5.3, Invalid Network Field, session reset).
 */
const EXPECTED: Record<string, [number, number, number]> = {
  '000852858287eb2ece5cd12aabef453f87b77adb': [2, 0, 28],
  '0b229debaa2fc1e8b997c9894ad3184cce8c7bb4': [2, 0, 28],
  '1d1fb484828b4f23af3ff0ab71b67682d5876fd6': [2, 0, 28],
  '147a924d9a4a4d9960f8bb49e3ec782ee93f82a7': [3, 5, 23],
  '3dce7e046d709b142092e15b78e9ad20ee5144fa': [3, 5, 23],
  '66e6aab4f34c9c5783c18f90b2d987e5dad241e0': [3, 5, 23],
  'a8ecedce17e2e28a466cf9fb3bfaf2d8554fef42': [3, 5, 23],
  'b7ed0646a97127bf424da480a53a84a0cb9c9565': [3, 5, 23],
  '4d4dc736bc89bf41363774d282b8a7641c3e7a98': [3, 10, 26],
  '27f19d6959e9cbecfcd09b28c3aec493a4b6f18d': [3, 10, 26],
  '3765bb2392d48ca8edaf0b5e39209eb2d1b87c53': [3, 10, 26],
};

describe('GoBGP bad-len corpus', () => {
  it('has all 11 messages', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const name of files) {
    it(`${name.slice(0, 8)}: rejected`, () => {
      const bytes = readFileSync(join(DIR, name));
      const strict = decodeMessage(bytes, defaultContext());
      expect(strict.message).toBeUndefined();
      expect(strict.errors).toHaveLength(1);
      expect(strict.errors[0]).toMatchObject({ code: 1, subcode: 1, action: 'session-reset' });
      expect(strict.length).toBeGreaterThan(0);

      const reader = new MessageReader();
      reader.push(bytes);
      expect(reader.next()).toBeUndefined();
      expect(reader.error).toMatchObject({ code: 1, subcode: 1 });

      const loose = decodeMessage(bytes, defaultContext(), 0, { checkMarker: false });
      expect(loose.message).toBeUndefined();
      const reset = loose.errors.filter((e) => e.action === 'session-reset');
      expect(reset).toHaveLength(1);
      const [code, subcode, offset] = EXPECTED[name];
      expect({ code: reset[0].code, subcode: reset[0].subcode, offset: reset[0].offset }).toEqual({ code, subcode, offset });
      expect(reset[0].reason).toMatch(/length|overruns/);
      // Framing: the header length was plausible, so decoding could go on after it.
      expect(loose.length).toBe(bytes.readUInt16BE(16));
    });
  }
});
