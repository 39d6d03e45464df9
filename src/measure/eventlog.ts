/**
 * Following a bgplab speaker's JSON-lines event log (contracts.md) as it grows: read what is new since
 * the last offset (no fork, no inotify), keep a partial last line for next time, and turn events into
 * observations carrying the speaker's own CLOCK_MONOTONIC stamps (exact).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { wallMsToMono } from './clock.js';
import type { Observation } from './observations.js';
import { parseBirdLogLine, parseBirdStartedLine, parseEventLine, splitLines, type SpeakerLogEvent } from './parse.js';

const CHUNK = 1 << 20;
/**
 * One read buffer for every tail in the process (reads are synchronous and the text is copied out at
 * once). A fresh 1 MiB buffer per read, 100 logs polled every 20 ms, was 5 GB/s of garbage: the
 * collector then took more CPU than the lab's reflectors, on the same 2 cores, while measuring them.
 */
let shared: Buffer | undefined;
const readBuffer = (): Buffer => (shared ??= Buffer.allocUnsafeSlow(CHUNK));

export class EventLogTail {
  private readonly tail: LineTail;
  /** Events read so far that are not BGP/FIB/session observations (start, listening, stop…). */
  readonly other: SpeakerLogEvent[] = [];
  /** When the speaker first said it was listening (CLOCK_MONOTONIC ns). */
  firstListening: bigint | undefined;
  /** CPU it had spent by then (ms), as it says. */
  startupCpuMs: number | undefined;
  /** When it last said so: a speaker restarted (a drill) appends to the same log. */
  lastListening: bigint | undefined;

  constructor(
    readonly node: string,
    readonly path: string,
    private readonly sink: (o: Observation) => void,
  ) {
    this.tail = new LineTail(path);
  }

  /** Read whatever was appended since the last call. Returns the number of events read. */
  poll(): number {
    let n = 0;
    for (const l of this.tail.read()) {
      const ev = parseEventLine(l);
      if (!ev) continue;
      n++;
      this.emit(ev);
    }
    return n;
  }

  private emit(ev: SpeakerLogEvent): void {
    const base = { t: ev.mono, node: this.node };
    if (ev.event === 'route' && ev.op && ev.prefixes) this.sink({ ...base, kind: 'bgp', op: ev.op, prefixes: ev.prefixes });
    else if (ev.event === 'fib' && ev.op && ev.prefixes) this.sink({ ...base, kind: 'fib', op: ev.op, prefixes: ev.prefixes });
    else if (ev.event === 'session' && ev.peer && ev.state) {
      if (ev.state === 'Established') this.sink({ ...base, kind: 'session', peer: ev.peer, up: true, state: ev.state });
      else if (ev.prev === 'Established') this.sink({ ...base, kind: 'session', peer: ev.peer, up: false, state: ev.state });
    } else this.other.push(ev);
    if (ev.event === 'listening') {
      if (this.firstListening === undefined) {
        this.firstListening = ev.mono;
        this.startupCpuMs = ev.cpuMs;
      }
      this.lastListening = ev.mono;
    }
    if (ev.event === 'start') {
      // A (re)started speaker begins with empty tables and no sessions.
      this.sink({ ...base, kind: 'bgpSet', prefixes: [] });
      this.sink({ ...base, kind: 'sessionSet', peers: [] });
    }
  }

  close(): void {
    this.tail.close();
  }
}

/** New complete lines of a growing text file (from the last offset; a truncated file starts over). */
export class LineTail {
  private offset = 0;
  private pending = '';
  private fd: number | undefined;

  constructor(readonly path: string) {}

  /** Skip what the file holds now (only later lines matter). */
  skipExisting(): void {
    this.read();
  }

  read(): string[] {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.path, 'r');
      } catch {
        return []; // not created yet
      }
    }
    let size: number;
    try {
      size = fstatSync(this.fd).size;
    } catch {
      return [];
    }
    if (size < this.offset) {
      // Truncated or replaced (a restarted speaker with a fresh log): start over.
      this.offset = 0;
      this.pending = '';
    }
    const out: string[] = [];
    if (this.offset >= size) return out;
    const buf = readBuffer();
    for (let guard = 0; this.offset < size && guard < 10_000; guard++) {
      const got = readSync(this.fd, buf, 0, Math.min(CHUNK, size - this.offset), this.offset);
      if (got <= 0) break;
      this.offset += got;
      const [lines, rest] = splitLines(this.pending, buf.toString('utf8', 0, got));
      this.pending = rest;
      // One push per line: a 1 MiB chunk of short lines is too many arguments for a spread.
      for (const l of lines) out.push(l);
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * BIRD's own log (`debug { states }` on the BGP protocols, as the generated configs have): every
 * protocol state change with a millisecond wall-clock stamp, so session changes are known to the
 * millisecond instead of to the polling interval. `up` is Established.
 */
export class BirdLogTail {
  private tail: LineTail;
  constructor(
    readonly node: string,
    path: string,
    /** Protocol name → neighbour address. */
    private readonly peerOf: (proto: string) => string | undefined,
    private readonly sink: (o: Observation) => void,
  ) {
    this.tail = new LineTail(path);
  }

  /** When BIRD first logged `Started` (it listens from then on), CLOCK_MONOTONIC ns. */
  firstStarted: bigint | undefined;

  poll(): void {
    for (const l of this.tail.read()) {
      if (this.firstStarted === undefined) {
        const st = parseBirdStartedLine(l);
        if (st !== undefined) this.firstStarted = wallMsToMono(st);
      }
      const ev = parseBirdLogLine(l);
      if (!ev) continue;
      const peer = this.peerOf(ev.proto);
      if (!peer) continue;
      this.sink({ t: wallMsToMono(ev.wallMs), node: this.node, kind: 'session', peer, up: ev.state === 'up', state: ev.state });
    }
  }

  close(): void {
    this.tail.close();
  }
}
