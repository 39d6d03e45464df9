/**
 * TCP reassembly per direction (RFC 9293 sequence space): segments in, an ordered byte stream
 * out, as events. Retransmissions are dropped; overlapping bytes that differ from what was
 * already delivered (crafted captures, broken stacks) come out as a `conflict` so nothing is
 * hidden; out-of-order segments wait for the hole to fill; a hole the capture will never fill
 * (snap length cut, segment not captured, the peer acknowledging bytes we never saw, a sequence
 * jump, or the end of the file) comes out as a `gap`, after which the BGP framer resynchronises.
 * Pure: no clock, bounded memory (pending bytes and compared history are capped).
 */
import { TcpFlag, type TcpSegment } from './packet.js';

export interface Endpoint {
  address: string;
  port: number;
}

/** One direction of one TCP connection. */
export interface Flow {
  /** "src|sport|dst|dport": unique per direction. */
  key: string;
  /** Same for both directions of a connection. */
  connection: string;
  src: Endpoint;
  dst: Endpoint;
}

interface EventBase {
  flow: Flow;
  /** Frame that produced the event (for gaps found at the end: the last frame of the file). */
  frame: number;
  tsNs: bigint | undefined;
}

export type StreamEvent =
  /** A direction starts: at its SYN, or in mid-stream when the capture began after it. */
  | (EventBase & { kind: 'start'; midstream: boolean })
  /** In-order bytes at stream offset `offset` (0 = first byte after the SYN or first byte seen). */
  | (EventBase & { kind: 'data'; data: Buffer; offset: number })
  /** Bytes that will never come; `bytes` undefined when the size is unknown (sequence jump). */
  | (EventBase & { kind: 'gap'; bytes: number | undefined; offset: number; reason: string })
  /** A retransmission whose bytes differ from those already delivered at the same offset. */
  | (EventBase & { kind: 'conflict'; data: Buffer; offset: number })
  | (EventBase & { kind: 'end'; reason: 'fin' | 'rst' | 'new connection' | 'end of capture' });

export interface ReassemblyOptions {
  /** Out-of-order bytes held per direction before the hole is declared a gap. */
  maxPendingBytes?: number;
  /** Delivered bytes kept per direction to compare retransmissions against. */
  historyBytes?: number;
  /** A sequence number further than this from the expected one is a jump, not a reordering. */
  maxSequenceJump?: number;
}

interface Pending {
  offset: number;
  data: Buffer;
  /** Bytes after `data` that the segment carried but the capture cut off. */
  missingAfter: number;
  frame: number;
  tsNs: bigint | undefined;
}

interface Direction {
  flow: Flow;
  /** Next expected sequence number (uint32). */
  nextSeq: number;
  /** Stream offset of nextSeq (a plain number: streams may exceed 4 GiB). */
  offset: number;
  isn: number | undefined;
  pending: Pending[];
  pendingBytes: number;
  /** Recently delivered chunks (views into the capture), oldest first. */
  history: Array<{ offset: number; data: Buffer }>;
  historyBytes: number;
  finOffset: number | undefined;
  ended: boolean;
  /** The last segment's length was unknown: take the next segment's sequence number as expected. */
  seqUnknown: boolean;
}

export class TcpReassembler {
  private readonly dirs = new Map<string, Direction>();
  private readonly maxPending: number;
  private readonly maxHistory: number;
  private readonly maxJump: number;
  private lastFrame = 0;
  private lastTs: bigint | undefined;

  constructor(options: ReassemblyOptions = {}) {
    this.maxPending = options.maxPendingBytes ?? 4 * 1024 * 1024;
    this.maxHistory = options.historyBytes ?? 256 * 1024;
    this.maxJump = options.maxSequenceJump ?? 16 * 1024 * 1024;
  }

  /** Feed one segment (in capture order); returns the events it causes, in order. */
  push(seg: TcpSegment, frame: number, tsNs: bigint | undefined): StreamEvent[] {
    this.lastFrame = frame;
    if (tsNs !== undefined) this.lastTs = tsNs;
    const out: StreamEvent[] = [];
    const key = flowKey(seg.src, seg.srcPort, seg.dst, seg.dstPort);
    let dir = this.dirs.get(key);
    const syn = (seg.flags & TcpFlag.SYN) !== 0;

    if (syn) {
      if (dir && dir.isn !== seg.seq) {
        // A SYN with a new initial sequence number: the 4-tuple was reused by a new connection.
        this.close(dir, 'new connection', frame, tsNs, out);
        dir = undefined;
      }
      if (!dir) {
        dir = this.open(seg, (seg.seq + 1) >>> 0, seg.seq, false, frame, tsNs, out);
      }
    }

    if (seg.payloadLength > 0) {
      const dataSeq = syn ? (seg.seq + 1) >>> 0 : seg.seq;
      let stale = false;
      if (dir?.ended) {
        const d = (dataSeq - dir.nextSeq) | 0;
        // Old bytes after the FIN are retransmissions; new ones mean a connection we saw no SYN for.
        stale = d <= 0 && d + seg.payloadLength <= 0;
        if (!stale) {
          this.dirs.delete(key);
          dir = undefined;
        }
      }
      if (!stale) {
        if (!dir) dir = this.open(seg, dataSeq, undefined, true, frame, tsNs, out);
        this.accept(dir, dataSeq, seg.payload, seg.payloadLength - seg.payload.length, frame, tsNs, out);
        if (seg.tailUnknown) {
          this.flushPending(dir, frame, tsNs, 'segments were not captured', out);
          out.push({ kind: 'gap', flow: dir.flow, frame, tsNs, bytes: undefined, offset: dir.offset, reason: 'the rest of the segment is in IP fragments (not reassembled)' });
          dir.seqUnknown = true;
        }
      }
    }

    if (dir && (seg.flags & TcpFlag.FIN) !== 0 && dir.finOffset === undefined) {
      const dataSeq = syn ? (seg.seq + 1) >>> 0 : seg.seq;
      const d = (dataSeq - dir.nextSeq) | 0;
      if (Math.abs(d) <= this.maxJump) dir.finOffset = dir.offset + d + seg.payloadLength;
    }

    // The peer acknowledging bytes we never saw means the capture lost them (RFC 9293 §3.4).
    if ((seg.flags & TcpFlag.ACK) !== 0) {
      const rev = this.dirs.get(flowKey(seg.dst, seg.dstPort, seg.src, seg.srcPort));
      if (rev && !rev.ended) this.ackedGap(rev, seg.ack, frame, tsNs, out);
    }

    if (dir && !dir.ended) {
      if ((seg.flags & TcpFlag.RST) !== 0) {
        this.close(dir, 'rst', frame, tsNs, out);
        const rev = this.dirs.get(flowKey(seg.dst, seg.dstPort, seg.src, seg.srcPort));
        if (rev && !rev.ended) this.close(rev, 'rst', frame, tsNs, out);
      } else if (dir.finOffset !== undefined && dir.pending.length === 0 && dir.offset >= dir.finOffset) {
        dir.ended = true;
        out.push({ kind: 'end', flow: dir.flow, frame, tsNs, reason: 'fin' });
      }
    }
    return out;
  }

  /** End of the capture: what is still held comes out after gaps, and every direction ends. */
  finish(): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const dir of this.dirs.values()) {
      if (!dir.ended) this.close(dir, 'end of capture', this.lastFrame, this.lastTs, out);
    }
    this.dirs.clear();
    return out;
  }

  private open(
    seg: TcpSegment,
    nextSeq: number,
    isn: number | undefined,
    midstream: boolean,
    frame: number,
    tsNs: bigint | undefined,
    out: StreamEvent[],
  ): Direction {
    const key = flowKey(seg.src, seg.srcPort, seg.dst, seg.dstPort);
    const reverse = flowKey(seg.dst, seg.dstPort, seg.src, seg.srcPort);
    const flow: Flow = {
      key,
      connection: key < reverse ? `${key}#${reverse}` : `${reverse}#${key}`,
      src: { address: seg.src, port: seg.srcPort },
      dst: { address: seg.dst, port: seg.dstPort },
    };
    const dir: Direction = {
      flow,
      nextSeq,
      offset: 0,
      isn,
      pending: [],
      pendingBytes: 0,
      history: [],
      historyBytes: 0,
      finOffset: undefined,
      ended: false,
      seqUnknown: false,
    };
    this.dirs.set(key, dir);
    out.push({ kind: 'start', flow, frame, tsNs, midstream });
    return dir;
  }

  /** Flush what is pending (after gaps), then end the direction and forget it. */
  private close(dir: Direction, reason: 'fin' | 'rst' | 'new connection' | 'end of capture', frame: number, tsNs: bigint | undefined, out: StreamEvent[]): void {
    this.flushPending(dir, frame, tsNs, 'segments before it were not captured', out);
    if (!dir.ended) out.push({ kind: 'end', flow: dir.flow, frame, tsNs, reason });
    dir.ended = true;
    this.dirs.delete(dir.flow.key);
  }

  private accept(
    dir: Direction,
    seq: number,
    data: Buffer,
    missingAfter: number,
    frame: number,
    tsNs: bigint | undefined,
    out: StreamEvent[],
  ): void {
    if (dir.seqUnknown) {
      dir.seqUnknown = false;
      dir.nextSeq = seq;
      dir.history = [];
      dir.historyBytes = 0;
    }
    const d = (seq - dir.nextSeq) | 0;
    if (d > this.maxJump || d < -this.maxJump) {
      // Not a reordering any TCP window allows: the stream jumped (crafted capture, lost state).
      this.flushPending(dir, frame, tsNs, 'segments before a sequence jump were not captured', out);
      out.push({ kind: 'gap', flow: dir.flow, frame, tsNs, bytes: undefined, offset: dir.offset, reason: `sequence number jumped by ${d}` });
      dir.nextSeq = seq;
      dir.history = [];
      dir.historyBytes = 0;
      this.deliver(dir, { offset: dir.offset, data, missingAfter, frame, tsNs }, out);
      return;
    }
    const offset = dir.offset + d;
    const segment: Pending = { offset, data, missingAfter, frame, tsNs };
    if (offset > dir.offset) {
      this.hold(dir, segment, frame, tsNs, out);
      return;
    }
    this.deliver(dir, segment, out);
    this.drain(dir, frame, tsNs, out);
  }

  /** Keep an out-of-order segment until the hole before it fills (bounded). */
  private hold(dir: Direction, seg: Pending, frame: number, tsNs: bigint | undefined, out: StreamEvent[]): void {
    const same = dir.pending.find((p) => p.offset === seg.offset && p.data.length === seg.data.length);
    if (same) return; // retransmission of a segment we already hold
    let i = dir.pending.length;
    while (i > 0 && dir.pending[i - 1].offset > seg.offset) i--;
    dir.pending.splice(i, 0, seg);
    dir.pendingBytes += seg.data.length;
    if (dir.pendingBytes > this.maxPending) {
      // The hole has stayed open for more than any window: it will not be filled.
      const first = dir.pending[0];
      out.push({ kind: 'gap', flow: dir.flow, frame, tsNs, bytes: first.offset - dir.offset, offset: dir.offset, reason: 'segments were not captured' });
      this.advance(dir, first.offset - dir.offset);
      this.drain(dir, frame, tsNs, out);
    }
  }

  /**
   * Deliver held segments that now fit. Their bytes become available with the frame that filled
   * the hole (as Wireshark's "reassembled in"), so that is the frame and time they carry.
   */
  private drain(dir: Direction, frame: number, tsNs: bigint | undefined, out: StreamEvent[]): void {
    while (dir.pending.length > 0 && dir.pending[0].offset <= dir.offset) {
      const p = dir.pending.shift()!;
      dir.pendingBytes -= p.data.length;
      this.deliver(dir, { ...p, frame, tsNs }, out);
    }
  }

  private flushPending(dir: Direction, frame: number, tsNs: bigint | undefined, reason: string, out: StreamEvent[]): void {
    while (dir.pending.length > 0) {
      const p = dir.pending[0];
      if (p.offset > dir.offset) {
        out.push({ kind: 'gap', flow: dir.flow, frame, tsNs, bytes: p.offset - dir.offset, offset: dir.offset, reason });
        this.advance(dir, p.offset - dir.offset);
      }
      this.drain(dir, frame, tsNs, out);
    }
  }

  /** Deliver a segment that starts at or before the next expected byte. */
  private deliver(dir: Direction, seg: Pending, out: StreamEvent[]): void {
    const overlap = dir.offset - seg.offset;
    if (overlap > 0) {
      const compared = seg.data.subarray(0, Math.min(overlap, seg.data.length));
      if (this.differsFromHistory(dir, seg.offset, compared)) {
        out.push({ kind: 'conflict', flow: dir.flow, frame: seg.frame, tsNs: seg.tsNs, data: compared, offset: seg.offset });
      }
    }
    if (overlap < seg.data.length) {
      const fresh = overlap > 0 ? seg.data.subarray(overlap) : seg.data;
      out.push({ kind: 'data', flow: dir.flow, frame: seg.frame, tsNs: seg.tsNs, data: fresh, offset: dir.offset });
      this.remember(dir, dir.offset, fresh);
      this.advance(dir, fresh.length);
    }
    const end = seg.offset + seg.data.length + seg.missingAfter;
    if (seg.missingAfter > 0 && end > dir.offset) {
      const bytes = end - dir.offset;
      out.push({ kind: 'gap', flow: dir.flow, frame: seg.frame, tsNs: seg.tsNs, bytes, offset: dir.offset, reason: 'segment cut by the capture snap length' });
      this.advance(dir, bytes);
    }
  }

  private ackedGap(dir: Direction, ack: number, frame: number, tsNs: bigint | undefined, out: StreamEvent[]): void {
    if (dir.seqUnknown) return;
    const d = (ack - dir.nextSeq) | 0;
    if (d <= 0 || d > this.maxJump) return;
    let limit = dir.offset + d;
    if (dir.finOffset !== undefined) limit = Math.min(limit, dir.finOffset); // the FIN takes one sequence number
    if (dir.pending.length > 0) limit = Math.min(limit, dir.pending[0].offset);
    if (limit <= dir.offset) return;
    out.push({ kind: 'gap', flow: dir.flow, frame, tsNs, bytes: limit - dir.offset, offset: dir.offset, reason: 'bytes acknowledged by the peer were not captured' });
    this.advance(dir, limit - dir.offset);
    this.drain(dir, frame, tsNs, out);
  }

  private advance(dir: Direction, bytes: number): void {
    dir.offset += bytes;
    dir.nextSeq = (dir.nextSeq + bytes) >>> 0;
  }

  private remember(dir: Direction, offset: number, data: Buffer): void {
    dir.history.push({ offset, data });
    dir.historyBytes += data.length;
    while (dir.history.length > 1 && dir.historyBytes - dir.history[0].data.length >= this.maxHistory) {
      dir.historyBytes -= dir.history.shift()!.data.length;
    }
  }

  /** True when some byte of `data` (at `offset`) is known and differs from what was delivered. */
  private differsFromHistory(dir: Direction, offset: number, data: Buffer): boolean {
    const end = offset + data.length;
    for (const h of dir.history) {
      const hEnd = h.offset + h.data.length;
      if (hEnd <= offset || h.offset >= end) continue;
      const from = Math.max(offset, h.offset);
      const to = Math.min(end, hEnd);
      if (h.data.compare(data, from - offset, to - offset, from - h.offset, to - h.offset) !== 0) return true;
    }
    return false;
  }
}

function flowKey(src: string, srcPort: number, dst: string, dstPort: number): string {
  return `${src}|${srcPort}|${dst}|${dstPort}`;
}
