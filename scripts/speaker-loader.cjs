'use strict';
/**
 * dist/speaker.cjs: what the lab runs once per node (`node dist/speaker.cjs --config FILE`). It loads
 * the speaker bundle, dist/speaker-main.cjs, with V8's code cache dist/speaker-main.cjs.cache: the
 * bytecode of every function a training run of the speaker compiled (scripts/bundle-speaker.mjs). Why:
 * a lab starts 100 speakers on 2 cores and each compiles the same functions lazily, the first time
 * they run, at start and again while converging (~14 ms of CPU per speaker here). V8 checks the cache
 * against the source and the flags; a missing, stale or rejected cache only means compiling as usual.
 * BGPLAB_CODE_CACHE_OUT=FILE (the training run): write the cache of what this process compiled to
 * FILE when it exits.
 */
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const file = join(__dirname, 'speaker-main.cjs');
const out = process.env.BGPLAB_CODE_CACHE_OUT;
let cachedData;
if (!out) {
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // no cache: compile as usual
  }
}
// The shebang line stays a line (empty) so that stack traces keep their line numbers.
const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
const main = new Module(file, module);
main.filename = file;
main.paths = Module._nodeModulePaths(__dirname);
script.runInThisContext().call(main.exports, main.exports, Module.createRequire(file), main, file, __dirname);
if (out) {
  process.on('exit', () => {
    writeFileSync(`${out}.tmp`, script.createCachedData());
    renameSync(`${out}.tmp`, out);
  });
}
main.exports.speakerCli(process.argv.slice(2), cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used');
