/**
 * The one-file speaker bundle (dist/speaker-main.cjs, built by scripts/bundle-speaker.mjs in `npm run
 * build`) and its loader dist/speaker.cjs, which the lab launches: it must be chosen only when fresh,
 * load none of the CLI, and behave as the lean ESM entry dist/src/speaker/main.js (same messages, same
 * exit codes, a real listening speaker, exit 0 on SIGTERM). The loader compiles the bundle with the
 * code cache of the build's training run when V8 accepts it, and as usual when it is missing or
 * stale. Needs a build; skips with the reason otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSpeakerEntry } from '../../src/daemons/bgplab.js';
import { SPEAKER_NODE_FLAGS } from '../../src/speaker/node-flags.js';
import { missingBuild } from '../helpers/env.js';

const root = resolve(import.meta.dirname, '..', '..');
const bundle = join(root, 'dist', 'speaker.cjs');
const main = join(root, 'dist', 'speaker-main.cjs');
const esm = join(root, 'dist', 'src', 'speaker', 'main.js');
const skip = missingBuild('speaker-entry.test', bundle, esm);

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
    const text = readFileSync(main, 'utf8');
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

  /** Runs `entry` as the lab does until it listens; returns its `listening` event, then stops it. */
  async function listenOnce(entry: string, name: string): Promise<Record<string, unknown>> {
    const port = await freePort();
    const cfg = join(dir, `${name}.json`);
    const log = join(dir, `${name}.jsonl`);
    writeFileSync(
      cfg,
      JSON.stringify({
        name,
        routerId: '192.0.2.1',
        asn: 64512,
        listen: { addresses: ['127.0.0.1'], port },
        originate: ['10.244.0.0/26'],
        fib: false,
        blackhole: false,
        control: join(dir, `${name}.sock`),
        eventLog: log,
        peers: [],
      }),
    );
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // flags of its own would make V8 refuse the cache
    const child = spawn(process.execPath, [...SPEAKER_NODE_FLAGS, entry, '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'], env });
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
      const ev = JSON.parse(lines.find((l) => l.includes('"listening"'))!) as Record<string, unknown>;
      expect(ev).toMatchObject({ node: name, addresses: ['127.0.0.1'], port });
      // The lab tells "listening" from the log by this process's start line (src/daemons daemonListening).
      expect(JSON.parse(lines.find((l) => l.includes('"event":"start"'))!)).toMatchObject({ pid: child.pid });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(readFileSync(log, 'utf8')).toMatch(/"event":"stop"/);
      return ev;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  it('runs a speaker that listens, logs and stops with exit 0 on SIGTERM, compiled from the code cache when there is one', async () => {
    const ev = await listenOnce(bundle, 't-speaker-entry');
    // The build trains a cache as root (network namespaces); without root there is none.
    expect(ev.codeCache).toBe(existsSync(`${main}.cache`) ? 'used' : 'none');
    if (process.getuid?.() === 0) expect(ev.codeCache).toBe('used');
  });

  it('a stale or damaged code cache is refused by V8 and the speaker compiles as usual', async () => {
    const copy = join(dir, 'dist-copy');
    mkdirSync(copy, { recursive: true });
    copyFileSync(bundle, join(copy, 'speaker.cjs'));
    copyFileSync(main, join(copy, 'speaker-main.cjs'));
    writeFileSync(join(copy, 'speaker-main.cjs.cache'), Buffer.alloc(4096, 7));
    const ev = await listenOnce(join(copy, 'speaker.cjs'), 't-speaker-entry-stale');
    expect(ev.codeCache).toBe('rejected');
  });
});
