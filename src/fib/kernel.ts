import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { run } from '../sys/exec.js';
import { parseIpv4Routes, parseIpv6Routes, RTF_GATEWAY, RTF_REJECT, type Ipv6RouteRow } from './proc-routes.js';

export type FibFamily = 'ipv4' | 'ipv6';

/** What the kernel accepted in one batch, per operation and family (for the event log). */
export interface FibAccepted {
  op: 'add' | 'del';
  family: FibFamily;
  prefixes: string[];
}

export interface KernelFibOptions {
  /** Route protocol id (5-255) or a name from rt_protos ("bgplab" resolves to 200 when not registered). */
  protocol?: number | string;
  /** Table id or name. Default main. */
  table?: number | string;
  /** Run `ip -n NETNS` (tests, tools); default: the namespace this process is in. */
  netns?: string;
  /**
   * Where to read the namespace's route and ipv6_route files from, to skip the start-up flush when no
   * stale route can be there. Default: /proc/net when `netns` is not set (our own namespace); with `netns`
   * and no procNet, the flush always runs.
   */
  procNet?: string;
  /** Called once the kernel has accepted a batch (blackholes are not reported: they are local). */
  onAccepted?: (changes: FibAccepted[]) => void;
  /** A route the kernel refused, or the `ip` child failing; the programmer carries on. */
  onError?: (message: string) => void;
}

type Desired = { kind: 'via'; nextHop: string } | { kind: 'blackhole' } | { kind: 'absent' };

interface PendingLine {
  prefix: string;
  family: FibFamily;
  want: Desired;
}

interface InFlight {
  /** ip's line number of the marker ending this batch. */
  markerLine: number;
  firstLine: number;
  lines: PendingLine[];
  failed: Map<number, string>;
  resolve: () => void;
}

const PROTO_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,30}$/;
export const DEFAULT_PROTOCOL = 200;
const MARKER = 'bgplab-fib-ack';

/** Look a name up in iproute2's tables (`/etc/iproute2/NAME` and `NAME.d/*.conf`). */
function lookupIproute2Name(table: 'rt_protos' | 'rt_tables', name: string): number | undefined {
  const files = [`/etc/iproute2/${table}`, `/usr/share/iproute2/${table}`, `/usr/lib/iproute2/${table}`];
  for (const dir of [`/etc/iproute2/${table}.d`, `/usr/share/iproute2/${table}.d`]) {
    try {
      for (const f of readdirSync(dir)) if (f.endsWith('.conf')) files.push(`${dir}/${f}`);
    } catch {
      /* no such directory */
    }
  }
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const m = /^\s*(0x[0-9a-fA-F]+|\d+)\s+(\S+)/.exec(line);
      if (m && m[2] === name) return Number(m[1]);
    }
  }
  return undefined;
}

/** Resolve a protocol id or name to a number; "bgplab" defaults to 200 when not registered. */
export function resolveProtocol(p: number | string | undefined): number {
  if (p === undefined) return DEFAULT_PROTOCOL;
  if (typeof p === 'number') {
    if (!Number.isInteger(p) || p < 5 || p > 255) throw new Error(`fib protocol ${p}: must be 5-255`);
    return p;
  }
  if (/^\d+$/.test(p)) return resolveProtocol(Number(p));
  if (!PROTO_NAME.test(p)) throw new Error(`fib protocol ${JSON.stringify(p)}: not a protocol name`);
  const n = lookupIproute2Name('rt_protos', p);
  if (n !== undefined) return n;
  if (p === 'bgplab') return DEFAULT_PROTOCOL;
  throw new Error(`fib protocol ${JSON.stringify(p)}: not in /etc/iproute2/rt_protos (use an id 5-255)`);
}

export function resolveTable(t: number | string | undefined): number {
  if (t === undefined || t === 'main') return 254;
  if (t === 'local') return 255;
  if (t === 'default') return 253;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  const n = lookupIproute2Name('rt_tables', t);
  if (n === undefined) throw new Error(`fib table ${JSON.stringify(t)}: not in /etc/iproute2/rt_tables (use an id)`);
  return n;
}

const familyOf = (prefix: string): FibFamily => (prefix.includes(':') ? 'ipv6' : 'ipv4');

/**
 * The families whose main table may hold a route we installed, from the text of /proc/net/route (IPv4,
 * main table) and /proc/net/ipv6_route. Every route we install is either via a gateway (RTF_GATEWAY) or
 * a blackhole: in IPv4 a route with no device ("*"), in IPv6 RTF_REJECT (apart from the kernel's own
 * null entry, ::/0 with metric ffffffff, which every namespace has). A fresh namespace has neither, so a
 * speaker starting there can skip flushing (two `ip` processes, ~13 ms of CPU per speaker, 100 at once).
 * Conservative: any such route, of any protocol, or an unreadable line, says "may".
 */
export function familiesWithPossibleStaleRoutes(ipv4Routes: string, ipv6Routes: string): Set<FibFamily> {
  const out = new Set<FibFamily>();
  if (parseIpv4Routes(ipv4Routes).some((r) => Number.isNaN(r.flags) || r.iface === '*' || (r.flags & RTF_GATEWAY) !== 0)) out.add('ipv4');
  const possible6 = (r: Ipv6RouteRow): boolean => {
    const nullEntry = /^0{32}$/.test(r.destination) && r.prefixLength === 0 && r.metric === 'ffffffff';
    return Number.isNaN(r.flags) || (r.flags & RTF_GATEWAY) !== 0 || ((r.flags & RTF_REJECT) !== 0 && !nullEntry);
  };
  if (parseIpv6Routes(ipv6Routes).some(possible6)) out.add('ipv6');
  return out;
}

/**
 * The kernel routing table of one namespace, programmed through a persistent `ip -batch` child.
 * `set`/`blackhole`/`remove` only record the wish; a flush on the next tick writes the difference
 * between what is wanted and what is installed.
 */
export class KernelFib {
  readonly protocol: number;
  readonly table: number;
  private readonly opts: KernelFibOptions;
  private child: ChildProcessWithoutNullStreams | undefined;
  private stderrRest = '';
  private lastError = '';
  /** Lines written to the current child so far (ip numbers its input lines from 1). */
  private linesWritten = 0;
  private readonly inFlight: InFlight[] = [];
  /** Prefix -> number of in-flight batches that touch it (so a repeated wish is not skipped). */
  private readonly inFlightPrefixes = new Map<string, number>();
  /** Prefix -> what the kernel has (as far as acknowledged batches tell). */
  private readonly installed = new Map<string, Desired>();
  /** Prefix -> latest wish not yet written. */
  private readonly pending = new Map<string, Desired>();
  private flushScheduled = false;
  private stopped = false;
  private started = false;
  private idleWaiters: Array<() => void> = [];
  private flushes = 0;

  constructor(opts: KernelFibOptions = {}) {
    this.opts = opts;
    this.protocol = resolveProtocol(opts.protocol);
    this.table = resolveTable(opts.table);
  }

  /** Number of `ip route flush` runs so far, one per family (tests: the start-up flush is skipped in a clean table). */
  get flushRuns(): number {
    return this.flushes;
  }

  /** Number of routes we have in the kernel (learned and blackhole). */
  get installedCount(): number {
    return this.installed.size;
  }

  /** Snapshot of what is installed: prefix -> next hop or "blackhole". */
  installedRoutes(): Map<string, string> {
    const m = new Map<string, string>();
    for (const [p, d] of this.installed) m.set(p, d.kind === 'via' ? d.nextHop : 'blackhole');
    return m;
  }

  private ipArgs(extra: string[]): string[] {
    return [...(this.opts.netns ? ['-n', this.opts.netns] : []), ...extra];
  }

  /** Flush stale routes of our protocol (a previous run that crashed), then start the batch child. */
  async start(): Promise<void> {
    await this.flushOurRoutes(this.familiesToFlushAtStart());
    this.spawnChild();
    this.started = true;
    this.scheduleFlush();
  }

  /** Families to flush at start: those whose table may hold a stale route (main table, readable /proc). */
  private familiesToFlushAtStart(): FibFamily[] {
    const procNet = this.opts.procNet ?? (this.opts.netns ? undefined : '/proc/net');
    if (procNet === undefined || this.table !== 254) return ['ipv4', 'ipv6'];
    try {
      const may = familiesWithPossibleStaleRoutes(
        readFileSync(`${procNet}/route`, 'utf8'),
        readFileSync(`${procNet}/ipv6_route`, 'utf8'),
      );
      return [...may];
    } catch {
      return ['ipv4', 'ipv6']; // no /proc view (IPv6 disabled, no procfs): flush as before
    }
  }

  private async flushOurRoutes(families: FibFamily[] = ['ipv4', 'ipv6']): Promise<void> {
    const common = ['route', 'flush', 'proto', String(this.protocol), 'table', String(this.table)];
    this.flushes += families.length;
    const results = await Promise.all(
      families.map((f) => run('ip', this.ipArgs([f === 'ipv4' ? '-4' : '-6', ...common]), { timeoutMs: 30_000 })),
    );
    for (const r of results) {
      // "Nothing to flush" style outcomes are fine; a missing namespace or a killed ip is not.
      if (r.code !== 0 && !/Nothing to flush/i.test(r.stderr)) {
        throw new Error(`ip route flush proto ${this.protocol}: ${r.stderr.trim() || `exit ${r.code}`}`);
      }
    }
  }

  private spawnChild(): void {
    const child = spawn('ip', this.ipArgs(['-force', '-batch', '-']), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.linesWritten = 0;
    this.stderrRest = '';
    child.stdout.resume(); // route commands print nothing; never let a full pipe stall ip
    child.stderr.setEncoding('utf8').on('data', (d: string) => this.onStderr(child, d));
    child.stdin.on('error', () => {
      /* reported through exit */
    });
    child.on('error', (e) => this.opts.onError?.(`ip -batch: ${e.message}`));
    child.on('exit', (code, signal) => this.onChildExit(child, code, signal));
  }

  private onStderr(child: ChildProcessWithoutNullStreams, data: string): void {
    if (child !== this.child) return;
    const text = this.stderrRest + data;
    const lines = text.split('\n');
    this.stderrRest = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^Command failed -:(\d+)/.exec(line);
      if (!m) {
        if (line.trim()) this.lastError = this.lastError ? `${this.lastError}; ${line.trim()}` : line.trim();
        continue;
      }
      const n = Number(m[1]);
      const why = this.lastError;
      this.lastError = '';
      const batch = this.inFlight[0];
      if (!batch) continue;
      if (n === batch.markerLine) this.completeBatch();
      else if (n >= batch.firstLine && n < batch.markerLine) batch.failed.set(n - batch.firstLine, why);
    }
  }

  private completeBatch(): void {
    const batch = this.inFlight.shift();
    if (!batch) return;
    this.trackInFlight(batch.lines, -1);
    // At most four groups (add/del x IPv4/IPv6), in the order they first occur: a linear scan, no keys.
    const accepted: FibAccepted[] = [];
    const lines = batch.lines;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      const why = batch.failed.size > 0 ? batch.failed.get(i) : undefined;
      // Deleting what is already gone ("No such process") leaves the wanted state: absent.
      if (why !== undefined && !(l.want.kind === 'absent' && /No such process|not found/i.test(why))) {
        this.opts.onError?.(
          `kernel refused ${l.want.kind === 'absent' ? 'del' : 'replace'} ${l.prefix}${l.want.kind === 'via' ? ` via ${l.want.nextHop}` : ''}: ${why || 'unknown error'}`,
        );
        if (l.want.kind !== 'absent') this.installed.delete(l.prefix);
        continue;
      }
      const wasBlackhole = this.installed.get(l.prefix)?.kind === 'blackhole';
      if (l.want.kind === 'absent') this.installed.delete(l.prefix);
      else this.installed.set(l.prefix, l.want);
      if (l.want.kind === 'blackhole' || (l.want.kind === 'absent' && wasBlackhole)) continue;
      const op = l.want.kind === 'absent' ? 'del' : 'add';
      let a: FibAccepted | undefined;
      for (const g of accepted) if (g.op === op && g.family === l.family) a = g;
      if (!a) accepted.push((a = { op, family: l.family, prefixes: [] }));
      a.prefixes.push(l.prefix);
    }
    if (accepted.length > 0) this.opts.onAccepted?.(accepted);
    batch.resolve();
    if (this.pending.size > 0 && this.inFlight.length === 0) this.flush(); // what waited for this batch
    this.checkIdle();
  }

  private onChildExit(child: ChildProcessWithoutNullStreams, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    if (this.stopped) return;
    this.opts.onError?.(`ip -batch exited unexpectedly (${signal ?? `exit ${code}`}); restarting it`);
    // Whatever was in flight is unknown: write it again on a fresh child (replace/del are idempotent).
    const lost = this.inFlight.splice(0);
    this.inFlightPrefixes.clear();
    for (const b of lost) {
      for (const l of b.lines) if (!this.pending.has(l.prefix)) this.pending.set(l.prefix, l.want);
      b.resolve();
    }
    this.spawnChild();
    this.scheduleFlush();
  }

  /** Install (or replace) a learned route via a next hop. */
  set(prefix: string, nextHop: string): void {
    this.want(prefix, { kind: 'via', nextHop });
  }

  /** Install a blackhole route (an originated pod block, as Calico does). */
  blackhole(prefix: string): void {
    this.want(prefix, { kind: 'blackhole' });
  }

  /** Remove our route for a prefix (no-op when we have none). */
  remove(prefix: string): void {
    this.want(prefix, { kind: 'absent' });
  }

  private want(prefix: string, d: Desired): void {
    if (this.stopped) return;
    this.pending.set(prefix, d);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || !this.started) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      // One batch in flight at a time: what changes while ip works on a batch goes into the next one,
      // written when it is acknowledged (completeBatch). A speaker learning routes one UPDATE at a time
      // would otherwise send ip a batch per route, each a pipe write, a netlink request and a stderr
      // line to read back; under load they now gather into a few large batches.
      if (this.inFlight.length === 0) this.flush();
    });
  }

  /** Write everything pending as one batch now. */
  flush(): void {
    if (this.pending.size === 0 || !this.child || this.stopped) return;
    const lines: PendingLine[] = [];
    let text = '';
    const proto = String(this.protocol);
    const table = String(this.table);
    for (const [prefix, want] of this.pending) {
      const have = this.installed.get(prefix);
      if (want.kind === 'absent') {
        if (!have && !this.inFlightTouches(prefix)) continue;
        text += `route del ${prefix} proto ${proto} table ${table}\n`;
      } else if (want.kind === 'blackhole') {
        if (have?.kind === 'blackhole' && !this.inFlightTouches(prefix)) continue;
        text += `route replace blackhole ${prefix} proto ${proto} table ${table}\n`;
      } else {
        if (have?.kind === 'via' && have.nextHop === want.nextHop && !this.inFlightTouches(prefix)) continue;
        text += `route replace ${prefix} via ${want.nextHop} proto ${proto} table ${table}\n`;
      }
      lines.push({ prefix, family: familyOf(prefix), want });
    }
    this.pending.clear();
    if (lines.length === 0) {
      this.checkIdle();
      return;
    }
    const firstLine = this.linesWritten + 1;
    const markerLine = firstLine + lines.length;
    this.linesWritten = markerLine;
    text += `${MARKER}-${markerLine}\n`;
    this.inFlight.push({ firstLine, markerLine, lines, failed: new Map(), resolve: () => {} });
    this.trackInFlight(lines, 1);
    this.child.stdin.write(text);
  }

  private inFlightTouches(prefix: string): boolean {
    return this.inFlightPrefixes.has(prefix);
  }

  private trackInFlight(lines: PendingLine[], delta: 1 | -1): void {
    for (const l of lines) {
      const n = (this.inFlightPrefixes.get(l.prefix) ?? 0) + delta;
      if (n <= 0) this.inFlightPrefixes.delete(l.prefix);
      else this.inFlightPrefixes.set(l.prefix, n);
    }
  }

  private checkIdle(): void {
    if (this.inFlight.length > 0 || this.pending.size > 0) return;
    const w = this.idleWaiters.splice(0);
    for (const f of w) f();
  }

  /** Resolve once everything asked so far is in the kernel (or refused), bounded by timeoutMs. */
  settled(timeoutMs = 30_000): Promise<void> {
    if (this.pending.size > 0 && this.inFlight.length === 0) this.flush();
    if (this.inFlight.length === 0 && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`kernel FIB did not settle within ${timeoutMs} ms`)), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Clean stop: remove every route of our protocol from the table and end the child. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.pending.clear();
    const child = this.child;
    this.child = undefined;
    if (child) {
      child.stdin.end();
      const exited = new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) r();
        else child.once('exit', () => r());
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    this.inFlight.splice(0).forEach((b) => b.resolve());
    this.inFlightPrefixes.clear();
    if (this.started) await this.flushOurRoutes();
    this.installed.clear();
    this.checkIdle();
  }
}
