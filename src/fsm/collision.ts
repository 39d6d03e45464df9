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
 * What §6.8 says about two connections to the same peer once an OPEN arrives on `incoming`:
 * 'existing' or 'incoming' = keep that one and close the other (Cease 6/7); 'none' = not a collision
 * yet, both proceed.
 * - "Upon receipt of an OPEN message, the local system MUST examine all of its connections that are in
 *   the OpenConfirm state." Only an existing connection in OpenConfirm is compared. One in OpenSent
 *   (or earlier) is not: §6.8 allows that only "if it knows the BGP Identifier of the peer by means
 *   outside of the protocol", which we do not. Closing it anyway refuses a working connection whenever
 *   our own is stuck (a handshake the peer has not seen yet): 'none'.
 * - An Established existing connection wins unless CollisionDetectEstablishedState (§6.8, §8.1.1).
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
): 'existing' | 'incoming' | 'none' {
  if (existing.state === 'Established') {
    if (!options.collisionDetectEstablishedState) return 'existing';
  } else if (existing.state !== 'OpenConfirm') {
    return 'none';
  }
  if (existing.initiator === incoming.initiator) return 'incoming';
  const winner = collisionWinner(ids);
  if (winner === undefined) return 'existing';
  return existing.initiator === winner ? 'existing' : 'incoming';
}
