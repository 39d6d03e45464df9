#!/usr/bin/env node
/**
 * Build step after `tsc`: bundle the lean speaker entry (dist/src/speaker/main.js and everything it
 * imports, ipaddr.js included) into one CommonJS file, dist/speaker.cjs, which the lab launches once
 * per node. Why: a lab starts 100 speakers on 2 cores and each pays its own module loading; the ESM
 * loader resolving, reading and linking ~40 files cost ~65 ms CPU per speaker, one CJS file ~10 ms
 * (startup to listening: ~175 ms -> ~110 ms, `node -e 0` alone is ~50 ms). CJS rather than ESM: no
 * module graph to link, and Node's CJS loader compiles the single file lazily.
 *
 * `yaml` stays external: config.ts loads it with createRequire only for YAML configs (the lab writes
 * JSON). Dynamic imports are inlined (one file). Behaviour is that of dist/src/speaker/main.js, which
 * keeps working; src/daemons/bgplab.ts falls back to it when the bundle is missing or older.
 *
 * rolldown comes with vite (a dev dependency). Without it this step warns and leaves no bundle, so
 * `npm run build` still succeeds and the lab uses the unbundled entry.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'speaker', 'main.js');
const out = join(root, 'dist', 'speaker.cjs');

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
  process.stderr.write(`bundle-speaker: ${err.message}\n`);
  process.exit(1);
}
for (const w of warnings) process.stderr.write(`bundle-speaker: warning: ${w}\n`);
process.stdout.write(`bundle-speaker: ${out} (${(statSync(out).size / 1024).toFixed(0)} KiB)\n`);
