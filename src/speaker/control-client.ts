/**
 * Client side of the speaker control socket: one request, one JSON answer, bounded in time. Used by
 * `bgplab speaker status|routes`, the lab (status polling) and tests.
 */
import { connect } from 'node:net';
import type { ControlRequest } from './control.js';

export class ControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlError';
  }
}

export function controlRequest<T = unknown>(socketPath: string, req: ControlRequest, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let buf = '';
    let done = false;
    const finish = (err: Error | undefined, value?: T): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(
      () => finish(new ControlError(`${socketPath}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(buf.slice(0, nl));
      } catch {
        // BIRD, FRR and GoBGP sockets answer with their own text banners.
        const first = buf.slice(0, Math.min(nl, 60)).trim();
        return finish(new ControlError(`${socketPath}: not a bgplab speaker control socket (it answered ${JSON.stringify(first)})`));
      }
      if (parsed && typeof parsed === 'object' && 'error' in parsed && Object.keys(parsed).length === 1) {
        return finish(new ControlError(`${socketPath}: ${(parsed as { error: string }).error}`));
      }
      finish(undefined, parsed as T);
    });
    sock.on('error', (e: NodeJS.ErrnoException) =>
      finish(
        new ControlError(
          e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
            ? `${socketPath}: no speaker listening (${e.code})`
            : `${socketPath}: ${e.message}`,
        ),
      ),
    );
    sock.on('close', () => finish(new ControlError(`${socketPath}: connection closed without an answer`)));
  });
}
