/** Number formatting and plain-text tables shared by the CLI output and the reports. */

/** 3000 → "3,000". */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds for people: "0.4 ms", "812 ms", "2.21 s", "95 s"; null → "—". */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (Math.abs(ms) < 10) return `${Number(ms.toFixed(1))} ms`;
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 100_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.round(ms / 1000)} s`;
}

/** Seconds with one decimal, for verdicts ("9.1 s"). */
export function fmtSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Bytes for people in MB (10^6, as `ps`/`top` users read them): "6.1 MB". */
export function fmtBytes(b: number | null | undefined): string {
  if (b === null || b === undefined || !Number.isFinite(b)) return '—';
  if (b < 1e6) return `${(b / 1e3).toFixed(0)} kB`;
  return `${(b / 1e6).toFixed(1)} MB`;
}

/** CPU milliseconds as seconds: "0.12 s". */
export function fmtCpu(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtOpt(n: number | null | undefined, f: (v: number) => string = fmtInt): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : f(n);
}

export type Align = 'l' | 'r';

/** A space-aligned text table (the containerlab/calicoctl look without box drawing). */
export function textTable(headers: string[], rows: string[][], align?: Align[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (s: string, i: number) => ((align?.[i] ?? 'l') === 'r' ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (r: string[]) => r.map((c, i) => cell(c ?? '', i)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** A GitHub-flavoured Markdown table; `|` in cells escaped. */
export function markdownTable(headers: string[], rows: string[][], align?: Align[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const sep = headers.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [headers, sep, ...rows].map((r, i) => `| ${(i === 1 ? r : r.map(esc)).join(' | ')} |`).join('\n') + '\n';
}

/** Median of finite values; null when there are none. */
export function median(values: Array<number | null | undefined>): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
