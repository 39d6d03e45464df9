/**
 * The one-file speaker bundle (dist/speaker.cjs, built by scripts/bundle-speaker.mjs in `npm run build`)
 * that the lab launches: it must be chosen only when fresh, load none of the CLI, and behave as the lean
 * ESM entry dist/src/speaker/main.js (same messages, same exit codes, a real listening speaker, exit 0 on
 * SIGTERM). Needs a build; skips with the reason otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSpeakerEntry } from '../../src/daemons/bgplab.js';

const root = resolve(import.meta.dirname, '..', '..');
const bundle = join(root, 'dist', 'speaker.cjs');
const esm = join(root, 'dist', 'src', 'speaker', 'main.js');
const built = existsSync(bundle) && existsSync(esm) && statSync(bundle).mtimeMs >= statSync(esm).mtimeMs;
const skip = built ? undefined : 'no fresh dist/speaker.cjs: run npm run build';
if (skip && process.env.BGPLAB_REQUIRE_ALL === '1') throw new Error(`speaker-entry.test: ${skip} (CI builds first)`);
if (skip) console.warn(`speaker-entry.test: skipped: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 't-speaker-entry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runEntry(entry: string, args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', timeout: 15_000, cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

describe.skipIf(!!skip)('speaker bundle dist/speaker.cjs', () => {
  it('is what the lab launches when it is newer than the compiled entry', () => {
    expect(defaultSpeakerEntry()).toBe(bundle);
  });

  it('carries neither the CLI nor the YAML/JSON-schema libraries', () => {
    const text = readFileSync(bundle, 'utf8');
    expect(text).not.toMatch(/require\("commander/);
    expect(text).not.toMatch(/require\("ajv/);
    expect(text).not.toMatch(/\bimport\.meta\b/);
    // yaml is loaded only for YAML configs, at run time, from node_modules
    expect(text).not.toMatch(/^let \w+ = require\("yaml"\)/m);
  });

  it('answers --help, bad arguments and bad configs exactly as the ESM entry', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ routerId: '0.0.0.0', asn: 23456, peers: [{ address: 'x' }], extra: 1 }));
    for (const args of [['--help'], ['--bogus'], [], ['--config', join(dir, 'missing.json')], ['--config', bad]]) {
      const a = runEntry(bundle, args);
      const b = runEntry(esm, args);
      expect({ args, ...a }).toEqual({ args, ...b });
    }
    expect(runEntry(bundle, ['--config', bad]).err).toMatch(/asn: 23456: AS 23456 is AS_TRANS/);
  });

  it('runs a speaker that listens, logs and stops with exit 0 on SIGTERM', async () => {
    const port = await freePort();
    const cfg = join(dir, 'speaker.json');
    const log = join(dir, 'events.jsonl');
    writeFileSync(
      cfg,
      JSON.stringify({
        name: 't-speaker-entry',
        routerId: '192.0.2.1',
        asn: 64512,
        listen: { addresses: ['127.0.0.1'], port },
        originate: ['10.244.0.0/26'],
        fib: false,
        blackhole: false,
        control: join(dir, 'c.sock'),
        eventLog: log,
        peers: [],
      }),
    );
    const child = spawn(process.execPath, [bundle, '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      let listening = false;
      for (let i = 0; i < 100 && !listening; i++) {
        await new Promise((r) => setTimeout(r, 50));
        listening = existsSync(log) && readFileSync(log, 'utf8').includes('"event":"listening"');
      }
      expect(listening, stderr).toBe(true);
      const lines = readFileSync(log, 'utf8').split('\n');
      expect(JSON.parse(lines.find((l) => l.includes('"listening"'))!)).toMatchObject({ node: 't-speaker-entry', addresses: ['127.0.0.1'], port });
      // The lab tells "listening" from the log by this process's start line (src/daemons daemonListening).
      expect(JSON.parse(lines.find((l) => l.includes('"event":"start"'))!)).toMatchObject({ pid: child.pid });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(readFileSync(log, 'utf8')).toMatch(/"event":"stop"/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
