/** CPU time and memory of daemon processes from /proc (no fork): CPU time, VmHWM, PSS. */
import { readdirSync, readFileSync } from 'node:fs';
import { parseKbField, parseStatCpuTicks } from './parse.js';

/** USER_HZ: clock ticks per second in /proc/PID/stat; 100 on every Linux architecture we run on. */
const USER_HZ = 100;

export interface ProcUsage {
  cpuMs: number | null;
  rssPeakBytes: number | null;
  pssBytes: number | null;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Time on CPU in ns summed over the live threads (/proc/PID/task/TID/schedstat, first field): ns
 * precision, where utime+stime comes in 10 ms ticks (a BIRD lab converges on a few ms of CPU).
 */
function schedRuntimeNs(pid: number): number | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let sum = 0;
  let any = false;
  for (const tid of tids) {
    const v = Number(read(`/proc/${pid}/task/${tid}/schedstat`)?.split(' ')[0]);
    if (Number.isFinite(v)) {
      sum += v;
      any = true;
    }
  }
  return any ? sum : undefined;
}

export function procUsage(pid: number): ProcUsage {
  const stat = read(`/proc/${pid}/stat`);
  const ticks = stat ? parseStatCpuTicks(stat) : undefined;
  const sched = schedRuntimeNs(pid);
  const status = read(`/proc/${pid}/status`);
  const smaps = read(`/proc/${pid}/smaps_rollup`);
  return {
    // Threads that already exited are only in utime+stime: take whichever says more.
    cpuMs: ticks === undefined && sched === undefined ? null : Math.max(((ticks ?? 0) * 1000) / USER_HZ, (sched ?? 0) / 1e6),
    rssPeakBytes: status ? (parseKbField(status, 'VmHWM') ?? null) : null,
    pssBytes: smaps ? (parseKbField(smaps, 'Pss') ?? null) : null,
  };
}

/** Sum over a node's processes (FRR: zebra + bgpd); a figure is null when no process gave it. */
export function sumUsage(pids: number[]): ProcUsage {
  const all = pids.map(procUsage);
  const sum = (k: keyof ProcUsage) => {
    const v = all.map((u) => u[k]).filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) : null;
  };
  return { cpuMs: sum('cpuMs'), rssPeakBytes: sum('rssPeakBytes'), pssBytes: sum('pssBytes') };
}
