/**
 * The speaker's control socket (contracts.md): a unix stream socket; each request is one JSON line,
 * each answer one JSON line. A handler error or a malformed request is answered with {"error": "..."}
 * and the connection stays usable; nothing a client sends can crash the speaker.
 */
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';

export type ControlRequest =
  | { cmd: 'status' }
  | { cmd: 'routes'; family?: 'ipv4' | 'ipv6' }
  | { cmd: 'reset'; peer: string };

export type ControlHandler = (req: ControlRequest) => unknown | Promise<unknown>;

const MAX_LINE = 64 * 1024;

/** Check a parsed request; returns an error message or the request. */
export function checkControlRequest(x: unknown): ControlRequest | string {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'request must be a JSON object with "cmd"';
  const r = x as Record<string, unknown>;
  switch (r.cmd) {
    case 'status':
      return { cmd: 'status' };
    case 'routes':
      if (r.family !== undefined && r.family !== 'ipv4' && r.family !== 'ipv6') {
        return `routes: family ${JSON.stringify(r.family)} must be "ipv4" or "ipv6"`;
      }
      return r.family === undefined ? { cmd: 'routes' } : { cmd: 'routes', family: r.family };
    case 'reset':
      if (typeof r.peer !== 'string' || !r.peer) return 'reset: "peer" (an address) is required';
      return { cmd: 'reset', peer: r.peer };
    default:
      return `unknown cmd ${JSON.stringify(r.cmd)} (known: status, routes, reset)`;
  }
}

export class ControlServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly path: string,
    private readonly handler: ControlHandler,
  ) {}

  async start(): Promise<void> {
    // A socket file left by a crashed run would make listen fail with EADDRINUSE.
    if (existsSync(this.path) && lstatSync(this.path).isSocket()) unlinkSync(this.path);
    const server = createServer((sock) => this.serve(sock));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => {
      /* per-connection errors are handled on the socket */
    });
  }

  private serve(sock: Socket): void {
    this.sockets.add(sock);
    sock.setEncoding('utf8');
    let buf = '';
    let chain = Promise.resolve();
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.length > MAX_LINE && !buf.includes('\n')) {
        sock.end(JSON.stringify({ error: `request longer than ${MAX_LINE} bytes` }) + '\n');
        buf = '';
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        // Answer in request order even when a handler is asynchronous.
        chain = chain.then(() => this.answer(sock, line));
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.sockets.delete(sock));
  }

  private async answer(sock: Socket, line: string): Promise<void> {
    let response: unknown;
    try {
      const parsed = checkControlRequest(JSON.parse(line));
      response = typeof parsed === 'string' ? { error: parsed } : await this.handler(parsed);
    } catch (err) {
      response = { error: err instanceof SyntaxError ? `not JSON: ${err.message}` : String((err as Error)?.message ?? err) };
    }
    if (!sock.destroyed) sock.write(JSON.stringify(response) + '\n');
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    try {
      if (existsSync(this.path)) unlinkSync(this.path);
    } catch {
      /* gone */
    }
  }
}
