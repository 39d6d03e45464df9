/** Test helper: write a generated topology into a temporary directory (never under /work/shared). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLab, type TopoRequest } from '../../src/topo/gen.js';
import { writeLab } from '../../src/topo/write.js';

export function writeTopology(dir: string, req: TopoRequest): string {
  const file = join(dir, `${req.name}.clab.yml`);
  writeLab(generateLab({ profile: 'fast', ...req }), file);
  return file;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
