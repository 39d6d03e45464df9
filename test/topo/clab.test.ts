import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildClab, escapeDollar, renderClab, schemaProblems, strictTextProblems } from '../../src/topo/clab.js';
import { generateLab, type TopoRequest } from '../../src/topo/gen.js';
import { NODE_IMPLS } from '../../src/topo/model.js';
import { renderLabFiles } from '../../src/topo/write.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/containerlab');

/** Every key the generated document uses, per place: containerlab's strict decoder rejects others. */
const NODE_KEYS = new Set(['kind', 'image', 'restart-policy', 'cmd', 'binds', 'exec', 'labels']);

function checkFile(text: string): void {
  expect(strictTextProblems(text)).toEqual([]);
  const doc = parseYaml(text, { uniqueKeys: true }) as Record<string, any>;
  expect(schemaProblems(doc)).toEqual([]);
  expect(Object.keys(doc).sort()).toEqual(['name', 'topology']);
  expect(Object.keys(doc.topology).sort()).toEqual(['defaults', 'links', 'nodes']);
  // Collect violations and assert once: 500-node files make per-item expects slow.
  const bad: string[] = [];
  for (const [name, node] of Object.entries<Record<string, unknown>>(doc.topology.nodes)) {
    for (const k of Object.keys(node)) if (!NODE_KEYS.has(k)) bad.push(`${name}.${k}`);
    if (node.kind === 'linux') {
      if (node.image !== 'bgplab:latest') bad.push(`${name}.image`);
      // "no" must be a string: YAML 1.1 readers turn a bare no into false.
      if (node['restart-policy'] !== 'no') bad.push(`${name}.restart-policy`);
      if (!(node.exec as string[]).some((e) => /^ip addr add \S+\/\d+ dev eth1$/.test(e))) bad.push(`${name}.exec`);
      for (const [k, v] of Object.entries(node.labels as object)) if (typeof v !== 'string') bad.push(`${name}.labels.${k}`);
    }
  }
  for (const [i, l] of (doc.topology.links as Array<Record<string, any>>).entries()) {
    if (Object.keys(l).sort().join() !== 'endpoints,mtu,type') bad.push(`links[${i}]`);
    for (const e of l.endpoints) for (const k of Object.keys(e)) if (!['node', 'interface', 'mac'].includes(k)) bad.push(`links[${i}].${k}`);
  }
  expect(bad).toEqual([]);
  expect(text).not.toMatch(/restart-policy: no/);
}

describe('containerlab file', () => {
  it("containerlab's own example topologies pass our schema check (the validator is set up right)", () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.clab.yml'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) expect(schemaProblems(parseYaml(readFileSync(join(FIXTURES, f), 'utf8'))), f).toEqual([]);
  });

  it('the schema check rejects what containerlab rejects, naming the place', () => {
    const lab = generateLab({ name: 'bad', mode: 'rr', nodes: 4 });
    const doc = JSON.parse(JSON.stringify(buildClab(lab)));
    doc.topology.nodes.rr1.colour = 'blue';
    expect(schemaProblems(doc).join('\n')).toMatch(/\/topology\/nodes\/rr1: must NOT have additional properties "colour"/);
    const doc2 = JSON.parse(JSON.stringify(buildClab(lab)));
    doc2.topology.nodes.rr1['restart-policy'] = false;
    expect(schemaProblems(doc2).join('\n')).toMatch(/restart-policy/);
    const doc3 = JSON.parse(JSON.stringify(buildClab(lab)));
    doc3.topology.nodes.rr1.kind = 'quagga';
    // One line naming the value, not the 63 kinds nor the "must be null" of the schema's anyOf branch.
    expect(schemaProblems(doc3)).toEqual(['/topology/nodes/rr1/kind "quagga": must be one of linux, bridge, … (63 values)']);
    const doc4 = JSON.parse(JSON.stringify(buildClab(lab)));
    doc4.name = 'bad name';
    expect(schemaProblems(doc4).join('\n')).toMatch(/\/name: must match pattern/);
  });

  it('strict parsing rules: no Go template markers, every $ doubled', () => {
    expect(escapeDollar('echo $HOME and $$')).toBe('echo $$HOME and $$$$');
    expect(strictTextProblems('cmd: "echo $$HOME"')).toEqual([]);
    expect(strictTextProblems('cmd: "echo $HOME"')[0]).toMatch(/line 1: a single "\$"/);
    expect(strictTextProblems('name: "{{ .x }}"')[0]).toMatch(/line 1: "\{\{"/);
    expect(strictTextProblems('# a comment may say {{ and $')).toEqual([]);
  });

  const requests: TopoRequest[] = [];
  // YAML parsing dominates (about 1 s per MB here), so the biggest labs appear once each.
  for (const n of [2, 3, 10, 50]) {
    requests.push({ name: `mesh-${n}`, mode: 'mesh', nodes: n });
    for (const r of [1, 2, 3]) if (r < n) requests.push({ name: `rr${r}-${n}`, mode: 'rr', nodes: n, rr: r });
  }
  requests.push({ name: 'mesh-200', mode: 'mesh', nodes: 200 }, { name: 'rr3-500', mode: 'rr', nodes: 500, rr: 3 });
  for (const impl of NODE_IMPLS) {
    requests.push({ name: `impl-${impl}`, mode: 'rr', nodes: 6, rrImpl: impl, clientImpl: impl, clusterId: 'per-rr' });
    requests.push({ name: `v4-${impl}`, mode: 'mesh', nodes: 4, clientImpl: impl, ipv6: false, profile: 'calico' });
  }
  it(`every generated file is valid containerlab input (${requests.length} labs, 2 to 500 nodes, every implementation)`, () => {
    for (const req of requests) {
      const lab = generateLab(req);
      const text = renderClab(lab, { command: 'bgplab topo gen ...' });
      checkFile(text);
      const doc = parseYaml(text) as Record<string, any>;
      // The text is a faithful serialization of the document that writeLab validates.
      expect(doc).toEqual(JSON.parse(JSON.stringify(buildClab(lab))));
      // One bridge node plus one node per lab node, one link per lab node, MACs as in the model.
      expect(Object.keys(doc.topology.nodes)).toHaveLength(lab.nodes.length + 1);
      expect(doc.topology.nodes[lab.fabric.bridge]).toEqual({ kind: 'bridge' });
      expect(doc.topology.links).toHaveLength(lab.nodes.length);
      expect(doc.topology.links.map((l: any) => l.endpoints[0].mac)).toEqual(lab.nodes.map((x) => x.fabric.mac));
    }
  });

  it('the 500-node rr lab renders (topology and every node file) in well under two seconds', () => {
    const t0 = performance.now();
    const files = renderLabFiles(generateLab({ name: 'big', mode: 'rr', nodes: 500, rr: 3 }));
    const ms = performance.now() - t0;
    expect(files.nodeFiles.size).toBe(500 * 3);
    expect(ms).toBeLessThan(2000);
  });

  it('addresses are set by exec, the config dir is bound, labels carry role/impl/cluster', () => {
    const lab = generateLab({ name: 'e', mode: 'rr', nodes: 3, rr: 1, rrImpl: 'bird' });
    const doc = parseYaml(renderClab(lab)) as Record<string, any>;
    const rr1 = doc.topology.nodes.rr1;
    expect(rr1.binds).toEqual(['e/rr1:/etc/bgplab:ro']);
    expect(rr1.cmd).toBe('sh /etc/bgplab/start.sh');
    expect(rr1.exec).toEqual([
      'ip addr add 10.0.0.1/16 dev eth1',
      'ip -6 addr add fd00::1/64 dev eth1 nodad',
      'ip -force -batch /etc/bgplab/neigh.batch',
      'ip link add pod0 type veth peer name pod0-peer',
      'ip link set pod0-peer up',
      'ip link set pod0 up',
      'ip addr add 10.244.0.1/32 dev pod0',
      'ip -6 addr add fd00:10:244::1/128 dev pod0 nodad',
    ]);
    expect(rr1.labels).toMatchObject({ 'bgplab.role': 'rr', 'bgplab.impl': 'bird', 'bgplab.cluster-id': '244.0.0.1' });
    expect(doc.topology.nodes.node1.labels['bgplab.cluster-id']).toBeUndefined();
    expect(doc.topology.defaults.labels['bgplab.mode']).toBe('rr');
  });
});
