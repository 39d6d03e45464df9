/**
 * Deploy benchmark: generate a lab (default 100 nodes, 2 route reflectors, BIRD), deploy it with the
 * netns runtime and print the time until every daemon listens on TCP 179 (goal: < 10 s on 2 cores),
 * optionally the time until the lab has converged, then destroy it. Needs root.
 *
 *   node dist/bench/deploy.js [--nodes 100] [--mode rr|mesh] [--impl bird|bgplab|frr|gobgp] [--converge] [--runs 1]
 *                             [--verbose] [--speaker-entry FILE]
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { destroyLab, labStatus, NetnsRuntime } from '../src/lab/index.js';
import { generateLab } from '../src/topo/gen.js';
import { loadTopology } from '../src/topo/load.js';
import type { NodeImpl } from '../src/topo/model.js';
import { writeLab } from '../src/topo/write.js';
import { benchArgs } from './args.js';

const values = benchArgs('deploy', 'node dist/bench/deploy.js [--nodes 100] [--mode rr|mesh] [--impl bird|bgplab|frr|gobgp] [--converge] [--runs 1] [--concurrency 8] [--verbose] [--speaker-entry FILE]', {
  nodes: { type: 'string', default: '100' },
  mode: { type: 'string', default: 'rr' },
  impl: { type: 'string', default: 'bird' },
  converge: { type: 'boolean', default: false },
  runs: { type: 'string', default: '1' },
  concurrency: { type: 'string', default: '8' },
  verbose: { type: 'boolean', default: false },
  'speaker-entry': { type: 'string' },
});

const nodes = Number(values.nodes);
const runs = Number(values.runs);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(nodes) || nodes < 2 || nodes > 1000) throw new Error(`--nodes ${values.nodes}: 2..1000`);
if (values.mode !== 'rr' && values.mode !== 'mesh') throw new Error(`--mode ${values.mode}: rr or mesh`);
if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error(`--runs ${values.runs}: 1..20`);
if (process.getuid?.() !== 0) {
  process.stderr.write('bench/deploy needs root (network namespaces)\n');
  process.exit(2);
}
process.env.BGPLAB_INDEX_DIR ??= join(tmpdir(), 'bgplab-bench-index');

const name = `bench-deploy-${process.pid}`;
const impl = values.impl as NodeImpl;
const results: Array<{ listenMs: number; convergeMs?: number }> = [];
for (let run = 0; run < runs; run++) {
  const dir = mkdtempSync(join(tmpdir(), 'bgplab-bench-'));
  chmodSync(dir, 0o755);
  const spec = generateLab(
    values.mode === 'rr'
      ? { name, mode: 'rr', nodes, rr: 2, rrImpl: impl, clientImpl: impl }
      : { name, mode: 'mesh', nodes, clientImpl: impl },
  );
  const file = join(dir, `${name}.clab.yml`);
  writeLab(spec, file);
  const topo = loadTopology(file);
  const t0 = process.hrtime.bigint();
  // A failed deploy removes its lab itself; remove the generated files too.
  const progress = values.verbose
    ? (m: string) => process.stderr.write(`${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0).padStart(6)} ms ${m}\n`)
    : undefined;
  const state = await new NetnsRuntime()
    .deploy(topo, { concurrency, speakerEntry: values['speaker-entry'], progress })
    .catch((err: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    });
  const listenMs = Number(process.hrtime.bigint() - t0) / 1e6;
  // CPU the daemons spent until every one listened (our cost, whatever else the machine runs).
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  let cpuMs = 0;
  for (const n of state.nodes) {
    for (const p of n.daemon?.processes ?? []) {
      try {
        const f = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        cpuMs += (Number(f[11]) + Number(f[12])) * tick;
      } catch {
        // exited
      }
    }
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  let convergeMs: number | undefined;
  try {
    if (values.converge) {
      for (let i = 0; i < 240; i++) {
        const s = await labStatus(state, { concurrency: 4 });
        if (s.totals.converged) {
          convergeMs = Number(process.hrtime.bigint() - t0) / 1e6;
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    const d0 = Date.now();
    await destroyLab({ name, state });
    const destroyMs = Date.now() - d0;
    rmSync(dir, { recursive: true, force: true });
    results.push({ listenMs, convergeMs });
    process.stdout.write(
      `run ${run + 1}: ${nodes} ${impl} nodes (${values.mode}): every daemon listening after ${listenMs.toFixed(0)} ms` +
        ` (state deployMs ${state.deployMs}; daemons used ${(cpuMs / 1000).toFixed(1)} s CPU, ${(cpuMs / nodes).toFixed(0)} ms each; load ${load})` +
        (values.converge ? `, converged after ${convergeMs === undefined ? 'NOT within 60 s' : `${convergeMs.toFixed(0)} ms`}` : '') +
        `; destroy ${destroyMs} ms\n`,
    );
  }
}
const listen = results.map((r) => r.listenMs).sort((a, b) => a - b);
process.stdout.write(
  `deploy ${nodes} ${impl} nodes: median ${listen[Math.floor(listen.length / 2)].toFixed(0)} ms, ` +
    `max ${listen[listen.length - 1].toFixed(0)} ms (goal < 10000 ms)\n`,
);
