/**
 * System edge: running external commands (ip, bird, vtysh, gobgp…) with bounded time, and creating,
 * entering and removing Linux network namespaces. Everything here does I/O; nothing above the lab and
 * speaker edges should import it.
 */
export * from './exec.js';
export * from './netns.js';
