/**
 * Pure parsers for what measurement reads: speaker event-log lines (contracts.md), `ip -ts monitor route`
 * lines, `ip -j route` dumps, `ping -D -O` output, /proc/PID/{stat,status,smaps_rollup}, and BIRD
 * control-socket replies. Each returns undefined (or skips the line) on input it does not understand:
 * a half-written last line or an unexpected daemon message never throws.
 */

// ---- speaker event log -----------------------------------------------------------------------------

export interface SpeakerLogEvent {
  mono: bigint;
  node: string;
  event: string;
  /** session: peer address, new state, previous state. */
  peer?: string;
  state?: string;
  prev?: string;
  /** route/fib: op and prefixes (route events carry one). */
  op?: 'add' | 'del';
  prefixes?: string[];
  reason?: string;
  /** listening: CPU the speaker spent to get there (ms). */
  cpuMs?: number;
}

/** One event-log line; undefined for a partial, foreign or malformed line. */
export function parseEventLine(line: string): SpeakerLogEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof o.mono !== 'string' || !/^\d+$/.test(o.mono) || typeof o.event !== 'string') return undefined;
  const ev: SpeakerLogEvent = { mono: BigInt(o.mono), node: typeof o.node === 'string' ? o.node : '', event: o.event };
  if (o.event === 'session') {
    if (typeof o.peer !== 'string' || typeof o.state !== 'string') return undefined;
    ev.peer = o.peer;
    ev.state = o.state;
    if (typeof o.prev === 'string') ev.prev = o.prev;
    if (typeof o.reason === 'string') ev.reason = o.reason;
  } else if (o.event === 'route' || o.event === 'fib') {
    if (o.op !== 'add' && o.op !== 'del') return undefined;
    ev.op = o.op;
    if (o.event === 'route') {
      if (typeof o.prefix !== 'string') return undefined;
      ev.prefixes = [o.prefix];
    } else {
      if (!Array.isArray(o.prefixes) || !o.prefixes.every((p) => typeof p === 'string')) return undefined;
      ev.prefixes = o.prefixes as string[];
    }
  } else if (o.event === 'stop' && typeof o.reason === 'string') {
    ev.reason = o.reason;
  } else if (o.event === 'listening' && typeof o.cpuMs === 'number' && Number.isFinite(o.cpuMs) && o.cpuMs >= 0) {
    ev.cpuMs = o.cpuMs;
  }
  return ev;
}

/**
 * Split a chunk of a growing log into complete lines, keeping the unterminated tail for next time.
 * Returns [complete lines, rest].
 */
export function splitLines(pending: string, chunk: string): [string[], string] {
  const text = pending + chunk;
  const nl = text.lastIndexOf('\n');
  if (nl < 0) return [[], text];
  return [text.slice(0, nl).split('\n').filter((l) => l.length > 0), text.slice(nl + 1)];
}

// ---- kernel routes ---------------------------------------------------------------------------------

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'multicast', 'anycast', 'nat']);

export interface KernelRouteChange {
  /** Wall clock of the netlink message as `ip -ts` printed it (ms since the epoch, µs precision). */
  wallMs?: number;
  deleted: boolean;
  /** Normalized destination prefix (`10.244.0.64/26`; a host route gets /32 or /128). */
  dst: string;
  type: string;
  table: string;
  proto?: string;
  metric: number;
  via?: string;
  dev?: string;
}

/** Canonical text of a kernel destination: `default` → 0.0.0.0/0 or ::/0; bare address → /32 or /128. */
export function normalizeDst(dst: string, v6Hint = false): string {
  if (dst === 'default') return v6Hint ? '::/0' : '0.0.0.0/0';
  if (dst.includes('/')) return dst.toLowerCase();
  return dst.includes(':') ? `${dst.toLowerCase()}/128` : `${dst}/32`;
}

/**
 * `[2026-11-28T16:30:03.220606] Deleted 10.96.0.0/26 via 10.99.0.3 dev p0 proto 200 metric 5`.
 * ip prints local time without a zone; we read it back as local time, as it was written.
 * Continuation lines of multipath routes (starting with whitespace) and non-route lines yield undefined.
 */
export function parseIpMonitorLine(line: string): KernelRouteChange | undefined {
  let rest = line.trimEnd();
  let wallMs: number | undefined;
  const ts = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?\]\s*/.exec(rest);
  if (ts) {
    const base = new Date(ts[1]).getTime();
    const frac = ts[2] ? Number(`0.${ts[2]}`) * 1000 : 0;
    if (Number.isFinite(base)) wallMs = base + frac;
    rest = rest.slice(ts[0].length);
  } else if (rest.startsWith('Timestamp:')) {
    return undefined;
  }
  if (rest.length === 0 || /^\s/.test(rest)) return undefined;
  const tok = rest.split(/\s+/);
  let i = 0;
  let deleted = false;
  if (tok[i] === 'Deleted') {
    deleted = true;
    i++;
  }
  let type = 'unicast';
  if (ROUTE_TYPES.has(tok[i])) type = tok[i++];
  const rawDst = tok[i++];
  if (!rawDst || !(/^[0-9a-fA-F:.]+(\/\d+)?$/.test(rawDst) || rawDst === 'default')) return undefined;
  const ch: KernelRouteChange = { wallMs, deleted, dst: '', type, table: 'main', metric: 0 };
  let v6 = rawDst.includes(':');
  for (; i < tok.length; i++) {
    const k = tok[i];
    const v = tok[i + 1];
    if (v === undefined) break;
    if (k === 'via') {
      // `via inet6 fe80::1` (RFC 5549 style) names the family first.
      if (v === 'inet' || v === 'inet6') {
        ch.via = tok[i + 2];
        i += 2;
        continue;
      }
      ch.via = v;
    } else if (k === 'dev') ch.dev = v;
    else if (k === 'proto') ch.proto = v;
    else if (k === 'metric') ch.metric = Number(v) || 0;
    else if (k === 'table') ch.table = v;
    else continue;
    i++;
  }
  if (ch.via?.includes(':')) v6 = true;
  ch.dst = normalizeDst(rawDst, v6);
  return ch;
}

export interface KernelRouteDump {
  dst: string;
  type: string;
  proto?: string;
  metric: number;
  gateway?: string;
}

/** `ip -j route show` (and `-6`) output; invalid JSON gives []. */
export function parseIpRouteJson(text: string, v6: boolean): KernelRouteDump[] {
  let arr: unknown;
  try {
    arr = JSON.parse(text || '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(arr)) return [];
  const out: KernelRouteDump[] = [];
  for (const r of arr) {
    if (!r || typeof r !== 'object' || typeof (r as { dst?: unknown }).dst !== 'string') continue;
    const o = r as { dst: string; type?: string; protocol?: string; metric?: number; gateway?: string };
    out.push({ dst: normalizeDst(o.dst, v6), type: o.type ?? 'unicast', proto: o.protocol, metric: o.metric ?? 0, gateway: o.gateway });
  }
  return out;
}

/** A route that forwards (a learned pod block must be this, not a blackhole or unreachable). */
export function isForwarding(type: string): boolean {
  return type === 'unicast';
}

// ---- ping ------------------------------------------------------------------------------------------

export interface PingLine {
  /** `-D` wall-clock timestamp (ms since the epoch). */
  wallMs: number;
  seq: number;
  /** true: an echo reply; false: "no answer yet" (-O) or an ICMP error for that sequence. */
  ok: boolean;
}

/**
 * `[1795883407.681911] 64 bytes from 10.99.0.1: icmp_seq=1 ttl=64 time=0.394 ms`,
 * `[1795883407.580452] no answer yet for icmp_seq=1`,
 * `[1795883407.580452] From 10.244.0.1 icmp_seq=3 Destination Host Unreachable`.
 */
export function parsePingLine(line: string): PingLine | undefined {
  const m = /^\[(\d+(?:\.\d+)?)\]\s+(.*)$/.exec(line.trim());
  if (!m) return undefined;
  const seqm = /icmp_seq=(\d+)/.exec(m[2]);
  if (!seqm) return undefined;
  const ok = /bytes from/.test(m[2]) && !/DUP!/.test(m[2]);
  if (!ok && /DUP!/.test(m[2])) return undefined;
  return { wallMs: Number(m[1]) * 1000, seq: Number(seqm[1]), ok };
}

export interface PingSeqResult {
  seq: number;
  /** Time of the reply (ok) or of the "no answer" verdict, wall clock ms. */
  wallMs: number;
  ok: boolean;
}

/**
 * Fold ping lines into one verdict per sequence number: answered if any reply arrived (a late reply
 * after "no answer yet" still counts), lost otherwise. Sequences after the last verdict (still in flight
 * when ping was stopped) are not counted as sent. 16-bit sequence wrap is unwrapped.
 */
export function foldPing(lines: PingLine[]): PingSeqResult[] {
  const bySeq = new Map<number, PingSeqResult>();
  let epoch = 0;
  let last = -1;
  for (const l of lines) {
    // icmp_seq wraps at 65536 (iputils prints it modulo 2^16).
    if (last >= 0 && l.seq + 32768 < last) epoch += 65536;
    const seq = l.seq + epoch;
    last = l.seq;
    const prev = bySeq.get(seq);
    if (!prev) bySeq.set(seq, { seq, wallMs: l.wallMs, ok: l.ok });
    else if (l.ok && !prev.ok) bySeq.set(seq, { seq, wallMs: l.wallMs, ok: true });
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

// ---- /proc -----------------------------------------------------------------------------------------

/** utime+stime in clock ticks from /proc/PID/stat (fields 14 and 15). */
export function parseStatCpuTicks(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = stat.slice(close + 2).split(' ');
  // After "pid (comm) ", f[0] is field 3 (state): utime is field 14 → f[11], stime f[12].
  const ut = Number(f[11]);
  const st = Number(f[12]);
  return Number.isFinite(ut) && Number.isFinite(st) ? ut + st : undefined;
}

/** A `Key:   1234 kB` field of /proc/PID/status or smaps_rollup, in bytes. */
export function parseKbField(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

// ---- BIRD control socket ---------------------------------------------------------------------------

/** Whether `line` ends a BIRD reply: a 4-digit code followed by a space (`0000 `, `0014 Total…`, `9001 …`). */
export function isBirdReplyEnd(line: string): boolean {
  return /^\d{4} /.test(line) || /^\d{4}$/.test(line);
}

/** Text of a reply line without its code (`1007-` / `0014 ` / leading space continuation). */
export function birdLineText(line: string): string {
  const m = /^\d{4}[ -]/.exec(line);
  return m ? line.slice(5) : line.startsWith(' ') ? line.slice(1) : line;
}

/** `show route count`: networks per table, e.g. { master4: 12, master6: 12 }. */
export function parseBirdRouteCount(lines: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) {
    const m = /(\d+) of \d+ routes for (\d+) networks in table (\S+)/.exec(birdLineText(l));
    if (m) out[m[3]] = Number(m[2]);
  }
  return out;
}

/** `show route` (or `show route all`): the networks listed, in order, deduplicated. */
export function parseBirdRoutes(lines: string[]): string[] {
  const nets = new Set<string>();
  for (const l of lines) {
    const t = birdLineText(l);
    const m = /^([0-9a-fA-F:.]+\/\d+)\s/.exec(t);
    if (m) nets.add(m[1].toLowerCase());
  }
  return [...nets];
}

export interface BirdProtocolLine {
  name: string;
  proto: string;
  state: string;
  /** BGP state from the Info column (Established, Active, Connect…), when present. */
  info: string;
}

/** `show protocols`: one entry per protocol. */
export function parseBirdProtocols(lines: string[]): BirdProtocolLine[] {
  const out: BirdProtocolLine[] = [];
  for (const l of lines) {
    if (l.startsWith('2002-')) continue; // header
    const t = birdLineText(l).trim();
    const f = t.split(/\s+/);
    if (f.length < 5 || f[0] === 'Name') continue;
    // Name Proto Table State Since(1 or 2 fields) Info…
    const since = /^\d{4}-\d\d-\d\d$/.test(f[4]) ? 2 : 1;
    out.push({ name: f[0], proto: f[1], state: f[3], info: f.slice(4 + since).join(' ') });
  }
  return out;
}

/** `show protocols all`: protocol name → neighbor address (BGP protocols only). */
export function parseBirdNeighbors(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const l of lines) {
    // A protocol's header row: "1002-name  BGP  ---  up …" or " name  BGP …" (continuation of 1002).
    const head = /^(?:1002-| )(\S+)\s+([A-Z][A-Za-z0-9]*)\s+\S+\s+(?:up|down|start|flush|stop)\s/.exec(l);
    if (head) {
      current = head[2] === 'BGP' ? head[1] : undefined;
      continue;
    }
    const m = /Neighbor address:\s+(\S+)/.exec(l);
    if (m && current) out.set(current, m[1].split('%')[0]);
  }
  return out;
}

/**
 * A BIRD log line about a protocol state change:
 * `2026-11-28 16:42:00.837 <TRACE> Node_10_0_0_2: State changed to up` (local time, as BIRD wrote it).
 */
export function parseBirdLogLine(line: string): { wallMs: number; proto: string; state: string } | undefined {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))? <\w+> ([^\s:]+): State changed to (\w+)\s*$/.exec(line);
  if (!m) return undefined;
  const base = new Date(`${m[1]}T${m[2]}`).getTime();
  if (!Number.isFinite(base)) return undefined;
  const frac = m[3] ? Number(`0.${m[3]}`) * 1000 : 0;
  return { wallMs: base + frac, proto: m[4], state: m[5] };
}

/** BIRD's `<INFO> Started` line (it listens from then on): its wall-clock time in ms. */
export function parseBirdStartedLine(line: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))? <INFO> Started\s*$/.exec(line);
  if (!m) return undefined;
  const base = new Date(`${m[1]}T${m[2]}`).getTime();
  return Number.isFinite(base) ? base + (m[3] ? Number(`0.${m[3]}`) * 1000 : 0) : undefined;
}

/** Calico-style BIRD protocol names carry the peer: `Node_10_0_0_2` → 10.0.0.2. */
export function peerFromBirdProtocolName(name: string): string | undefined {
  const m = /^(?:Node|Mesh|Global)_(\d+)_(\d+)_(\d+)_(\d+)$/.exec(name);
  return m ? `${m[1]}.${m[2]}.${m[3]}.${m[4]}` : undefined;
}
