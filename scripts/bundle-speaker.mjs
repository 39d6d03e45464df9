#!/usr/bin/env node
/**
 * Build step after `tsc`: bundle the lean speaker entry (dist/src/speaker/main.js and everything it
 * imports, ipaddr.js included) into one CommonJS file, dist/speaker.cjs, which the lab launches once
 * per node. Why: a lab starts 100 speakers on 2 cores and each pays its own module loading; the ESM
 * loader resolving, reading and linking ~40 files cost ~65 ms CPU per speaker, one CJS file ~10 ms
 * (startup to listening: ~175 ms -> ~110 ms, `node -e 0` alone is ~50 ms). CJS rather than ESM: no
 * module graph to link, and Node's CJS loader compiles the single file lazily.
 *
 * The bundle is dist/speaker-main.cjs; dist/speaker.cjs is the loader the lab runs
 * (scripts/speaker-loader.cjs), which compiles the bundle with V8's code cache. The cache comes from a
 * training run here: a small lab (two reflectors, two clients, kernel routes) exchanges routes, and
 * one client writes what it compiled when it exits. Without the cache (training failed) the
 * speakers compile as usual.
 *
 * `yaml` stays external: config.ts loads it with createRequire only for YAML configs (the lab writes
 * JSON). Dynamic imports are inlined (one file). Behaviour is that of dist/src/speaker/main.js, which
 * keeps working; src/daemons/bgplab.ts falls back to it when the bundle is missing or older.
 *
 * rolldown comes with vite (a dev dependency). Without it this step warns and leaves no bundle, so
 * `npm run build` still succeeds and the lab uses the unbundled entry.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'speaker', 'main.js');
const out = join(root, 'dist', 'speaker-main.cjs');
const loader = join(root, 'dist', 'speaker.cjs');
const cache = `${out}.cache`;

if (!existsSync(entry)) {
  process.stderr.write(`bundle-speaker: ${entry} not found (run tsc first)\n`);
  process.exit(1);
}

let rolldown;
try {
  ({ rolldown } = await import('rolldown'));
} catch (err) {
  process.stderr.write(`bundle-speaker: rolldown not available (${err.message.split('\n')[0]}); the lab will use dist/src/speaker/main.js\n`);
  rmSync(out, { force: true });
  rmSync(loader, { force: true });
  rmSync(cache, { force: true });
  process.exit(0);
}

const tmp = `${out}.tmp-${process.pid}`;
const warnings = [];
try {
  const bundle = await rolldown({
    input: entry,
    platform: 'node',
    // yaml: only for YAML configs (lazy createRequire); ajv: never used by the speaker.
    external: [/^node:/, 'yaml', 'ajv'],
    onLog: (level, log) => {
      if (level === 'warn') warnings.push(log.message);
    },
  });
  await bundle.write({ format: 'cjs', file: tmp, codeSplitting: false, sourcemap: false });
  await bundle.close();
  const text = readFileSync(tmp, 'utf8');
  // The bundle must not pull the CLI or its dependencies in: that is the point of the lean entry.
  for (const forbidden of ['commander', 'ajv/dist']) {
    if (text.includes(`require("${forbidden}`)) throw new Error(`the bundle requires ${forbidden}`);
  }
  if (/\bimport\.meta\b/.test(text)) throw new Error('import.meta left in a CommonJS bundle');
  renameSync(tmp, out);
} catch (err) {
  rmSync(tmp, { force: true });
  rmSync(out, { force: true });
  rmSync(loader, { force: true });
  rmSync(cache, { force: true });
  process.stderr.write(`bundle-speaker: ${err.message}\n`);
  process.exit(1);
}
for (const w of warnings) process.stderr.write(`bundle-speaker: warning: ${w}\n`);
rmSync(cache, { force: true });
copyFileSync(join(root, 'scripts', 'speaker-loader.cjs'), loader);
process.stdout.write(`bundle-speaker: ${out} (${(statSync(out).size / 1024).toFixed(0)} KiB), loader ${loader}\n`);
try {
  await trainCodeCache();
  process.stdout.write(`bundle-speaker: ${cache} (${(statSync(cache).size / 1024).toFixed(0)} KiB, from a training run)\n`);
} catch (err) {
  rmSync(cache, { force: true });
  process.stderr.write(`bundle-speaker: warning: no code cache (${err.message}); speakers compile as usual\n`);
}

/**
 * A small lab as the real ones are: two reflectors and two clients originating IPv4 and IPv6 blocks,
 * each in a network namespace of its own on one bridge (in a namespace of its own too), with kernel
 * routes, blackholes and a control socket, as a lab speaker runs (root, as labs are; elsewhere there is
 * no cache). It runs until client 1 has learned client 2's routes from both reflectors and installed
 * them, then stops; client 1 writes the code cache on exit. Why a lab and not less: a function the
 * training never ran is compiled from source in every speaker of every lab (with one reflector and no
 * kernel routes, 57 functions were: the FIB programmer, the control server, best-path selection among
 * two reflected paths). A few seconds; every wait is bounded, and the namespaces (with their routes)
 * are removed whatever happens.
 */
async function trainCodeCache() {
  if (process.getuid?.() !== 0) throw new Error('training needs root (network namespaces)');
  const { SPEAKER_NODE_FLAGS } = await import(pathToFileURL(join(root, 'dist', 'src', 'speaker', 'node-flags.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'bgplab-train-'));
  const asn = 64512;
  const timers = { hold: 9, keepalive: 3, connectRetry: 1 };
  const blocks = (n) => [
    ...Array.from({ length: 64 }, (_, i) => `10.${100 + n}.${i}.0/26`),
    ...Array.from({ length: 64 }, (_, i) => `fd00:${n}:${i.toString(16)}::/122`),
  ];
  const families = ['ipv4', 'ipv6']; // IPv6 over the IPv4 sessions (RFC 4760), as the labs do
  const speakers = { rr1: 1, rr2: 2, c1: 11, c2: 12 }; // name -> host part of 10.255.0.N and fd00:255::N
  const peer = (name, rrClient) => ({ address: `10.255.0.${speakers[name]}`, asn, families, ...(rrClient ? { rrClient: true } : {}) });
  const common = (name) => ({
    name,
    routerId: `10.255.0.${speakers[name]}`,
    asn,
    timers,
    fib: true,
    blackhole: true,
    control: join(dir, `${name}.sock`),
    eventLog: join(dir, `${name}.jsonl`),
  });
  const reflector = (name, other) => ({ ...common(name), clusterId: '10.255.0.100', peers: [peer(other, false), peer('c1', true), peer('c2', true)] });
  const configs = {
    rr1: reflector('rr1', 'rr2'),
    rr2: reflector('rr2', 'rr1'),
    c1: { ...common('c1'), peers: [peer('rr1'), peer('rr2')], originate: blocks(1) },
    c2: { ...common('c2'), peers: [peer('rr1'), peer('rr2')], originate: blocks(2) },
  };
  const q = (w) => `'${String(w).replace(/'/g, `'\\''`)}'`;
  const node = [process.execPath, ...SPEAKER_NODE_FLAGS, loader].map(q).join(' ');
  const ns = (name) => `bgplab-train-${process.pid}-${name}`;
  const all = ['br', ...Object.keys(speakers)];
  const lines = [
    'set -u',
    `cleanup() { kill -TERM $pids 2>/dev/null; wait; for n in ${all.join(' ')}; do ip netns del bgplab-train-${process.pid}-$n 2>/dev/null; done; }`,
    'pids=',
    'trap cleanup EXIT',
    'set -e',
  ];
  for (const name of all) lines.push(`ip netns add ${ns(name)}`, `ip -n ${ns(name)} link set lo up`);
  lines.push(`ip -n ${ns('br')} link add b0 type bridge`, `ip -n ${ns('br')} link set b0 up`);
  for (const [name, n] of Object.entries(speakers)) {
    const s = ns(name);
    lines.push(
      `ip link add t${n} netns ${ns('br')} type veth peer name eth1 netns ${s}`,
      `ip -n ${ns('br')} link set t${n} master b0 up`,
      `ip -n ${s} addr add 10.255.0.${n}/24 dev eth1`,
      `ip -n ${s} addr add fd00:255::${n}/64 dev eth1 nodad`,
      `ip -n ${s} link set eth1 up`,
    );
  }
  // The speakers start at once, on links the kernel has not marked RUNNING yet (up to ~1 s): they
  // find their addresses in /proc/net then (src/speaker/interfaces.ts), and the wait below checks that
  // IPv6 crossed too (128 routes: 64 of each family).
  lines.push('set +e');
  for (const name of Object.keys(configs)) {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(configs[name]));
    const envs = name === 'c1' ? `BGPLAB_CODE_CACHE_OUT=${q(cache)} ` : '';
    lines.push(`${envs}ip netns exec ${ns(name)} ${node} --config ${q(file)} >>${q(join(dir, 'train.log'))} 2>&1 &`, 'pids="$pids $!"');
  }
  // Up to 15 s for client 1 to have: client 2's 128 routes as best paths ("route" events, IPv4 and
  // IPv6), End-of-RIB from both reflectors in both families (4 "eor" events), and kernel routes ("fib").
  const log = q(join(dir, 'c1.jsonl'));
  lines.push(
    'i=0',
    `while [ $i -lt 300 ]; do r=$(grep -c '"event":"route"' ${log} 2>/dev/null); e=$(grep -c '"event":"eor"' ${log} 2>/dev/null); f=$(grep -c '"event":"fib"' ${log} 2>/dev/null); [ "\${r:-0}" -ge 128 ] && [ "\${e:-0}" -ge 4 ] && [ "\${f:-0}" -ge 2 ] && break; sleep 0.05; i=$((i+1)); done`,
    `[ "\${r:-0}" -ge 128 ] && [ "\${e:-0}" -ge 4 ] && [ "\${f:-0}" -ge 2 ] || { echo "client 1 has \${r:-0} of 128 routes, \${e:-0} of 4 End-of-RIB, \${f:-0} FIB batches after 15 s"; exit 1; }`,
  );
  writeFileSync(join(dir, 'train.sh'), lines.join('\n') + '\n');
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the cache must match the flags the lab runs speakers with
  delete env.NODE_EXTRA_CA_CERTS;
  try {
    const child = spawn('sh', [join(dir, 'train.sh')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const result = await new Promise((r) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
      child.on('error', (e) => r({ code: -1, error: e.message }));
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        r({ code, signal });
      });
    });
    if (result.code !== 0) {
      let log = '';
      try {
        log = readFileSync(join(dir, 'train.log'), 'utf8');
      } catch {
        /* no log */
      }
      const why = (result.error ?? `${output}${log}`.trim().split('\n').slice(-2).join('; ')) || `exit ${result.code ?? result.signal}`;
      throw new Error(`training run failed: ${why}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!existsSync(cache)) throw new Error('the training client wrote no cache');
}
