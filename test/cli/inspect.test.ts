/**
 * `bgplab inspect` with a lab whose state file is gone (its directory removed by hand): the lab still
 * shows, with the namespaces of it that remain and the command that removes them, in the table and in
 * `-f json`; `destroy --lab` then removes them and the lab is gone from inspect. Own index directory and
 * namespace names; needs root for the namespace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/env.js';

const MAIN = join(import.meta.dirname, '../../dist/src/cli/main.js');
const skip = missing('root', 'ip') || !existsSync(MAIN);
const tmp = mkdtempSync(join(tmpdir(), 't-cli-inspect-'));
const indexDir = join(tmp, 'index');
const lab = `t-insp-${process.pid % 100000}`;
const present = `clab-${lab}-n1`;
const absent = `clab-${lab}-n2`;

function bgplab(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, BGPLAB_INDEX_DIR: indexDir } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

afterAll(() => {
  spawnSync('ip', ['netns', 'del', present]);
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(skip)('inspect shows a lab whose state file is gone', () => {
  it('lists what remains of it and how to remove it; destroy --lab removes it', () => {
    mkdirSync(indexDir, { recursive: true });
    const labDir = join(tmp, `clab-${lab}`); // never created: the state is gone
    writeFileSync(
      join(indexDir, `${lab}.json`),
      JSON.stringify({ name: lab, labDir, topologyFile: join(tmp, `${lab}.clab.yml`), runtime: 'netns', createdAt: new Date().toISOString(), namespaces: [present, absent] }),
    );
    expect(spawnSync('ip', ['netns', 'add', present]).status).toBe(0);

    const json = bgplab('inspect', '-f', 'json');
    expect(json.code, json.err).toBe(0);
    expect(JSON.parse(json.out)).toEqual([{ lab, runtime: 'netns', status: 'state-missing', labDir, deployMs: null, nodes: [], namespaces: [present] }]);

    const table = bgplab('inspect');
    expect(table.code, table.err).toBe(0);
    expect(table.out).toBe(`lab ${lab}: its state ${labDir}/state.json is gone; 1 of its 2 namespaces remain; remove it with bgplab destroy --lab ${lab}\n`);

    const d = bgplab('destroy', '--lab', lab);
    expect(d.code, d.err).toBe(0);
    expect(d.err).toMatch(new RegExp(`Destroyed lab ${lab}: 0 processes stopped, 1 namespaces removed`));
    expect(existsSync(`/run/netns/${present}`)).toBe(false);
    expect(bgplab('inspect').out).toBe('no lab is deployed\n');
  });
});
