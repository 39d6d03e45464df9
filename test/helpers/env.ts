/**
 * What the machine offers a test: root (for namespaces) and the Debian daemons. A test that needs one
 * skips with a reason when it is missing; in CI (root, scripts/setup.sh run) nothing skips, and
 * BGPLAB_REQUIRE_ALL=1 (set by CI) turns a would-be skip into a failure so a broken setup cannot hide.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function onPath(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v "$1"`, 'sh', cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const has = {
  ip: onPath('ip'),
  ss: onPath('ss'),
  ping: onPath('ping'),
  bird: onPath('bird') && onPath('birdc'),
  frr: existsSync('/usr/lib/frr/bgpd') && existsSync('/usr/lib/frr/zebra') && onPath('vtysh'),
  gobgp: onPath('gobgpd') && onPath('gobgp'),
  tcpdump: onPath('tcpdump'),
};

/** Reason to skip, or undefined when every requirement is met. */
export function missing(...needs: Array<'root' | keyof typeof has>): string | undefined {
  const lacking = needs.filter((n) => (n === 'root' ? !isRoot : !has[n]));
  if (lacking.length === 0) return undefined;
  const why = `needs ${lacking.join(', ')} (run as root after scripts/setup.sh)`;
  if (process.env.BGPLAB_REQUIRE_ALL === '1') throw new Error(`test requirement missing in CI: ${why}`);
  process.stderr.write(`skipping: ${why}\n`);
  return why;
}

/**
 * Reason to skip a test that runs the compiled project (npm run build), or undefined when `compiled`
 * exists and is no older than `than` (its source, or another output it must not be older than). As
 * missing(): a failure under BGPLAB_REQUIRE_ALL=1, since CI builds before testing.
 */
export function missingBuild(test: string, compiled: string, than?: string): string | undefined {
  const fresh = existsSync(compiled) && (than === undefined || (existsSync(than) && statSync(compiled).mtimeMs >= statSync(than).mtimeMs));
  if (fresh) return undefined;
  const why = `no fresh ${relative(resolve(import.meta.dirname, '..', '..'), compiled)}: run npm run build`;
  if (process.env.BGPLAB_REQUIRE_ALL === '1') throw new Error(`${test}: ${why} (CI builds first)`);
  console.warn(`${test}: skipped: ${why}`);
  return why;
}
