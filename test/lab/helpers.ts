/** Shared by the netns lab tests: the built CLI, and checks that a lab left nothing behind. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { DaemonProcess } from '../../src/daemons/types.js';
import { run, type RunResult } from '../../src/sys/exec.js';
import { listNetns } from '../../src/sys/netns.js';
import { isRunning } from '../../src/sys/proc.js';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

/** Run the built bgplab CLI with a private lab index (so test files never see each other's labs). */
export function bgplab(args: string[], indexDir: string, timeoutMs = 60_000): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], { timeoutMs, env: { ...process.env, BGPLAB_INDEX_DIR: indexDir } });
}

export async function labNamespaces(lab: string): Promise<string[]> {
  return (await listNetns()).filter((n) => n.startsWith(`clab-${lab}-`));
}

/** Nothing of the lab is left: namespaces, recorded processes, lab directory, index entry. */
export async function expectNothingLeft(lab: string, labDir: string, indexDir: string, procs: DaemonProcess[]): Promise<void> {
  expect(await labNamespaces(lab)).toEqual([]);
  expect(procs.filter(isRunning).map((p) => p.pid)).toEqual([]);
  expect(existsSync(labDir)).toBe(false);
  expect(existsSync(join(indexDir, `${lab}.json`))).toBe(false);
}
