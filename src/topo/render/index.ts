/**
 * One renderer per implementation (bgplab JSON, BIRD as Calico renders it, FRR, GoBGP) plus the
 * per-node start script and neighbour pins. `renderNodeFiles` gives every file of a node by name; pure.
 */
import type { LabSpec, SpecNode } from '../gen.js';
import { MAIN_CONFIG } from '../gen.js';
import { renderBgplab } from './bgplab.js';
import { renderBird } from './bird.js';
import { renderFrr } from './frr.js';
import { renderGobgp } from './gobgp.js';
import { renderNeighBatch, renderStart } from './start.js';

export { renderBgplab, bgplabConfig } from './bgplab.js';
export { renderBird } from './bird.js';
export { renderFrr } from './frr.js';
export { renderGobgp, gobgpOriginateArgs } from './gobgp.js';
export { renderStart, renderNeighBatch } from './start.js';

export function renderMainConfig(lab: LabSpec, node: SpecNode): string {
  switch (node.impl) {
    case 'bgplab':
      return renderBgplab(lab, node);
    case 'bird':
      return renderBird(lab, node);
    case 'frr':
      return renderFrr(lab, node);
    case 'gobgp':
      return renderGobgp(lab, node);
  }
}

/** Every file of a node, keyed by file name (the names in node.configFiles). */
export function renderNodeFiles(lab: LabSpec, node: SpecNode, byName: Map<string, SpecNode>): Map<string, string> {
  return new Map([
    [MAIN_CONFIG[node.impl], renderMainConfig(lab, node)],
    ['start.sh', renderStart(lab, node)],
    ['neigh.batch', renderNeighBatch(lab, node, byName)],
  ]);
}
