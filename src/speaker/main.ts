#!/usr/bin/env node
/**
 * Lean speaker entry: `node dist/src/speaker/main.js --config FILE`. Loads only the speaker (not the
 * CLI, commander or any other verb) because a lab starts one per node, 100 at a time on 2 cores.
 * SIGTERM/SIGINT: Cease (6/2) to every peer, remove our kernel routes, exit 0 (contracts.md).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadSpeakerConfig } from './config.js';
import { applySpeakerRuntimeFlags } from './node-flags.js';
import { Speaker, type CodeCacheUse } from './speaker.js';

/** Run a speaker until a signal stops it. Throws ConfigError for a bad file (before anything starts). */
export async function runSpeakerMain(configPath: string, codeCache?: CodeCacheUse): Promise<void> {
  const config = loadSpeakerConfig(configPath);
  const speaker = new Speaker(config);
  speaker.codeCache = codeCache;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    // Bounded: whatever happens, the process ends within 10 s of the signal.
    setTimeout(() => process.exit(0), 10_000).unref();
    speaker
      .stop(signal)
      .catch((err: unknown) => process.stderr.write(`bgplab speaker: stop: ${(err as Error).message}\n`))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  // Input never crashes a speaker: handlers reset the session they belong to. Anything that still
  // escapes is a bug; log it and keep serving the other sessions rather than drop them all.
  process.on('uncaughtException', (err) => speaker.internalError(err));
  process.on('unhandledRejection', (err) => speaker.internalError(err));
  await speaker.start();
  // Listening, FIB child spawned: every module the speaker uses is loaded (see node-flags.ts).
  applySpeakerRuntimeFlags();
}

function parseArgs(argv: string[]): string {
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config' || a === '-c') config = argv[++i];
    else if (a.startsWith('--config=')) config = a.slice('--config='.length);
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node dist/src/speaker/main.js --config FILE\n');
      process.exit(0);
    } else {
      process.stderr.write(`bgplab speaker: unknown argument ${JSON.stringify(a)} (usage: --config FILE)\n`);
      process.exit(2);
    }
  }
  if (!config) {
    process.stderr.write('bgplab speaker: --config FILE is required\n');
    process.exit(2);
  }
  return config;
}

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** The command line of the speaker process (`--config FILE`); also called by dist/speaker.cjs's loader. */
export function speakerCli(argv: string[], codeCache?: CodeCacheUse): void {
  const file = parseArgs(argv);
  runSpeakerMain(file, codeCache).catch((err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`bgplab speaker: ${err.message}\n`);
    else process.stderr.write(`bgplab speaker: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(2);
  });
}

if (isEntryPoint()) speakerCli(process.argv.slice(2));
