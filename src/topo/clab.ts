/**
 * The containerlab topology file of a lab: built as a plain document, rendered as YAML by hand (every
 * string double-quoted, so YAML 1.1 readers never see `no` as false), checked against containerlab's
 * JSON schema (clab.schema.json, a verbatim copy; see clab.schema.SOURCE.md) and against containerlab's
 * own parsing rules: the file is a Go template (no `{{`) and environment variables are expanded (`$` must
 * be written `$$`). Labels carry what loadTopology needs to rebuild the model. Pure except for reading
 * the schema file once.
 */
import { readFileSync } from 'node:fs';
import _Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { LabSpec, SpecNode, TopoRequest } from './gen.js';
import { POD_IFACE, POD_IFACE_PEER } from './model.js';

/** Label keys (all values strings). Lab-wide ones sit in topology.defaults.labels, merged into every node. */
export const LABEL = {
  generator: 'bgplab.generator',
  mode: 'bgplab.mode',
  asn: 'bgplab.asn',
  dualStack: 'bgplab.dual-stack',
  clusterIdMode: 'bgplab.cluster-id-mode',
  fabricIpv4: 'bgplab.fabric-ipv4',
  fabricIpv6: 'bgplab.fabric-ipv6',
  podPoolIpv4: 'bgplab.pod-pool-ipv4',
  podPoolIpv6: 'bgplab.pod-pool-ipv6',
  timers: 'bgplab.timers',
  role: 'bgplab.role',
  impl: 'bgplab.impl',
  routerId: 'bgplab.router-id',
  clusterId: 'bgplab.cluster-id',
  addrIpv4: 'bgplab.addr-ipv4',
  addrIpv6: 'bgplab.addr-ipv6',
  mac: 'bgplab.mac',
  podIpv4: 'bgplab.pod-ipv4',
  podIpv6: 'bgplab.pod-ipv6',
} as const;

/** Where node files live inside a container. */
export const CONTAINER_CONF_DIR = '/etc/bgplab';
export const CONTAINER_RUN_DIR = '/var/run/bgplab';

/** Timers as one label value: "fast hold=9 keepalive=3 connect-delay=1 connect-retry=1 error-wait=1,5". */
export function timersLabel(t: LabSpec['timers']): string {
  return `${t.profile} hold=${t.hold} keepalive=${t.keepalive} connect-delay=${t.connectDelay} connect-retry=${t.connectRetry} error-wait=${t.errorWait[0]},${t.errorWait[1]}`;
}

export interface ClabEndpoint {
  node: string;
  interface: string;
  mac?: string;
}
export interface ClabNode {
  kind: string;
  image?: string;
  'restart-policy'?: string;
  cmd?: string;
  binds?: string[];
  exec?: string[];
  labels?: Record<string, string>;
}
export interface ClabDoc {
  name: string;
  topology: {
    defaults: { labels: Record<string, string> };
    nodes: Record<string, ClabNode>;
    links: Array<{ type: 'veth'; mtu: number; endpoints: [ClabEndpoint, ClabEndpoint] }>;
  };
}

function nodeExec(lab: LabSpec, n: SpecNode): string[] {
  const f = n.fabric;
  const ex = [`ip addr add ${f.ipv4}/${f.ipv4PrefixLength} dev ${f.iface}`];
  if (f.ipv6) ex.push(`ip -6 addr add ${f.ipv6}/${f.ipv6PrefixLength} dev ${f.iface} nodad`);
  // -force: a line that fails (a peer listed twice, an address the kernel refuses) must not stop the rest.
  ex.push(`ip -force -batch ${CONTAINER_CONF_DIR}/neigh.batch`);
  // A pod interface: one end of a veth pair kept inside the node (no dummy driver assumed).
  ex.push(`ip link add ${POD_IFACE} type veth peer name ${POD_IFACE_PEER}`);
  ex.push(`ip link set ${POD_IFACE_PEER} up`);
  ex.push(`ip link set ${POD_IFACE} up`);
  // /32 and /128: a connected /26 would clash with the block's blackhole route.
  for (const a of n.podAddresses.ipv4) ex.push(`ip addr add ${a}/32 dev ${POD_IFACE}`);
  for (const a of n.podAddresses.ipv6) ex.push(`ip -6 addr add ${a}/128 dev ${POD_IFACE} nodad`);
  return ex;
}

export function nodeLabels(n: SpecNode): Record<string, string> {
  const l: Record<string, string> = {
    [LABEL.role]: n.role,
    [LABEL.impl]: n.impl,
    [LABEL.asn]: String(n.asn),
    [LABEL.routerId]: n.routerId,
  };
  if (n.clusterId) l[LABEL.clusterId] = n.clusterId;
  l[LABEL.addrIpv4] = `${n.fabric.ipv4}/${n.fabric.ipv4PrefixLength}`;
  if (n.fabric.ipv6) l[LABEL.addrIpv6] = `${n.fabric.ipv6}/${n.fabric.ipv6PrefixLength}`;
  l[LABEL.mac] = n.fabric.mac;
  l[LABEL.podIpv4] = n.podBlocks.ipv4.join(',');
  if (n.podBlocks.ipv6.length > 0) l[LABEL.podIpv6] = n.podBlocks.ipv6.join(',');
  return l;
}

export function labLabels(lab: LabSpec): Record<string, string> {
  const l: Record<string, string> = {
    [LABEL.generator]: 'bgplab topo gen',
    [LABEL.mode]: lab.mode,
    [LABEL.asn]: String(lab.asn),
    [LABEL.dualStack]: String(lab.ipv6),
  };
  if (lab.clusterIdMode) l[LABEL.clusterIdMode] = lab.clusterIdMode;
  l[LABEL.fabricIpv4] = lab.fabric.ipv4Subnet;
  if (lab.fabric.ipv6Subnet) l[LABEL.fabricIpv6] = lab.fabric.ipv6Subnet;
  l[LABEL.podPoolIpv4] = `${lab.podPools.ipv4.cidr} blocks /${lab.podPools.ipv4.blockLength}`;
  if (lab.podPools.ipv6) l[LABEL.podPoolIpv6] = `${lab.podPools.ipv6.cidr} blocks /${lab.podPools.ipv6.blockLength}`;
  l[LABEL.timers] = timersLabel(lab.timers);
  return l;
}

/** The containerlab document. Config directories are `<lab>/<node>` relative to the topology file. */
export function buildClab(lab: LabSpec): ClabDoc {
  const nodes: Record<string, ClabNode> = {};
  for (const n of lab.nodes) {
    nodes[n.name] = {
      kind: 'linux',
      image: lab.image,
      'restart-policy': 'no',
      cmd: `sh ${CONTAINER_CONF_DIR}/start.sh`,
      binds: [`${lab.name}/${n.name}:${CONTAINER_CONF_DIR}:ro`],
      exec: nodeExec(lab, n),
      labels: nodeLabels(n),
    };
  }
  // The fabric: a Linux bridge (containerlab expects it to exist on the host; the netns runtime puts it
  // in a namespace of its own). Each node's eth1 is one veth end, the other end is a bridge port.
  nodes[lab.fabric.bridge] = { kind: 'bridge' };
  const links = lab.nodes.map((n) => ({
    type: 'veth' as const,
    mtu: n.fabric.mtu,
    endpoints: [
      { node: n.name, interface: n.fabric.iface, mac: n.fabric.mac },
      { node: lab.fabric.bridge, interface: n.fabric.bridgePort },
    ] as [ClabEndpoint, ClabEndpoint],
  }));
  return { name: lab.name, topology: { defaults: { labels: labLabels(lab) }, nodes, links } };
}

/** containerlab expands environment variables: a literal `$` is written `$$`. */
export function escapeDollar(s: string): string {
  return s.split('$').join('$$');
}

const q = (s: string): string => JSON.stringify(escapeDollar(s));

/** The equivalent command line of a request (for the file header, and to regenerate). */
export function commandLine(req: TopoRequest, file: string): string {
  const parts = ['bgplab topo gen', `--mode ${req.mode}`, `--nodes ${req.nodes}`];
  if (req.mode === 'rr') parts.push(`--rr ${req.rr ?? 2}`);
  if (req.clusterId) parts.push(`--cluster-id ${req.clusterId}`);
  parts.push(`--name ${req.name}`);
  if (req.rrImpl) parts.push(`--rr-impl ${req.rrImpl}`);
  if (req.clientImpl) parts.push(`--client-impl ${req.clientImpl}`);
  if (req.ipv6 === false) parts.push('--no-ipv6');
  if (req.profile) parts.push(`--profile ${req.profile}`);
  if (req.hold !== undefined) parts.push(`--hold ${req.hold}`);
  if (req.keepalive !== undefined) parts.push(`--keepalive ${req.keepalive}`);
  if (req.asn !== undefined) parts.push(`--asn ${req.asn}`);
  if (req.fabricIpv4) parts.push(`--fabric-ipv4 ${req.fabricIpv4}`);
  if (req.fabricIpv6) parts.push(`--fabric-ipv6 ${req.fabricIpv6}`);
  if (req.podPoolIpv4) parts.push(`--pod-pool-ipv4 ${req.podPoolIpv4}`);
  if (req.podPoolIpv6) parts.push(`--pod-pool-ipv6 ${req.podPoolIpv6}`);
  if (req.podBlockIpv4 !== undefined) parts.push(`--pod-block-ipv4 ${req.podBlockIpv4}`);
  if (req.podBlockIpv6 !== undefined) parts.push(`--pod-block-ipv6 ${req.podBlockIpv6}`);
  if (req.mtu !== undefined) parts.push(`--mtu ${req.mtu}`);
  if (req.image) parts.push(`--image ${req.image}`);
  parts.push(`-o ${file}`);
  return parts.join(' ');
}

function sessionsFormula(lab: LabSpec): string {
  const n = lab.nodes.length;
  if (lab.mode === 'mesh') return `N(N-1)/2 with N=${n}`;
  return `R(N-R) + R(R-1)/2 with N=${n}, R=${lab.reflectors.length}`;
}

/** YAML text of the document, with a header saying what the lab is and how to regenerate it. */
export function renderClab(lab: LabSpec, header: { command?: string } = {}, doc: ClabDoc = buildClab(lab)): string {
  const L: string[] = [];
  const rr = lab.mode === 'rr' ? `, ${lab.reflectors.length} reflectors (cluster id ${lab.clusterIdMode})` : '';
  L.push(`# bgplab lab ${lab.name}: ${lab.mode} mode, ${lab.nodes.length} nodes${rr}, AS ${lab.asn}.`);
  L.push(`# ${lab.expectedSessions} BGP sessions = ${sessionsFormula(lab)}; ${lab.ipv6 ? 'IPv4 + IPv6 (MP-BGP) on each' : 'IPv4 only'}.`);
  if (header.command) L.push(`# Generated by: ${header.command}`);
  L.push(`# Node configs: ./${lab.name}/<node>/ (bound at ${CONTAINER_CONF_DIR}). Run: bgplab deploy -t <this file>,`);
  L.push(`# or containerlab deploy -t <this file> once the host bridge ${lab.fabric.bridge} exists (ip link add ${lab.fabric.bridge} type bridge).`);
  L.push(`name: ${q(doc.name)}`);
  L.push('topology:');
  L.push('  defaults:');
  L.push('    labels:');
  for (const [k, v] of Object.entries(doc.topology.defaults.labels)) L.push(`      ${k}: ${q(v)}`);
  L.push('  nodes:');
  for (const [name, n] of Object.entries(doc.topology.nodes)) {
    L.push(`    ${name}:`);
    L.push(`      kind: ${q(n.kind)}`);
    if (n.image) L.push(`      image: ${q(n.image)}`);
    if (n['restart-policy']) L.push(`      restart-policy: ${q(n['restart-policy'])}`);
    if (n.cmd) L.push(`      cmd: ${q(n.cmd)}`);
    if (n.binds) {
      L.push('      binds:');
      for (const b of n.binds) L.push(`        - ${q(b)}`);
    }
    if (n.exec) {
      L.push('      exec:');
      for (const e of n.exec) L.push(`        - ${q(e)}`);
    }
    if (n.labels) {
      L.push('      labels:');
      for (const [k, v] of Object.entries(n.labels)) L.push(`        ${k}: ${q(v)}`);
    }
  }
  L.push('  links:');
  for (const l of doc.topology.links) {
    const ep = (e: ClabEndpoint): string =>
      `{node: ${q(e.node)}, interface: ${q(e.interface)}${e.mac ? `, mac: ${q(e.mac)}` : ''}}`;
    L.push(`    - type: ${q(l.type)}`);
    L.push(`      mtu: ${l.mtu}`);
    L.push(`      endpoints: [${ep(l.endpoints[0])}, ${ep(l.endpoints[1])}]`);
  }
  L.push('');
  return L.join('\n');
}

// ------------------------------------------------------------------------------------ validation

let validator: ValidateFunction | undefined;
type AjvClass = new (opts: Record<string, unknown>) => { compile(schema: unknown): ValidateFunction };

function schemaText(): string {
  // src/topo/clab.schema.json when run from source (vitest); from dist/src/topo/ the same file is at ../../../src/topo/.
  const candidates = [new URL('./clab.schema.json', import.meta.url), new URL('../../../src/topo/clab.schema.json', import.meta.url)];
  for (const c of candidates) {
    try {
      return readFileSync(c, 'utf8');
    } catch {
      /* next */
    }
  }
  throw new Error('containerlab schema src/topo/clab.schema.json not found');
}

/** Compiled containerlab schema (draft-07; `prefixItems` etc. ignored with strict:false). */
export function clabSchemaValidator(): ValidateFunction {
  if (!validator) {
    // ajv is CommonJS: under NodeNext its default export arrives as the module object.
    const Ajv = ((_Ajv as unknown as { default?: unknown }).default ?? _Ajv) as unknown as AjvClass;
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: true });
    validator = ajv.compile(JSON.parse(schemaText()));
  }
  return validator!;
}

/** The value at a JSON pointer (ajv's instancePath), to name it in the message. */
function valueAt(doc: unknown, pointer: string): unknown {
  let v: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function describe(e: ErrorObject, doc: unknown): string {
  const where = e.instancePath || '(top level)';
  if (e.keyword === 'enum') {
    // containerlab knows some 60 kinds: name the value given and the few a bgplab lab uses.
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
    const value = JSON.stringify(valueAt(doc, e.instancePath));
    const list = allowed.length <= 8 ? allowed.join(', ') : `${allowed.filter((x) => x === 'linux' || x === 'bridge').join(', ') || allowed.slice(0, 8).join(', ')}, … (${allowed.length} values)`;
    return `${where} ${value}: must be one of ${list}`;
  }
  const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
  return `${where}: ${e.message ?? e.keyword}${extra}`;
}

/** Schema problems of a parsed document (empty when valid). anyOf noise is reduced to the informative errors. */
export function schemaProblems(doc: unknown): string[] {
  const v = clabSchemaValidator();
  if (v(doc)) return [];
  const errs = v.errors ?? [];
  let specific = errs.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  // A node may be null in containerlab's schema (an anyOf branch): "must be null" beside a real error
  // at or under the same place is that branch failing, not news.
  specific = specific.filter(
    (e) =>
      !(e.keyword === 'type' && (e.params as { type?: string }).type === 'null') ||
      !specific.some((o) => o !== e && (o.instancePath === e.instancePath || o.instancePath.startsWith(`${e.instancePath}/`)) && !(o.keyword === 'type' && (o.params as { type?: string }).type === 'null')),
  );
  return [...new Set((specific.length > 0 ? specific : errs).map((e) => describe(e, doc)))].slice(0, 20);
}

/** containerlab's parsing rules beyond the schema: no Go template markers, every `$` doubled. */
export function strictTextProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trimStart().startsWith('#')) return;
    if (line.includes('{{')) problems.push(`line ${i + 1}: "{{" would be read as a Go template action`);
    const singles = line.replace(/\$\$/g, '').includes('$');
    if (singles) problems.push(`line ${i + 1}: a single "$" would be expanded as an environment variable (write "$$")`);
  });
  return problems;
}
