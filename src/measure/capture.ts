/**
 * Counting BGP UPDATE messages and bytes the same way for every implementation: `tcpdump` on the fabric
 * bridge's ports (in the lab's fabric namespace, which every session crosses exactly once), started before the
 * daemons, then the capture decoded with our own TCP reassembly and BGP framing (src/capture). BIRD
 * keeps no message counters, so a capture is the one source that treats all daemons alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { decodeBgpCapture } from '../capture/decode.js';
import { hasCommand } from '../sys/exec.js';
import { assertNetnsName } from '../sys/netns.js';

export interface UpdateCounts {
  messages: number;
  bytes: number;
  /** Per fabric IPv4 address: UPDATEs sent / received. */
  perAddress: Map<string, { in: number; out: number; bytesIn: number; bytesOut: number }>;
  /** Capture problems (dropped packets, undecodable bytes). */
  notes: string[];
}

/** tcpdump's packet buffer timeout (1 s) plus a margin. */
const BLOCK_RETIRE_MS = 1200;

export class FabricCapture {
  private child: ChildProcess | undefined;
  private stderr = '';
  private exited: Promise<void> | undefined;

  constructor(
    readonly ns: string,
    readonly file: string,
  ) {
    assertNetnsName(ns);
  }

  static available(): Promise<boolean> {
    return hasCommand('tcpdump');
  }

  /** Start tcpdump and wait (bounded) until it says it is listening. */
  async start(timeoutMs = 5000): Promise<void> {
    // A bridge interface only sees frames addressed to the bridge itself, not those it forwards between
    // ports: capture every port on the way in (-i any -Q in), so each frame is seen exactly once.
    // libpcap hands frames over in ring blocks retired at the latest after tcpdump's 1 s timeout; the
    // block still filling when tcpdump stops is lost, so stop() waits that long first. (Immediate mode
    // would avoid the wait but wakes tcpdump per frame, and it then drops frames on a busy machine.)
    const child = spawn('ip', ['netns', 'exec', this.ns, 'tcpdump', '-i', 'any', '-Q', 'in', '-s', '0', '-B', '65536', '-U', '-n', '-w', this.file, 'tcp port 179'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((r) => child.on('exit', () => r()));
    child.on('error', () => {});
    child.stderr!.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump in ${this.ns} not listening after ${timeoutMs} ms: ${this.stderr.trim()}`)), timeoutMs);
      child.stderr!.on('data', (d: string) => {
        this.stderr += d;
        if (/listening on/.test(this.stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        reject(new Error(`tcpdump in ${this.ns} exited: ${this.stderr.trim()}`));
      });
    });
  }

  /** Stop tcpdump (after the last ring block retired; SIGINT flushes the file) and wait, bounded. */
  async stop(timeoutMs = 5000): Promise<string> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return this.stderr;
    await new Promise((r) => setTimeout(r, BLOCK_RETIRE_MS));
    if (c.exitCode !== null || c.signalCode !== null) return this.stderr;
    c.kill('SIGINT');
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
    return this.stderr;
  }

  /**
   * Count UPDATEs in the capture, up to `untilWallNs` (capture timestamps are wall clock) when given:
   * the capture runs on for a second after the measurement ends (see stop), and what it sees then is
   * not part of it. Then delete the file unless `keep`.
   */
  count(keep = false, untilWallNs?: bigint): UpdateCounts {
    const out: UpdateCounts = { messages: 0, bytes: 0, perAddress: new Map(), notes: [] };
    const dropped = /(\d+) packets? dropped by kernel/.exec(this.stderr);
    if (dropped && dropped[1] !== '0') out.notes.push(`${dropped[1]} packets dropped by the kernel during capture`);
    let buf: Buffer;
    try {
      if (statSync(this.file).size > 512 * 1024 * 1024) {
        out.notes.push('capture larger than 512 MB: not decoded');
        return out;
      }
      buf = readFileSync(this.file);
    } catch (e) {
      out.notes.push(`capture unreadable: ${(e as Error).message}`);
      return out;
    }
    const at = (a: string) => {
      let e = out.perAddress.get(a);
      if (!e) out.perAddress.set(a, (e = { in: 0, out: 0, bytesIn: 0, bytesOut: 0 }));
      return e;
    };
    let notes = 0;
    try {
      for (const item of decodeBgpCapture(buf, { ports: [179] })) {
        if (item.kind === 'note') {
          if (notes++ < 5) out.notes.push(item.text);
          continue;
        }
        // Type octet of the BGP header (RFC 4271 §4.1): 2 = UPDATE.
        if (item.bytes.length < 19 || item.bytes[18] !== 2 || !item.capture) continue;
        if (untilWallNs !== undefined && item.capture.tsNs !== undefined && item.capture.tsNs > untilWallNs) continue;
        const len = item.bytes.length;
        out.messages++;
        out.bytes += len;
        const s = at(item.capture.src.address);
        s.out++;
        s.bytesOut += len;
        const d = at(item.capture.dst.address);
        d.in++;
        d.bytesIn += len;
      }
    } catch (e) {
      out.notes.push(`capture not decodable: ${(e as Error).message}`);
    }
    if (!keep) rmSync(this.file, { force: true });
    return out;
  }
}
