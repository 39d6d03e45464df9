/**
 * `bgplab decode` end to end: the built CLI (dist/) run as a process on hex arguments, stdin,
 * --file, --pcap and --mrt, in text and JSON, with its exit statuses (0 clean, 1 malformed, 2 usage).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ethernet, ipv4, KEEPALIVE, OPEN, pcap, update } from '../capture/builders.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'tcpdump');

/** Newest mtime of the .ts files the decode verb is built from. */
function newestSource(): number {
  let newest = 0;
  for (const dir of ['src/cli', 'src/capture', 'src/wire']) {
    const abs = join(ROOT, dir);
    if (!existsSync(abs)) continue;
    for (const f of readdirSync(abs)) if (f.endsWith('.ts')) newest = Math.max(newest, statSync(join(abs, f)).mtimeMs);
  }
  return newest;
}

let tmp = '';

beforeAll(() => {
  // setup.sh builds dist/; rebuild only when it is missing or older than the sources (tsc emits
  // even when other people's files have type errors, so its exit status is not checked here).
  const built = join(ROOT, 'dist', 'src', 'cli', 'decode.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newestSource()) {
    spawnSync('npx', ['tsc', '-p', '.'], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
  }
  expect(existsSync(built)).toBe(true);
  tmp = mkdtempSync(join(tmpdir(), 't-decode-cli-'));
}, 150_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'decode', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

const jsonLines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);

const KA = KEEPALIVE.toString('hex');

describe('bgplab decode: hex input', () => {
  it('decodes a hex argument as text, exit 0', async () => {
    const r = await run([KA]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('KEEPALIVE (19 bytes)');
  });

  it('ignores spaces and colons across several arguments, and decodes concatenated messages', async () => {
    const colons = OPEN.toString('hex').match(/../g)!.join(':');
    const r = await run([colons, KA.slice(0, 10), KA.slice(10), '-f', 'json']);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => l.type)).toEqual(['OPEN', 'KEEPALIVE']);
    expect(lines[0]).toMatchObject({ offset: 0, version: 4, myAs: 65001, holdTime: 90, bgpId: '10.0.0.1' });
    expect(lines[0].capabilities).toEqual([{ code: 65, name: 'four-octet-as', asn: 65001 }]);
    expect(lines[1].offset).toBe(OPEN.length);
  });

  it('reads hex from stdin with newlines, one JSON object per line', async () => {
    const u = update([10, 244, 3, 0], 65001, '10.0.0.9').toString('hex');
    const stdin = `${u.slice(0, 40)}\n${u.slice(40)}\n  ${KA}\n`;
    const r = await run(['-f', 'json', '--as4'], stdin);
    expect(r.code).toBe(0);
    const [up, ka] = jsonLines(r.stdout);
    expect(up).toMatchObject({
      type: 'UPDATE',
      length: 48,
      withdrawn: [],
      nlri: ['10.244.3.0/26'],
      attributes: { origin: 'IGP', asPath: [{ type: 'AS_SEQUENCE', asns: [65001] }], nextHop: '10.0.0.9' },
    });
    expect(up.guessed).toBeUndefined();
    expect(ka.type).toBe('KEEPALIVE');
  });

  it('text output shows an UPDATE birdc-style', async () => {
    const r = await run(['--as4', update([10, 244, 3, 0]).toString('hex')]);
    expect(r.stdout).toBe(
      'UPDATE (48 bytes): 1 announced, 0 withdrawn\n    origin IGP, as-path 65001, next-hop 10.0.0.1\n    nlri (1): 10.244.3.0/26\n',
    );
  });

  it('--no-as4 forces 2-octet AS numbers (the 4-octet path is then malformed); default guesses', async () => {
    const hex = update([10, 244, 3, 0], 4_200_000_000).toString('hex');
    const forced = await run(['--no-as4', '-f', 'json', hex]);
    expect(forced.code).toBe(1);
    expect(jsonLines(forced.stdout)[0].error).toMatchObject({ code: 3, subcode: 11, action: 'treat-as-withdraw' });
    const guessed = await run(['-f', 'json', hex]);
    expect(guessed.code).toBe(0);
    expect(jsonLines(guessed.stdout)[0]).toMatchObject({ guessed: { as4: true }, attributes: { asPath: [{ asns: [4_200_000_000] }] } });
  });

  it('a malformed message prints its error, still shows the rest (treat-as-withdraw), goes on, exits 1', async () => {
    // ORIGIN value 5 is invalid: RFC 7606 §7.1 treat-as-withdraw.
    const bad = Buffer.from(update([10, 244, 3, 0]));
    bad[19 + 4 + 3] = 5;
    const r = await run(['-f', 'json', '--as4', bad.toString('hex') + KA]);
    expect(r.code).toBe(1);
    const [u, ka] = jsonLines(r.stdout);
    expect(u.error).toMatchObject({ code: 3, subcode: 6, name: 'UPDATE Message Error / Invalid ORIGIN Attribute', action: 'treat-as-withdraw', offset: expect.any(Number), reason: expect.any(String) });
    expect(u.nlri).toEqual(['10.244.3.0/26']);
    expect(u.raw).toBe(bad.toString('hex'));
    expect(ka.type).toBe('KEEPALIVE');
    const text = await run(['--as4', bad.toString('hex')]);
    expect(text.stdout).toMatch(/! error 3\/6 UPDATE Message Error \/ Invalid ORIGIN Attribute \(treat-as-withdraw\) at byte \d+: /);
    expect(text.code).toBe(1);
  });

  it('a header error (bad marker) is reported and framing resynchronises on the next marker', async () => {
    const r = await run(['-f', 'json', '00'.repeat(19) + KA]);
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines[0].error).toMatchObject({ code: 1, subcode: 1, name: 'Message Header Error / Connection Not Synchronized', action: 'session-reset' });
    expect(lines[1].type).toBe('KEEPALIVE');
    expect(r.stderr).toMatch(/note: skipped 19 bytes/);
  });

  it('a NOTIFICATION shows its names and data', async () => {
    const msg = Buffer.concat([Buffer.from('ffffffffffffffffffffffffffffffff002003' + '0602' + '0a', 'hex'), Buffer.from('maintenance')]);
    msg.writeUInt16BE(msg.length, 16);
    const r = await run(['-f', 'json', msg.toString('hex')]);
    expect(jsonLines(r.stdout)[0]).toMatchObject({
      type: 'NOTIFICATION',
      code: 6,
      subcode: 2,
      codeName: 'Cease',
      subcodeName: 'Administrative Shutdown',
      shutdownCommunication: 'maintenanc',
      extraData: Buffer.from('e').toString('hex'),
    });
    const text = await run([msg.toString('hex')]);
    expect(text.stdout).toMatch(/NOTIFICATION \(\d+ bytes\): 6\/2 Cease \/ Administrative Shutdown, shutdown communication "maintenanc"/);
  });
});

describe('bgplab decode: files and captures', () => {
  it('--file reads raw bytes', async () => {
    const f = join(tmp, 'raw.bin');
    writeFileSync(f, Buffer.concat([OPEN, KEEPALIVE, KEEPALIVE]));
    const r = await run(['--file', f]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.trim().split(' ')[0])).toEqual(['OPEN', 'capabilities:', 'KEEPALIVE', 'KEEPALIVE']);
  });

  it('--pcap prints endpoints and capture time (text and JSON)', async () => {
    const file = join(FIXTURES, 'bgp-large-community.pcap');
    const text = await run(['--pcap', file]);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('#1 2016-10-27 07:21:26.812466 192.0.2.2:46605 > 192.0.2.3:179 UPDATE (75 bytes): 1 announced, 0 withdrawn');
    expect(text.stdout).toContain('large-communities 65535:1:1 4294967295:4294967295:4294967295');
    const json = await run(['--pcap', file, '-f', 'json']);
    const lines = jsonLines(json.stdout);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ time: '2016-10-27T07:21:26.812466Z', src: '192.0.2.2', srcPort: 46605, dst: '192.0.2.3', dstPort: 179, frame: 1, type: 'UPDATE' });
    expect(Object.keys(lines[0]).slice(0, 7)).toEqual(['time', 'src', 'srcPort', 'dst', 'dstPort', 'frame', 'type']);
  });

  it('--pcap over IPv6 (pcapng) with --addpath and a malformed capture exits 1', async () => {
    const v6 = await run(['--pcap', join(FIXTURES, 'bgp-enhanced-route-refresh-subtype.pcapng'), '-f', 'json']);
    expect(v6.code).toBe(0);
    const lines = jsonLines(v6.stdout);
    expect(lines[0]).toMatchObject({ src: '2a02:abc::17', type: 'ROUTE-REFRESH', subtypeName: 'request' });
    expect(v6.stderr).toMatch(/gap of 153 bytes/);
    const loop = await run(['--pcap', join(FIXTURES, 'bgp-infinite-loop.pcap')]);
    expect(loop.code).toBe(1);
    expect(loop.stdout).toMatch(/! error 1\/2 Message Header Error \/ Bad Message Length/);
  });

  it('--pcap - reads the capture from stdin', async () => {
    const child = spawn(process.execPath, [CLI, 'decode', '--pcap', '-', '-f', 'json'], { cwd: ROOT });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', resolve);
      child.stdin.end(readFileSync(join(FIXTURES, 'bgp-bfd-cease.pcap')));
    });
    expect(code).toBe(0);
    expect(jsonLines(stdout)[0]).toMatchObject({ type: 'NOTIFICATION', code: 6, subcode: 10, subcodeName: 'BFD Down', src: '127.0.0.1', dstPort: 179 });
  });

  it('--port picks BGP on another port', async () => {
    const frames = [{ data: ethernet(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 50000, dstPort: 1179, seq: 1, payload: KEEPALIVE })) }];
    const f = join(tmp, 'port.pcap');
    writeFileSync(f, pcap(1, frames));
    const dflt = await run(['--pcap', f]);
    expect(dflt.stdout).toMatch(/no TCP segments on port 179 among 1 frames/);
    const r = await run(['--pcap', f, '--port', '1179,2179']);
    expect(r.stdout).toMatch(/^#1 .* 10\.0\.0\.1:50000 > 10\.0\.0\.2:1179 KEEPALIVE \(19 bytes\)$/m);
  });
});

describe('bgplab decode --mrt', () => {
  const MRT = join(ROOT, 'test', 'fixtures', 'mrt');

  it('a TABLE_DUMP_V2 RIB as JSON: the peer table, then one object per prefix with its paths', async () => {
    const r = await run(['--mrt', join(MRT, 'quagga_rib'), '-f', 'json']);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines[0]).toMatchObject({
      record: 1,
      time: '2017-02-11T08:40:00.000000Z',
      mrt: 'TABLE_DUMP_V2/PEER_INDEX_TABLE',
      type: 'PEER_INDEX_TABLE',
      collectorId: '192.168.0.18',
      peers: [
        { index: 0, address: '192.168.0.10', asn: 65000, bgpId: '172.16.0.10' },
        { index: 1, address: 'fd02::10', asn: 65000, bgpId: '172.16.0.10' },
      ],
    });
    expect(lines[1]).toMatchObject({ type: 'RIB', family: 'ipv4', prefix: '172.17.0.0/24', sequence: 0 });
    expect(lines[1].entries).toEqual([
      {
        peerIndex: 0,
        peer: '192.168.0.10',
        peerAs: 65000,
        peerBgpId: '172.16.0.10',
        originated: '2017-02-11T08:37:16.000000Z',
        attributes: {
          origin: 'IGP',
          asPath: [{ type: 'AS_SEQUENCE', asns: [4200000000, 4200000000, 4200000000, 64512, 64512, 64512] }],
          nextHop: '192.168.0.10',
          med: 10,
          localPref: 100,
          communities: ['65000:100', '65000:200', '65000:300'],
        },
      },
    ]);
    expect(lines.filter((l) => l.type === 'RIB').map((l) => l.prefix)).toEqual(['172.17.0.0/24', '172.17.1.0/24', '172.17.2.0/24', 'fd01:1::/64', 'fd01:1:1::/64', 'fd01:1:2::/64']);
  });

  it('BGP4MP as text: state changes and messages with both speakers, ADD-PATH marked when assumed', async () => {
    const r = await run(['--mrt', join(MRT, 'bird_bgp')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#3 2017-02-11 09:32:45\.000000 192\.168\.0\.10 AS65000 > 192\.168\.0\.16 AS65000 STATE_CHANGE: Connect -> OpenSent$/m);
    expect(r.stdout).toMatch(/^#8 .* 192\.168\.0\.10 AS65000 > 192\.168\.0\.16 AS65000 UPDATE \(130 bytes\): 3 announced, 0 withdrawn$/m);
    expect(r.stdout).toContain('nlri (3): 172.17.0.0/24 (path-id 2) 172.17.1.0/24 (path-id 2) 172.17.2.0/24 (path-id 2)');
    expect(r.stdout).toContain('(ADD-PATH path ids assumed: the record');
    expect(r.stdout).not.toContain('no OPEN seen');
    const j = jsonLines((await run(['--mrt', join(MRT, 'bird_bgp'), '-f', 'json'])).stdout);
    const u = j.find((l) => l.record === 8)!;
    expect(u).toMatchObject({ mrt: 'BGP4MP/MESSAGE_AS4', peer: '192.168.0.10', peerAs: 65000, local: '192.168.0.16', direction: 'received', type: 'UPDATE' });
    expect(u.guessed).toEqual({ addPath: ['ipv4', 'ipv6'] });
    expect(j.find((l) => l.record === 3)).toMatchObject({ type: 'STATE_CHANGE', oldState: 'Connect', newState: 'OpenSent' });
  });

  it('unknown records are notes; a cut dump exits 1 with every whole record printed', async () => {
    const dump = readFileSync(join(MRT, 'openbgpd_rib_table-v2'));
    const cutFile = join(tmp, 'cut.mrt');
    writeFileSync(cutFile, dump.subarray(0, dump.length - 7));
    const whole = await run(['--mrt', join(MRT, 'openbgpd_rib_table-v2'), '-f', 'json']);
    expect(whole.code).toBe(0);
    expect(whole.stderr).toMatch(/note: record \d+: TABLE_DUMP_V2 RIB_GENERIC is not decoded/);
    const cut = await run(['--mrt', cutFile, '-f', 'json']);
    expect(cut.code).toBe(1);
    const lines = jsonLines(cut.stdout);
    expect(lines.at(-1)).toMatchObject({ type: 'MALFORMED', reason: expect.stringMatching(/runs past the end of the file/) });
    expect(lines.slice(0, -1)).toEqual(jsonLines(whole.stdout).slice(0, lines.length - 1));
  });

  it('reads a gzipped dump (as RIPE RIS publishes them) as the dump itself, and names bzip2', async () => {
    const gz = join(tmp, 'quagga_rib.gz');
    writeFileSync(gz, gzipSync(readFileSync(join(MRT, 'quagga_rib'))));
    const plain = await run(['--mrt', join(MRT, 'quagga_rib'), '-f', 'json']);
    const r = await run(['--mrt', gz, '-f', 'json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    const bz = join(tmp, 'x.bz2');
    writeFileSync(bz, Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(20)]));
    const b = await run(['--mrt', bz]);
    expect([b.code, b.stderr]).toEqual([2, expect.stringMatching(/bzip2-compressed; decompress it first: bzcat/)]);
    const broken = join(tmp, 'broken.gz');
    writeFileSync(broken, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    const c = await run(['--mrt', broken]);
    expect([c.code, c.stderr]).toEqual([2, expect.stringMatching(/gzip data that does not decompress/)]);
  });

  it('refuses what is not a dump, and codec flags that each record decides', async () => {
    const a = await run(['--mrt', join(MRT, 'bird.conf')]);
    expect([a.code, a.stderr]).toEqual([2, expect.stringMatching(/--mrt .*bird\.conf: not an MRT dump/)]);
    const b = await run(['--mrt', join(FIXTURES, 'bgp-bfd-cease.pcap')]);
    expect([b.code, b.stderr]).toEqual([2, expect.stringMatching(/this is a packet capture: use --pcap/)]);
    const c = await run(['--mrt', join(MRT, 'quagga_rib'), '--as4']);
    expect([c.code, c.stderr]).toEqual([2, expect.stringMatching(/--as4: not with --mrt/)]);
    const d = await run(['--mrt', join(MRT, 'quagga_rib'), '--file', 'x']);
    expect([d.code, d.stderr]).toEqual([2, expect.stringMatching(/give one input, not --file and --mrt/)]);
  });
});

describe('bgplab decode: usage errors exit 2 with a clear message', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown format', [KA, '-f', 'yaml'], /--format: unknown format 'yaml' \(expected text or json\)/],
    ['bad add-path family', [KA, '--addpath', 'ipv4,ipv5'], /--addpath: unknown family 'ipv5'/],
    ['bad port', ['--pcap', 'x.pcap', '--port', '70000'], /--port: '70000' is not a TCP port/],
    ['port without pcap', [KA, '--port', '179'], /--port applies only to --pcap input/],
    ['non-hex', ['ffzz'], /hex argument: 'z' is not a hex digit \(at hex digit 3\)/],
    ['odd hex', ['fff'], /odd number of hex digits \(3\)/],
    ['two inputs', [KA, '--file', 'x'], /give one input, not hex arguments and --file/],
    ['missing file', ['--file', '/nonexistent/bgp.bin'], /--file \/nonexistent\/bgp.bin: cannot read \(no such file\)/],
    ['missing capture', ['--pcap', '/nonexistent/x.pcap'], /--pcap \/nonexistent\/x.pcap: cannot read \(no such file\)/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    });
  }

  it('a capture given as --file, and a non-capture given as --pcap', async () => {
    const a = await run(['--file', join(FIXTURES, 'bgp-bfd-cease.pcap')]);
    expect([a.code, a.stderr]).toEqual([2, expect.stringMatching(/this is a packet capture; use --pcap/)]);
    const b = await run(['--pcap', join(FIXTURES, 'SOURCE.md')]);
    expect([b.code, b.stderr]).toEqual([2, expect.stringMatching(/not a pcap or pcapng file \(first bytes 23207463\)/)]);
  });

  // `script` (util-linux, in every Debian) runs the CLI with a terminal as its standard input.
  it('standard input that is a terminal, for --file -, --pcap - and --mrt -: a clear error, not a wait', () => {
    for (const [flag, what] of [['--file', 'bytes'], ['--pcap', 'bytes'], ['--mrt', 'dump']]) {
      const r = spawnSync('script', ['-qc', `${process.execPath} ${CLI} decode ${flag} -`, '/dev/null'], { encoding: 'utf8', timeout: 20_000 });
      expect(r.stdout, flag).toContain(`${flag} -: standard input is a terminal; pipe the ${what} into it`);
    }
  });

  it('empty stdin', async () => {
    const r = await run([], '  \n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stdin: no hex digits/);
  });
});
