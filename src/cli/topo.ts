/**
 * `bgplab topo gen` writes a containerlab topology (and each node's config beside it) for a full mesh or
 * a route-reflector design; `bgplab topo show` loads one back, validates it and prints what it holds.
 */
import { Command, Option } from 'commander';
import { CliError } from './errors.js';
import { commandLine } from '../topo/clab.js';
import { generateLab, type TopoRequest } from '../topo/gen.js';
import { loadTopology } from '../topo/load.js';
import { NODE_IMPLS, TopologyError, type LabTopology, type NodeImpl } from '../topo/model.js';
import { writeLab } from '../topo/write.js';

function int(flag: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim())) throw new CliError(`${flag} ${JSON.stringify(v)}: expected a whole number`);
    return Number(v);
  };
}

/** Commander's `topo gen` options: the request's fields under the same names, plus the CLI's own. */
interface GenOpts extends Omit<TopoRequest, 'name' | 'ipv6'> {
  name?: string;
  impl?: NodeImpl;
  ipv6: boolean;
  output?: string;
  format: 'text' | 'json';
}

function formula(lab: { mode: 'mesh' | 'rr'; nodes: unknown[]; reflectors: string[] }): string {
  const n = lab.nodes.length;
  const r = lab.reflectors.length;
  return lab.mode === 'mesh' ? `N(N-1)/2, N=${n}` : `R(N-R) + R(R-1)/2, N=${n}, R=${r}`;
}

function gen(o: GenOpts): void {
  const name = o.name ?? (o.mode === 'rr' ? `rr${o.rr ?? 2}-${o.nodes}` : `mesh-${o.nodes}`);
  if (o.impl && (o.rrImpl || o.clientImpl)) throw new CliError('--impl sets every node; do not combine it with --rr-impl/--client-impl');
  // The request fields pass through as they are; only these differ from the CLI's options.
  const { name: _name, impl: _impl, ipv6: _ipv6, output: _output, format: _format, ...same } = o;
  const req: TopoRequest = {
    ...same,
    name,
    rrImpl: o.mode === 'rr' ? (o.rrImpl ?? o.impl) : o.rrImpl,
    clientImpl: o.clientImpl ?? o.impl,
    ipv6: o.ipv6 === false ? false : undefined,
  };
  const file = o.output ?? `${name}.clab.yml`;
  try {
    const spec = generateLab(req);
    const res = writeLab(spec, file, { command: commandLine(req, file) });
    if (o.format === 'json') {
      process.stdout.write(
        `${JSON.stringify({ file: res.file, configRoot: res.configRoot, nodes: spec.nodes.length, reflectors: spec.reflectors, sessions: spec.expectedSessions, files: res.files, bytes: res.bytes })}\n`,
      );
      return;
    }
    const roles = spec.mode === 'rr' ? ` (${spec.reflectors.length} reflector${spec.reflectors.length === 1 ? '' : 's'}, ${spec.nodes.length - spec.reflectors.length} clients)` : '';
    process.stdout.write(
      `wrote ${file}: lab ${spec.name}, ${spec.mode} mode, ${spec.nodes.length} nodes${roles}, ` +
        `${spec.expectedSessions} BGP sessions [${formula(spec)}]\n` +
        `node configs in ${res.configRoot}/ (${res.files - 1} files, ${(res.bytes / 1024).toFixed(0)} KiB)\n`,
    );
  } catch (err) {
    if (err instanceof TopologyError) throw new CliError(err.message);
    throw err;
  }
}

function show(file: string, o: { format: 'text' | 'json' }): void {
  let lab: LabTopology;
  try {
    lab = loadTopology(file);
  } catch (err) {
    if (err instanceof TopologyError) throw new CliError(err.message);
    throw err;
  }
  if (o.format === 'json') {
    process.stdout.write(`${JSON.stringify(lab, null, 2)}\n`);
    return;
  }
  const t = lab.timers;
  const out: string[] = [];
  out.push(`lab ${lab.name} (${lab.file})`);
  out.push(`  mode ${lab.mode}, AS ${lab.asn}, ${lab.ipv6 ? 'dual stack (IPv6 over the IPv4 sessions, MP-BGP)' : 'IPv4 only'}`);
  if (lab.mode === 'rr') out.push(`  reflectors ${lab.reflectors.join(', ')} (cluster id ${lab.clusterIdMode})`);
  out.push(`  sessions ${lab.expectedSessions} [${formula(lab)}]`);
  out.push(`  timers ${t.profile}: hold ${t.hold}s, keepalive ${t.keepalive}s, connect retry ${t.connectRetry}s`);
  out.push(`  fabric ${lab.fabric.ipv4Subnet}${lab.fabric.ipv6Subnet ? ` ${lab.fabric.ipv6Subnet}` : ''} on bridge ${lab.fabric.bridge}`);
  out.push(
    `  pod pools ${lab.podPools.ipv4.cidr} (/${lab.podPools.ipv4.blockLength} blocks)` +
      (lab.podPools.ipv6 ? `, ${lab.podPools.ipv6.cidr} (/${lab.podPools.ipv6.blockLength} blocks)` : ''),
  );
  out.push('');
  const rows = [['NAME', 'ROLE', 'IMPL', 'IPV4', 'IPV6', 'POD BLOCKS', 'PEERS']];
  for (const n of lab.nodes)
    rows.push([
      n.name,
      n.role + (n.clusterId ? ` ${n.clusterId}` : ''),
      n.impl,
      n.fabric.ipv4,
      n.fabric.ipv6 ?? '-',
      [...n.podBlocks.ipv4, ...n.podBlocks.ipv6].join(' '),
      String(n.peers.length),
    ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) out.push(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
  process.stdout.write(`${out.join('\n')}\n`);
}

export function register(program: Command): void {
  const topo = program.command('topo').description('generate and inspect containerlab topologies of BGP labs');
  const impls = NODE_IMPLS as unknown as string[];
  topo
    .command('gen')
    .description('write a containerlab topology and every node config for a full mesh or route reflectors')
    .addOption(new Option('--mode <mode>', 'full mesh or route reflectors').choices(['mesh', 'rr']).makeOptionMandatory())
    .requiredOption('--nodes <n>', 'number of nodes, reflectors included', int('--nodes'))
    .option('--rr <r>', 'route reflectors (mode rr; default 2)', int('--rr'))
    .addOption(new Option('--cluster-id <how>', 'reflectors share one CLUSTER_ID or each has its own (default shared)').choices(['shared', 'per-rr']))
    .option('--name <lab>', 'lab name (default mesh-N or rrR-N)')
    .addOption(new Option('--impl <impl>', 'implementation of every node').choices(impls))
    .addOption(new Option('--rr-impl <impl>', 'reflector implementation (default bgplab)').choices(impls))
    .addOption(new Option('--client-impl <impl>', 'client / mesh node implementation (default bgplab)').choices(impls))
    .option('--ipv6', 'dual stack: IPv6 pod blocks over MP-BGP (default)')
    .option('--no-ipv6', 'IPv4 only')
    .addOption(new Option('--profile <profile>', 'timers: fast 9/3, calico (as calico/node renders BIRD) 240/80, rfc 90/30 (default fast)').choices(['fast', 'calico', 'rfc']))
    .option('--hold <s>', 'hold time override (seconds, >= 3)', int('--hold'))
    .option('--keepalive <s>', 'keepalive override (seconds, < hold)', int('--keepalive'))
    .option('--asn <asn>', 'AS number of every node (default 64512, iBGP as Calico)', int('--asn'))
    .option('--fabric-ipv4 <cidr>', 'node fabric IPv4 subnet (default 10.0.0.0/16)')
    .option('--fabric-ipv6 <cidr>', 'node fabric IPv6 subnet (default fd00::/64)')
    .option('--pod-pool-ipv4 <cidr>', 'IPv4 pod pool (default 10.244.0.0/16)')
    .option('--pod-pool-ipv6 <cidr>', 'IPv6 pod pool (default fd00:10:244::/56)')
    .option('--pod-block-ipv4 <len>', 'IPv4 block length, one block per node (default 26)', int('--pod-block-ipv4'))
    .option('--pod-block-ipv6 <len>', 'IPv6 block length, one block per node (default 122)', int('--pod-block-ipv6'))
    .option('--mtu <bytes>', 'fabric link MTU (default 9500, as containerlab)', int('--mtu'))
    .option('--image <ref>', 'container image of every node (default bgplab:latest)')
    .option('-o, --output <file>', 'topology file to write (default <name>.clab.yml); configs go to <dir>/<name>/')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((o: GenOpts) => gen(o));
  topo
    .command('show')
    .description('validate a topology file and print its nodes, sessions and addressing')
    .argument('<file>', 'containerlab topology written by bgplab topo gen')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((file: string, o: { format: 'text' | 'json' }) => show(file, o));
}
