/**
 * The labs checked in under topologies/: each loads, has the expected shape, and is exactly what the
 * generator produces today (regenerate with scripts/gen-topologies.sh when this fails).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandLine } from '../../src/topo/clab.js';
import { generateLab, type TopoRequest } from '../../src/topo/gen.js';
import { loadTopology } from '../../src/topo/load.js';
import { renderLabFiles } from '../../src/topo/write.js';

const DIR = join(import.meta.dirname, '../../topologies');

/** Mirrors scripts/gen-topologies.sh. */
const CHECKED_IN: Array<{ file: string; req: TopoRequest; sessions: number; impls?: Record<string, string> }> = [
  { file: 'mesh-10.clab.yml', req: { name: 'mesh-10', mode: 'mesh', nodes: 10 }, sessions: 45 },
  { file: 'mesh-50.clab.yml', req: { name: 'mesh-50', mode: 'mesh', nodes: 50 }, sessions: 1225 },
  { file: 'rr2-20.clab.yml', req: { name: 'rr2-20', mode: 'rr', nodes: 20, rr: 2 }, sessions: 37 },
  { file: 'rr2-50.clab.yml', req: { name: 'rr2-50', mode: 'rr', nodes: 50, rr: 2 }, sessions: 97 },
  { file: 'rr2-100.clab.yml', req: { name: 'rr2-100', mode: 'rr', nodes: 100, rr: 2 }, sessions: 197 },
  { file: 'rr3-200.clab.yml', req: { name: 'rr3-200', mode: 'rr', nodes: 200, rr: 3 }, sessions: 594 },
  {
    file: 'calico-bird-rr-20.clab.yml',
    req: { name: 'calico-bird-rr-20', mode: 'rr', nodes: 20, rr: 2, rrImpl: 'bird', clientImpl: 'bgplab', profile: 'calico' },
    sessions: 37,
    impls: { rr1: 'bird', rr2: 'bird', node1: 'bgplab' },
  },
];

describe('checked-in topologies', () => {
  it('the directory holds exactly these labs', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.clab.yml')).sort();
    expect(files).toEqual(CHECKED_IN.map((c) => c.file).sort());
  });

  for (const c of CHECKED_IN) {
    it(`${c.file}: loads, ${c.sessions} sessions, and matches the generator`, () => {
      const file = join(DIR, c.file);
      const lab = loadTopology(file);
      expect(lab.name).toBe(c.req.name);
      expect(lab.nodes).toHaveLength(c.req.nodes);
      expect(lab.expectedSessions).toBe(c.sessions);
      expect(lab.reflectors).toHaveLength(c.req.mode === 'rr' ? (c.req.rr ?? 2) : 0);
      for (const [node, impl] of Object.entries(c.impls ?? {})) expect(lab.nodes.find((n) => n.name === node)?.impl).toBe(impl);

      // Byte-for-byte what `bgplab topo gen` writes today.
      const want = renderLabFiles(generateLab(c.req), { command: commandLine(c.req, c.file) });
      expect(readFileSync(file, 'utf8')).toBe(want.topology);
      const stale: string[] = [];
      for (const [rel, text] of want.nodeFiles) if (readFileSync(join(DIR, rel), 'utf8') !== text) stale.push(rel);
      expect(stale, 'regenerate with scripts/gen-topologies.sh').toEqual([]);
      const onDisk = lab.nodes.flatMap((n) => readdirSync(n.paths.configDir).map((f) => `${c.req.name}/${n.name}/${f}`));
      expect(onDisk.sort()).toEqual([...want.nodeFiles.keys()].sort());
    });
  }
});
