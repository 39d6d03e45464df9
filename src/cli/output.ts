/**
 * Output helpers of the decoding commands: capture and dump times as ISO text, the field order of a
 * decoded message's JSON line, and a stdout writer that batches lines, respects back-pressure and
 * ends quietly on a closed pipe (`| head`).
 */
import type { JsonObject } from '../wire/json.js';

let cachedSecond = -1n;
let cachedPrefix = '';

/** ns since the epoch → "2019-04-11T17:16:39.744246Z" (microseconds, as tcpdump prints). */
export function isoTime(tsNs: bigint): string {
  let second = tsNs / 1_000_000_000n;
  let ns = tsNs % 1_000_000_000n;
  if (ns < 0n) {
    ns += 1_000_000_000n;
    second -= 1n;
  }
  if (second !== cachedSecond) {
    // Consecutive packets mostly share the second: format the date part once per second.
    cachedPrefix = new Date(Number(second) * 1000).toISOString().slice(0, 19);
    cachedSecond = second;
  }
  return `${cachedPrefix}.${(ns / 1000n).toString().padStart(6, '0')}Z`;
}

/**
 * A decoded message's JSON (resultToJson) added to `o` after the fields that head it (time, endpoints,
 * record): the message fields first, then what the decoder assumed, then what went wrong, the order
 * every `decode -f json` line keeps.
 */
export function withMessage(o: JsonObject, body: JsonObject, assumed: JsonObject = {}): JsonObject {
  for (const key in body) if (key !== 'error' && key !== 'errors' && key !== 'raw') o[key] = body[key];
  Object.assign(o, assumed);
  if (body.error) o.error = body.error;
  if (body.errors) o.errors = body.errors;
  if (body.raw) o.raw = body.raw;
  return o;
}

/** Batches output lines and respects stdout back-pressure; a closed pipe (| head) ends quietly. */
export class OutputBuffer {
  private parts: string[] = [];
  private size = 0;
  private closed = false;

  constructor() {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') {
        this.closed = true;
        process.exit(process.exitCode ?? 0);
      }
    });
  }

  async line(s: string): Promise<void> {
    if (this.closed) return;
    this.parts.push(s, '\n');
    this.size += s.length + 1;
    if (this.size >= 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0 || this.closed) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!process.stdout.write(text)) {
      await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
    }
  }
}
