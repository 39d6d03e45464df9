/**
 * From bytes to FSM events: eventFromDecode on hand-made decode results (the mapping) and on frames
 * decoded by the real codec (src/wire), including our own OPEN.
 */
import { describe, expect, it } from 'vitest';
import { buildOpen, createSession, eventFromDecode, step } from '../../src/fsm/index.js';
import { decodeMessage, defaultContext, encodeMessage, KEEPALIVE_BYTES } from '../../src/wire/index.js';
import type { DecodeError, DecodeResult } from '../../src/wire/types.js';
import { LOCAL } from './harness.js';

const derr = (code: number, subcode: number, action: DecodeError['action']): DecodeError => ({
  code,
  subcode,
  data: Buffer.from([1]),
  action,
  offset: 19,
  reason: `decode ${code}/${subcode}`,
});

describe('eventFromDecode', () => {
  it('maps messages to RFC 4271 §8.1.5 events', () => {
    const ok = (message: DecodeResult['message']): DecodeResult => ({ message, errors: [], length: 19 });
    expect(eventFromDecode('c', ok({ type: 'KEEPALIVE' }))).toEqual({ type: 'KeepAliveMsg', conn: 'c' });
    const n = { type: 'NOTIFICATION' as const, code: 2, subcode: 1, data: Buffer.from([0, 4]) };
    expect(eventFromDecode('c', ok(n))).toEqual({ type: 'NotifMsgVerErr', conn: 'c', notification: n });
    const cease = { ...n, code: 6, subcode: 2 };
    expect(eventFromDecode('c', ok(cease))).toEqual({ type: 'NotifMsg', conn: 'c', notification: cease });
    const rr = { type: 'ROUTE-REFRESH' as const, afi: 1, safi: 1, subtype: 0 };
    expect(eventFromDecode('c', ok(rr))).toEqual({ type: 'RouteRefreshMsg', conn: 'c', message: rr });
    expect(eventFromDecode('c', { errors: [], length: 0 })).toBeUndefined();
  });

  it('maps session-reset errors by code; RFC 7606 soft errors ride on the UpdateMsg', () => {
    expect(eventFromDecode('c', { errors: [derr(1, 2, 'session-reset')], length: 19 })).toMatchObject({ type: 'BGPHeaderErr', error: { code: 1, subcode: 2 } });
    expect(eventFromDecode('c', { errors: [derr(2, 4, 'session-reset')], length: 30 })).toMatchObject({ type: 'BGPOpenMsgErr', error: { code: 2, subcode: 4 } });
    expect(eventFromDecode('c', { errors: [derr(3, 1, 'session-reset')], length: 30 })).toMatchObject({ type: 'UpdateMsgErr', error: { code: 3, subcode: 1 } });
    expect(eventFromDecode('c', { errors: [derr(7, 1, 'session-reset')], length: 30 })).toMatchObject({ type: 'UpdateMsgErr', error: { code: 7, subcode: 1 } });
    const update = { type: 'UPDATE' as const, withdrawn: [], attributes: {}, nlri: [{ prefix: '10.0.0.0/8' }] };
    const soft = derr(3, 11, 'treat-as-withdraw');
    expect(eventFromDecode('c', { message: update, errors: [soft], length: 40 })).toEqual({ type: 'UpdateMsg', conn: 'c', update, errors: [soft] });
    // A fatal error wins over a decoded message.
    expect(eventFromDecode('c', { message: update, errors: [soft, derr(3, 1, 'session-reset')], length: 40 })).toMatchObject({ type: 'UpdateMsgErr' });
  });

  it('our OPEN, through the real codec, is accepted by a session of the peer', () => {
    // A speaker with a 4-octet AS: My AS is AS_TRANS on the wire.
    const ours = buildOpen({ asn: 4200000001, routerId: '10.0.0.2' });
    const frame = encodeMessage(ours, defaultContext());
    const ev = eventFromDecode('in-1', decodeMessage(frame, defaultContext()));
    expect(ev).toEqual({ type: 'BGPOpen', conn: 'in-1', open: ours });
    let s = createSession({ ...LOCAL, peerAs: 4200000001 }, { seed: 1 });
    s = step(s, { type: 'ManualStart' }, 0).state;
    s = step(s, { type: 'TcpConnectionConfirmed', conn: 'in-1' }, 1).state;
    const r = step(s, ev!, 2);
    expect(r.state.state).toBe('OpenConfirm');
    expect(r.state.negotiated).toMatchObject({ session: 'ebgp', as4: true, extendedMessage: true, families: ['ipv4', 'ipv6'] });
  });

  it('a KEEPALIVE frame and a frame with a broken marker, through the real codec', () => {
    expect(eventFromDecode('x', decodeMessage(KEEPALIVE_BYTES, defaultContext()))).toEqual({ type: 'KeepAliveMsg', conn: 'x' });
    const bad = Buffer.from(KEEPALIVE_BYTES);
    bad[3] = 0;
    expect(eventFromDecode('x', decodeMessage(bad, defaultContext()))).toMatchObject({ type: 'BGPHeaderErr', error: { code: 1, subcode: 1 } });
  });
});
