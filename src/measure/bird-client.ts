/**
 * A persistent client of BIRD's control socket (the protocol birdc speaks: one command per line, reply
 * lines prefixed by a 4-digit code, `-` continuing and ` ` ending a reply). Polling BIRD at 20 ms over an
 * open socket costs microseconds; forking `birdc` for each poll would cost milliseconds of CPU and
 * perturb the lab it measures.
 */
import { connect, type Socket } from 'node:net';
import { isBirdReplyEnd } from './parse.js';

interface Pending {
  lines: string[];
  resolve: (lines: string[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class BirdClient {
  private sock: Socket | undefined;
  private buf = '';
  private greeted = false;
  private readonly queue: Pending[] = [];
  private closed = false;

  private constructor(readonly path: string) {}

  /** Connect and wait for BIRD's greeting (`0001 BIRD x ready.`), at most `timeoutMs`. */
  static open(path: string, timeoutMs = 3000): Promise<BirdClient> {
    const c = new BirdClient(path);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        c.close();
        reject(new Error(`${path}: BIRD did not greet within ${timeoutMs} ms`));
      }, timeoutMs);
      const sock = connect(path);
      c.sock = sock;
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => {
        c.buf += d;
        if (!c.greeted) {
          const nl = c.buf.indexOf('\n');
          if (nl < 0) return;
          const first = c.buf.slice(0, nl);
          c.buf = c.buf.slice(nl + 1);
          c.greeted = true;
          clearTimeout(timer);
          if (!first.startsWith('0001')) {
            c.close();
            reject(new Error(`${path}: unexpected greeting ${JSON.stringify(first)}`));
            return;
          }
          resolve(c);
        }
        c.drain();
      });
      sock.on('error', (e) => {
        clearTimeout(timer);
        c.failAll(new Error(`${path}: ${e.message}`));
        if (!c.greeted) reject(new Error(`${path}: ${e.message}`));
      });
      sock.on('close', () => {
        c.closed = true;
        c.failAll(new Error(`${path}: connection closed`));
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed && !!this.sock && !this.sock.destroyed;
  }

  /** Send one command; resolves with the reply's lines (codes kept). Commands are pipelined in order. */
  request(command: string, timeoutMs = 3000): Promise<string[]> {
    if (!this.isOpen) return Promise.reject(new Error(`${this.path}: not connected`));
    if (/[\r\n]/.test(command)) return Promise.reject(new Error('BIRD command must be one line'));
    return new Promise((resolve, reject) => {
      const p: Pending = {
        lines: [],
        resolve,
        reject,
        timer: setTimeout(() => {
          // A reply that never ends leaves the stream out of step: drop the connection.
          this.failAll(new Error(`${this.path}: no reply to ${JSON.stringify(command)} within ${timeoutMs} ms`));
          this.close();
        }, timeoutMs),
      };
      this.queue.push(p);
      this.sock!.write(command + '\n');
    });
  }

  private drain(): void {
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      const p = this.queue[0];
      if (!p) continue; // unsolicited (e.g. a log line): nothing waits for it
      p.lines.push(line);
      if (isBirdReplyEnd(line)) {
        this.queue.shift();
        clearTimeout(p.timer);
        if (/^[89]\d{3}/.test(line)) p.reject(new Error(`BIRD: ${line.slice(5)}`));
        else p.resolve(p.lines);
      }
    }
  }

  private failAll(e: Error): void {
    for (const p of this.queue.splice(0)) {
      clearTimeout(p.timer);
      p.reject(e);
    }
  }

  close(): void {
    this.closed = true;
    this.failAll(new Error(`${this.path}: closed`));
    this.sock?.destroy();
  }
}
