/**
 * report.md and report.html from results.json. Pure: results in, strings out. report.html is
 * self-contained (inline CSS and SVG, no scripts, no external assets); report.md points at the chart
 * files (PNG when a renderer was available, else the SVGs).
 */
import { buildCharts, type Chart } from './charts.js';
import { markdownTable, textTable } from './format.js';
import { escapeXml } from './svg.js';
import { drillTable, failureTable, headlineTable, resultsCsv, roleTable, type Table } from './tables.js';
import type { ResultsFile } from './schema.js';

export interface RenderedReport {
  /** Relative path → content. Chart SVGs under charts/. */
  files: Map<string, string>;
  charts: Chart[];
}

export interface RenderOptions {
  /** Extension the Markdown uses for chart images: png when they were rendered, svg otherwise. */
  imageExt: 'png' | 'svg';
  title?: string;
}

function hostLine(r: ResultsFile): string {
  const h = r.host;
  if (!h) return 'Host: not recorded.';
  const v = Object.entries(h.versions)
    .map(([k, x]) => `${k} ${x}`)
    .join(', ');
  return `Host: ${h.cpus} CPU (${h.cpuModel}), ${(h.memBytes / 2 ** 30).toFixed(1)} GiB, Linux ${h.kernel}, Node ${h.node}${v ? `; ${v}` : ''}.`;
}

function gridLine(r: ResultsFile): string {
  const g = r.grid;
  if (!g) return '';
  return `Grid: modes ${g.modes.join(', ')}; N ${g.nodes.join(', ')}; implementations ${g.impls.join(', ')}; profile ${g.profile}; ${g.repeat} repeat(s)${g.drill ? `; drill ${g.drill}` : ''}.`;
}

const METHOD_NOTE =
  't0 is the moment the last daemon was listening (from the daemons’ own logs when every node has one, else from the lab state). ' +
  'bgplab times come from the speakers’ event logs (CLOCK_MONOTONIC, exact); BIRD sessions from BIRD’s log (ms), its BGP table polled over ' +
  'its control socket; FRR/GoBGP polled through their CLIs; kernel FIBs of non-bgplab nodes watched with `ip monitor` (exact). ' +
  'Each run records its methods and resolutions in results.json. UPDATEs are counted in a capture of the fabric. CPU is time on CPU from ' +
  '/proc (schedstat, or utime+stime when larger) from daemon start to convergence; RSS is the peak (VmHWM); PSS from smaps_rollup.';

/** The headline as a plain-text table (what `sweep` and `npm run demo` print). */
export function headlineText(results: ResultsFile): string {
  const h = headlineTable(results);
  let out = h.rows.length ? textTable(h.headers, h.rows, h.align) : '';
  const d = drillTable(results);
  if (d.rows.length) {
    if (out) out += '\n';
    out += textTable(d.headers, d.rows, d.align);
  }
  const f = failureTable(results);
  if (f.rows.length) {
    if (out) out += '\n';
    out += textTable(f.headers, f.rows, f.align);
  }
  return out || 'no runs\n';
}

export function renderMarkdown(results: ResultsFile, charts: Chart[], opts: RenderOptions): string {
  const md = (t: Table) => markdownTable(t.headers, t.rows, t.align);
  const parts: string[] = [];
  parts.push(`# ${opts.title ?? 'bgplab report'}\n`);
  parts.push(`${results.runs.length} run(s), ${results.createdAt} to ${results.updatedAt}. ${hostLine(results)} ${gridLine(results)}\n`);
  parts.push(`${METHOD_NOTE}\n`);
  const head = headlineTable(results);
  if (head.rows.length) parts.push('## Convergence (median over repeats)\n', md(head));
  const roles = roleTable(results);
  if (roles.rows.length) parts.push('## Cost per daemon, by role\n', md(roles));
  const drills = drillTable(results);
  if (drills.rows.length) parts.push('## Drills\n', md(drills));
  const fails = failureTable(results);
  if (fails.rows.length) parts.push('## Failed or unconverged runs\n', md(fails));
  if (charts.length) {
    parts.push('## Charts\n');
    for (const c of charts) parts.push(`### ${c.title}\n\n![${c.title}](charts/${c.id}.${opts.imageExt})\n\n${c.caption}\n`);
  }
  parts.push('Raw data: [results.json](results.json), [results.csv](results.csv), [report.html](report.html).\n');
  return parts.join('\n');
}

function htmlTable(t: Table, cls: string): string {
  const th = t.headers.map((h, i) => `<th class="${t.align[i] === 'r' ? 'r' : ''}">${escapeXml(h)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => `<td class="${t.align[i] === 'r' ? 'r' : ''}">${escapeXml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${cls}"><thead><tr>${th}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

const CSS = `body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 12px}
h1{font-size:24px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 7px;vertical-align:top}
th{background:#f4f4f4}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}.note{color:#555;font-size:13px}
figure{margin:16px 0}figcaption{color:#555;font-size:13px}pre{background:#f7f7f7;padding:8px;font-size:12px;overflow-x:auto}
svg{max-width:100%;height:auto}`;

export function renderHtml(results: ResultsFile, charts: Chart[], title = 'bgplab report'): string {
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${CSS}</style></head><body>`);
  parts.push(`<h1>${escapeXml(title)}</h1>`);
  parts.push(
    `<p class="note">${results.runs.length} run(s), ${escapeXml(results.createdAt)} to ${escapeXml(results.updatedAt)}. ${escapeXml(hostLine(results))} ${escapeXml(gridLine(results))}</p>`,
  );
  parts.push(`<p class="note">${escapeXml(METHOD_NOTE)}</p>`);
  const head = headlineTable(results);
  if (head.rows.length) parts.push('<h2>Convergence (median over repeats)</h2>', htmlTable(head, 'headline'));
  const roles = roleTable(results);
  if (roles.rows.length) parts.push('<h2>Cost per daemon, by role</h2>', htmlTable(roles, 'roles'));
  const drills = drillTable(results);
  if (drills.rows.length) parts.push('<h2>Drills</h2>', htmlTable(drills, 'drills'));
  const fails = failureTable(results);
  if (fails.rows.length) parts.push('<h2>Failed or unconverged runs</h2>', htmlTable(fails, 'failures'));
  if (charts.length) {
    parts.push('<h2>Charts</h2>');
    for (const c of charts) parts.push(`<figure id="${c.id}">${c.svg}<figcaption>${escapeXml(c.caption)}</figcaption></figure>`);
  }
  const timelines = results.runs.filter((r) => r.drill);
  if (timelines.length) {
    parts.push('<h2>Drill timelines</h2>');
    for (const r of timelines) {
      const d = r.drill!;
      const lines = d.timeline.map((t) => `${(t.tMs / 1000).toFixed(3).padStart(9)} s  ${t.what}`).join('\n');
      parts.push(`<details><summary>${escapeXml(`${r.id}: ${d.verdict}`)}</summary><pre>${escapeXml(lines)}</pre></details>`);
    }
  }
  parts.push('</body></html>\n');
  return parts.join('\n');
}

/** Every file of a report directory except results.json and the PNGs. */
export function renderReport(results: ResultsFile, opts: RenderOptions): RenderedReport {
  const charts = buildCharts(results);
  const files = new Map<string, string>();
  files.set('results.csv', resultsCsv(results));
  for (const c of charts) files.set(`charts/${c.id}.svg`, c.svg + '\n');
  files.set('report.md', renderMarkdown(results, charts, opts));
  files.set('report.html', renderHtml(results, charts, opts.title));
  return { files, charts };
}
