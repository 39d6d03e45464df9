import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlServer, type ControlRequest } from '../../src/speaker/control.js';
import { controlRequest } from '../../src/speaker/control-client.js';
import { renderRoutes, renderStatus } from '../../src/speaker/render.js';
import type { RouteEntry, SpeakerStatus } from '../../src/speaker/status-types.js';

const status: SpeakerStatus = {
  name: 'rr-1',
  routerId: '10.0.0.1',
  asn: 64512,
  clusterId: '10.0.0.1',
  uptimeMs: 125_000,
  peers: [
    {
      address: '10.0.0.2',
      asn: 64512,
      type: 'ibgp',
      rrClient: true,
      state: 'Established',
      since: '2024-05-01T10:00:00.000Z',
      lastError: null,
      prefixes: { received: 2, accepted: 2, sent: 5 },
      messages: { in: 10, out: 12 },
    },
    {
      address: 'fd00::3',
      asn: 65001,
      type: 'ebgp',
      rrClient: false,
      state: 'Active',
      since: '2024-05-01T10:00:01.000Z',
      lastError: 'received NOTIFICATION 2/2 (OPEN Message Error / Bad Peer AS)',
      prefixes: { received: 0, accepted: 0, sent: 0 },
      messages: { in: 1, out: 1 },
    },
  ],
  rib: { ipv4: { routes: 7 }, ipv6: { routes: 3 } },
  fib: { installed: 9 },
};

const routes: RouteEntry[] = [
  {
    prefix: '10.244.1.0/26',
    family: 'ipv4',
    nextHop: '10.0.0.2',
    peer: '10.0.0.2',
    best: true,
    attributes: { origin: 'IGP', asPath: [], localPref: 100, originatorId: '10.0.0.2', clusterList: ['10.0.0.1'] },
  },
  {
    prefix: '10.244.1.0/26',
    family: 'ipv4',
    nextHop: '10.0.0.2',
    peer: '10.0.0.9',
    best: false,
    attributes: { origin: 'IGP', localPref: 100 },
  },
  { prefix: 'fd00:10::/122', family: 'ipv6', nextHop: null, peer: null, best: true, attributes: { origin: 'IGP' } },
];

describe('control socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bgplab-ctl-'));
  const path = join(dir, 'ctl.sock');
  const seen: ControlRequest[] = [];
  const server = new ControlServer(path, async (req) => {
    seen.push(req);
    if (req.cmd === 'status') return status;
    if (req.cmd === 'routes') return { routes: routes.filter((r) => !req.family || r.family === req.family) };
    throw new Error(`no such peer ${req.peer}`);
  });

  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers status and routes (filtered by family)', async () => {
    expect(await controlRequest(path, { cmd: 'status' })).toEqual(status);
    const r = await controlRequest<{ routes: RouteEntry[] }>(path, { cmd: 'routes', family: 'ipv6' });
    expect(r.routes.map((x) => x.prefix)).toEqual(['fd00:10::/122']);
  });

  it('reports handler errors and bad requests as {"error"} and keeps the connection usable', async () => {
    await expect(controlRequest(path, { cmd: 'reset', peer: '1.2.3.4' })).rejects.toThrow(/no such peer 1\.2\.3\.4/);
    const answers = await new Promise<string[]>((resolve, reject) => {
      const sock = createConnection(path);
      let buf = '';
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => {
        buf += d;
        const lines = buf.split('\n').filter((l) => l);
        if (lines.length === 4) {
          sock.destroy();
          resolve(lines);
        }
      });
      sock.on('error', reject);
      sock.write('not json\n{"cmd":"frobnicate"}\n{"cmd":"routes","family":"ipv5"}\n{"cmd":"status"}\n');
    });
    expect(JSON.parse(answers[0]).error).toMatch(/^not JSON/);
    expect(JSON.parse(answers[1]).error).toMatch(/unknown cmd "frobnicate"/);
    expect(JSON.parse(answers[2]).error).toMatch(/family "ipv5"/);
    expect(JSON.parse(answers[3]).name).toBe('rr-1');
  });

  it('says so when the socket is another daemon\'s (BIRD answers with a text banner)', async () => {
    const path = join(dir, 'bird.ctl');
    const bird = createServer((c) => c.end('0001 BIRD 2.0.12 ready.\n'));
    await new Promise<void>((res) => bird.listen(path, res));
    try {
      await expect(controlRequest(path, { cmd: 'status' }, 2000)).rejects.toThrow(
        /not a bgplab speaker control socket \(it answered "0001 BIRD 2\.0\.12 ready\."\)/,
      );
    } finally {
      bird.close();
    }
  });

  it('times out and names the socket when nobody listens', async () => {
    await expect(controlRequest(join(dir, 'nobody.sock'), { cmd: 'status' }, 500)).rejects.toThrow(/nobody\.sock: no speaker listening/);
  });

  it('bgplab speaker status/routes print tables and JSON (built CLI)', async () => {
    const cli = join(process.cwd(), 'dist/src/cli/main.js');
    if (!existsSync(cli)) return; // built by scripts/setup.sh; the unit renderings below still run
    const run = (args: string[]): Promise<{ code: number; out: string; err: string }> =>
      new Promise((resolve) =>
        execFile('node', [cli, ...args], (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err })),
      );
    const table = await run(['speaker', 'status', '--control', path]);
    expect(table.code).toBe(0);
    expect(table.out).toContain('| PEER ADDRESS |');
    expect(table.out).toMatch(/\| 10\.0\.0\.2\s+\| 64512 \| rr client \| up\s+\|/);
    const json = await run(['speaker', 'status', '--control', path, '-f', 'json']);
    expect(JSON.parse(json.out)).toEqual(status);
    const r = await run(['speaker', 'routes', '--control', path]);
    expect(r.out).toMatch(/^Table ipv4:\n10\.244\.1\.0\/26\s+unicast \[10\.0\.0\.2\] \* \(100\) \[i\]\n\tvia 10\.0\.0\.2\n/);
    const bad = await run(['speaker', 'status', '--control', join(dir, 'none.sock')]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/none\.sock: no speaker listening/);
  });
});

describe('renderings', () => {
  it('status: calicoctl-style peer table with birdc columns, and a summary', () => {
    const text = renderStatus(status, new Date('2024-05-01T12:00:00Z'));
    expect(text).toMatch(/^bgplab speaker rr-1: router id 10\.0\.0\.1, AS 64512, route reflector \(cluster id 10\.0\.0\.1\), up 2m5s\n/);
    const lines = text.split('\n');
    expect(lines.find((l) => l.startsWith('| 10.0.0.2'))).toMatch(/\| 10\.0\.0\.2\s+\| 64512 \| rr client \| up\s+\| 10:00:00 \| Established\s+\| 2\/2\/5\s+\| 10\/12\s+\|/);
    expect(lines.find((l) => l.startsWith('| fd00::3'))).toMatch(/\| ebgp\s+\| start \| 10:00:01 \| Active: received NOTIFICATION 2\/2/);
    expect(text).toContain('Sessions: 1 of 2 established. Loc-RIB: 7 IPv4, 3 IPv6 routes. Kernel: 9 routes installed.');
  });

  it('routes: birdc show route layout, best marked, all attributes with --all', () => {
    const text = renderRoutes(routes);
    expect(text).toBe(
      [
        'Table ipv4:',
        '10.244.1.0/26        unicast [10.0.0.2] * (100) [i]',
        '\tvia 10.0.0.2',
        '                     unicast [10.0.0.9]   (100) [i]',
        '\tvia 10.0.0.2',
        '',
        'Table ipv6:',
        'fd00:10::/122        unicast [local] * (100) [i]',
        '\tblackhole',
        '',
      ].join('\n'),
    );
    const all = renderRoutes(routes.slice(0, 1), { all: true });
    expect(all).toContain('\tBGP.originatorId: 10.0.0.2');
    expect(all).toContain('\tBGP.clusterList: 10.0.0.1');
    expect(renderRoutes([])).toBe('No routes.\n');
  });
});
