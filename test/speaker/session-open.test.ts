/**
 * The OPEN a session sends is encoded once per distinct content and shared: the bytes are exactly what
 * encoding that OPEN gives, equal OPENs built apart (a mesh speaker's peers) share one buffer, and any
 * difference in content gives its own bytes.
 */
import { describe, expect, it } from 'vitest';
import { buildOpen, type LocalOpenConfig } from '../../src/fsm/index.js';
import { encodedOpen } from '../../src/speaker/session.js';
import { decodeMessage, defaultContext, encodeMessage } from '../../src/wire/index.js';

/** A fresh configuration (new arrays each time, as each session builds its own). */
const cfg = (holdTime: number): LocalOpenConfig => ({
  asn: 64512,
  routerId: '10.0.0.7',
  holdTime,
  families: ['ipv4', 'ipv6'],
  gracefulRestart: { restartTime: 120, families: [{ family: 'ipv4', forwardingPreserved: false }] },
});

describe('encodedOpen', () => {
  it('gives the bytes encoding gives, one buffer for equal OPENs built apart', () => {
    const a = buildOpen(cfg(9));
    const b = buildOpen(cfg(9));
    expect(a).not.toBe(b);
    const bytes = encodedOpen(a);
    expect(bytes).toEqual(encodeMessage(a, defaultContext()));
    expect(encodedOpen(b)).toBe(bytes);
  });

  it('encodes a different OPEN apart, and stays right once its bound clears it', () => {
    const nine = encodedOpen(buildOpen(cfg(9)));
    const ninety = encodedOpen(buildOpen(cfg(90)));
    expect(ninety).not.toEqual(nine);
    const decoded = decodeMessage(ninety, defaultContext());
    expect(decoded.message?.type).toBe('OPEN');
    expect((decoded.message as { holdTime: number }).holdTime).toBe(90);
    for (let h = 100; h < 200; h++) encodedOpen(buildOpen(cfg(h)));
    expect(encodedOpen(buildOpen(cfg(9)))).toEqual(nine);
  });
});
