/**
 * Route reflector benchmark (the ze-perf method): in three network namespaces on one bridge, a sender
 * client injects N prefixes into a route reflector over real TCP/179, and a receiver client counts what
 * the reflector passes on. Printed per family and reflector: the time from the first UPDATE byte sent
 * to the last prefix received (both stamped with CLOCK_MONOTONIC, comparable across processes),
 * prefixes per second, and the reflector's RSS growth per route. The reflector is the bgplab speaker,
 * then BIRD 2 in the same run (when installed), and the ratio bgplab/BIRD is printed.
 * Goal (issue #3): 100,000 routes in <= 250 ms, <= 3x BIRD, <= 400 B RSS per route.
 *
 *   node dist/bench/reflect.js [--count 100000] [--families ipv4,ipv6] [--no-bird] [--event-log] [--json]
 *                              [--runs 3] (median of N runs each)  [--settle-ms 1000] (second RSS sample)
 *                              [--profile DIR]   (V8 CPU profile of the bgplab reflector into DIR)
 *                              [--speaker-node-args "--max-semi-space-size=8"]   (node flags for the reflector)
 *                              [--reflector-log FILE]   (the bgplab reflector's stdout and stderr)
 *
 * Needs root (namespaces). Sender and receiver are this same file run with --role inside their
 * namespaces: minimal BGP speakers built on src/wire and src/fsm (OPEN, KEEPALIVE, pre-encoded UPDATEs,
 * and an allocation-free NLRI counter), so they cost the measurement as little as possible.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildOpen, negotiate } from '../src/fsm/index.js';
import { controlRequest } from '../src/speaker/control-client.js';
import { SPEAKER_NODE_FLAGS } from '../src/speaker/node-flags.js';
import type { SpeakerStatus } from '../src/speaker/status-types.js';
import { addNetns, delNetns, ipBatch, run } from '../src/sys/index.js';
import {
  KEEPALIVE_BYTES,
  MessageReader,
  decodeMessage,
  defaultContext,
  encodeMessage,
  encodeUpdates,
  type CodecContext,
  type Family,
  type Nlri,
  type OpenMessage,
} from '../src/wire/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SELF = resolve(HERE, 'reflect.js');
const SPEAKER = resolve(HERE, '../src/speaker/main.js');
const ASN = 64512;
const FABRIC = { sender: 1, reflector: 2, receiver: 3 } as const;
const v4 = (i: number): string => `10.7.0.${i}`;
const v6 = (i: number): string => `fd00:7::${i}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mono = (): bigint => process.hrtime.bigint();

function arg(name: string, dflt?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  return process.argv[i + 1];
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const settleMs = Number(arg('settle-ms', '1000'));

function out(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// ------------------------------------------------------------------------------------ prefixes

/** N distinct Calico-style blocks: IPv4 /26 from 10.128.0.0/9, IPv6 /122 from fd00:244::/32. */
export function benchPrefixes(family: Family, n: number): Nlri[] {
  const out: Nlri[] = [];
  for (let i = 0; i < n; i++) {
    if (family === 'ipv4') {
      const x = (128 << 16) | i; // 10.128.0.0/9 holds 2^17 /26s above 10.128
      out.push({ prefix: `10.${(x >> 10) & 255}.${(x >> 2) & 255}.${(x & 3) << 6}/26` });
    } else {
      out.push({ prefix: `fd00:244:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/122` });
    }
  }
  return out;
}

/** Count NLRI in an UPDATE frame without allocating: IPv4 NLRI field and MP_REACH of `afi`. */
function countAnnounced(f: Buffer, afi: number): { announced: number; withdrawn: number } {
  let p = 19;
  const wlen = f.readUInt16BE(p);
  p += 2;
  let withdrawn = 0;
  for (let q = p; q < p + wlen; ) {
    withdrawn++;
    q += 1 + ((f[q] + 7) >> 3);
  }
  p += wlen;
  const alen = f.readUInt16BE(p);
  p += 2;
  const aend = p + alen;
  let announced = 0;
  while (p < aend) {
    const flags = f[p];
    const code = f[p + 1];
    const ext = (flags & 0x10) !== 0;
    const len = ext ? f.readUInt16BE(p + 2) : f[p + 2];
    const v = p + (ext ? 4 : 3);
    if (code === 14 && f.readUInt16BE(v) === afi) {
      const nhLen = f[v + 3];
      let q = v + 4 + nhLen + 1;
      const end = v + len;
      while (q < end) {
        announced++;
        q += 1 + ((f[q] + 7) >> 3);
      }
    } else if (code === 15 && f.readUInt16BE(v) === afi) {
      let q = v + 3;
      while (q < v + len) {
        withdrawn++;
        q += 1 + ((f[q] + 7) >> 3);
      }
    }
    p = v + len;
  }
  if (afi === 1) {
    for (let q = aend; q < f.length; ) {
      announced++;
      q += 1 + ((f[q] + 7) >> 3);
    }
  }
  return { announced, withdrawn };
}

// ------------------------------------------------------------------------------------ tool roles

interface ToolSession {
  socket: Socket;
  ctx: CodecContext;
  established: Promise<void>;
  onUpdate: (frame: Buffer) => void;
}

/** A minimal BGP speaker: OPEN, KEEPALIVE, then hand UPDATE frames to onUpdate. */
function openSession(local: string, peer: string, routerId: string, families: Family[]): ToolSession {
  const socket = connect({ host: peer, port: 179, localAddress: local, noDelay: true });
  const reader = new MessageReader();
  const myOpen: OpenMessage = buildOpen({ asn: ASN, routerId, holdTime: 90, families });
  const s: ToolSession = {
    socket,
    ctx: defaultContext(),
    established: Promise.resolve(),
    onUpdate: () => {},
  };
  s.established = new Promise((resolveUp, reject) => {
    let gotOpen = false;
    socket.on('connect', () => socket.write(encodeMessage(myOpen, defaultContext())));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let f = reader.next(); f; f = reader.next()) {
        const type = f[18];
        if (type === 2) {
          s.onUpdate(f);
          continue;
        }
        const m = decodeMessage(f, s.ctx).message;
        if (!m) continue;
        if (m.type === 'OPEN') {
          gotOpen = true;
          const n = negotiate(myOpen, m);
          s.ctx = n.codec;
          reader.extendedMessage = n.extendedMessage;
          socket.write(KEEPALIVE_BYTES);
        } else if (m.type === 'KEEPALIVE' && gotOpen) {
          resolveUp();
        } else if (m.type === 'NOTIFICATION') {
          reject(new Error(`NOTIFICATION ${m.code}/${m.subcode} from ${peer}`));
        }
      }
      if (reader.error) reject(new Error(`framing error from ${peer}: ${reader.error.reason}`));
    });
  });
  setInterval(() => socket.writable && socket.write(KEEPALIVE_BYTES), 20_000).unref();
  return s;
}

async function senderRole(): Promise<void> {
  const family = arg('family') as Family;
  const count = Number(arg('count'));
  const s = openSession(v4(FABRIC.sender), v4(FABRIC.reflector), v4(FABRIC.sender), ['ipv4', 'ipv6']);
  await s.established;
  // Pre-encode everything so the timed part is only the write and what happens downstream.
  const attrs = family === 'ipv4' ? { origin: 0 as const, asPath: [], localPref: 100, nextHop: v4(FABRIC.sender) } : { origin: 0 as const, asPath: [], localPref: 100, nextHop: v6(FABRIC.sender) };
  const msgs = encodeUpdates(family, attrs, benchPrefixes(family, count), { ...s.ctx, extendedMessage: false });
  const blob = Buffer.concat(msgs);
  out({ event: 'ready', messages: msgs.length, bytes: blob.length });
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (line.trim() === 'go') {
      const t0 = mono();
      s.socket.write(blob);
      out({ event: 'sent', t0: String(t0) });
    } else if (line.trim() === 'quit') break;
  }
  s.socket.destroy();
  process.exit(0);
}

async function receiverRole(): Promise<void> {
  const family = arg('family') as Family;
  const count = Number(arg('count'));
  const afi = family === 'ipv4' ? 1 : 2;
  const s = openSession(v4(FABRIC.receiver), v4(FABRIC.reflector), v4(FABRIC.receiver), ['ipv4', 'ipv6']);
  let announced = 0;
  let withdrawn = 0;
  let first: bigint | undefined;
  let done = false;
  s.onUpdate = (f) => {
    const c = countAnnounced(f, afi);
    if (c.announced > 0 && first === undefined) first = mono();
    announced += c.announced;
    withdrawn += c.withdrawn;
    if (!done && announced >= count) {
      done = true;
      out({ event: 'done', t1: String(mono()), first: String(first), announced, withdrawn });
    }
  };
  await s.established;
  out({ event: 'ready' });
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) if (line.trim() === 'quit') break;
  s.socket.destroy();
  process.exit(0);
}

// ------------------------------------------------------------------------------------ orchestration

interface Tool {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stderr: string;
  waitFor(event: string, timeoutMs: number): Promise<Record<string, unknown>>;
}

function startTool(ns: string, args: string[]): Tool {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, SELF, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const t: Tool = {
    child,
    lines: [],
    stderr: '',
    async waitFor(event, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const l = t.lines.find((x) => x.event === event);
        if (l) return l;
        if (child.exitCode !== null) break;
        await sleep(5);
      }
      throw new Error(`${args.join(' ')}: no "${event}" within ${timeoutMs} ms (stderr: ${t.stderr.slice(-500)})`);
    },
  };
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      t.lines.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      /* not ours */
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (t.stderr += d));
  return t;
}

/** CPU time (user + system) a process used so far, in ms (/proc/PID/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function killProc(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

interface RunResult {
  reflector: 'bgplab' | 'bird';
  family: Family;
  count: number;
  ms: number;
  prefixesPerSec: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  bytesPerRoute: number;
  /** RSS `settleMs` after the last prefix arrived (garbage of the burst collected or not). */
  rssSettledKb: number;
  settledBytesPerRoute: number;
  /** CPU time the reflector spent from "go" to the last prefix received (less noisy than wall time). */
  cpuMs: number;
  withdrawn: number;
  updates: number;
}

class Bench {
  readonly id = `bgplab-bench-${process.pid}`;
  readonly ns = { br: `${this.id}-br`, sender: `${this.id}-s`, reflector: `${this.id}-r`, receiver: `${this.id}-c` };
  readonly dir = mkdtempSync(join(tmpdir(), 'bgplab-bench-'));

  async setup(): Promise<void> {
    chmodSync(this.dir, 0o755);
    await this.teardownNamespaces();
    await addNetns(this.ns.br);
    await ipBatch(this.ns.br, ['link add br0 type bridge', 'link set br0 up']);
    for (const [role, i] of Object.entries(FABRIC) as Array<[keyof typeof FABRIC, number]>) {
      const ns = this.ns[role];
      await addNetns(ns);
      await ipBatch(undefined, [`link add bb${process.pid % 10000}x${i} netns ${this.ns.br} type veth peer name eth1 netns ${ns}`]);
      await ipBatch(this.ns.br, [`link set bb${process.pid % 10000}x${i} master br0`, `link set bb${process.pid % 10000}x${i} up`]);
      await ipBatch(ns, [`addr add ${v4(i)}/24 dev eth1`, `addr add ${v6(i)}/64 dev eth1 nodad`, 'link set eth1 up']);
    }
  }

  async teardownNamespaces(): Promise<void> {
    for (const ns of Object.values(this.ns)) await delNetns(ns);
  }

  async teardown(): Promise<void> {
    await this.teardownNamespaces();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private startReflector(impl: 'bgplab' | 'bird', eventLog: boolean): { child: ChildProcess; up: () => Promise<void>; ready: () => Promise<void> } {
    if (impl === 'bgplab') {
      const control = join(this.dir, 'rr.sock');
      const file = join(this.dir, 'rr.json');
      writeFileSync(
        file,
        JSON.stringify({
          name: 'rr',
          routerId: v4(FABRIC.reflector),
          asn: ASN,
          clusterId: v4(FABRIC.reflector),
          control,
          ...(eventLog ? { eventLog: join(this.dir, 'rr.events.jsonl') } : {}),
          peers: [
            { address: v4(FABRIC.sender), asn: ASN, rrClient: true, passive: true },
            { address: v4(FABRIC.receiver), asn: ASN, rrClient: true, passive: true },
          ],
        }),
      );
      const prof = arg('profile');
      const nodeArgs = prof ? [`--cpu-prof`, `--cpu-prof-dir=${resolve(prof)}`] : [];
      // The flags a lab starts speakers with (src/speaker/node-flags.ts), unless given here.
      const extra = arg('speaker-node-args');
      nodeArgs.push(...(extra !== undefined ? extra.split(/\s+/).filter((x) => x) : SPEAKER_NODE_FLAGS));
      // --reflector-log FILE: the speaker's stdout/stderr (e.g. with --speaker-node-args --trace-gc).
      const logFile = arg('reflector-log');
      const logFd = logFile ? openSync(resolve(logFile), 'a') : 'ignore';
      const child = spawn('ip', ['netns', 'exec', this.ns.reflector, process.execPath, ...nodeArgs, SPEAKER, '--config', file], { stdio: ['ignore', logFd, logFd] });
      if (typeof logFd === 'number') closeSync(logFd);
      return {
        child,
        up: async () => {
          for (let i = 0; i < 400; i++) {
            try {
              await controlRequest<SpeakerStatus>(control, { cmd: 'status' }, 1000);
              return;
            } catch {
              await sleep(25);
            }
          }
          throw new Error('bgplab reflector did not answer within 10 s');
        },
        ready: async () => {
          for (let i = 0; i < 400; i++) {
            try {
              const st = await controlRequest<SpeakerStatus>(control, { cmd: 'status' }, 1000);
              if (st.peers.every((p) => p.state === 'Established')) return;
            } catch {
              /* not up yet */
            }
            await sleep(25);
          }
          throw new Error('bgplab reflector sessions did not come up within 10 s');
        },
      };
    }
    const conf = join(this.dir, 'bird.conf');
    const sock = join(this.dir, 'bird.ctl');
    const peers = [FABRIC.sender, FABRIC.receiver]
      .map(
        (i) => `protocol bgp c${i} {
  local as ${ASN};
  neighbor ${v4(i)} as ${ASN};
  source address ${v4(FABRIC.reflector)};
  passive on;
  rr client;
  rr cluster id ${v4(FABRIC.reflector)};
  hold time 90;
  ipv4 { import all; export all; };
  ipv6 { import all; export all; };
}`,
      )
      .join('\n');
    writeFileSync(
      conf,
      `router id ${v4(FABRIC.reflector)};\nprotocol device { }\nprotocol direct { ipv4; ipv6; interface "eth1"; }\n${peers}\n`,
    );
    const child = spawn('ip', ['netns', 'exec', this.ns.reflector, 'bird', '-f', '-c', conf, '-s', sock, '-P', join(this.dir, 'bird.pid')], { stdio: 'ignore' });
    return {
      child,
      up: async () => {
        for (let i = 0; i < 400; i++) {
          const r = await run('birdc', ['-s', sock, 'show status'], { timeoutMs: 2000 });
          if (/Daemon is up and running/.test(r.stdout)) return;
          await sleep(25);
        }
        throw new Error('BIRD did not answer within 10 s');
      },
      ready: async () => {
        for (let i = 0; i < 400; i++) {
          const r = await run('birdc', ['-s', sock, 'show protocols'], { timeoutMs: 2000 });
          const est = (r.stdout.match(/Established/g) ?? []).length;
          if (est === 2) return;
          await sleep(25);
        }
        throw new Error('BIRD reflector sessions did not come up within 10 s');
      },
    };
  }

  async runOnce(impl: 'bgplab' | 'bird', family: Family, count: number, eventLog: boolean): Promise<RunResult> {
    const rr = this.startReflector(impl, eventLog);
    const tools: Tool[] = [];
    try {
      await rr.up(); // control socket answers once the listener is up
      const receiver = startTool(this.ns.receiver, ['--role', 'receiver', '--family', family, '--count', String(count)]);
      tools.push(receiver);
      const sender = startTool(this.ns.sender, ['--role', 'sender', '--family', family, '--count', String(count)]);
      tools.push(sender);
      await receiver.waitFor('ready', 15_000);
      const ready = await sender.waitFor('ready', 15_000);
      await rr.ready();
      await sleep(300); // initial End-of-RIB exchange settles
      const rssBefore = rssKb(rr.child.pid!);
      const cpuBefore = cpuMs(rr.child.pid!);
      sender.child.stdin!.write('go\n');
      const sent = await sender.waitFor('sent', 10_000);
      const done = await receiver.waitFor('done', 60_000);
      const rssAfter = rssKb(rr.child.pid!);
      const cpu = cpuMs(rr.child.pid!) - cpuBefore;
      // And once the reflector had time for a major GC: what the routes really keep.
      await sleep(settleMs);
      const rssSettled = rssKb(rr.child.pid!);
      const ms = Number(BigInt(done.t1 as string) - BigInt(sent.t0 as string)) / 1e6;
      return {
        reflector: impl,
        family,
        count,
        ms,
        prefixesPerSec: Math.round(count / (ms / 1000)),
        rssBeforeKb: rssBefore,
        rssAfterKb: rssAfter,
        bytesPerRoute: Math.round(((rssAfter - rssBefore) * 1024) / count),
        rssSettledKb: rssSettled,
        settledBytesPerRoute: Math.round(((rssSettled - rssBefore) * 1024) / count),
        cpuMs: cpu,
        withdrawn: done.withdrawn as number,
        updates: ready.messages as number,
      };
    } finally {
      for (const t of tools) {
        t.child.stdin?.write('quit\n');
        await killProc(t.child);
      }
      await killProc(rr.child);
    }
  }
}

async function orchestrate(): Promise<void> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench/reflect: needs root (network namespaces)\n');
    process.exit(2);
  }
  if (!existsSync(SPEAKER)) {
    process.stderr.write(`bench/reflect: ${SPEAKER} not found (npm run build)\n`);
    process.exit(2);
  }
  const count = Number(arg('count', '100000'));
  const families = (arg('families', 'ipv4,ipv6') as string).split(',') as Family[];
  const withBird = !flag('no-bird') && (await run('sh', ['-c', 'command -v bird'])).code === 0;
  const eventLog = flag('event-log');
  const runs = Math.max(1, Number(arg('runs', '3')));
  const bench = new Bench();
  const results: RunResult[] = [];
  const cleanup = async (): Promise<void> => {
    await bench.teardown();
  };
  process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    await bench.setup();
    // Interleaved, so both reflectors see the same machine load (a shared 2-core box is noisy).
    for (const family of families) {
      for (let i = 0; i < runs; i++) {
        results.push(await bench.runOnce('bgplab', family, count, eventLog));
        if (withBird) results.push(await bench.runOnce('bird', family, count, false));
      }
    }
  } finally {
    await cleanup();
  }
  if (flag('json')) {
    process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    return;
  }
  const goalMs = 250;
  process.stdout.write(`bench/reflect: ${count} prefixes, sender -> route reflector -> receiver over TCP in namespaces${eventLog ? ' (bgplab with event log)' : ''}\n`);
  process.stdout.write(`reflector family   time ms   CPU ms   prefixes/s   RSS growth   B/route   B/route +${settleMs / 1000}s   UPDATEs in\n`);
  for (const r of results) {
    process.stdout.write(
      `${r.reflector.padEnd(9)} ${r.family.padEnd(6)} ${r.ms.toFixed(1).padStart(9)} ${String(r.cpuMs).padStart(8)} ${String(r.prefixesPerSec).padStart(12)} ${`${((r.rssAfterKb - r.rssBeforeKb) / 1024).toFixed(1)} MiB`.padStart(12)} ${String(r.bytesPerRoute).padStart(9)} ${String(r.settledBytesPerRoute).padStart(14)} ${String(r.updates).padStart(12)}\n`,
    );
  }
  // Per reflector and family, the run with the median time (its RSS figures with it).
  const median = (reflector: string, family: Family): RunResult | undefined => {
    const rs = results.filter((r) => r.reflector === reflector && r.family === family).sort((a, b) => a.ms - b.ms);
    return rs[(rs.length - 1) >> 1];
  };
  if (runs > 1) process.stdout.write(`medians of ${runs} runs:\n`);
  for (const family of families) {
    const ours = median('bgplab', family);
    const bird = median('bird', family);
    if (!ours) continue;
    const ratio = bird ? ours.ms / bird.ms : undefined;
    const best = Math.min(...results.filter((r) => r.reflector === 'bgplab' && r.family === family).map((r) => r.ms));
    process.stdout.write(
      `${family}: bgplab ${ours.ms.toFixed(1)} ms (best ${best.toFixed(1)}; goal <= ${goalMs} ms: ${ours.ms <= goalMs ? 'met' : 'MISSED'})` +
        (ratio !== undefined && bird ? `, BIRD ${bird.ms.toFixed(1)} ms, ratio ${ratio.toFixed(2)}x (goal <= 3x: ${ratio <= 3 ? 'met' : 'MISSED'})` : ', BIRD not run') +
        `, ${ours.bytesPerRoute} B RSS/route (goal <= 400: ${ours.bytesPerRoute <= 400 ? 'met' : 'MISSED'}; ${ours.settledBytesPerRoute} B ${settleMs / 1000} s later)` +
        (bird ? `, BIRD ${bird.bytesPerRoute} B/route` : '') +
        // Reflector CPU time: what the wall time would be on an idle machine, less the network path.
        `; reflector CPU ${ours.cpuMs} ms` +
        (bird ? ` vs BIRD ${bird.cpuMs} ms (${(ours.cpuMs / Math.max(1, bird.cpuMs)).toFixed(1)}x)` : '') +
        '\n',
    );
  }
}

const role = arg('role');
const main = role === 'sender' ? senderRole : role === 'receiver' ? receiverRole : orchestrate;
main().catch((err: unknown) => {
  process.stderr.write(`bench/reflect${role ? ` (${role})` : ''}: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
