/**
 * The bgplab speaker: `node dist/speaker.cjs --config FILE` (the lean entry bundled; not the CLI) with
 * its cwd in runDir, so the relative `control`/`eventLog` paths of a generated config land there. Status
 * via the control socket (contracts.md); kernel routes with the config's FIB protocol (default 200).
 */
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { controlRequest } from '../speaker/control-client.js';
import { SPEAKER_NODE_FLAGS } from '../speaker/node-flags.js';
import { checkStartOptions, DaemonError, daemonHandle, MAX_SOCKET_PATH, runPath, spawnInNetns } from './common.js';
import { parseSpeakerStatus } from './parse.js';
import type { DaemonHandle, DaemonStatus, StartDaemonOptions } from './types.js';

/** Default FIB protocol of the speaker (src/speaker/config-types.ts). */
const DEFAULT_FIB_PROTOCOL = '200';

/** The project root: nearest ancestor with package.json (works from src/ under vitest and from dist/). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the bgplab project root (package.json)');
}

/**
 * The speaker entry the lab launches: the one-file bundle dist/speaker.cjs (scripts/bundle-speaker.mjs,
 * ~65 ms less CPU per speaker to start than the ESM module graph) when `npm run build` made it after the
 * last tsc run, else the lean ESM entry dist/src/speaker/main.js (same behaviour, slower to load).
 */
export function defaultSpeakerEntry(): string {
  const root = projectRoot();
  const esm = join(root, 'dist', 'src', 'speaker', 'main.js');
  const bundle = join(root, 'dist', 'speaker.cjs');
  try {
    // A bundle older than the compiled entry is stale (tsc run alone): do not run old code.
    if (statSync(bundle).mtimeMs >= statSync(esm).mtimeMs) return bundle;
  } catch {
    // no bundle (rolldown missing) or no compiled entry: the caller reports a missing entry
  }
  return esm;
}

interface SpeakerFileFacts {
  control: string | null;
  eventLog: string | null;
  kernelProtocol: string | null;
}

/** Read what the lab needs from a speaker config (JSON or YAML) without validating the rest. */
export function speakerFileFacts(configPath: string, runDir: string): SpeakerFileFacts {
  let cfg: Record<string, unknown>;
  try {
    const parsed: unknown = parseYaml(readFileSync(configPath, 'utf8'));
    cfg = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch (err) {
    throw new Error(`${configPath}: ${(err as Error).message}`);
  }
  const path = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? resolve(runDir, v) : null);
  const fib = cfg.fib;
  let kernelProtocol: string | null = null;
  if (fib === true) kernelProtocol = DEFAULT_FIB_PROTOCOL;
  else if (fib && typeof fib === 'object') {
    const p = (fib as Record<string, unknown>).protocol;
    kernelProtocol = p === undefined ? DEFAULT_FIB_PROTOCOL : String(p);
  }
  return { control: path(cfg.control), eventLog: path(cfg.eventLog), kernelProtocol };
}

export async function startBgplab(o: StartDaemonOptions): Promise<DaemonHandle> {
  checkStartOptions(o);
  const facts = speakerFileFacts(o.configPath, o.runDir);
  if (!facts.control) throw new DaemonError(o.name, `${o.configPath}: no "control" socket path: the lab could not query the speaker`);
  const entry = o.speakerEntry ?? defaultSpeakerEntry();
  if (!existsSync(entry)) throw new DaemonError(o.name, `speaker entry ${entry} not found (run npm run build)`);
  const log = runPath(o, 'speaker.log');
  const proc = await spawnInNetns(o, 'speaker', [process.execPath, ...SPEAKER_NODE_FLAGS, entry, '--config', o.configPath], o.configPath, log, o.runDir);
  return daemonHandle(o, 'bgplab', { processes: [proc], control: facts.control, eventLog: facts.eventLog, kernelProtocol: facts.kernelProtocol });
}

/**
 * Run `fn` with a path to `socket` short enough for sun_path: long paths go through the directory's
 * file descriptor (/proc/self/fd/N/name), which the kernel resolves like the real path.
 */
async function withShortSocketPath<T>(socket: string, fn: (path: string) => Promise<T>): Promise<T> {
  if (Buffer.byteLength(socket) <= MAX_SOCKET_PATH) return fn(socket);
  const fd = openSync(dirname(socket), 'r');
  try {
    return await fn(`/proc/self/fd/${fd}/${socket.slice(dirname(socket).length + 1)}`);
  } finally {
    closeSync(fd);
  }
}

export async function bgplabStatus(h: DaemonHandle, timeoutMs: number): Promise<DaemonStatus> {
  try {
    return await withShortSocketPath(h.control, async (sock) => {
      const status = await controlRequest(sock, { cmd: 'status' }, timeoutMs);
      const routes = await controlRequest(sock, { cmd: 'routes' }, timeoutMs);
      return parseSpeakerStatus(status, routes);
    });
  } catch (err) {
    throw new DaemonError(h.name, (err as Error).message);
  }
}
