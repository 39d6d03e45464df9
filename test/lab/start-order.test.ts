/**
 * Daemon start order of a netns deploy: route reflectors first (started and listening before the
 * clients), so that they do not start last, starved of CPU by the clients, and peer with each other
 * before the clients arrive (RRPAIR: rr1-rr2 was the last session up in rr2-100).
 */
import { describe, expect, it } from 'vitest';
import { startOrder } from '../../src/lab/netns-runtime.js';
import type { LabNode } from '../../src/topo/model.js';

const node = (name: string, role: LabNode['role']) => ({ name, role }) as LabNode;

describe('startOrder', () => {
  it('reflectors first, then the clients, each in file order', () => {
    const nodes = [node('node1', 'client'), node('rr1', 'rr'), node('node2', 'client'), node('rr2', 'rr')];
    const { first, rest } = startOrder({ nodes });
    expect(first.map((n) => n.name)).toEqual(['rr1', 'rr2']);
    expect(rest.map((n) => n.name)).toEqual(['node1', 'node2']);
  });

  it('a full mesh has no reflectors: every node starts together', () => {
    const nodes = [node('node1', 'mesh'), node('node2', 'mesh')];
    expect(startOrder({ nodes })).toEqual({ first: [], rest: nodes });
  });
});
