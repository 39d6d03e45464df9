/**
 * Test fabric for speaker integration tests: one bridge namespace and N node namespaces, each node with
 * `eth1` on the bridge, an IPv4 and an IPv6 fabric address. Speakers (and daemons) run as real processes
 * inside the node namespaces. Everything is named with the caller's unique prefix and removed by `destroy`,
 * which also kills every process started here (by recorded PID).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { controlRequest } from '../../src/speaker/control-client.js';
import type { SpeakerConfig } from '../../src/speaker/config-types.js';
import { SPEAKER_NODE_FLAGS } from '../../src/speaker/node-flags.js';
import type { SpeakerStatus } from '../../src/speaker/status-types.js';
import { addNetns, delNetns, ipBatch, run } from '../../src/sys/index.js';

export const SPEAKER_MAIN = resolve(process.cwd(), 'dist/src/speaker/main.js');

export interface FabricNode {
  name: string;
  ns: string;
  index: number;
  ipv4: string;
  ipv6: string;
}

export interface StartedProcess {
  child: ChildProcess;
  pid: number;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export class Fabric {
  readonly nodes: FabricNode[] = [];
  readonly dir: string;
  readonly bridgeNs: string;
  private readonly procs: StartedProcess[] = [];

  constructor(
    readonly prefix: string,
    /** Second octet of 10.X.0.0/24 and fd00:X::/64, unique per test file. */
    readonly subnet: number,
  ) {
    this.bridgeNs = `${prefix}-br`;
    this.dir = mkdtempSync(join(tmpdir(), `bgplab-${prefix}-`));
    // FRR drops to user frr: it must be able to enter the directory holding its files.
    chmodSync(this.dir, 0o755);
  }

  async create(names: string[]): Promise<FabricNode[]> {
    await this.destroyNamespaces([this.bridgeNs, ...names.map((n) => `${this.prefix}-${n}`)]);
    await addNetns(this.bridgeNs);
    await ipBatch(this.bridgeNs, ['link add br0 type bridge', 'link set br0 up']);
    for (const [i, name] of names.entries()) await this.addNode(name, i + 1);
    return this.nodes;
  }

  async addNode(name: string, index: number): Promise<FabricNode> {
    const ns = `${this.prefix}-${name}`;
    await addNetns(ns);
    const node: FabricNode = { name, ns, index, ipv4: `10.${this.subnet}.0.${index}`, ipv6: `fd00:${this.subnet}::${index}` };
    await ipBatch(undefined, [`link add p${this.subnet}x${index} netns ${this.bridgeNs} type veth peer name eth1 netns ${ns}`]);
    await ipBatch(this.bridgeNs, [`link set p${this.subnet}x${index} master br0`, `link set p${this.subnet}x${index} up`]);
    await ipBatch(ns, [
      `addr add ${node.ipv4}/24 dev eth1`,
      `addr add ${node.ipv6}/64 dev eth1 nodad`,
      'link set eth1 up',
    ]);
    this.nodes.push(node);
    return node;
  }

  node(name: string): FabricNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no fabric node ${name}`);
    return n;
  }

  /** Start a process inside a node namespace and record it for cleanup. */
  spawnIn(ns: string, cmd: string, args: string[], opts: { cwd?: string } = {}): StartedProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-20_000)));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.on('exit', (code, signal) => r({ code, signal })),
    );
    const p: StartedProcess = { child, pid: child.pid ?? -1, stderr: () => err, stdout: () => out, exited };
    this.procs.push(p);
    return p;
  }

  /** Write a speaker config for a node (control socket and event log in the fabric dir) and start it. */
  startSpeaker(node: FabricNode, config: Omit<SpeakerConfig, 'control' | 'eventLog'> & Partial<SpeakerConfig>): SpeakerHandle {
    const control = join(this.dir, `${node.name}.sock`);
    const eventLog = join(this.dir, `${node.name}.events.jsonl`);
    const file = join(this.dir, `${node.name}.json`);
    writeFileSync(file, JSON.stringify({ name: node.name, control, eventLog, ...config }, null, 2));
    const proc = this.spawnIn(node.ns, process.execPath, [...SPEAKER_NODE_FLAGS, SPEAKER_MAIN, '--config', file]);
    return new SpeakerHandle(node, control, eventLog, file, proc);
  }

  async destroy(): Promise<void> {
    for (const p of this.procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    await Promise.all(this.procs.map((p) => Promise.race([p.exited, sleep(3000)])));
    await this.destroyNamespaces([...this.nodes.map((n) => n.ns), this.bridgeNs]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async destroyNamespaces(names: string[]): Promise<void> {
    for (const n of names) await delNetns(n);
  }
}

export class SpeakerHandle {
  constructor(
    readonly node: FabricNode,
    readonly control: string,
    readonly eventLog: string,
    readonly configFile: string,
    readonly proc: StartedProcess,
  ) {}

  status(timeoutMs = 2000): Promise<SpeakerStatus> {
    return controlRequest<SpeakerStatus>(this.control, { cmd: 'status' }, timeoutMs);
  }

  events(): Array<Record<string, unknown>> {
    if (!existsSync(this.eventLog)) return [];
    return readFileSync(this.eventLog, 'utf8')
      .split('\n')
      .filter((l) => l)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    try {
      process.kill(this.proc.pid, signal);
    } catch {
      /* gone */
    }
    const r = await Promise.race([this.proc.exited, sleep(timeoutMs).then(() => undefined)]);
    if (!r) throw new Error(`speaker ${this.node.name} did not exit within ${timeoutMs} ms after ${signal}`);
    return r;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` until it returns a truthy value, at most `timeoutMs` (and a bounded number of tries). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (let i = 0; i < Math.ceil(timeoutMs / everyMs) + 1; i++) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) break;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
}

/** Kernel routes of a protocol in a namespace, as "prefix via nexthop" strings, sorted. */
export async function kernelRoutes(ns: string, family: '-4' | '-6', proto = 200): Promise<string[]> {
  const r = await run('ip', ['-n', ns, family, 'route', 'show', 'proto', String(proto)]);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l)
    .map((l) => {
      const m = /^(blackhole\s+)?(\S+)(?:\s+via\s+(\S+))?/.exec(l);
      return m ? (m[1] ? `blackhole ${m[2]}` : `${m[2]} via ${m[3] ?? '?'}`) : l;
    })
    .sort();
}
