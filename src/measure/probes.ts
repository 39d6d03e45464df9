/**
 * Data-plane probes between pod addresses: one `ping -D -O -n -i I -I <src pod> <dst pod>` per pair in
 * the source node's namespace. `-D` stamps each line (wall clock, µs), `-O` reports every sequence with
 * no answer before the next send, so each sequence gets a verdict; a late reply still counts as
 * answered. The echo goes out over the destination's route and the reply back over the source's: a
 * probe succeeds only when both nodes hold each other's pod block.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { LabState } from '../lab/state.js';
import { assertNetnsName } from '../sys/netns.js';
import { wallMsToMono } from './clock.js';
import type { ProbePair, ProbeVerdict } from './drill-analysis.js';
import { foldPing, parsePingLine, splitLines, type PingLine } from './parse.js';

export interface PairSpec {
  from: string;
  to: string;
  ns: string;
  src: string;
  dst: string;
}

export class PingProbe {
  private child: ChildProcess | undefined;
  private pending = '';
  private lines: PingLine[] = [];
  private exited: Promise<void> | undefined;
  /** Consecutive answered sequences seen so far and when the current run started. */
  private streak = 0;
  private streakStart: number | undefined;
  firstStableWallMs: number | undefined;

  constructor(
    readonly pair: PairSpec,
    readonly intervalMs: number,
    /** Replies in a row that count as "reached" (for convergence). */
    private readonly stableAfter = 3,
  ) {
    assertNetnsName(pair.ns);
  }

  start(): void {
    const iv = (this.intervalMs / 1000).toFixed(3);
    // Slightly above the daemons' priority: a probe that is not scheduled is not a lost packet.
    const child = spawn('ip', ['netns', 'exec', this.pair.ns, 'nice', '-n', '-5', 'ping', '-D', '-O', '-n', '-i', iv, '-W', '1', '-I', this.pair.src, this.pair.dst], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.child = child;
    this.exited = new Promise((r) => child.on('exit', () => r()));
    child.on('error', () => {});
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      const [lines, rest] = splitLines(this.pending, d);
      this.pending = rest;
      for (const l of lines) {
        const p = parsePingLine(l);
        if (!p) continue;
        this.lines.push(p);
        if (p.ok) {
          if (this.streak++ === 0) this.streakStart = p.wallMs;
          if (this.streak >= this.stableAfter && this.firstStableWallMs === undefined) this.firstStableWallMs = this.streakStart;
        } else this.streak = 0;
      }
    });
  }

  get reached(): boolean {
    return this.firstStableWallMs !== undefined;
  }

  /** Stop ping (SIGINT: it prints what it has) and wait, bounded. */
  async stop(timeoutMs = 3000): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGINT');
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
  }

  /**
   * One verdict per sequence number, on the monotonic clock. Sequences ping never reported (a send
   * that failed outright) are lost, at a time interpolated between their neighbours.
   */
  verdicts(): ProbeVerdict[] {
    const folded = foldPing(this.lines);
    const out: ProbeVerdict[] = [];
    for (let i = 0; i < folded.length; i++) {
      const cur = folded[i];
      const prev = folded[i - 1];
      if (prev && cur.seq - prev.seq > 1 && cur.seq - prev.seq < 100_000) {
        const gap = cur.seq - prev.seq;
        for (let k = 1; k < gap; k++) out.push({ t: wallMsToMono(prev.wallMs + ((cur.wallMs - prev.wallMs) * k) / gap), ok: false });
      }
      out.push({ t: wallMsToMono(cur.wallMs), ok: cur.ok });
    }
    return out;
  }

  result(): ProbePair {
    return { from: this.pair.from, to: this.pair.to, verdicts: this.verdicts() };
  }
}

/**
 * A sample of probe pairs: nodes with a kernel FIB and a pod address, spread over the lab, each probing
 * the next one in the sample (a ring), alternating IPv4 and IPv6 when both exist. `exclude` leaves out
 * a node (a drill's target). At most `max` pairs.
 */
export function choosePairs(state: LabState, max: number, exclude: string[] = []): PairSpec[] {
  const nodes = state.nodes.filter((n) => n.fib && !exclude.includes(n.name) && n.podAddresses.ipv4.length > 0);
  if (nodes.length < 2) return [];
  const count = Math.min(max, nodes.length);
  // Evenly spread sources: reflectors and clients both get picked in a large lab.
  const picked = Array.from({ length: count }, (_, i) => nodes[Math.floor((i * nodes.length) / count)]);
  const uniq = [...new Map(picked.map((n) => [n.name, n])).values()];
  const pairs: PairSpec[] = [];
  for (let i = 0; i < uniq.length && pairs.length < max; i++) {
    const a = uniq[i];
    const b = uniq[(i + 1) % uniq.length];
    if (a.name === b.name) continue;
    const v6 = i % 2 === 1 && a.podAddresses.ipv6.length > 0 && b.podAddresses.ipv6.length > 0;
    pairs.push({
      from: a.name,
      to: b.name,
      ns: a.ns,
      src: v6 ? a.podAddresses.ipv6[0] : a.podAddresses.ipv4[0],
      dst: v6 ? b.podAddresses.ipv6[0] : b.podAddresses.ipv4[0],
    });
    if (uniq.length === 2) break;
  }
  return pairs;
}
