/**
 * Sockets read with onread (src/speaker/socket-reads.ts), over real TCP on the loopback interface
 * (an ephemeral port; nothing is added to any namespace): every byte arrives once and in order, what a
 * read handed over is not overwritten by the next read into the shared buffer, an accepted socket
 * re-wrapped after pauseOnConnect loses nothing sent before it was re-wrapped, still writes, ends and
 * closes, and the server's close completes once it is gone.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptAccepted, onreadOption } from '../../src/speaker/socket-reads.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const a = server.address();
  if (!a || typeof a !== 'object') throw new Error('no port');
  return a.port;
}

/** Resolve once `cond` holds, polling every 5 ms, at most `ms`. */
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const total = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('latin1');

describe('onreadOption (outbound sockets)', () => {
  it('hands over every read in order, each a copy the next read does not overwrite', async () => {
    let peer: Socket | undefined;
    const port = await listen(
      createServer((s) => {
        peer = s;
        sockets.push(s);
      }),
    );
    const chunks: Buffer[] = [];
    const client = connect({ host: '127.0.0.1', port, onread: onreadOption((c) => chunks.push(c)) });
    sockets.push(client);
    let data = 0;
    client.on('data', () => data++);
    await once(client, 'connect');
    await until(() => peer !== undefined);
    peer!.write('first read');
    await until(() => total(chunks) === 'first read');
    const first = chunks[0]!;
    peer!.write('XXXXXXXXXXXXXXXXXXXX'); // lands where the first read was in the shared buffer
    await until(() => total(chunks).length === 30);
    expect(first.toString('latin1')).toBe('first read');
    expect(total(chunks)).toBe('first readXXXXXXXXXXXXXXXXXXXX');
    // A large write arrives whole, in order, across several reads of the 64 KiB buffer.
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
    peer!.write(big);
    await until(() => Buffer.concat(chunks).length === 30 + big.length);
    expect(Buffer.concat(chunks).subarray(30).equals(big)).toBe(true);
    expect(data).toBe(0); // no stream 'data' events: the stream machinery is bypassed
    peer!.end();
    await once(client, 'end');
  });
});

describe('adoptAccepted (inbound sockets)', () => {
  it('loses nothing sent before the re-wrap, writes, ends and lets the server close', async () => {
    const chunks: Buffer[] = [];
    let adopted: Socket | undefined;
    const accepted: Socket[] = [];
    const server = createServer({ pauseOnConnect: true }, (s) => accepted.push(s));
    const port = await listen(server);
    const client = connect({ host: '127.0.0.1', port });
    sockets.push(client);
    await once(client, 'connect');
    client.write('sent while paused;');
    await until(() => accepted.length === 1);
    await new Promise((r) => setTimeout(r, 50)); // the bytes wait in the kernel, not lost
    adopted = adoptAccepted(accepted[0]!, (c) => chunks.push(c));
    expect(adopted).toBeDefined(); // this Node (20) allows it: the fast path is the one in use
    sockets.push(adopted!);
    await until(() => total(chunks) === 'sent while paused;');
    client.write('and after');
    await until(() => total(chunks) === 'sent while paused;and after');

    const back: Buffer[] = [];
    client.on('data', (d: Buffer) => back.push(d));
    adopted!.write('reply');
    await until(() => total(back) === 'reply');

    const closed = once(adopted!, 'close');
    const ended = once(adopted!, 'end');
    client.end();
    await ended;
    adopted!.end();
    await closed;
    // The server's connection count followed the adopted socket: close() completes.
    const serverClosed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    servers.splice(servers.indexOf(server), 1);
    await Promise.race([serverClosed, new Promise((_, reject) => setTimeout(() => reject(new Error('server.close did not complete')), 3000))]);
  });

  it('reports a socket it cannot re-wrap, so the caller reads it as a stream', async () => {
    const accepted: Socket[] = [];
    const port = await listen(createServer({ pauseOnConnect: true }, (s) => accepted.push(s)));
    const client = connect({ host: '127.0.0.1', port });
    sockets.push(client);
    await until(() => accepted.length === 1);
    const s = accepted[0]!;
    s.destroy();
    expect(adoptAccepted(s, () => {})).toBeUndefined();
  });
});
