/**
 * Kernel FIB programming for a speaker: learned best routes (and blackholes for originated pod blocks,
 * as Calico installs them) go into the routing table of the network namespace the speaker runs in,
 * tagged with our route protocol id so they can be told apart and removed. Changes are coalesced per
 * event-loop tick and written as one batch to a single long-lived `ip -force -batch -` child (never a
 * process per route), one batch in flight at a time (what changes meanwhile waits for the next); each
 * batch ends with a marker line that `ip` rejects on stderr, which tells us the kernel has processed
 * every line before it (netlink requests are synchronous in `ip`). Stale routes of our protocol are
 * flushed at start (skipped when /proc/net shows the table cannot hold one); everything we installed is
 * flushed on a clean stop.
 */
export * from './kernel.js';
export * from './proc-routes.js';
