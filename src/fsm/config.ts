/**
 * From the speaker configuration file (src/speaker/config-types.ts, seconds) to one session's
 * SessionConfig (milliseconds, RFC 4271 attribute names). Peer timers override the speaker's.
 */
import type { SpeakerConfig, SpeakerPeerConfig } from '../speaker/config-types.js';
import type { SessionConfig } from './types.js';

export function sessionConfigFromSpeaker(
  speaker: SpeakerConfig,
  peer: SpeakerPeerConfig,
  extra: Partial<SessionConfig> = {},
): SessionConfig {
  const timers = { ...speaker.timers, ...peer.timers };
  const config: SessionConfig = {
    asn: speaker.asn,
    routerId: speaker.routerId,
    peerAs: peer.asn,
    peerAddress: peer.address,
    passive: !!peer.passive,
  };
  if (timers.hold !== undefined) config.holdTime = timers.hold;
  if (timers.keepalive !== undefined) config.keepaliveTime = timers.keepalive;
  if (timers.connectRetry !== undefined) config.connectRetryMs = timers.connectRetry * 1000;
  if (peer.families !== undefined) config.families = [...peer.families];
  return { ...config, ...extra };
}
