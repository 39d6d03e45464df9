import { describe, expect, it } from 'vitest';
import { collisionWinner, resolveCollision } from '../../src/fsm/index.js';

describe('connection collision (RFC 4271 §6.8)', () => {
  it('keeps the connection initiated by the higher BGP identifier, compared as unsigned integers', () => {
    expect(collisionWinner({ localId: '10.0.0.2', remoteId: '10.0.0.1' })).toBe('local');
    expect(collisionWinner({ localId: '10.0.0.1', remoteId: '10.0.0.2' })).toBe('remote');
    // 200.0.0.1 > 9.255.255.255 as numbers even though "2" < "9" as text.
    expect(collisionWinner({ localId: '200.0.0.1', remoteId: '9.255.255.255' })).toBe('local');
    // High bit set: unsigned comparison.
    expect(collisionWinner({ localId: '128.0.0.0', remoteId: '127.255.255.255' })).toBe('local');
  });

  it('breaks a tie of identifiers on the larger AS (RFC 6286 §2.3), else cannot tell', () => {
    expect(collisionWinner({ localId: '10.0.0.1', remoteId: '10.0.0.1', localAs: 65002, remoteAs: 65001 })).toBe('local');
    expect(collisionWinner({ localId: '10.0.0.1', remoteId: '10.0.0.1', localAs: 65001, remoteAs: 65002 })).toBe('remote');
    expect(collisionWinner({ localId: '10.0.0.1', remoteId: '10.0.0.1', localAs: 65001, remoteAs: 65001 })).toBeUndefined();
  });

  // Both sides of one collision: each sees the other's OPEN arrive on the connection the other initiated.
  it.each([
    ['local id higher', '10.0.0.9', '10.0.0.1', 'local'],
    ['local id lower', '10.0.0.1', '10.0.0.9', 'remote'],
  ] as const)('%s: both speakers keep the same connection', (_n, idA, idB, survivorInitiatedByA) => {
    // Speaker A: existing = its own dial (OpenConfirm), incoming = B's dial.
    const a = resolveCollision({ initiator: 'local', state: 'OpenConfirm' }, { initiator: 'remote', state: 'OpenSent' }, { localId: idA, remoteId: idB });
    // Speaker B: existing = its own dial, incoming = A's dial.
    const b = resolveCollision({ initiator: 'local', state: 'OpenConfirm' }, { initiator: 'remote', state: 'OpenSent' }, { localId: idB, remoteId: idA });
    const aKeepsOwnDial = a === 'existing';
    const bKeepsADial = b === 'incoming';
    expect(aKeepsOwnDial).toBe(survivorInitiatedByA === 'local');
    expect(bKeepsADial).toBe(aKeepsOwnDial);
  });

  it('an Established connection wins unless CollisionDetectEstablishedState', () => {
    const ids = { localId: '10.0.0.1', remoteId: '10.0.0.9' };
    expect(resolveCollision({ initiator: 'local', state: 'Established' }, { initiator: 'remote', state: 'OpenSent' }, ids)).toBe('existing');
    expect(
      resolveCollision({ initiator: 'local', state: 'Established' }, { initiator: 'remote', state: 'OpenSent' }, ids, { collisionDetectEstablishedState: true }),
    ).toBe('incoming');
  });

  it('two connections from the same initiator: keep the one whose OPEN arrived', () => {
    const ids = { localId: '10.0.0.9', remoteId: '10.0.0.1' };
    expect(resolveCollision({ initiator: 'remote', state: 'OpenConfirm' }, { initiator: 'remote', state: 'OpenSent' }, ids)).toBe('incoming');
  });

  it('keeps the existing connection when nothing tells them apart', () => {
    const ids = { localId: '10.0.0.1', remoteId: '10.0.0.1', localAs: 1, remoteAs: 1 };
    expect(resolveCollision({ initiator: 'local', state: 'OpenConfirm' }, { initiator: 'remote', state: 'OpenSent' }, ids)).toBe('existing');
  });

  // RFC 4271 §6.8: "the local system MUST examine all of its connections that are in the OpenConfirm
  // state"; OpenSent ones only if the peer's BGP Identifier is known "by means outside of the protocol".
  it.each(['Idle', 'Connect', 'Active', 'OpenSent'] as const)('an existing connection in %s is not a collision yet: both proceed', (state) => {
    for (const [localId, remoteId] of [
      ['10.0.0.9', '10.0.0.1'],
      ['10.0.0.1', '10.0.0.9'],
    ]) {
      for (const initiator of ['local', 'remote'] as const) {
        expect(resolveCollision({ initiator, state }, { initiator: initiator === 'local' ? 'remote' : 'local', state: 'OpenSent' }, { localId, remoteId })).toBe('none');
        expect(
          resolveCollision({ initiator, state }, { initiator: 'remote', state: 'OpenSent' }, { localId, remoteId }, { collisionDetectEstablishedState: true }),
        ).toBe('none');
      }
    }
  });
});
