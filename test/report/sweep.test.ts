/**
 * A real (small) sweep: two designs on bgplab speakers, then the report rendered from it must show the
 * numbers of results.json; a second sweep into the same directory resumes (skips what is done); and
 * `bgplab report DIR` renders again from results.json alone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { destroyByName } from '../../src/lab/destroy.js';
import { planSweep, runSweep } from '../../src/measure/sweep.js';
import { convergeGroups } from '../../src/report/aggregate.js';
import { fmtMs } from '../../src/report/format.js';
import { parseResults } from '../../src/report/schema.js';
import { missing } from '../helpers/env.js';
import { tempDir } from '../measure/lab.js';

const dir = tempDir('bgplab-sweep-');
afterAll(async () => {
  for (const e of planSweep(opts)) await destroyByName(e.labName).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

// Lab names come from the plan: sw-<mode>-<N>-<impl>; N=5 keeps them apart from other test files.
const opts = { modes: ['mesh', 'rr1'], nodes: [5], impls: ['bgplab' as const], profile: 'fast' as const, repeat: 1, drill: null, outDir: dir };

describe.skipIf(missing('root', 'ip', 'ping', 'tcpdump'))('sweep and report', () => {
  it('writes results.json and a report whose numbers are the measured ones; resumes', async () => {
    const out = await runSweep({ ...opts, timeoutMs: 30_000 });
    expect(out.ran).toBe(2);
    const results = parseResults(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(results.runs.map((r) => r.id).sort()).toEqual(['mesh-n5-bgplab-fast-r1', 'rr1-n5-bgplab-fast-r1']);
    for (const r of results.runs) expect(r.ok, r.error).toBe(true);
    expect(results.runs.find((r) => r.design.mode === 'mesh')!.converge!.sessions.established).toBe(10);
    expect(results.runs.find((r) => r.design.mode === 'rr')!.converge!.sessions.established).toBe(4);

    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    for (const g of convergeGroups(results)) {
      const row = md.split('\n').find((l) => l.startsWith(`| ${g.design} | ${g.impl} | fast | ${g.nodes} |`));
      expect(row, g.design).toBeDefined();
      expect(row).toContain(`| ${g.sessionsEstablished}/${g.formulaSessions} |`);
      expect(row).toContain(`| ${fmtMs(g.fibMs)} |`);
      expect(row).toContain(`| ${fmtMs(g.bgpMs)} |`);
    }
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
    const header = csv[0].split(',');
    for (const r of results.runs) {
      const row = csv.find((l) => l.startsWith(`${r.id},`))!.split(',');
      expect(Number(row[header.indexOf('fib_ms')])).toBeCloseTo(r.converge!.convergence.fibMs!, 3);
      expect(Number(row[header.indexOf('update_messages')])).toBe(r.converge!.updates.messages);
    }
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const mesh = results.runs.find((r) => r.design.mode === 'mesh')!;
    expect(html).toContain(`data-series="mesh measured"`);
    expect(html).toMatch(new RegExp(`data-x="5" data-y="${mesh.converge!.sessions.established}"`));
    expect(existsSync(join(dir, 'charts', 'sessions.svg'))).toBe(true);

    // Resume: nothing left to run.
    const again = await runSweep({ ...opts, timeoutMs: 30_000 });
    expect(again.ran).toBe(0);
    expect(again.skipped).toBe(2);
    expect(parseResults(readFileSync(join(dir, 'results.json'), 'utf8')).runs.length).toBe(2);
  }, 120_000);

  it('bgplab report DIR renders again from results.json', () => {
    rmSync(join(dir, 'report.md'));
    const cli = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
    const out = execFileSync('node', [cli, 'report', dir, '--no-png'], { encoding: 'utf8', timeout: 30_000 });
    expect(out).toMatch(/^design\s+impl\s+profile\s+N\s+sessions/m);
    expect(out).toMatch(/\brr1\s+bgplab\s+fast\s+5\s+4\/4\b/);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('](charts/sessions.svg)');
  }, 60_000);
});
