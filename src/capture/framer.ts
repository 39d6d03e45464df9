/**
 * BGP message framing over an imperfect byte stream (RFC 4271 §4.1: 16-byte all-ones marker,
 * 2-byte length, 1-byte type). Unlike a live session, a capture or pasted hex can start in the
 * middle of a message, lose bytes, or hold garbage; so the framer can resynchronise: it scans for
 * a marker followed by a plausible length and type, and reports the bytes it skipped.
 * A bad marker or a length below 19 in a stream that was in sync is a header error (1/1, 1/2),
 * reported as a DecodeError value; framing then resynchronises. Pure; bounded buffering.
 */
import type { DecodeError } from '../wire/types.js';

export const BGP_HEADER_LENGTH = 19;
const MARKER = Buffer.alloc(16, 0xff);

export interface ChunkMeta {
  frame: number;
  tsNs: bigint | undefined;
}

export type FramerItem =
  /** One whole message (header length bytes), at stream offset `offset`. */
  | { kind: 'message'; bytes: Buffer; offset: number; meta: ChunkMeta }
  /** A header that cannot be framed: bad marker, length below 19, or a message cut off at the end. */
  | { kind: 'error'; error: DecodeError; bytes: Buffer; offset: number; meta: ChunkMeta }
  /** Bytes dropped while looking for the next marker (after a gap, or a capture starting mid-stream). */
  | { kind: 'skipped'; bytes: number; offset: number; reason: string; meta: ChunkMeta };

export interface FramerOptions {
  /** Start by scanning for a marker instead of expecting one at the first byte. */
  resync?: boolean;
}

export class BgpFramer {
  private buf: Buffer = Buffer.alloc(0);
  /** Index of the first unconsumed byte in buf. */
  private pos = 0;
  /** Stream offset of buf[0]. */
  private base = 0;
  private resync: boolean;
  /** Bytes skipped while resynchronising, not yet reported, and where that run began. */
  private skipped = 0;
  private skippedFrom = 0;
  private skipReason = '';
  /** Which chunk each byte came from: chunk end offsets with their frame and time. */
  private metas: Array<{ end: number; meta: ChunkMeta }> = [];
  private lastMeta: ChunkMeta = { frame: 0, tsNs: undefined };

  constructor(options: FramerOptions = {}) {
    this.resync = options.resync ?? false;
    if (this.resync) this.skipReason = 'capture starts inside a message';
  }

  /** Stream bytes that came with `meta`; returns what became complete. */
  push(data: Buffer, meta: ChunkMeta): FramerItem[] {
    this.lastMeta = meta;
    if (data.length === 0) return [];
    if (this.pos > 0) {
      this.base += this.pos;
      this.buf = this.buf.subarray(this.pos);
      this.pos = 0;
    }
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    this.metas.push({ end: this.base + this.buf.length, meta });
    return this.drain();
  }

  /**
   * Bytes are missing from the stream: a partly buffered message cannot be completed, so it is
   * dropped (reported) and the framer looks for the next marker.
   */
  gap(meta: ChunkMeta, reason = 'bytes missing from the capture'): FramerItem[] {
    const out: FramerItem[] = [];
    const left = this.buf.length - this.pos;
    if (left > 0) {
      this.addSkipped(this.base + this.pos, left, `incomplete message before a gap (${reason})`);
    }
    this.flushSkipped(out, meta);
    this.base += this.buf.length;
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    this.metas = [];
    this.resync = true;
    this.skipReason = 'looking for a marker after a gap';
    return out;
  }

  /**
   * The stream ended. Leftover bytes are a truncated message: an error when `strict` (pasted hex,
   * a raw file), a skipped-bytes report otherwise (a capture that stopped mid-message).
   */
  end(meta: ChunkMeta = this.lastMeta, strict = false): FramerItem[] {
    const out: FramerItem[] = [];
    const left = this.buf.length - this.pos;
    if (left > 0) {
      const offset = this.base + this.pos;
      const rest = this.buf.subarray(this.pos);
      const declared = left >= 18 && rest.subarray(0, 16).equals(MARKER) ? rest.readUInt16BE(16) : undefined;
      const what =
        declared !== undefined
          ? `stream ends ${left} bytes into a ${declared}-byte message`
          : `stream ends with ${left} bytes, fewer than a ${BGP_HEADER_LENGTH}-byte header`;
      if (strict && !this.resync) {
        this.flushSkipped(out, meta);
        out.push({
          kind: 'error',
          offset,
          meta,
          bytes: rest,
          error: {
            code: 1,
            subcode: 2,
            data: declared !== undefined ? rest.subarray(16, 18) : Buffer.alloc(0),
            action: 'session-reset',
            offset: 0,
            reason: `truncated message: ${what}`,
          },
        });
      } else {
        this.addSkipped(offset, left, what);
      }
    }
    this.flushSkipped(out, meta);
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    this.metas = [];
    return out;
  }

  private drain(): FramerItem[] {
    const out: FramerItem[] = [];
    for (;;) {
      if (this.resync && !this.findMarker(out)) break;
      const avail = this.buf.length - this.pos;
      if (avail < BGP_HEADER_LENGTH) break;
      const p = this.pos;
      const offset = this.base + p;
      if (!this.buf.subarray(p, p + 16).equals(MARKER)) {
        // RFC 4271 §6.1: a marker that is not all ones is Connection Not Synchronized.
        this.headerError(
          out,
          p,
          1,
          Buffer.alloc(0),
          0,
          `no BGP marker (16 bytes of 0xff) at stream byte ${offset}: found ${this.buf.subarray(p, p + 16).toString('hex')}`,
          'looking for a marker after a bad one',
        );
        continue;
      }
      const length = this.buf.readUInt16BE(p + 16);
      if (length < BGP_HEADER_LENGTH) {
        // RFC 4271 §6.1: Bad Message Length, data = the erroneous length field. No way to frame past it.
        this.headerError(
          out,
          p,
          2,
          Buffer.from(this.buf.subarray(p + 16, p + 18)),
          16,
          `header length ${length} is below the 19-byte minimum; cannot find the next message from it`,
          'looking for a marker after an unusable length',
        );
        continue;
      }
      if (avail < length) break;
      const bytes = this.buf.subarray(p, p + length);
      this.pos += length;
      out.push({ kind: 'message', bytes, offset, meta: this.metaAt(offset + length) });
    }
    this.trimMetas();
    return out;
  }

  /**
   * A header that cannot be framed past (RFC 4271 §6.1, Message Header Error `subcode`, `data` and the
   * offset of the bad field in the header): report the header's bytes, then look for the next marker.
   */
  private headerError(out: FramerItem[], p: number, subcode: number, data: Buffer, fieldOffset: number, reason: string, resyncReason: string): void {
    const offset = this.base + p;
    out.push({
      kind: 'error',
      offset,
      meta: this.metaAt(offset + BGP_HEADER_LENGTH),
      bytes: Buffer.from(this.buf.subarray(p, p + BGP_HEADER_LENGTH)),
      error: { code: 1, subcode, data, action: 'session-reset', offset: fieldOffset, reason },
    });
    this.startResync(1, resyncReason);
  }

  private startResync(skip: number, reason: string): void {
    this.resync = true;
    this.skipReason = reason;
    this.addSkipped(this.base + this.pos, skip, reason);
    this.pos += skip;
  }

  /**
   * Advance to the next plausible header: marker, length 19..65535, type 1..5. Returns false when
   * more bytes are needed to decide (what cannot start a header is dropped, a possible marker kept).
   */
  private findMarker(out: FramerItem[]): boolean {
    let from = this.pos;
    for (;;) {
      const idx = this.buf.indexOf(MARKER, from);
      if (idx < 0) {
        // Keep the tail that could be the start of a marker.
        let keep = 0;
        while (keep < 15 && keep < this.buf.length - this.pos && this.buf[this.buf.length - 1 - keep] === 0xff) keep++;
        const drop = this.buf.length - keep - this.pos;
        if (drop > 0) {
          this.addSkipped(this.base + this.pos, drop, this.skipReason);
          this.pos += drop;
        }
        return false;
      }
      if (idx + BGP_HEADER_LENGTH > this.buf.length) {
        if (idx > this.pos) {
          this.addSkipped(this.base + this.pos, idx - this.pos, this.skipReason);
          this.pos = idx;
        }
        return false;
      }
      const length = this.buf.readUInt16BE(idx + 16);
      const type = this.buf[idx + 18];
      if (length >= BGP_HEADER_LENGTH && type >= 1 && type <= 5) {
        if (idx > this.pos) this.addSkipped(this.base + this.pos, idx - this.pos, this.skipReason);
        this.pos = idx;
        this.resync = false;
        this.flushSkipped(out, this.metaAt(this.base + idx));
        return true;
      }
      from = idx + 1;
    }
  }

  private addSkipped(offset: number, bytes: number, reason: string): void {
    if (this.skipped === 0) {
      this.skippedFrom = offset;
      this.skipReason = reason;
    }
    this.skipped += bytes;
  }

  private flushSkipped(out: FramerItem[], meta: ChunkMeta): void {
    if (this.skipped === 0) return;
    out.push({ kind: 'skipped', bytes: this.skipped, offset: this.skippedFrom, reason: this.skipReason, meta });
    this.skipped = 0;
  }

  /** Frame and time of the chunk holding the byte just before stream offset `end`. */
  private metaAt(end: number): ChunkMeta {
    for (const m of this.metas) if (m.end >= end) return m.meta;
    return this.lastMeta;
  }

  private trimMetas(): void {
    const consumed = this.base + this.pos;
    let drop = 0;
    while (drop < this.metas.length - 1 && this.metas[drop].end <= consumed) drop++;
    if (drop > 0) this.metas.splice(0, drop);
  }
}
