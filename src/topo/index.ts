/**
 * src/topo owns lab topologies: the normalized lab model (model.ts), pure generation of a lab from a
 * request (gen.ts: addresses, pod blocks, MACs, sessions, timers), one config renderer per implementation
 * (render/: bgplab JSON, BIRD as Calico renders it, FRR, GoBGP, plus start.sh and neighbour pins), the
 * containerlab file (clab.ts, checked against containerlab's schema and parsing rules), and the two
 * edges that touch the disk: writing a lab (write.ts) and loading one back (load.ts).
 */
export * from './model.js';
export { loadTopology, parseTopology } from './load.js';
export { generateLab, attachPaths, deriveLab, type TopoRequest, type LabSpec, type SpecNode, TIMER_PROFILES, DEFAULTS } from './gen.js';
export { writeLab, renderLabFiles } from './write.js';
export { gobgpOriginateArgs } from './render/gobgp.js';
export { buildClab, CONTAINER_CONF_DIR, CONTAINER_RUN_DIR } from './clab.js';
