/**
 * Text renderings of control socket answers, in the conventions users know: the status table follows
 * `calicoctl node status` (boxed peer table) with the columns of `birdc show protocols`, the route
 * listing follows `birdc show route` (and `show route all` for attributes). Pure functions.
 */
import type { PeerStatus, RouteEntry, SpeakerStatus } from './status-types.js';

function boxTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const sep = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [sep, line(header), sep, ...rows.map(line), sep].join('\n');
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d${h}h${m}m`;
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}

/** Time of day of an ISO timestamp (HH:MM:SS), as calicoctl shows "SINCE". */
function sinceText(iso: string | null, now: Date): string {
  if (!iso) return '-';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '-';
  const sameDay = t.toISOString().slice(0, 10) === now.toISOString().slice(0, 10);
  return sameDay ? t.toISOString().slice(11, 19) : t.toISOString().slice(0, 10);
}

function peerType(p: PeerStatus): string {
  if (p.rrClient) return 'rr client';
  return p.type === 'ibgp' ? 'ibgp' : 'ebgp';
}

export function renderStatus(s: SpeakerStatus, now = new Date()): string {
  const head =
    `bgplab speaker ${s.name}: router id ${s.routerId}, AS ${s.asn}` +
    (s.clusterId ? `, route reflector (cluster id ${s.clusterId})` : '') +
    `, up ${formatDuration(s.uptimeMs)}`;
  const rows = s.peers.map((p) => [
    p.address,
    String(p.asn),
    peerType(p),
    p.state === 'Established' ? 'up' : p.state === 'Idle' ? 'down' : 'start',
    sinceText(p.since, now),
    // RFC 4724: a peer whose routes we keep as stale, e.g. "Idle (GR stale 12): <last error>".
    p.state + (p.staleRoutes ? ` (GR stale ${p.staleRoutes})` : '') + (p.lastError && p.state !== 'Established' ? `: ${p.lastError}` : ''),
    `${p.prefixes.received}/${p.prefixes.accepted}/${p.prefixes.sent}`,
    `${p.messages.in}/${p.messages.out}`,
  ]);
  const table =
    s.peers.length === 0
      ? 'No peers configured.'
      : boxTable(['PEER ADDRESS', 'AS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO', 'PFX RCV/ACC/SENT', 'MSGS IN/OUT'], rows);
  const est = s.peers.filter((p) => p.state === 'Established').length;
  const foot =
    `Sessions: ${est} of ${s.peers.length} established. ` +
    `Loc-RIB: ${s.rib.ipv4.routes} IPv4, ${s.rib.ipv6.routes} IPv6 routes. Kernel: ${s.fib.installed} routes installed.`;
  return `${head}\n\n${table}\n${foot}\n`;
}

const ORIGIN = ['i', 'e', '?'];
const ORIGIN_NAME: Record<string, string> = { IGP: 'i', EGP: 'e', INCOMPLETE: '?' };

function originChar(o: unknown): string {
  if (typeof o === 'number') return ORIGIN[o] ?? '?';
  if (typeof o === 'string') return ORIGIN_NAME[o.toUpperCase()] ?? '?';
  return '?';
}

function asPathText(p: unknown): string {
  // Accept either an array of segments ({type, asns}) or a preformatted string.
  if (typeof p === 'string') return p;
  if (!Array.isArray(p)) return '';
  return p
    .map((seg: unknown) => {
      const s = seg as { type?: unknown; asns?: unknown };
      const asns = Array.isArray(s.asns) ? s.asns.join(' ') : '';
      const t = s.type;
      return t === 1 || t === 'AS_SET' || t === 'set' ? `{${asns}}` : asns;
    })
    .filter((x) => x)
    .join(' ');
}

function attrValueText(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(' ');
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

/** `birdc show route` style; with `all`, every attribute as `BGP.name: value` lines. */
export function renderRoutes(routes: RouteEntry[], opts: { all?: boolean } = {}): string {
  const out: string[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const list = routes.filter((r) => r.family === family);
    if (list.length === 0) continue;
    out.push(`Table ${family}:`);
    let last = '';
    for (const r of list) {
      const a = r.attributes;
      const lp = typeof a.localPref === 'number' ? a.localPref : typeof a.local_pref === 'number' ? a.local_pref : 100;
      const path = asPathText(a.asPath ?? a.as_path);
      const pathText = `[${path ? `AS${path.split(' ').pop()}` : ''}${originChar(a.origin)}]`;
      const source = r.peer ?? 'local';
      const name = r.prefix === last ? ''.padEnd(Math.max(20, r.prefix.length)) : r.prefix.padEnd(20);
      last = r.prefix;
      out.push(`${name} unicast [${source}] ${r.best ? '*' : ' '} (${lp}) ${pathText}`);
      out.push(r.nextHop ? `\tvia ${r.nextHop}` : r.peer ? '\tunreachable' : '\tblackhole');
      if (opts.all) {
        for (const [k, v] of Object.entries(a)) {
          if (v === undefined) continue;
          const text = k === 'asPath' || k === 'as_path' ? asPathText(v) : attrValueText(v);
          out.push(`\tBGP.${k}: ${text}`);
        }
      }
    }
    out.push('');
  }
  if (out.length === 0) return 'No routes.\n';
  return out.join('\n');
}
