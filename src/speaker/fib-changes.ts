/**
 * Loc-RIB best-path changes (Rib.takeBestChanges) turned into kernel FIB wishes. Split from the
 * speaker so the mapping can be tested against a real KernelFib in a namespace without a BGP session.
 * The FIB holds one route per prefix: a learned route via its next hop, or the blackhole of a prefix we
 * originate (Calico installs its pod blocks that way). So when the best path of a prefix switches
 * between learned and ours, the kernel route must switch too, in both directions.
 */
import type { BestChangeGroup } from '../rib/index.js';

/** What of KernelFib this needs (its wishes are idempotent: removing nothing is a no-op). */
export interface FibWishes {
  set(prefix: string, nextHop: string): void;
  blackhole(prefix: string): void;
  remove(prefix: string): void;
}

export interface FibPolicy {
  /** Install learned best routes (config `fib`). */
  installLearned: boolean;
  /** Install what we originate as blackholes (config `blackhole`). */
  blackhole: boolean;
}

export function applyBestChangesToFib(changes: readonly BestChangeGroup[], fib: FibWishes, policy: FibPolicy): void {
  for (const g of changes) {
    if (g.local) {
      // Our own route is now best ('add'/'replace': e.g. we started originating a prefix we had
      // learned) or we stopped originating it ('del'). A learned route it replaced must leave the
      // kernel; the blackhole (when configured) takes its place.
      for (const p of g.prefixes) {
        if (g.op !== 'del' && policy.blackhole) fib.blackhole(p);
        else fib.remove(p);
      }
      continue;
    }
    if (!policy.installLearned) {
      // A learned route replacing ours (we stopped originating): our blackhole must not stay behind.
      if (g.op === 'replace' && policy.blackhole) for (const p of g.prefixes) fib.remove(p);
      continue;
    }
    for (const p of g.prefixes) {
      if (g.op === 'del') fib.remove(p);
      else if (g.nextHop && (g.family === 'ipv6') === g.nextHop.includes(':')) fib.set(p, g.nextHop);
      else fib.remove(p); // no usable next hop of the prefix's family: nothing to forward to
    }
  }
}
