/**
 * Watching a namespace's kernel FIB: `ip -ts -n NS monitor route` streams every route change with the
 * time the netlink message was read (no polling, no fork per sample), and one `ip -j route show` per
 * family gives the starting point. Changes become `fib` observations for the prefixes a node expects.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { run } from '../sys/exec.js';
import { assertNetnsName } from '../sys/netns.js';
import { monoNow, wallMsToMono } from './clock.js';
import type { Observation } from './observations.js';
import { isForwarding, parseIpMonitorLine, parseIpRouteJson, splitLines } from './parse.js';

export class KernelMonitor {
  private child: ChildProcess | undefined;
  private pending = '';
  private exited = false;

  constructor(
    readonly node: string,
    readonly ns: string,
    /** Only these prefixes are reported (a node's expected routes). */
    private readonly interesting: Set<string>,
    private readonly sink: (o: Observation) => void,
  ) {
    assertNetnsName(ns);
  }

  /** Start the monitor, then take the starting listing (so nothing falls between the two). */
  async start(): Promise<void> {
    const child = spawn('ip', ['-ts', '-n', this.ns, 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child = child;
    child.on('error', () => (this.exited = true));
    child.on('exit', () => (this.exited = true));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      const [lines, rest] = splitLines(this.pending, d);
      this.pending = rest;
      for (const l of lines) this.line(l);
    });
    // The monitor needs a moment to subscribe; a change in that window is caught by the listing below.
    await new Promise((r) => setTimeout(r, 30));
    await this.snapshot();
  }

  private line(l: string): void {
    const ch = parseIpMonitorLine(l);
    if (!ch || ch.table !== 'main' || !this.interesting.has(ch.dst)) return;
    const t = ch.wallMs !== undefined ? wallMsToMono(ch.wallMs) : monoNow();
    // A learned block replaced by a blackhole/unreachable route no longer forwards: a loss.
    const op = ch.deleted || !isForwarding(ch.type) ? 'del' : 'add';
    this.sink({ t, node: this.node, kind: 'fib', op, prefixes: [ch.dst] });
  }

  /** A full listing as one `fibSet` observation stamped with the time the listing started. */
  async snapshot(): Promise<void> {
    const t = monoNow();
    const prefixes = await forwardingPrefixes(this.ns);
    if (prefixes === undefined) return;
    this.sink({ t, node: this.node, kind: 'fibSet', prefixes: prefixes.filter((p) => this.interesting.has(p)) });
  }

  get running(): boolean {
    return !!this.child && !this.exited;
  }

  stop(): void {
    if (this.child && !this.exited) this.child.kill('SIGTERM');
  }
}

/** Destinations of forwarding routes in the main table of `ns`, both families; undefined on failure. */
export async function forwardingPrefixes(ns: string): Promise<string[] | undefined> {
  assertNetnsName(ns);
  const [v4, v6] = await Promise.all([
    run('ip', ['-j', '-n', ns, 'route', 'show', 'table', 'main'], { timeoutMs: 10_000 }),
    run('ip', ['-j', '-6', '-n', ns, 'route', 'show', 'table', 'main'], { timeoutMs: 10_000 }),
  ]);
  if (v4.code !== 0) return undefined;
  return [...parseIpRouteJson(v4.stdout, false), ...parseIpRouteJson(v6.stdout, true)].filter((r) => isForwarding(r.type)).map((r) => r.dst);
}
