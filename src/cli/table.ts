/**
 * Text tables for the CLI, pure. `rounded` is containerlab's box style (deploy, inspect); `ascii` is
 * calicoctl's (+---+). Cells may hold several lines ("\n"), as containerlab's IPv4/IPv6 column does.
 */
export type TableStyle = 'rounded' | 'ascii';
export type Align = 'left' | 'right' | 'center';

export interface TableOptions {
  style?: TableStyle;
  /** Per column alignment of body cells (default left). Headers are centred. */
  align?: Align[];
  /** Draw a separator between body rows (containerlab does). Default false. */
  rowSeparators?: boolean;
  /** Rows after a separator at the bottom (a TOTAL line). */
  footer?: string[][];
}

const BOXES = {
  rounded: { tl: '╭', tm: '┬', tr: '╮', ml: '├', mm: '┼', mr: '┤', bl: '╰', bm: '┴', br: '╯', h: '─', v: '│' },
  ascii: { tl: '+', tm: '+', tr: '+', ml: '+', mm: '+', mr: '+', bl: '+', bm: '+', br: '+', h: '-', v: '|' },
};

/** Display width of a string: code points (table content here is ASCII plus the odd symbol). */
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, align: Align): string {
  const gap = w - width(s);
  if (gap <= 0) return s;
  if (align === 'right') return ' '.repeat(gap) + s;
  if (align === 'center') {
    const left = Math.floor(gap / 2);
    return ' '.repeat(left) + s + ' '.repeat(gap - left);
  }
  return s + ' '.repeat(gap);
}

export function renderTable(header: string[], rows: string[][], opts: TableOptions = {}): string {
  const b = BOXES[opts.style ?? 'rounded'];
  const footer = opts.footer ?? [];
  const cols = Math.max(header.length, ...rows.map((r) => r.length), ...footer.map((r) => r.length));
  const cellLines = (r: string[]): string[][] => Array.from({ length: cols }, (_, i) => String(r[i] ?? '').split('\n'));
  const all = [header, ...rows, ...footer].map(cellLines);
  const widths = Array.from({ length: cols }, (_, i) => Math.max(1, ...all.map((r) => Math.max(...r[i].map(width)))));
  const rule = (l: string, m: string, r: string): string => l + widths.map((w) => b.h.repeat(w + 2)).join(m) + r;
  const line = (cells: string[][], aligns: (i: number) => Align): string[] => {
    const height = Math.max(...cells.map((c) => c.length));
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      out.push(b.v + cells.map((c, i) => ` ${pad(c[k] ?? '', widths[i], aligns(i))} `).join(b.v) + b.v);
    }
    return out;
  };
  const bodyAlign = (i: number): Align => opts.align?.[i] ?? 'left';
  const out = [rule(b.tl, b.tm, b.tr), ...line(all[0], () => 'center'), rule(b.ml, b.mm, b.mr)];
  const body = all.slice(1, 1 + rows.length);
  body.forEach((r, i) => {
    if (i > 0 && opts.rowSeparators) out.push(rule(b.ml, b.mm, b.mr));
    out.push(...line(r, bodyAlign));
  });
  if (footer.length) {
    if (body.length) out.push(rule(b.ml, b.mm, b.mr));
    for (const r of all.slice(1 + rows.length)) out.push(...line(r, bodyAlign));
  }
  out.push(rule(b.bl, b.bm, b.br));
  return out.join('\n') + '\n';
}
