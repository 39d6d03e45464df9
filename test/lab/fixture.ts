/**
 * Test labs: generated with the topology generator (src/topo) and written into a temporary directory,
 * then loaded back as `bgplab deploy` would.
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLab, type TopoRequest } from '../../src/topo/gen.js';
import { loadTopology } from '../../src/topo/load.js';
import type { LabTopology } from '../../src/topo/model.js';
import { writeLab } from '../../src/topo/write.js';

export function tmpLabDir(prefix: string): string {
  // Short paths: unix socket paths (runtime dir + socket name) must fit 107 bytes.
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  // FRR drops to user frr, which must be able to enter the lab directory.
  chmodSync(dir, 0o755);
  return dir;
}

/** Generate, write and load a lab; returns the loaded topology (file at `<dir>/<name>.clab.yml`). */
export function makeLab(dir: string, req: TopoRequest): LabTopology {
  const spec = generateLab(req);
  const file = join(dir, `${spec.name}.clab.yml`);
  writeLab(spec, file);
  return loadTopology(file);
}
