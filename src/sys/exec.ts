import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the command after this many ms (default 15 s): every external call is bounded. */
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: RunResult,
  ) {
    const why = result.signal ? `killed by ${result.signal}` : `exit ${result.code}`;
    const err = result.stderr.trim() || result.stdout.trim();
    super(`${argv.join(' ')}: ${why}${err ? `: ${err.split('\n').slice(0, 5).join(' | ')}` : ''}`);
    this.name = 'CommandError';
  }
}

/** Run a command to completion; never throws for a non-zero exit (see `runChecked`). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, signal: null, stdout, stderr: stderr + String(e.message) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Run a command and throw `CommandError` unless it exits 0. Returns stdout. */
export async function runChecked(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new CommandError([cmd, ...args], r);
  return r.stdout;
}

/** Whether an executable is on PATH (or at an absolute path). */
export async function hasCommand(cmd: string): Promise<boolean> {
  const r = await run('sh', ['-c', `command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]`, 'sh', cmd], { timeoutMs: 5000 });
  return r.code === 0;
}
