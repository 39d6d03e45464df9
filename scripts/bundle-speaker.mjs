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
 * training run here: three speakers (a reflector, two clients) on loopback addresses exchange routes,
 * and one client writes what it compiled when it exits. Without the cache (training failed) the
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
 * Three speakers (a reflector, two clients originating IPv4 and IPv6 blocks), each in a network
 * namespace of its own linked to the reflector's by a veth pair (root, as labs are; elsewhere there is
 * no cache), run until client 1 has learned client 2's routes, then stop; client 1 writes the code
 * cache on exit. No kernel routes; a few seconds; every wait is bounded, and the namespaces are
 * removed whatever happens.
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
  const common = (name, routerId) => ({ name, routerId, asn, timers, fib: false, blackhole: false, eventLog: join(dir, `${name}.jsonl`) });
  const configs = {
    rr: { ...common('rr', '10.255.0.1'), clusterId: '10.255.0.1', peers: [1, 2].map((n) => ({ address: `10.255.${n}.2`, asn, rrClient: true, families })) },
    c1: { ...common('c1', '10.255.1.2'), peers: [{ address: '10.255.1.1', asn, families }], originate: blocks(1) },
    c2: { ...common('c2', '10.255.2.2'), peers: [{ address: '10.255.2.1', asn, families }], originate: blocks(2) },
  };
  const q = (w) => `'${String(w).replace(/'/g, `'\\''`)}'`;
  const node = [process.execPath, ...SPEAKER_NODE_FLAGS, loader].map(q).join(' ');
  const ns = (name) => `bgplab-train-${process.pid}-${name}`;
  const lines = [
    'set -u',
    `cleanup() { kill -TERM $pids 2>/dev/null; wait; for n in rr c1 c2; do ip netns del bgplab-train-${process.pid}-$n 2>/dev/null; done; }`,
    'pids=',
    'trap cleanup EXIT',
    'set -e',
  ];
  for (const name of ['rr', 'c1', 'c2']) lines.push(`ip netns add ${ns(name)}`, `ip -n ${ns(name)} link set lo up`);
  for (const n of [1, 2]) {
    const c = ns(`c${n}`);
    lines.push(
      `ip link add tr${n} netns ${ns('rr')} type veth peer name tc${n} netns ${c}`,
      `ip -n ${ns('rr')} addr add 10.255.${n}.1/24 dev tr${n}`,
      `ip -n ${ns('rr')} addr add fd00:255:${n}::1/64 dev tr${n} nodad`,
      `ip -n ${ns('rr')} link set tr${n} up`,
      `ip -n ${c} addr add 10.255.${n}.2/24 dev tc${n}`,
      `ip -n ${c} addr add fd00:255:${n}::2/64 dev tc${n} nodad`,
      `ip -n ${c} link set tc${n} up`,
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
  // Up to 15 s for client 1 to learn client 2's 128 routes (one "route" event each, IPv4 and IPv6).
  lines.push(
    'i=0',
    `while [ $i -lt 300 ]; do n=$(grep -c '"event":"route"' ${q(join(dir, 'c1.jsonl'))} 2>/dev/null); [ "\${n:-0}" -ge 128 ] && break; sleep 0.05; i=$((i+1)); done`,
    `[ "\${n:-0}" -ge 128 ] || { echo "client learned \${n:-0} of 128 routes in 15 s"; exit 1; }`,
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
