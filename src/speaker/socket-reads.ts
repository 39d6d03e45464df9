/**
 * How a BGP socket's bytes reach the session without Node's Readable stream machinery. A stream socket
 * runs every read through push, addChunk, the 'data' emit and a nextTick of maybeReadMore, in V8's
 * baseline tier: in an idle 100-node mesh, where a speaker reads 33 KEEPALIVEs a second, that was
 * about 15% of its CPU (perf, mesh-50). With `onread` (a documented option of net.connect) libuv reads
 * into one buffer and Node calls us with the byte count: 'end', 'close' and 'error' still come as usual.
 *
 * Inbound connections: net.Server has no onread option. The server pauses each accepted socket
 * (pauseOnConnect) and `adoptAccepted` wraps its handle in a new Socket that has one. That relies on
 * the Socket constructor's `handle` option, which Node uses itself (cluster, child_process) but does not
 * document; when it does not take (another Node), the original socket is resumed and read as a stream.
 */
import { Socket } from 'node:net';

/** Takes the bytes of one read; they are the receiver's to keep. */
export type ChunkSink = (chunk: Buffer) => void;

/**
 * Shared by every socket of the process: Node calls the callback synchronously after each read and
 * the bytes are copied out before it returns, so no read can overwrite another's data.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export interface OnreadOption {
  buffer: Buffer;
  callback: (bytes: number, buffer: Uint8Array) => boolean;
}

/**
 * The `onread` option handing each read to `sink`. Each read is copied (small ones come from Buffer's
 * shared pool): the framer keeps a partial message across reads and decoded messages keep slices of
 * their bytes, and the read buffer is reused at once.
 */
export function onreadOption(sink: ChunkSink): OnreadOption {
  return {
    buffer: READ_BUFFER,
    callback: (bytes: number, buffer: Uint8Array): boolean => {
      sink(Buffer.from(buffer.subarray(0, bytes)));
      return true; // keep reading: the session never pushes back on reads
    },
  };
}

interface SocketInternals {
  _handle?: unknown;
  _server?: unknown;
  server?: unknown;
}

/**
 * Re-wrap an accepted socket, still paused (the server's pauseOnConnect), in a Socket reading with
 * `onread`. Returns undefined when this Node does not allow it: the caller then reads `accepted` as a
 * stream (resume it). The server's connection count follows the new socket, so server.close() still
 * completes once the connections are gone.
 */
export function adoptAccepted(accepted: Socket, sink: ChunkSink): Socket | undefined {
  const inner = accepted as unknown as SocketInternals;
  const handle = inner._handle;
  if (!handle || accepted.destroyed) return undefined;
  let wrapped: Socket;
  try {
    wrapped = new Socket({ handle, readable: true, writable: true, onread: onreadOption(sink) } as unknown as ConstructorParameters<typeof Socket>[0]);
  } catch {
    return undefined;
  }
  const outer = wrapped as unknown as SocketInternals;
  if (outer._handle !== handle) return undefined;
  if (inner._server !== undefined) {
    outer._server = inner._server;
    outer.server = inner.server;
    inner._server = null; // counted once, by the socket that will close
  }
  return wrapped;
}
