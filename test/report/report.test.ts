/**
 * Report rendering from a small synthetic results file: every number shown must be the one in
 * results.json (or its median over repeats), the HTML must be self-contained, and a bad results.json
 * must be refused naming the field.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convergeGroups } from '../../src/report/aggregate.js';
import { writeReport, writeResults, readResults } from '../../src/report/files.js';
import { fmtMs, median } from '../../src/report/format.js';
import { renderReport } from '../../src/report/render.js';
import { parseResults, ResultsError } from '../../src/report/schema.js';
import { niceTicks } from '../../src/report/svg.js';
import { sampleResults } from './sample.js';

const dir = mkdtempSync(join(tmpdir(), 'bgplab-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** data-y values of the markers of one series in one chart. */
function chartPoints(svg: string, series: string): Array<{ x: number; y: number }> {
  const g = svg.split('<g class="series"').find((s) => s.startsWith(` data-series="${series}"`));
  if (!g) return [];
  return [...g.matchAll(/data-x="([^"]+)" data-y="([^"]+)"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
}

describe('report rendering', () => {
  const results = sampleResults();
  const { files, charts } = renderReport(results, { imageExt: 'svg' });

  it('charts every run’s measured sessions and the formula curve', () => {
    const svg = charts.find((c) => c.id === 'sessions')!.svg;
    const measured = chartPoints(svg, 'mesh measured');
    const want = results.runs.filter((r) => r.design.mode === 'mesh').map((r) => ({ x: r.design.nodes, y: r.converge!.sessions.established }));
    expect(measured.sort((a, b) => a.x - b.x)).toEqual(want.sort((a, b) => a.x - b.x));
    expect(svg).toContain('data-series="rr2 formula"');
  });

  it('draws the formula as a curve around the measured point when the sweep has a single N', () => {
    const one = sampleResults();
    const n = one.runs[0].design.nodes;
    one.runs = one.runs.filter((r) => r.design.nodes === n);
    const svg = renderReport(one, { imageExt: 'svg' }).charts.find((c) => c.id === 'sessions')!.svg;
    const g = svg.split('<g class="series"').find((x) => x.startsWith(' data-series="mesh formula"'))!;
    // A dashed path with more than one segment, spanning below and above N.
    expect(g).toMatch(/<path d="M[^"]*L[^"]*L/);
    expect(g).toContain('stroke-dasharray');
  });

  it('plots the median FIB convergence time per design and N', () => {
    const svg = charts.find((c) => c.id === 'convergence-fib')!.svg;
    for (const key of ['mesh bird fast', 'rr2 bird fast']) {
      const pts = chartPoints(svg, key);
      expect(pts.length).toBe(2);
      for (const p of pts) {
        const runs = results.runs.filter((r) => `${r.design.mode === 'mesh' ? 'mesh' : 'rr2'} bird fast` === key && r.design.nodes === p.x);
        expect(p.y).toBe(median(runs.map((r) => r.converge!.convergence.fibMs)));
      }
    }
  });

  it('charts the time from the deploy when the runs have it, and not for older results', () => {
    expect(charts.find((c) => c.id === 'from-deploy')).toBeUndefined(); // the sample predates fromDeployMs
    const withUp = sampleResults();
    withUp.runs.forEach((r, i) => {
      if (r.converge) r.converge.convergence.fromDeployMs = 2000 + 10 * i;
    });
    const out = renderReport(withUp, { imageExt: 'svg' });
    const svg = out.charts.find((c) => c.id === 'from-deploy')!.svg;
    const pts = chartPoints(svg, 'rr2 bird fast');
    expect(pts.length).toBe(2);
    for (const p of pts) {
      const runs = withUp.runs.filter((r) => r.design.mode === 'rr' && r.design.nodes === p.x && r.converge);
      expect(p.y).toBe(median(runs.map((r) => r.converge!.convergence.fromDeployMs!)));
    }
    const g = convergeGroups(withUp).find((x) => x.design === 'rr2' && x.nodes === 6)!;
    const row = out.files.get('report.md')!.split('\n').find((l) => l.startsWith('| rr2 | bird | fast | 6 |'))!;
    expect(row).toContain(`| ${fmtMs(g.fromDeployMs)} |`);
    const csv = out.files.get('results.csv')!.trim().split('\n');
    expect(csv[1].split(',')[csv[0].split(',').indexOf('from_deploy_ms')]).toBe(String(withUp.runs[0].converge!.convergence.fromDeployMs));
  });

  it('puts what t0 left to do in results.csv when the runs have it, empty cells for older results', () => {
    const older = renderReport(sampleResults(), { imageExt: 'svg' }).files.get('results.csv')!.trim().split('\n');
    const col = (lines: string[], name: string) => lines[1].split(',')[lines[0].split(',').indexOf(name)];
    expect(col(older, 'sessions_up_at_t0')).toBe('');
    expect(col(older, 'sessions_ms')).toBe('');
    const withUp = sampleResults();
    const c = withUp.runs[0].converge!;
    c.sessions.upAtT0 = 4;
    c.convergence.sessionsMs = 812.5;
    const csv = renderReport(withUp, { imageExt: 'svg' }).files.get('results.csv')!.trim().split('\n');
    expect(col(csv, 'sessions_up_at_t0')).toBe('4');
    expect(col(csv, 'sessions_ms')).toBe('812.5');
  });

  it('puts the same figures in the Markdown, HTML and CSV', () => {
    const md = files.get('report.md')!;
    const html = files.get('report.html')!;
    const g = convergeGroups(results).find((x) => x.design === 'rr2' && x.nodes === 6)!;
    // rr2 N=6: two sweep runs (860, 861) and the drill run's converge (860) → median 860
    expect(g.fibMs).toBe(860);
    const row = md.split('\n').find((l) => l.startsWith('| rr2 | bird | fast | 6 |'))!;
    expect(row).toContain(`| ${fmtMs(g.fibMs)} |`);
    expect(row).toContain('| 9/9 |'); // sessions measured/formula: 2*(6-2)+1
    expect(html).toContain(fmtMs(g.fibMs));
    const csv = files.get('results.csv')!.trim().split('\n');
    expect(csv.length).toBe(results.runs.length + 1);
    const header = csv[0].split(',');
    const first = csv[1].split(',');
    expect(first[header.indexOf('fib_ms')]).toBe(String(results.runs[0].converge!.convergence.fibMs));
    expect(first[header.indexOf('sessions_established')]).toBe(String(results.runs[0].converge!.sessions.established));
    // The drill verdict and its probe counts.
    expect(md).toContain('17 of 1,234');
    expect(md).toContain(results.runs.at(-1)!.drill!.verdict);
    const bar = charts.find((c) => c.id === 'drill-losses')!.svg;
    expect(bar).toMatch(/data-series="probes lost" data-y="17"/);
  });

  it('writes a self-contained report.html', () => {
    const html = files.get('report.html')!;
    expect(html).not.toMatch(/<script|<link |src="http|href="http|@import/);
    expect(html.match(/<svg /g)!.length).toBe(charts.length);
  });

  it('writes the directory, with PNGs when rsvg-convert is there, and reads it back', async () => {
    await writeResults(dir, results);
    const w = await writeReport(dir, await readResults(dir));
    for (const f of ['report.md', 'report.html', 'results.csv', 'charts/sessions.svg']) expect(existsSync(join(dir, f))).toBe(true);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    if (w.png) {
      expect(md).toContain('](charts/sessions.png)');
      expect(readFileSync(join(dir, 'charts/sessions.png')).subarray(1, 4).toString()).toBe('PNG');
    } else {
      expect(md).toContain('](charts/sessions.svg)');
    }
  });
});

describe('results.json validation', () => {
  it('names the bad field', () => {
    const r = sampleResults() as any;
    r.runs[1].converge.convergence.fibMs = 'fast';
    expect(() => parseResults(JSON.stringify(r))).toThrow(/runs\[1\]\.converge\.convergence\.fibMs must be a number or null/);
    expect(() => parseResults('{')).toThrow(ResultsError);
    expect(() => parseResults('{"schema":"x","runs":[]}')).toThrow(/schema/);
    // startupCpuMs is optional (results written before it existed) but, when present, a number or null.
    const old = sampleResults() as any;
    for (const run of old.runs) for (const n of run.converge?.nodes ?? []) delete n.startupCpuMs;
    expect(() => parseResults(JSON.stringify(old))).not.toThrow();
    const badStart = sampleResults() as any;
    const withNodes = badStart.runs.findIndex((run: any) => run.converge?.nodes?.length);
    badStart.runs[withNodes].converge.nodes[0].startupCpuMs = 'slow';
    expect(() => parseResults(JSON.stringify(badStart))).toThrow(new RegExp(`runs\\[${withNodes}\\]\\.converge\\.nodes\\[0\\]\\.startupCpuMs must be a number or null`));
    const dup = sampleResults();
    dup.runs[1].id = dup.runs[0].id;
    expect(() => parseResults(JSON.stringify(dup))).toThrow(/unique/);
  });
});

describe('chart axes', () => {
  it('chooses round ticks covering the range', () => {
    expect(niceTicks(0, 97, 6)).toEqual([0, 20, 40, 60, 80, 100]);
    const t = niceTicks(3, 3);
    expect(t[0]).toBeLessThanOrEqual(3);
    expect(t.at(-1)).toBeGreaterThanOrEqual(3);
  });
});
