/**
 * Reads a containerlab topology written by `bgplab topo gen` back into the lab model. The file must pass
 * containerlab's schema and parsing rules, and our own expectations: one bridge node as the fabric,
 * every other node `kind: linux` with bgplab labels, one veth from each node's eth1 to the bridge,
 * addresses inside the fabric subnets, pod blocks inside the pools and disjoint, nothing duplicated.
 * Every error names the field and the value. Sessions and peers are derived (deriveLab), not stored.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  contains4,
  contains6,
  parseCidr4,
  parseCidr6,
  v4FromString,
  v6FromString,
  type Cidr4,
  type Cidr6,
} from './addr.js';
import { CONTAINER_CONF_DIR, LABEL, schemaProblems, strictTextProblems } from './clab.js';
import {
  attachPaths,
  deriveLab,
  LAB_NAME_RE,
  TIMER_PROFILES,
  type LabBasics,
  type NodeBasics,
} from './gen.js';
import {
  NODE_IMPLS,
  TopologyError,
  type ClusterIdMode,
  type LabTimers,
  type LabTopology,
  type NodeImpl,
  type NodeRole,
  type TimersProfileName,
} from './model.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Problems {
  readonly list: string[] = [];
  bad(field: string, value: unknown, why: string): void {
    const shown = typeof value === 'string' ? JSON.stringify(value) : value === undefined ? '(missing)' : JSON.stringify(value);
    this.list.push(`${field} ${shown}: ${why}`);
  }
}

/** Read, check and normalize a topology file. Throws TopologyError listing every problem found. */
export function loadTopology(file: string, opts: { checkFiles?: boolean } = {}): LabTopology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TopologyError(`cannot read topology file ${file}: ${(err as Error).message}`, 'file');
  }
  return parseTopology(text, file, opts);
}

/** Same as loadTopology on text already read; `file` locates the config and runtime directories. */
export function parseTopology(text: string, file: string, opts: { checkFiles?: boolean } = {}): LabTopology {
  const fail = (problems: string[]): never => {
    const shown = problems.slice(0, 15);
    const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : '';
    throw new TopologyError(`${file}: not a bgplab topology (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${shown.join('\n  - ')}${more}`);
  };
  const strict = strictTextProblems(text);
  if (strict.length > 0) fail(strict);
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true, prettyErrors: true });
  } catch (err) {
    fail([`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const schema = schemaProblems(doc);
  if (schema.length > 0) fail(schema.map((s) => `containerlab schema: ${s}`));
  const p = new Problems();
  const basics = readBasics(doc as Obj, p);
  if (p.list.length > 0 || !basics) fail(p.list);
  const spec = deriveLab(basics!);
  const lab = attachPaths(spec, resolve(file));
  if (opts.checkFiles !== false) {
    for (const n of lab.nodes) {
      for (const f of n.paths.files)
        if (!existsSync(f)) p.bad(`topology.nodes.${n.name}`, f, 'config file is missing (regenerate with bgplab topo gen)');
    }
    if (p.list.length > 0) fail(p.list);
  }
  return lab;
}

function str(p: Problems, field: string, v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number') return String(v);
  p.bad(field, v, 'expected a non-empty string');
  return undefined;
}

function parseTimers(p: Problems, field: string, v: string): LabTimers | undefined {
  const [profile, ...kv] = v.split(/\s+/);
  if (!Object.hasOwn(TIMER_PROFILES, profile)) {
    p.bad(field, v, `unknown profile "${profile}" (fast, calico, rfc)`);
    return undefined;
  }
  const t: LabTimers = { ...TIMER_PROFILES[profile as TimersProfileName] };
  const keys: Record<string, (x: string) => boolean> = {
    hold: (x) => ((t.hold = Number(x)), Number.isInteger(t.hold) && t.hold >= 3 && t.hold <= 65535),
    keepalive: (x) => ((t.keepalive = Number(x)), Number.isInteger(t.keepalive) && t.keepalive >= 1),
    'connect-delay': (x) => ((t.connectDelay = Number(x)), Number.isInteger(t.connectDelay) && t.connectDelay >= 1),
    'connect-retry': (x) => ((t.connectRetry = Number(x)), Number.isInteger(t.connectRetry) && t.connectRetry >= 1),
    'error-wait': (x) => {
      const m = /^(\d+),(\d+)$/.exec(x);
      if (!m) return false;
      t.errorWait = [Number(m[1]), Number(m[2])];
      return t.errorWait[0] <= t.errorWait[1];
    },
  };
  for (const item of kv) {
    const [k, val] = item.split('=');
    if (!keys[k] || val === undefined || !keys[k](val)) {
      p.bad(field, v, `bad timer "${item}"`);
      return undefined;
    }
  }
  if (t.keepalive >= t.hold) {
    p.bad(field, v, 'keepalive must be less than hold (RFC 4271 §10)');
    return undefined;
  }
  return t;
}

function parsePool<C>(p: Problems, field: string, v: string, parse: (s: string) => C | string): { cidr: C; text: string; blockLength: number } | undefined {
  const m = /^(\S+) blocks \/(\d+)$/.exec(v);
  if (!m) {
    p.bad(field, v, 'expected "<pool cidr> blocks /<len>"');
    return undefined;
  }
  const c = parse(m[1]);
  if (typeof c === 'string') {
    p.bad(field, v, c);
    return undefined;
  }
  return { cidr: c, text: m[1], blockLength: Number(m[2]) };
}

function readBasics(doc: Obj, p: Problems): LabBasics | undefined {
  const name = doc.name;
  if (typeof name !== 'string' || !LAB_NAME_RE.test(name)) p.bad('name', name, 'lab name must be 1-40 letters, digits, "-" or "_"');
  const topo = doc.topology as Obj;
  const defaults = isObj(topo.defaults) ? topo.defaults : {};
  const labLabels = (isObj(defaults.labels) ? defaults.labels : {}) as Obj;
  const L = (k: string): string => `topology.defaults.labels.${k}`;
  if (labLabels[LABEL.generator] === undefined) {
    p.bad(L(LABEL.generator), undefined, 'not written by bgplab topo gen (lab labels missing)');
    return undefined;
  }
  const mode = labLabels[LABEL.mode];
  if (mode !== 'mesh' && mode !== 'rr') p.bad(L(LABEL.mode), mode, 'must be "mesh" or "rr"');
  const asn = Number(str(p, L(LABEL.asn), labLabels[LABEL.asn]));
  if (!Number.isInteger(asn) || asn < 1 || asn > 4294967294) p.bad(L(LABEL.asn), labLabels[LABEL.asn], 'AS number must be 1-4294967294');
  const ds = labLabels[LABEL.dualStack];
  if (ds !== 'true' && ds !== 'false') p.bad(L(LABEL.dualStack), ds, 'must be "true" or "false"');
  const ipv6 = ds === 'true';
  let clusterIdMode: ClusterIdMode | null = null;
  if (mode === 'rr') {
    const c = labLabels[LABEL.clusterIdMode];
    if (c !== 'shared' && c !== 'per-rr') p.bad(L(LABEL.clusterIdMode), c, 'must be "shared" or "per-rr"');
    else clusterIdMode = c;
  }
  const fab4Text = str(p, L(LABEL.fabricIpv4), labLabels[LABEL.fabricIpv4]);
  let fab4: Cidr4 | undefined;
  if (fab4Text) {
    const c = parseCidr4(fab4Text);
    if (typeof c === 'string') p.bad(L(LABEL.fabricIpv4), fab4Text, c);
    else fab4 = c;
  }
  let fab6: Cidr6 | undefined;
  if (ipv6) {
    const t = str(p, L(LABEL.fabricIpv6), labLabels[LABEL.fabricIpv6]);
    if (t) {
      const c = parseCidr6(t);
      if (typeof c === 'string') p.bad(L(LABEL.fabricIpv6), t, c);
      else fab6 = c;
    }
  }
  const pool4Text = str(p, L(LABEL.podPoolIpv4), labLabels[LABEL.podPoolIpv4]);
  const pool4 = pool4Text ? parsePool(p, L(LABEL.podPoolIpv4), pool4Text, parseCidr4) : undefined;
  const pool6Text = ipv6 ? str(p, L(LABEL.podPoolIpv6), labLabels[LABEL.podPoolIpv6]) : undefined;
  const pool6 = pool6Text ? parsePool(p, L(LABEL.podPoolIpv6), pool6Text, parseCidr6) : undefined;
  const timersText = str(p, L(LABEL.timers), labLabels[LABEL.timers]);
  const timers = timersText ? parseTimers(p, L(LABEL.timers), timersText) : undefined;
  if (p.list.length > 0) return undefined;

  // Nodes: exactly one bridge (the fabric), every other node a bgplab linux node.
  const nodesObj = (topo.nodes ?? {}) as Obj;
  const bridges = Object.entries(nodesObj).filter(([, v]) => isObj(v) && v.kind === 'bridge');
  if (bridges.length !== 1) {
    p.bad('topology.nodes', bridges.map(([k]) => k), 'expected exactly one node of kind bridge (the fabric)');
    return undefined;
  }
  const bridge = bridges[0][0];
  const links = (Array.isArray(topo.links) ? topo.links : []) as Obj[];
  const linkOf = new Map<string, { mac?: string; port: string; mtu: number; iface: string }>();
  links.forEach((l, i) => {
    const f = `topology.links[${i}]`;
    const eps = l.endpoints;
    if (l.type !== 'veth' || !Array.isArray(eps) || eps.length !== 2 || !eps.every(isObj)) {
      p.bad(f, l, 'expected a veth link with two endpoint objects (node, interface, mac)');
      return;
    }
    for (const k of Object.keys(l)) if (!['type', 'mtu', 'endpoints'].includes(k)) p.bad(`${f}.${k}`, l[k], 'unexpected key');
    const [a, z] = eps as Obj[];
    if (z.node !== bridge) {
      p.bad(`${f}.endpoints[1].node`, z.node, `the second endpoint must be the fabric bridge ${bridge}`);
      return;
    }
    const node = String(a.node);
    if (linkOf.has(node)) p.bad(`${f}.endpoints[0].node`, node, 'node linked to the fabric twice');
    const mtu = l.mtu === undefined ? 1500 : Number(l.mtu);
    linkOf.set(node, { mac: typeof a.mac === 'string' ? a.mac.toLowerCase() : undefined, port: String(z.interface), mtu, iface: String(a.interface) });
  });

  const nodes: NodeBasics[] = [];
  const seen = { addr4: new Map<number, string>(), addr6: new Map<bigint, string>(), mac: new Map<string, string>(), rid: new Map<string, string>() };
  const blocks4: Array<[Cidr4, string]> = [];
  const blocks6: Array<[Cidr6, string]> = [];
  let index = 0;
  for (const [nodeName, raw] of Object.entries(nodesObj)) {
    if (nodeName === bridge) continue;
    const f = `topology.nodes.${nodeName}`;
    if (!isObj(raw)) {
      p.bad(f, raw, 'expected a node definition');
      continue;
    }
    if (raw.kind !== 'linux') p.bad(`${f}.kind`, raw.kind, 'bgplab nodes are kind linux');
    const binds = Array.isArray(raw.binds) ? raw.binds : [];
    const wantBind = `${name}/${nodeName}:${CONTAINER_CONF_DIR}:ro`;
    if (!binds.includes(wantBind)) p.bad(`${f}.binds`, binds, `must bind the node's config directory: "${wantBind}"`);
    // containerlab merges defaults.labels under the node's own labels.
    const labels = { ...labLabels, ...(isObj(raw.labels) ? raw.labels : {}) } as Obj;
    const lf = (k: string): string => `${f}.labels.${k}`;
    const role = labels[LABEL.role] as NodeRole;
    const wantRoles: NodeRole[] = mode === 'mesh' ? ['mesh'] : ['rr', 'client'];
    if (!wantRoles.includes(role)) p.bad(lf(LABEL.role), role, `must be ${wantRoles.join(' or ')} in mode ${mode}`);
    const impl = labels[LABEL.impl] as NodeImpl;
    if (!NODE_IMPLS.includes(impl)) p.bad(lf(LABEL.impl), impl, `unknown implementation (${NODE_IMPLS.join(', ')})`);
    const nodeAsn = Number(labels[LABEL.asn]);
    if (!Number.isInteger(nodeAsn) || nodeAsn < 1 || nodeAsn > 4294967294) p.bad(lf(LABEL.asn), labels[LABEL.asn], 'AS number must be 1-4294967294');
    const routerId = labels[LABEL.routerId];
    if (typeof routerId !== 'string' || v4FromString(routerId) === undefined) p.bad(lf(LABEL.routerId), routerId, 'router id must be a dotted quad (RFC 4271 §4.2)');
    else if (seen.rid.has(routerId)) p.bad(lf(LABEL.routerId), routerId, `same router id as ${seen.rid.get(routerId)}`);
    else seen.rid.set(routerId, nodeName);
    let clusterId: string | null = null;
    if (role === 'rr') {
      const c = labels[LABEL.clusterId];
      if (typeof c !== 'string' || v4FromString(c) === undefined) p.bad(lf(LABEL.clusterId), c, 'a reflector needs a dotted-quad cluster id (RFC 4456 §8)');
      else clusterId = c;
    } else if (isObj(raw.labels) && raw.labels[LABEL.clusterId] !== undefined) {
      p.bad(lf(LABEL.clusterId), raw.labels[LABEL.clusterId], 'only reflectors have a cluster id');
    }

    // Fabric addresses: inside the subnets, with the subnet's prefix length, unique.
    const a4 = String(labels[LABEL.addrIpv4] ?? '');
    const [ip4, len4] = a4.split('/');
    const n4 = v4FromString(ip4 ?? '');
    if (n4 === undefined || Number(len4) !== fab4!.length || !contains4(fab4!, n4))
      p.bad(lf(LABEL.addrIpv4), labels[LABEL.addrIpv4], `must be an address/${fab4!.length} inside ${labLabels[LABEL.fabricIpv4]}`);
    else if (seen.addr4.has(n4)) p.bad(lf(LABEL.addrIpv4), a4, `same address as ${seen.addr4.get(n4)}`);
    else seen.addr4.set(n4, nodeName);
    let ip6: string | null = null;
    if (ipv6) {
      const a6 = String(labels[LABEL.addrIpv6] ?? '');
      const [ip, len6] = a6.split('/');
      const n6 = v6FromString(ip ?? '');
      if (n6 === undefined || Number(len6) !== fab6!.length || !contains6(fab6!, n6))
        p.bad(lf(LABEL.addrIpv6), labels[LABEL.addrIpv6], `must be an address/${fab6!.length} inside ${labLabels[LABEL.fabricIpv6]}`);
      else if (seen.addr6.has(n6)) p.bad(lf(LABEL.addrIpv6), a6, `same address as ${seen.addr6.get(n6)}`);
      else {
        seen.addr6.set(n6, nodeName);
        ip6 = ip;
      }
    } else if (labels[LABEL.addrIpv6] !== undefined) p.bad(lf(LABEL.addrIpv6), labels[LABEL.addrIpv6], 'IPv6 address on an IPv4-only lab');

    const mac = String(labels[LABEL.mac] ?? '').toLowerCase();
    if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) p.bad(lf(LABEL.mac), labels[LABEL.mac], 'expected a MAC address');
    else if (seen.mac.has(mac)) p.bad(lf(LABEL.mac), mac, `same MAC as ${seen.mac.get(mac)}`);
    else seen.mac.set(mac, nodeName);
    const link = linkOf.get(nodeName);
    if (!link) p.bad(f, nodeName, `no link from this node to the fabric bridge ${bridge}`);
    else {
      if (link.mac !== mac) p.bad(`${f} link mac`, link.mac, `must equal the node's ${LABEL.mac} label ${mac}`);
      if (link.iface !== 'eth1') p.bad(`${f} link interface`, link.iface, 'the fabric interface is eth1');
    }

    // Pod blocks: inside the pool, of the pool's block length, disjoint across nodes.
    const pods4: string[] = [];
    for (const b of String(labels[LABEL.podIpv4] ?? '').split(',').filter(Boolean)) {
      const c = parseCidr4(b);
      if (typeof c === 'string') p.bad(lf(LABEL.podIpv4), b, c);
      else if (c.length !== pool4!.blockLength || !contains4(pool4!.cidr, c.base)) p.bad(lf(LABEL.podIpv4), b, `must be a /${pool4!.blockLength} block inside ${pool4!.text}`);
      else pods4.push(b), blocks4.push([c, nodeName]);
    }
    if (pods4.length === 0) p.bad(lf(LABEL.podIpv4), labels[LABEL.podIpv4], 'a node needs at least one IPv4 pod block');
    const pods6: string[] = [];
    if (ipv6) {
      for (const b of String(labels[LABEL.podIpv6] ?? '').split(',').filter(Boolean)) {
        const c = parseCidr6(b);
        if (typeof c === 'string') p.bad(lf(LABEL.podIpv6), b, c);
        else if (c.length !== pool6!.blockLength || !contains6(pool6!.cidr, c.base)) p.bad(lf(LABEL.podIpv6), b, `must be a /${pool6!.blockLength} block inside ${pool6!.text}`);
        else pods6.push(b), blocks6.push([c, nodeName]);
      }
      if (pods6.length === 0) p.bad(lf(LABEL.podIpv6), labels[LABEL.podIpv6], 'a dual-stack node needs at least one IPv6 pod block');
    }

    nodes.push({
      name: nodeName,
      role,
      impl,
      index: index++,
      asn: nodeAsn,
      routerId: String(routerId),
      clusterId,
      fabric: {
        iface: 'eth1',
        ipv4: ip4 ?? '',
        ipv4PrefixLength: fab4!.length,
        ipv6: ip6,
        ipv6PrefixLength: ipv6 ? fab6!.length : null,
        mac,
        mtu: link?.mtu ?? 1500,
        bridgePort: link?.port ?? '',
      },
      podBlocks: { ipv4: pods4, ipv6: pods6 },
    });
  }
  for (const l of linkOf.keys()) if (!(l in nodesObj)) p.bad('topology.links', l, 'link to an unknown node');
  // Blocks all have one length, so equal bases are the only way two can overlap.
  const dup = <T>(list: Array<[{ base: T }, string]>, field: string): void => {
    const owner = new Map<T, string>();
    for (const [c, n] of list) {
      if (owner.has(c.base)) p.bad(field, `${n}`, `pod block overlaps one of ${owner.get(c.base)}`);
      else owner.set(c.base, n);
    }
  };
  dup(blocks4, 'pod blocks (IPv4)');
  dup(blocks6, 'pod blocks (IPv6)');
  if (mode === 'rr') {
    const rrs = nodes.filter((x) => x.role === 'rr');
    if (rrs.length === 0) p.bad('topology.nodes', mode, 'mode rr needs at least one node with role rr');
    if (rrs.length === nodes.length) p.bad('topology.nodes', mode, 'mode rr needs at least one client');
    const ids = new Set(rrs.map((x) => x.clusterId));
    if (clusterIdMode === 'shared' && ids.size > 1) p.bad(L(LABEL.clusterIdMode), clusterIdMode, `reflectors have different cluster ids: ${[...ids].join(', ')}`);
    if (clusterIdMode === 'per-rr' && ids.size !== rrs.length) p.bad(L(LABEL.clusterIdMode), clusterIdMode, 'reflectors share a cluster id');
  }
  if (nodes.length < 2) p.bad('topology.nodes', nodes.length, 'a lab needs at least two BGP nodes');
  if (p.list.length > 0) return undefined;
  const mtu = nodes[0].fabric.mtu;
  return {
    name: name as string,
    mode: mode as 'mesh' | 'rr',
    asn,
    ipv6,
    clusterIdMode,
    fabric: {
      bridge,
      ipv4Subnet: fab4Text!,
      ipv6Subnet: ipv6 ? String(labLabels[LABEL.fabricIpv6]) : null,
      mtu,
    },
    podPools: {
      ipv4: { cidr: pool4!.text, blockLength: pool4!.blockLength },
      ipv6: pool6 ? { cidr: pool6.text, blockLength: pool6.blockLength } : null,
    },
    timers: timers!,
    image: String((nodesObj[nodes[0].name] as Obj).image ?? ''),
    nodes,
  };
}
