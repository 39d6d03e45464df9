/**
 * The report's one I/O edge: read results.json, write the rendered files, and render chart PNGs with
 * `rsvg-convert` (Debian librsvg2-bin) when it is installed. Without it the Markdown links the SVGs.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirs } from '../sys/dirs.js';
import { hasCommand, run } from '../sys/exec.js';
import { renderReport } from './render.js';
import { parseResults, type ResultsFile } from './schema.js';

export interface WrittenReport {
  dir: string;
  files: string[];
  png: boolean;
  /** Why PNGs were not rendered, when they were not. */
  pngNote?: string;
}

/** Read and validate DIR/results.json (throws ResultsError / ENOENT). */
export async function readResults(dir: string): Promise<ResultsFile> {
  return parseResults(await readFile(join(dir, 'results.json'), 'utf8'));
}

/** Write results.json atomically (rename over), so an interrupted sweep never leaves half a file. */
export async function writeResults(dir: string, results: ResultsFile): Promise<void> {
  makeDirs(dir);
  const tmp = join(dir, `.results.json.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(results, null, 2) + '\n');
  await rename(tmp, join(dir, 'results.json'));
}

async function renderPngs(dir: string, ids: string[]): Promise<string | undefined> {
  if (!(await hasCommand('rsvg-convert'))) return 'rsvg-convert not installed (apt-get install librsvg2-bin): Markdown links the SVGs';
  for (const id of ids) {
    const svg = join(dir, 'charts', `${id}.svg`);
    const png = join(dir, 'charts', `${id}.png`);
    const r = await run('rsvg-convert', ['-f', 'png', '-o', png, svg], { timeoutMs: 30_000 });
    if (r.code !== 0) return `rsvg-convert failed on ${id}.svg: ${r.stderr.trim().split('\n')[0]}`;
  }
  return undefined;
}

/** Render DIR's report files from `results` (results.json itself is written by the caller). */
export async function writeReport(dir: string, results: ResultsFile, opts: { png?: boolean; title?: string } = {}): Promise<WrittenReport> {
  makeDirs(join(dir, 'charts'));
  // Charts first (as SVG), then try PNGs, then the Markdown that links whichever exists.
  const first = renderReport(results, { imageExt: 'svg', title: opts.title });
  for (const [rel, text] of first.files) if (rel.startsWith('charts/')) await writeFile(join(dir, rel), text);
  const pngNote = opts.png === false ? 'PNG rendering disabled' : await renderPngs(dir, first.charts.map((c) => c.id));
  const png = pngNote === undefined;
  const final = png ? renderReport(results, { imageExt: 'png', title: opts.title }) : first;
  const written: string[] = [];
  for (const [rel, text] of final.files) {
    await writeFile(join(dir, rel), text);
    written.push(rel);
  }
  if (png) written.push(...final.charts.map((c) => `charts/${c.id}.png`));
  return { dir, files: written.sort(), png, pngNote };
}
