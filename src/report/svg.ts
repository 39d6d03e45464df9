/**
 * Minimal, dependency-free SVG charts (line/point charts and grouped bars) for the reports. Output is
 * a self-contained `<svg>` string: no fonts, scripts or stylesheets from elsewhere, so it renders the
 * same inline in report.html, as a file, and through rsvg-convert. Every plotted point carries its value
 * in `data-x`/`data-y` and a `<title>` tooltip, so a test (or a reader) can check a chart against
 * results.json.
 */

export interface Point {
  x: number;
  y: number;
  /** Tooltip text; defaults to "series: x, y". */
  label?: string;
}

export interface Series {
  name: string;
  points: Point[];
  /** `line`: a curve without markers (formulas); `points`: markers only; `both` (default). */
  style?: 'line' | 'points' | 'both';
  dashed?: boolean;
  color?: string;
}

export interface LineChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Log scale on y (values <= 0 are dropped). */
  yLog?: boolean;
  /** Y axis starts at 0 unless log or false. */
  yFromZero?: boolean;
  width?: number;
  height?: number;
  /** Format axis tick values. */
  yFormat?: (v: number) => string;
  xFormat?: (v: number) => string;
}

export interface BarChartSpec {
  id: string;
  title: string;
  yLabel: string;
  categories: string[];
  series: Array<{ name: string; values: Array<number | null>; color?: string }>;
  width?: number;
  height?: number;
  yFormat?: (v: number) => string;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Round to a readable number of digits for attributes and labels (no float noise like 0.30000000004). */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  const digits = a >= 100 ? 1 : a >= 1 ? 2 : 4;
  return String(Number(v.toFixed(digits)));
}

/** "Nice" tick values covering [lo, hi] (Heckbert's algorithm, about `count` ticks). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.5;
    lo -= pad;
    hi += pad;
  }
  const range = niceNum(hi - lo, false);
  const step = niceNum(range / Math.max(1, count - 1), true);
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let v = start, i = 0; v <= end + step / 2 && i < 50; v += step, i++) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function niceNum(x: number, round: boolean): number {
  const exp = Math.floor(Math.log10(x));
  const f = x / 10 ** exp;
  let nf: number;
  if (round) nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * 10 ** exp;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  for (let e = a; e <= b && ticks.length < 30; e++) {
    for (const m of b - a <= 2 ? [1, 2, 5] : [1]) ticks.push(Number((m * 10 ** e).toPrecision(12)));
  }
  return ticks.filter((t) => t >= 10 ** a && t <= 10 ** b);
}

const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

function frame(id: string, w: number, h: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" id="${escapeXml(id)}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT} font-size="12">` +
    `<rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>` +
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>` +
    body +
    `</svg>`
  );
}

function legend(x: number, y: number, items: Array<{ name: string; color: string; dashed?: boolean; marker: boolean; line: boolean }>): string {
  let out = '';
  items.forEach((it, i) => {
    const yy = y + i * 18;
    if (it.line) {
      out += `<line x1="${x}" y1="${yy}" x2="${x + 22}" y2="${yy}" stroke="${it.color}" stroke-width="2"${it.dashed ? ' stroke-dasharray="5,3"' : ''}/>`;
    }
    if (it.marker) out += `<circle cx="${x + 11}" cy="${yy}" r="3.5" fill="${it.color}"/>`;
    out += `<text x="${x + 28}" y="${yy + 4}">${escapeXml(it.name)}</text>`;
  });
  return out;
}

/** A line/point chart with linear x, linear or log y, axes, grid and a legend on the right. */
export function lineChart(spec: LineChartSpec): string {
  const w = spec.width ?? 760;
  const legendW = Math.min(260, 40 + Math.max(0, ...spec.series.map((s) => s.name.length)) * 7);
  const h = Math.max(spec.height ?? 380, 90 + spec.series.length * 18);
  const m = { l: 70, r: legendW + 20, t: 36, b: 52 };
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const yFmt = spec.yFormat ?? fmtNum;
  const xFmt = spec.xFormat ?? fmtNum;

  const usable = (p: Point) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.yLog || p.y > 0);
  const all = spec.series.flatMap((s) => s.points.filter(usable));
  if (all.length === 0) {
    return frame(spec.id, w, h, spec.title, `<text x="${w / 2}" y="${h / 2}" text-anchor="middle" fill="#666">no data</text>`);
  }
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  let xTicks = niceTicks(Math.min(...xs), Math.max(...xs), 6);
  // Node counts are integers: no "4.5 nodes" ticks.
  if (xs.every(Number.isInteger)) {
    const ints = xTicks.filter(Number.isInteger);
    xTicks = ints.length >= 2 ? ints : [...new Set(xs)].sort((a, b) => a - b);
    if (xTicks.length === 1) xTicks = [xTicks[0] - 1, xTicks[0], xTicks[0] + 1];
  }
  let yTicks: number[];
  if (spec.yLog) yTicks = logTicks(Math.min(...ys), Math.max(...ys));
  else {
    const lo = spec.yFromZero === false ? Math.min(...ys) : Math.min(0, ...ys);
    // All zero (a drill that lost nothing): show 0..1, not -1..1.
    const hi = Math.max(...ys) === 0 && lo === 0 ? 1 : Math.max(...ys);
    yTicks = niceTicks(lo, hi, 6);
  }
  const x0 = xTicks[0];
  const x1 = xTicks[xTicks.length - 1];
  const y0 = yTicks[0];
  const y1 = yTicks[yTicks.length - 1];
  const sx = (x: number) => m.l + (x1 === x0 ? pw / 2 : ((x - x0) / (x1 - x0)) * pw);
  const sy = spec.yLog
    ? (y: number) => m.t + ph - ((Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0) || 1)) * ph
    : (y: number) => m.t + ph - (y1 === y0 ? ph / 2 : ((y - y0) / (y1 - y0)) * ph);

  let body = `<g class="grid" stroke="#e5e5e5" stroke-width="1">`;
  for (const t of yTicks) body += `<line x1="${m.l}" y1="${r1(sy(t))}" x2="${m.l + pw}" y2="${r1(sy(t))}"/>`;
  for (const t of xTicks) body += `<line x1="${r1(sx(t))}" y1="${m.t}" x2="${r1(sx(t))}" y2="${m.t + ph}"/>`;
  body += `</g><g class="axes" stroke="#333" stroke-width="1"><line x1="${m.l}" y1="${m.t + ph}" x2="${m.l + pw}" y2="${m.t + ph}"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${m.t + ph}"/></g>`;
  for (const t of yTicks) body += `<text x="${m.l - 6}" y="${r1(sy(t)) + 4}" text-anchor="end">${escapeXml(yFmt(t))}</text>`;
  for (const t of xTicks) body += `<text x="${r1(sx(t))}" y="${m.t + ph + 16}" text-anchor="middle">${escapeXml(xFmt(t))}</text>`;
  body += `<text x="${m.l + pw / 2}" y="${h - 12}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`;
  body += `<text transform="translate(16,${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`;

  const items: Parameters<typeof legend>[2] = [];
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const style = s.style ?? 'both';
    const pts = s.points.filter(usable).sort((a, b) => a.x - b.x);
    body += `<g class="series" data-series="${escapeXml(s.name)}">`;
    if (style !== 'points' && pts.length > 1) {
      const d = pts.map((p, j) => `${j ? 'L' : 'M'}${r1(sx(p.x))},${r1(sy(p.y))}`).join('');
      body += `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`;
    }
    if (style !== 'line') {
      for (const p of pts) {
        const tip = p.label ?? `${s.name}: ${xFmt(p.x)}, ${yFmt(p.y)}`;
        body += `<circle class="pt" cx="${r1(sx(p.x))}" cy="${r1(sy(p.y))}" r="3.5" fill="${color}" data-x="${fmtNum(p.x)}" data-y="${fmtNum(p.y)}"><title>${escapeXml(tip)}</title></circle>`;
      }
    }
    body += `</g>`;
    items.push({ name: s.name, color, dashed: s.dashed, marker: style !== 'line', line: style !== 'points' });
  });
  body += legend(w - m.r + 16, m.t + 8, items);
  return frame(spec.id, w, h, spec.title, body);
}

/** Grouped vertical bars: one group per category, one bar per series. */
export function barChart(spec: BarChartSpec): string {
  const w = spec.width ?? 760;
  const legendW = Math.min(260, 40 + Math.max(0, ...spec.series.map((s) => s.name.length)) * 7);
  const h = spec.height ?? 360;
  const m = { l: 70, r: legendW + 20, t: 36, b: 80 };
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const yFmt = spec.yFormat ?? fmtNum;
  const vals = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  if (spec.categories.length === 0 || vals.length === 0) {
    return frame(spec.id, w, h, spec.title, `<text x="${w / 2}" y="${h / 2}" text-anchor="middle" fill="#666">no data</text>`);
  }
  const ticks = niceTicks(Math.min(0, ...vals), Math.max(1, ...vals), 6);
  const y0 = ticks[0];
  const y1 = ticks[ticks.length - 1];
  const sy = (y: number) => m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  const groupW = pw / spec.categories.length;
  const barW = Math.min(48, Math.max(2, (groupW * 0.8) / spec.series.length));

  let body = `<g class="grid" stroke="#e5e5e5">`;
  for (const t of ticks) body += `<line x1="${m.l}" y1="${r1(sy(t))}" x2="${m.l + pw}" y2="${r1(sy(t))}"/>`;
  body += `</g><g stroke="#333"><line x1="${m.l}" y1="${m.t + ph}" x2="${m.l + pw}" y2="${m.t + ph}"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${m.t + ph}"/></g>`;
  for (const t of ticks) body += `<text x="${m.l - 6}" y="${r1(sy(t)) + 4}" text-anchor="end">${escapeXml(yFmt(t))}</text>`;
  body += `<text transform="translate(16,${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`;
  spec.categories.forEach((c, ci) => {
    const gx = m.l + ci * groupW + (groupW - barW * spec.series.length) / 2;
    const cx = m.l + ci * groupW + groupW / 2;
    body += `<text transform="translate(${r1(cx)},${m.t + ph + 14}) rotate(20)" text-anchor="start" font-size="11">${escapeXml(c)}</text>`;
    spec.series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      const color = s.color ?? PALETTE[si % PALETTE.length];
      const top = sy(Math.max(v, y0));
      const base = sy(Math.max(0, y0));
      body += `<rect class="bar" x="${r1(gx + si * barW)}" y="${r1(Math.min(top, base))}" width="${r1(barW - 1)}" height="${r1(Math.max(Math.abs(base - top), v === 0 ? 0 : 1))}" fill="${color}" data-category="${escapeXml(c)}" data-series="${escapeXml(s.name)}" data-y="${fmtNum(v)}"><title>${escapeXml(`${c} ${s.name}: ${yFmt(v)}`)}</title></rect>`;
    });
  });
  body += legend(
    w - m.r + 16,
    m.t + 8,
    spec.series.map((s, i) => ({ name: s.name, color: s.color ?? PALETTE[i % PALETTE.length], marker: true, line: false })),
  );
  return frame(spec.id, w, h, spec.title, body);
}

function r1(v: number): number {
  return Math.round(v * 10) / 10;
}
