/**
 * The speaker's event log: one JSON object per line with a wall-clock ("ts") and a CLOCK_MONOTONIC
 * ("mono", ns as a decimal string) timestamp taken when the event happened, so a lab can compute
 * convergence across processes on one machine exactly (contracts.md). Lines are buffered and written
 * in blocks (at most every 20 ms or 64 KiB) so a 100k-route convergence does not cost a write per route;
 * `close()` writes whatever is left synchronously (called on stop, also from signal handlers).
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export type SpeakerEvent =
  | { event: 'start'; [k: string]: unknown }
  | { event: 'listening'; addresses: string[]; port: number; cpuMs?: number; codeCache?: 'used' | 'rejected' | 'none' }
  | { event: 'stop'; reason: string }
  | { event: 'session'; peer: string; state: string; prev: string; reason?: string }
  | { event: 'route'; op: 'add' | 'del'; family: 'ipv4' | 'ipv6'; prefix: string; nextHop?: string; peer?: string }
  | { event: 'fib'; op: 'add' | 'del'; family: 'ipv4' | 'ipv6'; prefixes: string[] }
  | { event: string; [k: string]: unknown };

const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 20;

export class EventLog {
  private fd: number | undefined;
  private buffer: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly nodeJson: string;

  constructor(
    path: string | null,
    readonly node: string,
  ) {
    if (path) this.fd = openSync(path, 'a');
    this.nodeJson = JSON.stringify(node);
  }

  get enabled(): boolean {
    return this.fd !== undefined;
  }

  /** Record an event now (timestamps taken here, not at write time). */
  emit(ev: SpeakerEvent): void {
    if (this.fd === undefined) return;
    const mono = process.hrtime.bigint();
    const ts = new Date().toISOString();
    // Fields in contract order: ts, mono, node, then the event's own fields.
    const body = JSON.stringify(ev);
    this.push(`{"ts":"${ts}","mono":"${mono}","node":${this.nodeJson},${body.slice(1)}\n`);
  }

  /**
   * One "route" line per prefix of a best-path change group, sharing one timestamp (they changed in the
   * same processing step). Built by concatenation: prefixes and addresses need no JSON escaping, and a
   * 100k-route convergence should not cost 100k JSON.stringify calls.
   */
  emitRoutes(op: 'add' | 'del', family: 'ipv4' | 'ipv6', prefixes: readonly string[], nextHop: string | null, peer: string | null): void {
    if (this.fd === undefined || prefixes.length === 0) return;
    const head = `{"ts":"${new Date().toISOString()}","mono":"${process.hrtime.bigint()}","node":${this.nodeJson},"event":"route","op":"${op}","family":"${family}","prefix":"`;
    const tail = `"${nextHop ? `,"nextHop":"${nextHop}"` : ''}${peer ? `,"peer":"${peer}"` : ''}}\n`;
    let chunk = '';
    for (let i = 0; i < prefixes.length; i++) {
      chunk += head + prefixes[i] + tail;
      if (chunk.length > 16384) {
        this.push(chunk);
        chunk = '';
      }
    }
    if (chunk) this.push(chunk);
  }

  private push(text: string): void {
    this.buffer.push(text);
    this.bytes += text.length;
    if (this.bytes >= FLUSH_BYTES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.fd === undefined || this.buffer.length === 0) return;
    const data = this.buffer.join('');
    this.buffer = [];
    this.bytes = 0;
    try {
      writeSync(this.fd, data);
    } catch (err) {
      process.stderr.write(`bgplab speaker: event log write failed: ${(err as Error).message}\n`);
    }
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = undefined;
    }
  }
}
