/**
 * Lab benchmark (issue 5's speed goals): the same lab with bgplab speakers and with BIRD 2 on every node,
 * measured in the same run with the same definition of t0 (every daemon listening), and printed side by
 * side with the goals:
 *   - rr2-N with bgplab: t0 → every route in every kernel FIB <= 400 ms and <= half of BIRD's time;
 *   - mesh-N with bgplab: <= half of BIRD's time and <= 3x BIRD's CPU-seconds;
 *   - memory: <= 25 MB PSS per bgplab speaker in the mesh.
 * Needs root (network namespaces), bird2. Not a test: it prints figures.
 *
 * "from deploy" is the deploy's start to every route in every FIB: the time that moving work across t0
 * cannot shorten; "start" the CPU-seconds the bgplab speakers took to start listening.
 *
 * With --idle S, each lab is kept S more seconds once converged and the CPU its daemons use meanwhile is
 * printed per daemon and second (the cost of a converged lab standing still: keepalives and timers).
 *
 *   node dist/bench/lab.js [--nodes 100] [--designs rr2,mesh] [--impls bgplab,bird] [--profile fast] [--timeout 120] [--idle 10]
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { destroyLab } from '../src/lab/destroy.js';
import { resolveLab } from '../src/lab/resolve.js';
import { runConverge } from '../src/measure/index.js';
import { sumUsage } from '../src/measure/proc.js';
import type { ConvergeResult } from '../src/report/schema.js';
import { generateLab } from '../src/topo/gen.js';
import type { NodeImpl, TimersProfileName } from '../src/topo/model.js';
import { writeLab } from '../src/topo/write.js';
import { benchArgs } from './args.js';

const values = benchArgs('lab', 'node dist/bench/lab.js [--nodes 100] [--designs rr2,mesh] [--impls bgplab,bird] [--profile fast] [--timeout 120] [--idle 10]', {
  nodes: { type: 'string', default: '100' },
  designs: { type: 'string', default: 'rr2,mesh' },
  impls: { type: 'string', default: 'bgplab,bird' },
  profile: { type: 'string', default: 'fast' },
  timeout: { type: 'string', default: '120' },
  idle: { type: 'string', default: '0' },
});

function fail(msg: string): never {
  process.stderr.write(`bench/lab: ${msg}\n`);
  process.exit(2);
}
const nodes = Number(values.nodes);
if (!Number.isInteger(nodes) || nodes < 3 || nodes > 500) fail(`--nodes ${values.nodes}: must be an integer 3..500`);
const timeoutS = Number(values.timeout);
if (!(timeoutS > 0 && timeoutS <= 3600)) fail(`--timeout ${values.timeout}: seconds, 1..3600`);
const idleS = Number(values.idle);
if (!(idleS >= 0 && idleS <= 600)) fail(`--idle ${values.idle}: seconds, 0..600`);
const designs = values.designs.split(',').map((d) => d.trim());
for (const d of designs) if (!/^(mesh|rr[1-9])$/.test(d)) fail(`--designs ${d}: mesh or rrR (e.g. rr2)`);
const impls = values.impls.split(',').map((i) => i.trim()) as NodeImpl[];
for (const i of impls) if (!['bgplab', 'bird', 'frr', 'gobgp'].includes(i)) fail(`--impls ${i}: bgplab, bird, frr or gobgp`);
if (process.getuid?.() !== 0) fail('needs root (network namespaces)');
process.env.BGPLAB_INDEX_DIR ??= join(tmpdir(), 'bgplab-bench-index');

interface Row {
  design: string;
  impl: NodeImpl;
  r: ConvergeResult;
  /** CPU per daemon per second while the converged lab stood still (--idle), ms/s. */
  idleMsPerS?: number;
}

/** CPU (ms) of every daemon of a running lab, summed. */
function labCpuMs(lab: string): number {
  return resolveLab({ lab }).nodes.reduce((sum, n) => sum + (sumUsage(n.daemon?.processes.map((p) => p.pid) ?? []).cpuMs ?? 0), 0);
}
const rows: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), 'bgplab-benchlab-'));
chmodSync(dir, 0o755);
try {
  for (const design of designs) {
    for (const impl of impls) {
      const name = `benchlab-${design}-${impl}-${process.pid}`.slice(0, 40);
      const spec = generateLab(
        design === 'mesh'
          ? { name, mode: 'mesh', nodes, clientImpl: impl, profile: values.profile as TimersProfileName }
          : { name, mode: 'rr', nodes, rr: Number(design.slice(2)), rrImpl: impl, clientImpl: impl, profile: values.profile as TimersProfileName },
      );
      const file = join(dir, `${name}.clab.yml`);
      writeLab(spec, file);
      process.stderr.write(`bench/lab: ${design} ${impl} ${nodes} nodes...\n`);
      const r = await runConverge({ topologyFile: file, timeoutMs: timeoutS * 1000, probePairs: 4, capture: false, keep: idleS > 0 });
      let idleMsPerS: number | undefined;
      if (idleS > 0) {
        try {
          const before = labCpuMs(name);
          const t = performance.now();
          await new Promise((res) => setTimeout(res, idleS * 1000));
          idleMsPerS = (labCpuMs(name) - before) / ((performance.now() - t) / 1000) / r.nodes.length;
        } finally {
          await destroyLab({ name });
        }
      }
      rows.push({ design, impl, r, idleMsPerS });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const ms = (v: number | null | undefined): string => (v == null ? '-' : `${Math.round(v)} ms`);
const mb = (v: number): string => `${(v / 1e6).toFixed(1)} MB`;
const cpuS = (r: ConvergeResult): number => (r.cpu.totalMs ?? r.nodes.reduce((s, n) => s + (n.cpuMs ?? 0), 0)) / 1000;
/** CPU-seconds the bgplab speakers took to start listening (their own account; '-' for other daemons). */
const startCpuS = (r: ConvergeResult): string => {
  const v = r.nodes.map((n) => n.startupCpuMs).filter((x): x is number => typeof x === 'number');
  return v.length ? (v.reduce((a, b) => a + b, 0) / 1000).toFixed(2) : '-';
};
const pss = (r: ConvergeResult): number[] => r.nodes.map((n) => n.pssBytes ?? 0).filter((v) => v > 0);

console.log(`\nlab benchmark: ${nodes} nodes, profile ${values.profile}, t0 = every daemon listening\n`);
console.log(`design  impl     sessions     deploy     bgp        fib        dataplane  from deploy  cpu-s   start   pss/daemon (max)${idleS > 0 ? '    idle cpu/daemon' : ''}`);
for (const { design, impl, r, idleMsPerS } of rows) {
  const p = pss(r);
  const pssText = p.length ? `${mb(p.reduce((a, b) => a + b, 0) / p.length)} (${mb(Math.max(...p))})` : '-';
  console.log(
    [
      design.padEnd(7),
      impl.padEnd(8),
      `${r.sessions.established}/${r.sessions.expected}`.padEnd(12),
      ms(r.deployMs).padEnd(10),
      ms(r.convergence.bgpMs).padEnd(10),
      ms(r.convergence.fibMs).padEnd(10),
      ms(r.convergence.dataplaneMs).padEnd(10),
      ms(r.convergence.fromDeployMs).padEnd(12),
      cpuS(r).toFixed(2).padEnd(7),
      startCpuS(r).padEnd(7),
      idleMsPerS === undefined ? pssText : `${pssText.padEnd(18)} ${idleMsPerS.toFixed(1)} ms/s`,
    ].join(' '),
  );
}

// Goals, where both implementations were measured.
console.log('');
for (const design of designs) {
  const ours = rows.find((x) => x.design === design && x.impl === 'bgplab')?.r;
  const bird = rows.find((x) => x.design === design && x.impl === 'bird')?.r;
  if (!ours) continue;
  const fib = ours.convergence.fibMs;
  const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  if (design !== 'mesh' && fib != null) console.log(`${design}: bgplab fib ${ms(fib)} <= 400 ms: ${verdict(fib <= 400)}`);
  if (bird && fib != null && bird.convergence.fibMs != null) {
    const ratio = fib / bird.convergence.fibMs;
    console.log(`${design}: bgplab/BIRD fib time ${ratio.toFixed(2)} (goal <= 0.5): ${verdict(ratio <= 0.5)}`);
    if (design === 'mesh') {
      const cpuRatio = cpuS(ours) / Math.max(cpuS(bird), 1e-3);
      console.log(`${design}: bgplab/BIRD CPU-seconds ${cpuRatio.toFixed(2)} (goal <= 3): ${verdict(cpuRatio <= 3)}`);
    }
    const up = ours.convergence.fromDeployMs;
    const birdUp = bird.convergence.fromDeployMs;
    if (up != null && birdUp != null) console.log(`${design}: bgplab/BIRD time from deploy start ${(up / birdUp).toFixed(2)} (${ms(up)} against ${ms(birdUp)}; no goal)`);
  }
  if (design === 'mesh') {
    const p = pss(ours);
    if (p.length) console.log(`mesh: max PSS per bgplab speaker ${mb(Math.max(...p))} (goal <= 25 MB): ${verdict(Math.max(...p) <= 25e6)}`);
  }
}
