/**
 * bgplab speaker config (src/speaker/config-types.ts) for one node. Paths are relative so one file serves
 * both runtimes: the speaker runs with its cwd in the node's runtime dir (netns: clab-<lab>/<node>/,
 * containerlab: /var/run/bgplab). One session per peer carries IPv4 and IPv6 (RFC 4760 MP-BGP).
 */
import type { SpeakerConfig } from '../../speaker/config-types.js';
import type { LabSpec, SpecNode } from '../gen.js';

export function bgplabConfig(lab: LabSpec, node: SpecNode): SpeakerConfig {
  const t = lab.timers;
  const cfg: SpeakerConfig = {
    name: node.name,
    routerId: node.routerId,
    asn: node.asn,
    ...(node.clusterId ? { clusterId: node.clusterId } : {}),
    timers: { hold: t.hold, keepalive: t.keepalive, connectRetry: t.connectRetry },
    peers: node.peers.map((p) => ({
      address: p.address,
      asn: p.asn,
      ...(p.rrClient ? { rrClient: true } : {}),
      ...(p.passive ? { passive: true } : {}),
      families: p.families,
      description: p.node,
    })),
    originate: [...node.podBlocks.ipv4, ...node.podBlocks.ipv6],
    blackhole: true,
    fib: true,
    control: 'control.sock',
    eventLog: 'events.jsonl',
  };
  return cfg;
}

/** JSON with one peer per line: readable and small for 500-peer reflectors. */
export function renderBgplab(lab: LabSpec, node: SpecNode): string {
  const cfg = bgplabConfig(lab, node);
  const { peers, ...rest } = cfg;
  const head = JSON.stringify(rest, null, 2).replace(/\n}$/, '');
  const peerLines = peers.map((p) => `    ${JSON.stringify(p)}`).join(',\n');
  return `${head},\n  "peers": [\n${peerLines}\n  ]\n}\n`;
}
