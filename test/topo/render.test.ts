/**
 * Node configs: what each renderer writes, and that the real daemons accept it (BIRD `bird -p`, FRR
 * `vtysh -C`, GoBGP `gobgpd -d`), that start scripts are valid sh, and that bgplab configs pass the
 * speaker's own validator.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateSpeakerConfig } from '../../src/speaker/config.js';
import { SPEAKER_NODE_FLAGS } from '../../src/speaker/node-flags.js';
import { generateLab, type LabSpec, type TopoRequest } from '../../src/topo/gen.js';
import { renderBird, renderFrr, renderGobgp, renderNeighBatch, renderStart, bgplabConfig } from '../../src/topo/render/index.js';
import { writeLab } from '../../src/topo/write.js';
import { missing } from '../helpers/env.js';

const tmp = mkdtempSync(join(tmpdir(), 't-topo-render-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Labs that exercise every renderer branch: mesh and rr, shared and per-rr, dual stack and IPv4 only. */
const LABS: TopoRequest[] = [
  { name: 'r-bird', mode: 'rr', nodes: 5, rr: 2, rrImpl: 'bird', clientImpl: 'bird' },
  { name: 'r-frr', mode: 'rr', nodes: 5, rr: 2, rrImpl: 'frr', clientImpl: 'frr', clusterId: 'per-rr' },
  { name: 'r-gobgp', mode: 'rr', nodes: 5, rr: 2, rrImpl: 'gobgp', clientImpl: 'gobgp' },
  { name: 'm-mixed', mode: 'mesh', nodes: 4, clientImpl: 'bird', profile: 'calico' },
  { name: 'm-frr4', mode: 'mesh', nodes: 3, clientImpl: 'frr', ipv6: false, profile: 'rfc' },
  { name: 'm-gobgp4', mode: 'mesh', nodes: 3, clientImpl: 'gobgp', ipv6: false },
  { name: 'm-bird4', mode: 'mesh', nodes: 3, clientImpl: 'bird', ipv6: false },
  { name: 'r-bgplab', mode: 'rr', nodes: 6, rr: 3, clusterId: 'per-rr' },
  { name: 'm-bgplab4', mode: 'mesh', nodes: 4, ipv6: false },
];
const written = new Map<string, LabSpec>();
for (const req of LABS) {
  const spec = generateLab(req);
  writeLab(spec, join(tmp, `${req.name}.clab.yml`));
  written.set(req.name, spec);
}
const nodeFile = (lab: string, node: string, f: string): string => join(tmp, lab, node, f);
const nodesOf = (impl: string) =>
  [...written.values()].flatMap((lab) => lab.nodes.filter((n) => n.impl === impl).map((n) => ({ lab, n })));

describe('BIRD configs (Calico shape)', () => {
  const lab = written.get('r-bird')!;
  const rr1 = renderBird(lab, lab.nodes[0]);
  const client = renderBird(lab, lab.nodes[2]);

  it('reflector: rr client + rr cluster id on client sessions only; clients plain', () => {
    expect(rr1).toMatch(/protocol bgp Node_10_0_0_3 from bgp_template \{\n  description "node1";\n  neighbor 10\.0\.0\.3 as 64512;\n  source address 10\.0\.0\.1;\n  rr client;\n  rr cluster id 244\.0\.0\.1;\n\}/);
    expect(rr1).toMatch(/protocol bgp Node_10_0_0_2 from bgp_template \{\n  description "rr2";\n  neighbor 10\.0\.0\.2 as 64512;\n  source address 10\.0\.0\.1;\n\}/);
    expect(client).not.toMatch(/rr client/);
    expect(client.match(/protocol bgp /g)).toHaveLength(2);
  });
  it('static blackholes for the pod blocks, kernel export, fast timers, IPv6 next hop over the IPv4 session', () => {
    expect(client).toContain('route 10.244.0.128/26 blackhole;');
    expect(client).toContain('route fd00:10:244::80/122 blackhole;');
    expect(client).toMatch(/protocol kernel kernel4 \{[^}]*ipv4 \{ import all; export where source != RTS_DEVICE; \};/);
    expect(client).toContain('hold time 9;\n  keepalive time 3;\n  connect delay time 1;\n  connect retry time 1;\n  error wait time 1,5;');
    expect(client).toContain('next hop address fd00::3;');
  });
  it("mesh: one-directional with Calico's string comparison, graceful restart time 120", () => {
    const mesh = written.get('m-mixed')!;
    const n1 = renderBird(mesh, mesh.nodes[0]);
    const n4 = renderBird(mesh, mesh.nodes[3]);
    // node1 (10.0.0.1) waits for every higher-sorting peer; node4 (10.0.0.4) connects to all.
    expect(n1.match(/passive on;/g)).toHaveLength(3);
    expect(n4).not.toMatch(/passive on;/);
    expect(n1).toMatch(/protocol bgp Mesh_10_0_0_2 from bgp_template \{[^}]*passive on;\n  graceful restart time 120;/);
    expect(n1).toContain('hold time 240;\n  keepalive time 80;\n  connect delay time 2;\n  connect retry time 5;\n  error wait time 5,30;');
  });
  it('IPv4-only: no IPv6 channel or protocols', () => {
    const v4 = written.get('m-bird4')!;
    const c = renderBird(v4, v4.nodes[0]);
    expect(c).not.toMatch(/ipv6|fd00/);
  });

  it.skipIf(missing('bird'))('bird -p accepts every generated BIRD config and rejects a broken one', () => {
    const all = nodesOf('bird');
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const { lab, n } of all) {
      const r = spawnSync('bird', ['-p', '-c', nodeFile(lab.name, n.name, 'bird.conf')], { encoding: 'utf8' });
      expect(`${lab.name}/${n.name}: rc=${r.status} ${r.stderr}`).toBe(`${lab.name}/${n.name}: rc=0 `);
    }
    const broken = join(tmp, 'broken-bird.conf');
    writeFileSync(broken, readFileSync(nodeFile('r-bird', 'rr1', 'bird.conf'), 'utf8').replace('rr client;', 'rr clients;'));
    expect(spawnSync('bird', ['-p', '-c', broken]).status).not.toBe(0);
  });
});

describe('FRR configs', () => {
  const lab = written.get('r-frr')!;
  it('reflector: cluster id, CLIENTS peer group as route-reflector-client in both families, statics', () => {
    const c = renderFrr(lab, lab.nodes[1]);
    expect(c).toContain(' bgp cluster-id 244.0.0.2\n');
    expect(c).toContain(' neighbor 10.0.0.3 peer-group CLIENTS\n');
    expect(c).toContain(' neighbor 10.0.0.1 peer-group REFLECTORS\n');
    expect(c.match(/neighbor CLIENTS route-reflector-client/g)).toHaveLength(2);
    expect(c).toContain('ip route 10.244.0.64/26 blackhole\nipv6 route fd00:10:244::40/122 blackhole\n');
    expect(c).toContain(' address-family ipv6 unicast\n  network fd00:10:244::40/122\n');
    expect(c).toContain(' timers bgp 3 9\n');
  });
  it('mesh passive sides and IPv4-only', () => {
    const m = written.get('m-frr4')!;
    const c = renderFrr(m, m.nodes[0]);
    expect(c.match(/ passive\n/g)).toHaveLength(2);
    expect(c).not.toMatch(/ipv6/);
    expect(c).toContain(' timers bgp 30 90\n');
  });
  it.skipIf(missing('frr'))('vtysh -C accepts every generated FRR config and rejects a broken one', () => {
    const all = nodesOf('frr');
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const { lab: l, n } of all) {
      const r = spawnSync('vtysh', ['-C', '-f', nodeFile(l.name, n.name, 'frr.conf')], { encoding: 'utf8' });
      expect(`${l.name}/${n.name}: rc=${r.status} ${r.stdout}${r.stderr}`).toBe(`${l.name}/${n.name}: rc=0 `);
    }
    const broken = join(tmp, 'broken-frr.conf');
    writeFileSync(broken, readFileSync(nodeFile('r-frr', 'rr1', 'frr.conf'), 'utf8').replace('route-reflector-client', 'route-reflector-clients'));
    expect(spawnSync('vtysh', ['-C', '-f', broken]).status).not.toBe(0);
  });
});

describe('GoBGP configs', () => {
  const lab = written.get('r-gobgp')!;
  it('reflector neighbours, families, timers; the pod blocks are injected by start.sh with explicit next hops', () => {
    const c = renderGobgp(lab, lab.nodes[0]);
    expect(c).toMatch(/neighbor-address = "10\.0\.0\.3"[\s\S]*?route-reflector-client = true\n    route-reflector-cluster-id = "244\.0\.0\.1"/);
    expect(c.match(/afi-safi-name = "ipv6-unicast"/g)).toHaveLength(4);
    expect(c).toContain('hold-time = 9\n    keepalive-interval = 3');
    const s = renderStart(lab, lab.nodes[2]);
    expect(s).toContain('gobgp --target "$SOCK" global rib add -a ipv4 10.244.0.128/26 nexthop 10.0.0.3');
    expect(s).toContain('gobgp --target "$SOCK" global rib add -a ipv6 fd00:10:244::80/122 nexthop fd00::3');
    expect(s).toMatch(/\nexec gobgpd -f "\$CONF\/gobgpd\.toml"/);
  });
  it.skipIf(missing('gobgp'))('gobgpd -d accepts every generated GoBGP config and rejects a broken one', () => {
    const all = nodesOf('gobgp');
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const { lab: l, n } of all) {
      const r = spawnSync('gobgpd', ['-d', '-f', nodeFile(l.name, n.name, 'gobgpd.toml')], { encoding: 'utf8' });
      expect(`${l.name}/${n.name}: rc=${r.status}`, r.stdout + r.stderr).toBe(`${l.name}/${n.name}: rc=0`);
    }
    const broken = join(tmp, 'broken.toml');
    writeFileSync(broken, readFileSync(nodeFile('r-gobgp', 'rr1', 'gobgpd.toml'), 'utf8').replace('peer-as', 'peer-asn'));
    expect(spawnSync('gobgpd', ['-d', '-f', broken]).status).not.toBe(0);
  });
});

describe('bgplab speaker configs', () => {
  it("pass the speaker's validator, with rrClient/passive/clusterId as the model says", () => {
    for (const { lab, n } of nodesOf('bgplab')) {
      const text = readFileSync(nodeFile(lab.name, n.name, 'bgplab.json'), 'utf8');
      const raw = JSON.parse(text);
      expect(raw).toEqual(JSON.parse(JSON.stringify(bgplabConfig(lab, n))));
      const cfg = validateSpeakerConfig(raw, `${lab.name}/${n.name}`);
      expect(cfg.routerId).toBe(n.routerId);
      expect(cfg.clusterId).toBe(n.clusterId);
      expect(cfg.fib).not.toBeNull();
      expect(cfg.control).toBe('control.sock');
      expect(cfg.eventLog).toBe('events.jsonl');
      expect(cfg.originate.ipv4).toEqual(n.podBlocks.ipv4);
      expect(cfg.originate.ipv6).toEqual(n.podBlocks.ipv6);
      expect(cfg.peers.map((p) => [p.address, p.rrClient, p.passive])).toEqual(n.peers.map((p) => [p.address, p.rrClient, p.passive]));
      expect(cfg.peers.every((p) => p.families.length === (lab.ipv6 ? 2 : 1))).toBe(true);
    }
  });
});

describe('start scripts and neighbour pins', () => {
  it('every start.sh is valid sh and ends by exec-ing the daemon', () => {
    for (const lab of written.values()) {
      for (const n of lab.nodes) {
        const f = nodeFile(lab.name, n.name, 'start.sh');
        execFileSync('sh', ['-n', f]);
        const last = readFileSync(f, 'utf8').trimEnd().split('\n').at(-1)!;
        expect(last).toMatch(/^exec /);
      }
    }
  });
  it('a bgplab node starts the speaker bundle when the image has it, else the ESM entry, with the speaker flags', () => {
    const { lab, n } = nodesOf('bgplab')[0];
    const script = readFileSync(nodeFile(lab.name, n.name, 'start.sh'), 'utf8');
    expect(script.trimEnd().split('\n').at(-1)).toBe(`exec node ${[...SPEAKER_NODE_FLAGS, '"$SPEAKER"'].join(' ')} --config "$CONF/bgplab.json"`);
    // Run the script with the exec replaced by an echo, against a fake install with and without the bundle.
    const home = join(tmp, 'fake-home');
    mkdirSync(join(home, 'dist', 'src', 'speaker'), { recursive: true });
    writeFileSync(join(home, 'dist', 'src', 'speaker', 'main.js'), '');
    const probe = join(tmp, 'probe-start.sh');
    writeFileSync(probe, script.replace(/^exec node .*$/m, 'echo "$SPEAKER"'));
    // No fabric link here: BGPLAB_LINK_WAIT_S=0 skips the wait for it (tested on a real link below).
    const env = { ...process.env, BGPLAB_HOME: home, BGPLAB_CONF_DIR: tmp, BGPLAB_RUN_DIR: join(tmp, 'probe-run'), BGPLAB_LINK_WAIT_S: '0' };
    expect(execFileSync('sh', [probe], { env, encoding: 'utf8' }).trim()).toBe(join(home, 'dist', 'src', 'speaker', 'main.js'));
    writeFileSync(join(home, 'dist', 'speaker.cjs'), '');
    expect(execFileSync('sh', [probe], { env, encoding: 'utf8' }).trim()).toBe(join(home, 'dist', 'speaker.cjs'));
  });
  it('neigh.batch pins each peer (IPv4 and IPv6) to its MAC, permanent', () => {
    const lab = written.get('r-bird')!;
    const byName = new Map(lab.nodes.map((n) => [n.name, n]));
    const b = renderNeighBatch(lab, lab.nodes[2], byName);
    expect(b).toBe(
      [
        'neigh replace 10.0.0.1 lladdr aa:c1:ab:00:00:01 dev eth1 nud permanent',
        'neigh replace fd00::1 lladdr aa:c1:ab:00:00:01 dev eth1 nud permanent',
        'neigh replace 10.0.0.2 lladdr aa:c1:ab:00:00:02 dev eth1 nud permanent',
        'neigh replace fd00::2 lladdr aa:c1:ab:00:00:02 dev eth1 nud permanent',
        '',
      ].join('\n'),
    );
  });
});

describe.skipIf(missing('root', 'ip'))("start.sh waits for the fabric link and its addresses (containerlab wires them after start)", () => {
  const ns = `t-topo-start-${process.pid % 100000}`;
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it('starts the daemon once eth1 is up with both fabric addresses, not before', async () => {
    const lab = written.get('r-gobgp')!;
    const node = lab.nodes[2];
    const script = renderStart(lab, node);
    // The script's wait, then a marker where the daemon would start.
    const wait = script.slice(script.indexOf('W=${BGPLAB_LINK_WAIT_S'), script.indexOf('\ndone\n') + 6);
    expect(wait).toContain(`grep -qF " ${node.fabric.ipv4}/"`);
    const bad = spawnSync('sh', ['-c', `set -eu\n${wait}\necho started`], { encoding: 'utf8', env: { ...process.env, BGPLAB_LINK_WAIT_S: '5s' } });
    expect([bad.status, bad.stdout, bad.stderr.trim()]).toEqual([2, '', 'start.sh: BGPLAB_LINK_WAIT_S=5s: a whole number of seconds']);
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'eth1p', 'up']);
    const child = spawn('ip', ['netns', 'exec', ns, 'sh', '-c', `set -eu\n${wait}\necho started`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // 'close', not 'exit': the exit can come before the last of its output has been read.
    const exited = new Promise<number>((r) => child.on('close', () => r(Date.now())));
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      // Link down, then up without addresses, then one address: still waiting.
      await pause(400);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'eth1', 'up']);
      await pause(400);
      execFileSync('ip', ['-n', ns, 'addr', 'add', `${node.fabric.ipv4}/16`, 'dev', 'eth1']);
      await pause(400);
      expect(out).toBe('');
      const last = Date.now();
      execFileSync('ip', ['-n', ns, 'addr', 'add', `${node.fabric.ipv6}/64`, 'dev', 'eth1', 'nodad']);
      const done = await Promise.race([exited, pause(5000).then(() => undefined)]);
      expect(done, 'the wait ended').toBeDefined();
      expect(done! - last).toBeLessThan(1500); // polls every 100 ms (+ the link becoming RUNNING)
      expect(out.trim()).toBe('started');
      expect(err).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
