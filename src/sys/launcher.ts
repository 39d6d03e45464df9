/**
 * Starting daemons through one launcher per bgplab process: a small `sh` in its own session that forks
 * each daemon on request and answers its PID. Why not `spawn(…, {detached: true})` per daemon: each
 * detached child gets a session of its own, and with the kernel's autogroup scheduling every session is
 * one scheduling group of equal weight; 100 CPU-hungry Node speakers starting then starve the deploying
 * process (spawning the 100th took 100× longer than the first, whatever our nice value). Behind the
 * launcher, all daemons share one session (one group, no controlling terminal, so no Ctrl-C), the
 * launcher runs at the highest priority within that group, and each daemon is brought back to normal
 * priority with `nice` before it execs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';

/** Marker in the launcher's command line: a forked child not yet exec'ed shows it (see isLauncherChild). */
export const LAUNCHER_MARK = 'bgplab-launcher';

const SCRIPT = `while IFS= read -r line; do eval "$line"; done`;

/**
 * Variables a daemon must not inherit from the shell that runs bgplab. NODE_EXTRA_CA_CERTS makes every
 * Node process parse the named CA bundle before running any code: with Debian's ca-certificates bundle
 * that is ~40 ms CPU per speaker here (`node -e 0`: 60-80 ms with it, 22-25 ms without), ×100 speakers
 * on 2 cores. No lab daemon makes a TLS connection, so the bundle is never used.
 */
const NOT_FOR_DAEMONS = ['NODE_EXTRA_CA_CERTS'];

/** The environment daemons start with: ours, minus what only costs them (pure, tested). */
export function daemonEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of NOT_FOR_DAEMONS) delete out[k];
  return out;
}

/** Quote one word for sh. */
export function shQuote(word: string): string {
  if (word.includes('\n') || word.includes('\0')) throw new Error(`cannot pass ${JSON.stringify(word)} to a daemon: newline or NUL`);
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The line the launcher evaluates for one daemon (pure, tested). */
export function launchLine(cmd: string, args: string[], opts: { logFile: string; cwd?: string; niceIncrement: number }): string {
  const words = [...(opts.niceIncrement > 0 ? ['nice', '-n', String(opts.niceIncrement)] : []), cmd, ...args].map(shQuote).join(' ');
  const cd = `cd ${shQuote(opts.cwd ?? '/')} || { echo "ERR cd"; continue; }`;
  return `${cd}; ${words} >>${shQuote(opts.logFile)} 2>&1 </dev/null & echo "PID $!"`;
}

class Launcher {
  private readonly child: ChildProcess;
  private readonly waiting: Array<{ resolve: (pid: number) => void; reject: (e: Error) => void }> = [];
  private buf = '';
  private dead: Error | undefined;
  private readonly niceIncrement: number;

  constructor() {
    this.child = spawn('sh', ['-c', SCRIPT, LAUNCHER_MARK], {
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
      env: daemonEnvironment(process.env),
    });
    let raised = false;
    try {
      // Root may raise the launcher above its daemons (same session, so nice applies).
      if (this.child.pid) setPriority(this.child.pid, -20);
      raised = true;
    } catch {
      // not root: the launcher competes evenly with its daemons, which still works
    }
    this.niceIncrement = raised ? 20 : 0;
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => this.onData(d));
    this.child.on('error', (e) => this.fail(new Error(`daemon launcher: ${e.message}`)));
    this.child.on('exit', (code, signal) => this.fail(new Error(`daemon launcher exited (${signal ?? `code ${code}`})`)));
    this.child.stdin!.on('error', () => {});
    this.idle();
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      const w = this.waiting.shift();
      if (!w) continue;
      const m = /^PID (\d+)$/.exec(line);
      if (m) w.resolve(Number(m[1]));
      else w.reject(new Error(`daemon launcher: ${line || 'no PID'}`));
    }
    if (this.waiting.length === 0) this.idle();
  }

  private fail(e: Error): void {
    this.dead = e;
    for (const w of this.waiting.splice(0)) w.reject(e);
    if (current === this) current = undefined;
  }

  /** Let our process exit while nothing is pending; the launcher then sees EOF and exits too. */
  private idle(): void {
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
    (this.child.stdout as unknown as { unref?: () => void }).unref?.();
  }

  private busy(): void {
    this.child.ref();
    (this.child.stdin as unknown as { ref?: () => void }).ref?.();
    (this.child.stdout as unknown as { ref?: () => void }).ref?.();
  }

  launch(cmd: string, args: string[], opts: { logFile: string; cwd?: string }, timeoutMs = 10_000): Promise<number> {
    if (this.dead) return Promise.reject(this.dead);
    const line = launchLine(cmd, args, { ...opts, niceIncrement: this.niceIncrement });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`daemon launcher: no answer within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push({
        resolve: (pid) => {
          clearTimeout(timer);
          resolve(pid);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.busy();
      this.child.stdin!.write(line + '\n');
    });
  }
}

let current: Launcher | undefined;

/**
 * Start `cmd args` in the background through the shared launcher (own session, no terminal), output
 * appended to `logFile`, stdin from /dev/null. Resolves with its PID (the program's: the job execs).
 */
export function launch(cmd: string, args: string[], opts: { logFile: string; cwd?: string }): Promise<number> {
  current ??= new Launcher();
  return current.launch(cmd, args, opts);
}
