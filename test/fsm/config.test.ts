import { describe, expect, it } from 'vitest';
import { createSession, resolveSessionConfig, sessionConfigFromSpeaker } from '../../src/fsm/index.js';
import type { SpeakerConfig } from '../../src/speaker/config-types.js';

describe('session configuration', () => {
  it('maps a speaker config file and one peer to a session, peer timers over speaker timers', () => {
    const speaker: SpeakerConfig = {
      routerId: '10.0.0.1',
      asn: 64512,
      timers: { hold: 9, keepalive: 3, connectRetry: 2 },
      peers: [{ address: 'fd00::2', asn: 64512, passive: true, timers: { hold: 30 }, families: ['ipv6'] }],
    };
    const cfg = sessionConfigFromSpeaker(speaker, speaker.peers[0]);
    expect(cfg).toEqual({
      asn: 64512,
      routerId: '10.0.0.1',
      peerAs: 64512,
      peerAddress: 'fd00::2',
      passive: true,
      holdTime: 30,
      keepaliveTime: 3,
      connectRetryMs: 2000,
      families: ['ipv6'],
    });
    const s = createSession(cfg);
    expect(s.localOpen.holdTime).toBe(30);
    expect(s.config).toMatchObject({ connectRetryMs: 2000, passive: true, families: ['ipv6'] });
  });

  it('fills in the defaults of issue 3: hold 90, keepalive 30, connectRetry 30 s, back-off from 100 ms', () => {
    expect(resolveSessionConfig({ asn: 1, routerId: '1.1.1.1', peerAs: 2 })).toMatchObject({
      holdTime: 90,
      keepaliveTime: 30,
      connectRetryMs: 30_000,
      backoffInitialMs: 100,
      openHoldTimeMs: 240_000,
      families: ['ipv4', 'ipv6'],
      passive: false,
      allowAutomaticStart: true,
      sendNotificationWithoutOpen: true,
      collisionDetectEstablishedState: false,
    });
  });

  it.each([
    [{ peerAs: 0 }, /peerAs 0/],
    [{ keepaliveTime: 90 }, /keepaliveTime 90/],
    [{ keepaliveTime: 0 }, /keepaliveTime 0/],
    [{ connectRetryMs: 0 }, /connectRetryMs 0/],
    [{ backoffInitialMs: -1 }, /backoffInitialMs -1/],
    [{ delayOpenMs: Number.NaN }, /delayOpenMs NaN/],
    [{ holdTime: 1 }, /holdTime 1/],
    [{ routerId: '1.2.3' }, /routerId "1.2.3"/],
  ])('refuses %j naming the field and value', (over, message) => {
    expect(() => createSession({ asn: 1, routerId: '1.1.1.1', peerAs: 2, ...over })).toThrow(message);
  });
});
