/**
 * Connection collision detection (RFC 4271 §6.8), pure. When two connections link the same pair of
 * speakers, both sides must keep the same one: the connection initiated by the speaker with the higher
 * BGP Identifier (compared as unsigned 32-bit integers in host order). RFC 6286 §2.3 settles equal
 * identifiers (possible between ASes): the connection initiated by the speaker with the larger AS wins.
 */
import { ipv4ToUint32 } from './open.js';
import type { FsmStateName } from './types.js';

export interface CollisionConnection {
  /** Who opened the TCP connection. */
  initiator: 'local' | 'remote';
  state: FsmStateName;
}

export interface CollisionIdentities {
  localId: string;
  remoteId: string;
  localAs?: number;
  remoteAs?: number;
}

/**
 * Whose connection survives a collision: 'local' = the one we initiated, 'remote' = the one the peer
 * initiated, undefined = cannot tell (identical identifiers and ASes, which validateOpen already refuses
 * for an internal peer).
 */
export function collisionWinner(ids: CollisionIdentities): 'local' | 'remote' | undefined {
  const local = ipv4ToUint32(ids.localId);
  const remote = ipv4ToUint32(ids.remoteId);
  if (local !== undefined && remote !== undefined && local !== remote) return local > remote ? 'local' : 'remote';
  if (ids.localAs !== undefined && ids.remoteAs !== undefined && ids.localAs !== ids.remoteAs) {
    return ids.localAs > ids.remoteAs ? 'local' : 'remote';
  }
  return undefined;
}

export interface CollisionOptions {
  /** RFC 4271 §8.1.1 CollisionDetectEstablishedState: also resolve against an Established connection. */
  collisionDetectEstablishedState?: boolean;
}

/**
 * Which of two colliding connections to keep: `existing` (the one already further along) or `incoming`
 * (the one whose OPEN just arrived).
 * - An Established existing connection wins unless CollisionDetectEstablishedState (RFC 4271 §6.8).
 * - Otherwise the connection initiated by the higher BGP Identifier wins (§6.8; equal ids: larger AS).
 * - Two connections with the same initiator cannot be told apart by §6.8: keep the newer one, since a
 *   speaker dials one connection at a time, so its newer connection is the one it is still using.
 * - If nothing distinguishes them, keep the existing one.
 */
export function resolveCollision(
  existing: CollisionConnection,
  incoming: CollisionConnection,
  ids: CollisionIdentities,
  options: CollisionOptions = {},
): 'existing' | 'incoming' {
  if (existing.state === 'Established' && !options.collisionDetectEstablishedState) return 'existing';
  if (existing.initiator === incoming.initiator) return 'incoming';
  const winner = collisionWinner(ids);
  if (winner === undefined) return 'existing';
  return existing.initiator === winner ? 'existing' : 'incoming';
}
