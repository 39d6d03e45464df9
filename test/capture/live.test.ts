/**
 * A real capture: two BIRD 2 instances (what Calico runs, with Calico's `add paths on`) peer over
 * loopback inside a namespace this test creates, tcpdump records the session, and our decoder must
 * find what BIRD sent: OPEN capabilities, ADD-PATH path ids (negotiated from the OPENs, not
 * guessed), IPv4 and IPv6 prefixes, AS paths, communities, End-of-RIB and the shutdown
 * communication of `birdc disable`. Needs root, bird and tcpdump.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBgpCapture } from '../../src/capture/index.js';
import { resultToJson, type JsonObject } from '../../src/wire/json.js';
import { missing } from '../helpers/env.js';

const NS = 't-capdec-live';
const skip = missing('root', 'bird', 'tcpdump');

const procs: ChildProcess[] = [];
let dir = '';

function sh(cmd: string, args: string[], timeout = 10_000): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function start(args: string[]): ChildProcess {
  const p = spawn('ip', ['netns', 'exec', NS, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(p);
  return p;
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 400 && Date.now() < deadline; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function stop(p: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return resolve();
    const timer = setTimeout(() => {
      if (p.pid !== undefined) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      resolve();
    }, 5000);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(p.pid, signal);
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

function birdConf(me: { addr: string; asn: number; id: string; v6: string }, peer: { addr: string; asn: number }, statics: string, exportFilter: string): string {
  return `
router id ${me.id};
protocol device {}
${statics}
protocol bgp peer {
  local ${me.addr} as ${me.asn};
  neighbor ${peer.addr} as ${peer.asn};
  strict bind yes;
  multihop 2; # loopback addresses are not a directly connected network for BIRD
  connect delay time 1; connect retry time 1; error wait time 1,5;
  graceful restart;
  ipv4 { import all; export ${exportFilter}; add paths on; };
  ipv6 { import all; export all; add paths on; next hop address ${me.v6}; };
}
`;
}

afterAll(async () => {
  for (const p of procs.reverse()) await stop(p, 'SIGTERM');
  if (!skip) sh('ip', ['netns', 'del', NS]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('live capture of a BIRD session', () => {
  it('decodes what BIRD sent, with the context negotiated in the OPENs', async () => {
    sh('ip', ['netns', 'del', NS]); // leftover from a crashed run
    expect(sh('ip', ['netns', 'add', NS]).code).toBe(0);
    sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    // Private addresses inside our own namespace (127/8 next hops are martians to the codec).
    for (const addr of ['10.99.0.1/32', '10.99.0.2/32', 'fd00::1/128', 'fd00::2/128']) {
      expect(sh('ip', ['-n', NS, 'addr', 'add', addr, 'dev', 'lo']).code).toBe(0);
    }
    dir = mkdtempSync(join(tmpdir(), 't-capdec-live-'));
    const pcapFile = join(dir, 'bgp.pcap');

    const tcpdump = start(['tcpdump', '-i', 'lo', '-U', '-n', '-w', pcapFile, 'tcp port 179']);
    let tcpdumpErr = '';
    tcpdump.stderr!.on('data', (d) => (tcpdumpErr += d));
    await until('tcpdump to listen', () => /listening on/.test(tcpdumpErr), 10_000);

    const a = { addr: '10.99.0.1', asn: 65001, id: '10.0.0.1', v6: 'fd00::1' };
    const b = { addr: '10.99.0.2', asn: 65002, id: '10.0.0.2', v6: 'fd00::2' };
    writeFileSync(
      join(dir, 'a.conf'),
      birdConf(a, b, 'protocol static s4 { ipv4; route 10.244.1.0/26 blackhole; route 10.244.2.0/26 blackhole; }\nprotocol static s6 { ipv6; route fd00:10:244:1::/122 blackhole; }', 'all'),
    );
    writeFileSync(
      join(dir, 'b.conf'),
      birdConf(
        b,
        a,
        'protocol static s4 { ipv4; route 10.244.9.0/26 blackhole; }',
        'filter { bgp_community.add((65002,9)); bgp_large_community.add((65002,1,2)); accept; }',
      ),
    );
    const sockA = join(dir, 'a.ctl');
    const sockB = join(dir, 'b.ctl');
    start(['bird', '-f', '-c', join(dir, 'a.conf'), '-s', sockA, '-P', join(dir, 'a.pid')]);
    start(['bird', '-f', '-c', join(dir, 'b.conf'), '-s', sockB, '-P', join(dir, 'b.pid')]);
    await until('BIRD control sockets', () => existsSync(sockA) && existsSync(sockB), 10_000);
    // Wait on the capture itself: both sides' End-of-RIB for both families are in it.
    const decodeFile = (): JsonObject[] => {
      const out: JsonObject[] = [];
      if (!existsSync(pcapFile)) return out;
      for (const item of decodeBgpCapture(readFileSync(pcapFile))) {
        if (item.kind !== 'message') continue;
        const j = resultToJson(item.result, item.bytes);
        j.src = item.capture?.src.address;
        if (item.guessed) j.guessed = item.guessed;
        out.push(j);
      }
      return out;
    };
    await until('both End-of-RIBs in the capture', () => decodeFile().filter((r) => r.endOfRib).length >= 4, 20_000);
    expect(sh('birdc', ['-s', sockA, 'disable', 'peer', '"maintenance window"']).code).toBe(0);
    await until('the NOTIFICATION in the capture', () => decodeFile().some((r) => r.type === 'NOTIFICATION'), 10_000);
    await stop(tcpdump, 'SIGINT');

    const records = decodeFile();
    const from = (src: string, type: string) => records.filter((r) => r.src === src && r.type === type);

    expect(records.filter((r) => r.error)).toEqual([]);
    expect(records.filter((r) => r.guessed)).toEqual([]);

    const openA = from('10.99.0.1', 'OPEN')[0];
    expect(openA).toMatchObject({ version: 4, myAs: 65001, bgpId: '10.0.0.1' });
    const caps = (openA.capabilities as JsonObject[]).map((c) => c.name);
    expect(caps).toEqual(expect.arrayContaining(['multiprotocol', 'route-refresh', 'graceful-restart', 'four-octet-as', 'add-path']));
    expect((openA.capabilities as JsonObject[]).find((c) => c.name === 'add-path')).toMatchObject({
      families: expect.arrayContaining([expect.objectContaining({ family: 'ipv4-unicast', sendReceive: 'send-receive' })]),
    });

    const updA = from('10.99.0.1', 'UPDATE');
    const v4 = updA.flatMap((u) => u.nlri as string[]);
    expect(v4.sort()).toEqual(['10.244.1.0/26', '10.244.2.0/26']);
    const withV4 = updA.find((u) => (u.nlri as string[]).length > 0)!;
    // ADD-PATH was negotiated both ways: path ids are there, the prefix strings unchanged.
    expect(withV4.nlriPathIds).toEqual((withV4.nlri as string[]).map(() => expect.any(Number)));
    expect(withV4.attributes).toMatchObject({ origin: 'IGP', asPath: [{ type: 'AS_SEQUENCE', asns: [65001] }], nextHop: '10.99.0.1' });
    const v6 = updA.find((u) => (u.attributes as JsonObject).mpReach !== undefined && ((u.attributes as JsonObject).mpReach as JsonObject).afi === 2);
    expect((v6!.attributes as JsonObject).mpReach).toMatchObject({ family: 'ipv6-unicast', nlri: ['fd00:10:244:1::/122'], nextHops: expect.arrayContaining(['fd00::1']) });
    expect(updA.filter((u) => u.endOfRib).map((u) => (u.endOfRib as JsonObject).family).sort()).toEqual(['ipv4-unicast', 'ipv6-unicast']);

    const updB = from('10.99.0.2', 'UPDATE').find((u) => (u.nlri as string[]).includes('10.244.9.0/26'))!;
    expect(updB.attributes).toMatchObject({ asPath: [{ type: 'AS_SEQUENCE', asns: [65002] }], communities: ['65002:9'], largeCommunities: ['65002:1:2'] });

    expect(from('10.99.0.1', 'NOTIFICATION')[0]).toMatchObject({ code: 6, subcode: 2, subcodeName: 'Administrative Shutdown', shutdownCommunication: 'maintenance window' });
  }, 60_000);
});
