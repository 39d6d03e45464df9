/**
 * The CLI's error policy, end to end through the built CLI (dist/): a bad flag, value, file or node gets
 * one line `bgplab: …` naming it, exit status 2, no stack trace and no page of help; --help and
 * --version exit 0. One process per case; nothing here touches a namespace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = join(import.meta.dirname, '../../dist/src/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 't-cli-usage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bgplab(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: tmp, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function expectUsageError(r: { code: number | null; err: string }, re: RegExp): void {
  expect(r.err).toMatch(re);
  expect(r.err.trimEnd().split('\n').length, r.err).toBe(1);
  expect(r.err).toMatch(/^bgplab: /);
  expect(r.err).not.toMatch(/Usage:|\n\s+at /);
  expect(r.code, r.err).toBe(2);
}

describe.skipIf(!existsSync(MAIN))('bgplab usage errors (CLI)', () => {
  it('commander errors (bad choice, missing option, unknown option or verb) are one line, exit 2', () => {
    expectUsageError(bgplab('topo', 'gen', '--mode', 'star', '--nodes', '3'), /--mode <mode>' argument 'star' is invalid\. Allowed choices are mesh, rr/);
    expectUsageError(bgplab('deploy'), /required option '-t, --topo <file>' not specified/);
    expectUsageError(bgplab('drill', '-t', 'x.yml', '--fault', 'kill'), /required option '--target <node>'/);
    expectUsageError(bgplab('topo', 'gen', '--mode', 'mesh', '--nodes', '4', '--bogus'), /unknown option '--bogus'/);
    expectUsageError(bgplab('speaker', 'status'), /required option '--control <socket>'/);
    const verb = bgplab('deplyo');
    expect(verb.code).toBe(2);
    expect(verb.err).toMatch(/^bgplab: unknown command 'deplyo'/);
  });

  it('speaker status/routes refuse a --timeout that is not milliseconds (it was read as the default)', () => {
    expectUsageError(bgplab('speaker', 'status', '--control', 'x.sock', '--timeout', 'abc'), /--timeout "abc": must be milliseconds/);
    expectUsageError(bgplab('speaker', 'routes', '--control', 'x.sock', '--timeout', '5s'), /--timeout "5s": must be milliseconds/);
  });

  it('--help and --version exit 0', () => {
    expect(bgplab('--version')).toMatchObject({ code: 0, out: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(bgplab('drill', '--help')).toMatchObject({ code: 0, out: expect.stringContaining('-t, --topo <file>') });
  });

  it('a missing topology file is exit 2 for every verb that takes -t', () => {
    for (const verb of [['deploy'], ['destroy'], ['converge'], ['drill', '--target', 'rr1', '--fault', 'kill'], ['status'], ['inspect']]) {
      expectUsageError(bgplab(...verb, '-t', 'missing.clab.yml'), /cannot read topology file missing\.clab\.yml/);
    }
    // converge and drill take -t/--topo like the other verbs; --topology stays accepted.
    expectUsageError(bgplab('converge', '--topology', 'missing.clab.yml'), /cannot read topology file missing\.clab\.yml/);
  });

  it('a topology with a typo names the field and value, one line per problem', () => {
    expect(bgplab('topo', 'gen', '--mode', 'rr', '--nodes', '3', '--rr', '1', '--name', 't-cli-usage-typo', '-o', 'typo.clab.yml').code).toBe(0);
    const file = join(tmp, 'typo.clab.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('kind: "linux"', 'kind: "linx"'));
    const r = bgplab('converge', '-t', 'typo.clab.yml');
    expect(r.code).toBe(2);
    expect(r.err).toContain('/topology/nodes/rr1/kind "linx": must be one of linux, bridge');
    expect(r.err).not.toMatch(/must be null|nokia_srlinux/);
  });
});
